"""Dependencies shared by routers: settings, store, pool and caller from app.state."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from server.access import Caller, authenticate
from server.config import Settings
from server.errors import TooLarge
from server.i18n import choose_language, translator
from server.namespaces import CORE_LANGUAGES
from server.store import EmbeddedStore
from server.workers import QueryPool


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def store(request: Request) -> EmbeddedStore:
    value: EmbeddedStore = request.app.state.store
    return value


def pool(request: Request) -> QueryPool:
    value: QueryPool = request.app.state.pool
    return value


def reader(request: Request, level: str) -> EmbeddedStore:
    """A read-only store over the current snapshot of a handling level."""
    found: EmbeddedStore = request.app.state.open_reader(level)
    return found


def derived(request: Request, name: str, level: str) -> Any:
    """A structure built from the current snapshot of a level (see server.derived)."""
    return request.app.state.derived.get(name, level)


def ui_language(request: Request) -> str:
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def page_context(request: Request) -> dict[str, Any]:
    """What every page template needs: the interface language and its strings."""
    lang = ui_language(request)
    return {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "lang_suffix": "" if lang == "en" else f"?lang={lang}",
        "ui_languages": CORE_LANGUAGES,
        "keep_params": [(k, v) for k, v in request.query_params.multi_items() if k != "lang"],
    }


SESSION_COOKIE = "kp_session"


def caller(request: Request) -> Caller:
    """Who is calling: the bearer token, else (for reading only) the browser session
    cookie set by the review pages' sign-in. A cookie never authorises a write
    except through the review forms, which also check a CSRF token."""
    state = request.app.state
    header = request.headers.get("authorization")
    if not header and request.method in ("GET", "HEAD"):
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            header = f"Bearer {cookie}"
    return authenticate(header, state.settings.admin_digests, state.tokens)


def session_caller(request: Request) -> Caller:
    """The caller of a review form POST: the session cookie (never a header)."""
    state = request.app.state
    cookie = request.cookies.get(SESSION_COOKIE)
    return authenticate(f"Bearer {cookie}" if cookie else None, state.settings.admin_digests, state.tokens)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body is {declared} bytes; at most {limit} are accepted")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the request body is over {limit} bytes")
    return bytes(body)


def local_path(request: Request, iri: str) -> str:
    """The path on this server of a Knowledge Package IRI (others stay as they are),
    keeping the interface language."""
    base: str = request.app.state.settings.base
    if not iri.startswith(base):
        return iri
    lang = ui_language(request)
    return "/" + iri[len(base) :] + ("" if lang == "en" else f"?lang={lang}")


def statistics(request: Request, level: str) -> dict[str, Any]:
    """The statistics of a level (server.stats), kept until the store changes:
    they take a few queries over every visible graph."""
    from server import stats

    state = request.app.state
    key = (state.version, level)
    cache: dict[tuple[int, str], dict[str, Any]] = getattr(state, "stats_cache", {})
    found = cache.get(key)
    if found is None:
        found = stats.statistics(state.settings, state.store, level, snapshot=reader(request, level))
        state.stats_cache = {**{k: v for k, v in cache.items() if k[0] == key[0]}, key: found}
    return found
