"""Dereferenceable URIs: ``/term/{id}`` → 303 to ``/term/{id}.html|.ttl|...``."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from server import linkeddata
from server.errors import NotFound
from server.routers import deps
from server.store import EmbeddedStore
from server.views import resource_view

router = APIRouter()
CACHE_SIZE = 100_000
#: Formats rendered ahead of requests after every write (anonymous readers).
PREWARM = ("ttl",)


def _render(request: Request, iri: str, ext: str, lang: str) -> bytes:
    settings, store, caller = deps.settings(request), deps.store(request), deps.caller(request)
    import pyoxigraph as ox

    reader = deps.reader(request, caller.level)
    triples = linkeddata.describe(settings, store, reader, caller, ox.NamedNode(iri))
    if ext != "html":
        return linkeddata.serialize(triples, ext)
    view = resource_view(triples, iri, lang, settings.base)
    template = request.app.state.templates.get_template("resource.html")
    path = request.url.path
    view["downloads"] = [(e, path.rsplit(".", 1)[0] + "." + e) for e in linkeddata.EXTENSIONS if e != "html"]
    return str(template.render(view=view, **deps.page_context(request))).encode("utf-8")


def _document(request: Request, iri: str, ext: str) -> Response:
    """A document with validators; cached per store version, level and language."""
    lang = deps.ui_language(request) if ext == "html" else "en"  # RDF documents do not depend on it
    caller = deps.caller(request)
    state = request.app.state
    key = (iri, ext, caller.level, lang, state.version)
    cache: dict[Any, tuple[bytes, str]] = state.documents
    media = linkeddata.EXTENSIONS[ext]
    headers: dict[str, str] = {"Last-Modified": format_datetime(state.last_modified, usegmt=True)}
    headers["X-Cache"] = "HIT" if key in cache else "MISS"
    if key not in cache:
        try:
            body = _render(request, iri, ext, lang)
        except NotFound as exc:
            return Response(
                linkeddata.not_found_body(iri, ext) if ext != "html" else _not_found_page(request, str(exc)),
                status_code=404,
                media_type=media,
            )
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = (body, linkeddata.etag_for(body))
    body, etag = cache[key]
    headers["ETag"] = etag
    if ext == "html":
        headers["Vary"] = "Authorization, Cookie, Accept-Language"
    elif caller.role != "anonymous":
        headers["Vary"] = "Authorization, Cookie"
    if _not_modified(request, etag, state.last_modified):
        return Response(status_code=304, headers=headers)
    return Response(body if request.method != "HEAD" else b"", media_type=media, headers=headers)


def prewarm(state: Any) -> int:
    """Render the public Turtle documents of every term and substance into the
    cache, so that dereferencing answers from memory (run in a background
    thread after each write; a newer write makes it stop)."""
    version = state.version
    reader = EmbeddedStore(state.snapshots.levels["tlp-clear"], read_only=True)
    cache: dict[Any, tuple[bytes, str]] = state.documents
    done = 0
    for iri in reader.resources():
        if state.version != version or len(cache) >= CACHE_SIZE:
            break
        for ext in PREWARM:
            key = (iri, ext, "tlp-clear", "en", version)
            if key in cache:
                continue
            try:
                triples = reader.describe(ox.NamedNode(iri), None)
            except ValueError:
                continue
            body = linkeddata.serialize(triples, ext)
            cache[key] = (body, linkeddata.etag_for(body))
            done += 1
    return done


def _not_found_page(request: Request, message: str) -> bytes:
    template = request.app.state.templates.get_template("not_found.html")
    return str(template.render(message=message, **deps.page_context(request))).encode("utf-8")


def _not_modified(request: Request, etag: str, last_modified: Any) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return bool(parsedate_to_datetime(since) >= last_modified.replace(microsecond=0))
        except (TypeError, ValueError):
            return False
    return False


def _see_other(request: Request, path: str, accept: str | None) -> Response:
    ext = linkeddata.choose_extension(accept)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{path}.{ext}{query}", status_code=303, headers={"Vary": "Accept"})


@router.api_route("/ontology", methods=["GET", "HEAD"], summary="The ontology (303 by Accept)")
async def ontology(request: Request) -> Response:
    return _see_other(request, "/ontology", request.headers.get("accept"))


@router.api_route("/ontology.{ext}", methods=["GET", "HEAD"], summary="The ontology as a document")
async def ontology_document(request: Request, ext: str) -> Response:
    if ext not in linkeddata.EXTENSIONS:
        raise NotFound(f"no ontology document in format {ext!r}")
    settings = deps.settings(request)
    return await run_in_threadpool(_document, request, f"{settings.base}ontology", ext)


@router.api_route(
    "/{kind}/{name:path}", methods=["GET", "HEAD"], summary="Dereference a URI or fetch its document"
)
async def resource(request: Request, kind: str, name: str) -> Response:
    if kind not in linkeddata.KINDS:
        raise NotFound(f"no resources under /{kind}/")
    stem, ext = linkeddata.split_extension(name)
    if ext is None:
        return _see_other(request, f"/{kind}/{stem}", request.headers.get("accept"))
    settings = deps.settings(request)
    linkeddata.resource_iri(settings, kind, stem)  # 404 for names that are not IRIs
    iri = f"{settings.base}{kind}/{stem}"
    if _cached(request, iri, ext):
        return _document(request, iri, ext)  # from memory: no thread hand-off
    return await run_in_threadpool(_document, request, iri, ext)


def _cached(request: Request, iri: str, ext: str) -> bool:
    """Is this document rendered already (for this caller's level and language)?"""
    state = request.app.state
    lang = deps.ui_language(request) if ext == "html" else "en"
    return (iri, ext, deps.caller(request).level, lang, state.version) in state.documents
