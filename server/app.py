"""The FastAPI application, built by a factory from settings."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from server import __version__
from server.config import Settings
from server.contributions import Contributions
from server.derived import Derived
from server.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidData,
    KpError,
    NotAcceptable,
    NotFound,
    Overloaded,
    ParseError,
    QueryAborted,
    QuerySyntaxError,
    QueryTimeout,
    TooLarge,
    Unauthorized,
    UnsupportedMedia,
)
from server.loader import meta_graph
from server.snapshots import Snapshots, SnapshotSet, directory_for
from server.store import EmbeddedStore
from server.tokens import TokenStore, auth_path
from server.workers import QueryPool

HERE = Path(__file__).resolve().parent

STATUS: dict[type[KpError], int] = {
    BadRequest: 400,
    ParseError: 400,
    QuerySyntaxError: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotAcceptable: 406,
    TooLarge: 413,
    UnsupportedMedia: 415,
    InvalidData: 422,
    NotFound: 404,
    Conflict: 409,
    QueryTimeout: 503,
    QueryAborted: 503,
    Overloaded: 503,
}


def ensure_loaded(settings: Settings, store: EmbeddedStore) -> None:
    """A new store gets the seed vocabulary, so the server works in one step."""
    from server.loader import load

    if not store.graph_infos(meta_graph(settings)):
        load(settings, store)


def _readable(accept: str | None) -> str | None:
    """text/plain or text/html when the client prefers them to JSON (no aliases here)."""
    ranges = []
    for part in (accept or "").split(","):
        media, _, params = part.strip().lower().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.strip(), q))
    for media, q in sorted(ranges, key=lambda item: -item[1]):
        if q <= 0:
            continue
        if media in ("text/plain", "text/html"):
            return media
        if media in ("application/json", "application/*", "*/*"):
            return None
    return None


def _readable_error(
    request: Request, media: str, status: int, body: dict[str, object], headers: dict[str, str]
) -> Response:
    from server.validation import render_findings

    report = body.get("report")
    findings = report.get("findings", []) if isinstance(report, dict) else []
    if media == "text/plain":
        text = f"{body['message']}\n" + (render_findings(findings) + "\n" if findings else "")
        return PlainTextResponse(text, status_code=status, headers=headers)
    from server.routers.deps import page_context

    context = {**page_context(request), "error": body, "findings": findings}
    response: Response = request.app.state.templates.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )
    return response


def register_derived(derived: Derived) -> None:
    """The structures built from each level's snapshot, kept in step with the store."""
    from server import lexicon, match, search

    derived.register("lexicon", lambda _derived, reader, level: lexicon.build(reader, level))
    # On first use: compiling matchers at start-up would compete with the first requests.
    derived.register(
        "matcher", lambda d, _reader, level: match.Matcher(d.get("lexicon", level)), prebuild=False
    )
    derived.register("search", lambda d, _reader, level: search.Index.build(d.get("lexicon", level)))


def create_app(settings: Settings) -> FastAPI:
    store = EmbeddedStore(settings.store_path)
    ensure_loaded(settings, store)

    snapshots = Snapshots(store, directory_for(settings.store_path), meta_graph(settings))

    def use(snapshot_set: SnapshotSet) -> None:
        readers: dict[str, EmbeddedStore] = {}  # read-only stores over this set, opened on first use
        lock = threading.Lock()

        def open_reader(level: str) -> EmbeddedStore:
            with lock:
                found = readers.get(level)
                if found is None:
                    found = readers[level] = EmbeddedStore(snapshot_set.levels[level], read_only=True)
                return found

        app.state.snapshots = snapshot_set
        app.state.open_reader = open_reader
        app.state.derived.reset(app.state.version, open_reader)
        snapshots.publish(snapshot_set)  # for lookup processes (server.lookups)

    def warm() -> None:
        from server.routers.linkeddata import prewarm

        threading.Thread(target=prewarm, args=(app.state,), daemon=True, name="prewarm").start()
        threading.Thread(target=app.state.derived.prebuild, daemon=True, name="prebuild").start()

    def store_changed() -> None:
        """After a write: new snapshots for readers, fresh documents."""
        snapshot_set = snapshots.take()
        app.state.pool.use_snapshots(snapshot_set)
        app.state.version += 1
        use(snapshot_set)
        app.state.documents = {}
        app.state.last_modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
        warm()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        first = snapshots.take()
        use(first)
        app.state.pool = QueryPool(
            first, settings.query_workers, settings.query_timeout, memory_mb=settings.query_memory_mb
        )
        app.state.store_changed = store_changed
        app.state.contributions = Contributions(
            settings, store, lambda: app.state.derived.get("lexicon", "tlp-amber"), store_changed
        )
        app.state.contributions.clean_up()
        warm()
        try:
            yield
        finally:
            app.state.pool.close()
            store.flush()

    app = FastAPI(
        title="Drug-term Knowledge Package",
        version=__version__,
        description="Multilingual knowledge graph of drug-advertising terms: SPARQL, linked data, API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.tokens = TokenStore(auth_path(settings.store_path))
    app.state.csrf_secret = secrets.token_bytes(32)  # signs the review forms' CSRF tokens
    app.state.version = 0  # bumped on every write; keys the document cache
    app.state.derived = Derived(lambda level: app.state.open_reader(level))
    register_derived(app.state.derived)
    app.state.documents = {}
    app.state.stats_cache = {}  # (version, level) → server.stats numbers
    app.state.last_modified = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # Every value is escaped: labels come from contributors.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
    app.state.templates = Jinja2Templates(env=environment)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(KpError)
    async def domain_error(request: Request, exc: KpError) -> Response:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
        body: dict[str, object] = {"error": exc.code, "message": str(exc)}
        headers = {}
        if isinstance(exc, NotAcceptable):
            body["acceptable"] = exc.offers
        if isinstance(exc, InvalidData) and hasattr(exc.report, "to_dict"):
            body["report"] = exc.report.to_dict()
        if isinstance(exc, ParseError):
            body.update(source=exc.source, line=exc.line, column=exc.column)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="drugkp"'
        if request.url.path.startswith("/api/v1/contributions"):
            # People reading a report get text or a page; machines (and */*) get JSON.
            wanted = _readable(request.headers.get("accept"))
            if wanted is not None:
                return _readable_error(request, wanted, status, body, headers)
        return JSONResponse(body, status_code=status, headers=headers)

    from server.routers import (
        browse,
        contributions,
        docs,
        linkeddata,
        pages,
        releases,
        review,
        search,
        sparql,
    )
    from server.routers import match as match_routes
    from server.routers import skosmos as skosmos_routes
    from server.routers import stats as stats_routes

    app.include_router(sparql.router)
    app.include_router(match_routes.router)
    app.include_router(contributions.router)
    app.include_router(contributions.history_router)
    app.include_router(review.router)
    app.include_router(search.router)
    app.include_router(skosmos_routes.router)
    docs.mount(app)
    app.include_router(pages.router)
    app.include_router(releases.router)  # before linkeddata: /release/{version} is served from dist/
    app.include_router(browse.router)
    app.include_router(stats_routes.router)
    app.include_router(linkeddata.router)  # last: its /{kind}/{name} would take /browse/…
    return app
