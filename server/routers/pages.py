"""Pages for people (server-rendered, readable without JavaScript)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from server.routers import deps

router = APIRouter()


@router.get("/", response_class=HTMLResponse, summary="Home page with statistics")
async def home(request: Request) -> HTMLResponse:
    caller = deps.caller(request)
    numbers = await run_in_threadpool(deps.statistics, request, caller.level)
    context = {**deps.page_context(request), "stats": numbers, "caller": caller}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "home.html", context, headers={"Vary": "Accept-Language"}
    )
    return response
