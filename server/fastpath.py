"""A lean ASGI front for the hottest request: ``GET /sparql?query=…`` from a program.

It answers exactly as the FastAPI route does (same domain functions, same
headers, same error bodies) but skips FastAPI's routing, dependency solving and
middleware stack, which cost more than a lookup query itself. Anything else —
browsers asking for HTML, session cookies, updates, other paths — goes to the
application unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI
from starlette.requests import Request

from server import formats, sparql
from server.access import authenticate
from server.errors import KpError
from server.routers.sparql import HTML, result_headers

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
PROGRAM_OFFERS = [HTML, *sparql.RESULTS_OFFERS, *sparql.GRAPH_OFFERS]


class SparqlFastPath:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/sparql" or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        request = self._request(scope)
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
            outcome = await sparql.run_query(state.settings, state.store, state.pool, caller, spec)
        except KpError as exc:
            handler = self.app.exception_handlers[KpError]
            answer = handler(Request(scope, receive), exc)  # the application's own error body
            response = await answer if inspect.isawaitable(answer) else answer
            return await response(scope, receive, send)
        # The headers the route's Response would write, in its order, without building one.
        headers = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                   for name, value in result_headers(outcome).items()]  # fmt: skip
        headers.append((b"content-length", b"%d" % len(outcome.body)))
        headers.append((b"content-type", _content_type(outcome.media_type)))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": outcome.body})

    @staticmethod
    def _request(scope: Scope) -> dict[str, Any] | None:
        """What the fast path needs, or None when the request is not one it serves."""
        try:
            params = parse_qs(scope["query_string"].decode("utf-8"), keep_blank_values=False, errors="strict")
        except UnicodeDecodeError:
            return None  # the application says what is wrong
        queries = params.get("query", [])
        if len(queries) != 1 or "update" in params:
            return None
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            if key in ("accept", "authorization", "cookie"):
                headers[key] = value.decode("latin-1")
        if "cookie" in headers and "authorization" not in headers:
            return None  # browser sessions are resolved by the application
        if formats.negotiate(headers.get("accept"), PROGRAM_OFFERS) in (HTML, None):
            return None  # the editor page, or a 406 the application writes
        return {"query": queries[0], "params": params, "accept": headers.get("accept"),
                "authorization": headers.get("authorization")}  # fmt: skip


@functools.lru_cache(maxsize=32)
def _content_type(media_type: str) -> bytes:
    """As starlette's Response writes it: text types say their charset."""
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")
