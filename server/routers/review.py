"""Review pages for people: sign in with a token, the queue, one contribution with its
report and preview, and approve / reject / withdraw buttons.

Browsers cannot send bearer tokens, so signing in puts the token in an
HttpOnly, SameSite=Strict cookie. Every form POST carries a CSRF token (an
HMAC of the session under a per-process secret) that is checked before
anything is done; the cookie alone never authorises a write.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from server.access import Caller
from server.contributions import Contributions
from server.errors import Forbidden, KpError, Unauthorized
from server.routers import deps

router = APIRouter(prefix="/review", include_in_schema=False)


def _workflow(request: Request) -> Contributions:
    value: Contributions = request.app.state.contributions
    return value


def csrf_token(request: Request) -> str:
    session = request.cookies.get(deps.SESSION_COOKIE, "")
    secret: bytes = request.app.state.csrf_secret
    return hmac.new(secret, session.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_csrf(request: Request, token: str) -> Caller:
    if not request.cookies.get(deps.SESSION_COOKIE):
        raise Unauthorized("sign in first (/review/login)")
    if not hmac.compare_digest(token, csrf_token(request)):
        raise Forbidden(
            "the form has expired or did not come from this site (CSRF check failed); reload the page"
        )
    return deps.session_caller(request)


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    merged = {**deps.page_context(request), "csrf": csrf_token(request), **context}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, merged, status_code=status, headers={"Cache-Control": "no-store"}
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "review_login.html")


@router.post("/login")
def login(request: Request, token: str = Form(...)) -> Response:
    state = request.app.state
    from server.access import authenticate

    try:
        who = authenticate(f"Bearer {token.strip()}", state.settings.admin_digests, state.tokens)
    except KpError:
        return _page(request, "review_login.html", status=401, error="unknown or revoked token")
    if who.role not in ("contributor", "reviewer", "admin"):
        return _page(request, "review_login.html", status=403, error=f"a {who.role} token cannot review")
    response = RedirectResponse("/review", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(deps.SESSION_COOKIE, token.strip(), httponly=True, samesite="strict", secure=secure,
                        max_age=8 * 3600, path="/")  # fmt: skip
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    _check_csrf(request, csrf)
    response = RedirectResponse("/review/login", status_code=303)
    response.delete_cookie(deps.SESSION_COOKIE, path="/")
    return response


@router.get("", response_class=HTMLResponse)
def queue(request: Request, status: str | None = None) -> Response:
    if not request.cookies.get(deps.SESSION_COOKIE):
        return RedirectResponse("/review/login", status_code=303)
    who = deps.caller(request)
    records = _workflow(request).records(who, status)
    return _page(request, "review_list.html", records=records, who=who, current=status or "")


@router.get("/{cid}", response_class=HTMLResponse)
def item(request: Request, cid: str) -> Response:
    if not request.cookies.get(deps.SESSION_COOKIE):
        return RedirectResponse("/review/login", status_code=303)
    who = deps.caller(request)
    record = _workflow(request).get(who, cid)
    return _page(request, "review_item.html", record=record, who=who)


@router.post("/{cid}/{action}")
async def decide(
    request: Request, cid: str, action: str, csrf: str = Form(""), reason: str = Form("")
) -> Response:
    who = _check_csrf(request, csrf)
    workflow = _workflow(request)
    if action == "approve":
        await run_in_threadpool(workflow.approve, who, cid)
    elif action == "reject":
        await run_in_threadpool(workflow.reject, who, cid, reason)
    elif action == "withdraw":
        await run_in_threadpool(workflow.withdraw, who, cid)
    else:
        return Response("unknown action", status_code=404)
    return RedirectResponse(f"/review/{cid}", status_code=303)
