"""The OpenAPI documentation page, served entirely from this server (no CDN).

Swagger UI's files come from the ``swagger-ui-bundle`` package installed with
the project, mounted under ``/api/docs/assets``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles


def mount(app: FastAPI) -> None:
    import swagger_ui_bundle  # type: ignore[import-untyped]

    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )
