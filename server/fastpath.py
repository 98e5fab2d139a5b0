"""A lean ASGI front for the hottest requests from programs: ``GET /sparql?query=…``
and ``GET /term/{id}.ttl`` (any RDF document) already rendered for anonymous readers.

It answers exactly as the FastAPI routes do (same domain functions, same
headers, same error bodies, the same document cache) but skips FastAPI's
routing, dependency solving and middleware stack, which cost more than a lookup
query itself, and more than sending a document from memory. Anything else —
browsers asking for HTML, session cookies, tokens on documents, conditional
requests, documents not rendered yet, updates, other paths — goes to the
application unchanged.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI
from starlette.requests import Request

from server import formats, linkeddata, sparql
from server.access import authenticate
from server.errors import KpError
from server.routers.sparql import HTML, result_headers

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
PROGRAM_OFFERS = [HTML, *sparql.RESULTS_OFFERS, *sparql.GRAPH_OFFERS]


class FastPath:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        if scope["path"] != "/sparql":
            document = self._document(scope)
            if document is None:
                return await self.app(scope, receive, send)
            await send({"type": "http.response.start", "status": 200, "headers": document[0]})
            await send({"type": "http.response.body", "body": document[1]})
            return None
        request = program_request(scope["query_string"], scope["headers"])
        if request is None:
            return await self.app(scope, receive, send)
        state = self.app.state
        try:
            caller = authenticate(request["authorization"], state.settings.admin_digests, state.tokens)
            spec = sparql.SparqlRequest(
                query=request["query"],
                default_graph_uris=request["params"].get("default-graph-uri", []),
                named_graph_uris=request["params"].get("named-graph-uri", []),
                accept=request["accept"],
            )
            outcome = await sparql.run_query(
                state.settings, state.store, state.pool, caller, spec, state.open_reader
            )
        except KpError as exc:
            handler = self.app.exception_handlers[KpError]
            answer = handler(Request(scope, receive), exc)  # the application's own error body
            response = await answer if inspect.isawaitable(answer) else answer
            return await response(scope, receive, send)
        # The headers the route's Response would write, in its order, without building one.
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                   for name, value in result_headers(outcome).items()]  # fmt: skip
        headers.append((b"content-length", b"%d" % len(outcome.body)))
        headers.append((b"content-type", content_type(outcome.media_type)))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": outcome.body})

    def _document(self, scope: Scope) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The headers and body of an RDF document already rendered for anonymous readers,
        as the linked-data route writes them; None for any other request."""
        kind, _, name = scope["path"][1:].partition("/")
        if kind not in linkeddata.KINDS or scope["query_string"]:
            return None
        stem, ext = linkeddata.split_extension(name)
        if ext is None or ext == "html":
            return None
        for header, _value in scope["headers"]:
            if header in _PERSONAL:
                return None  # tokens, sessions and conditional requests: the application's
        state = self.app.state
        found = state.documents.get(
            (f"{state.settings.base}{kind}/{stem}", ext, "tlp-clear", "en", state.version)
        )
        if found is None:
            return None
        body, etag = found
        headers = [
            (b"last-modified", _http_date(state.last_modified)),
            (b"x-cache", b"HIT"),
            (b"etag", etag.encode("latin-1")),
            (b"content-length", b"%d" % len(body)),
            (b"content-type", content_type(linkeddata.EXTENSIONS[ext])),
        ]
        return headers, body


def program_request(query_string: bytes, headers: Iterable[tuple[bytes, bytes]]) -> dict[str, Any] | None:
    """What the fast path needs from ``GET /sparql?…`` (the query string and the
    request headers, names in lower case), or None when it is not a query from a
    program that the fast path serves (browsers, updates, undecodable text)."""
    try:
        params = parse_qs(query_string.decode("utf-8"), keep_blank_values=False, errors="strict")
    except UnicodeDecodeError:
        return None  # the application says what is wrong
    queries = params.get("query", [])
    if len(queries) != 1 or "update" in params:
        return None
    found: dict[str, str] = {}
    for name, value in headers:
        key = name.decode("latin-1").lower()
        if key in ("accept", "authorization", "cookie"):
            found[key] = value.decode("latin-1")
    if "cookie" in found and "authorization" not in found:
        return None  # browser sessions are resolved by the application
    if formats.negotiate(found.get("accept"), PROGRAM_OFFERS) in (HTML, None):
        return None  # the editor page, or a 406 the application writes
    return {"query": queries[0], "params": params, "accept": found.get("accept"),
            "authorization": found.get("authorization")}  # fmt: skip


#: Request headers that send a document request to the application.
_PERSONAL = {b"authorization", b"cookie", b"if-none-match", b"if-modified-since"}


@functools.lru_cache(maxsize=4)
def _http_date(moment: dt.datetime) -> bytes:
    return format_datetime(moment, usegmt=True).encode("latin-1")


@functools.lru_cache(maxsize=32)
def content_type(media_type: str) -> bytes:
    """As starlette's Response writes it: text types say their charset."""
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")
