"""The lean front for ``GET /sparql`` answers exactly as the application's route.

Each row is sent three ways: GET from a program (the fast path), the same GET
with a session cookie, and a POST form (both answered by the FastAPI route).
Status, headers and body must agree, but for the date and the query's timing."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from server.fastpath import FastPath
from tests.server_fixture import ADMIN_TOKEN, LiveServer

SRJ = "application/sparql-results+json"
TSV = "text/tab-separated-values"
TERM = "https://w3id.org/drugkp/term/T0001"
VARYING = {"date", "x-kp-query-seconds", "content-length", "x-cache"}  # x-cache: a lookup process kept it


def answers(server: LiveServer, query: str, headers: dict[str, str]) -> list[httpx.Response]:
    url = server.url + "/sparql"
    return [
        httpx.get(url, params={"query": query}, headers=headers),
        httpx.get(url, params={"query": query}, headers={**headers, "Cookie": "theme=dark"}),
        httpx.post(url, data={"query": query}, headers=headers),
    ]


def said(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k.lower(), v) for k, v in response.headers.multi_items() if k.lower() not in VARYING]
    return response.status_code, headers, response.content


@pytest.mark.parametrize(
    ("query", "accept", "status", "media"),
    [
        (f"SELECT ?p ?o WHERE {{ <{TERM}> ?p ?o }}", SRJ, 200, SRJ),
        (f"SELECT ?p ?o WHERE {{ <{TERM}> ?p ?o }}", "text/csv", 200, "text/csv; charset=utf-8"),
        (f"SELECT ?p ?o WHERE {{ <{TERM}> ?p ?o }}", TSV, 200, f"{TSV}; charset=utf-8"),
        ("SELECT ?s WHERE { ?s ?p ?o }", SRJ, 200, SRJ),  # past the 50-row cap
        ("ASK { ?s ?p ?o }", "application/sparql-results+xml", 200, "application/sparql-results+xml"),
        (f"DESCRIBE <{TERM}>", "text/turtle", 200, "text/turtle; charset=utf-8"),
        ("SELECT ?s WHERE { ?s ", SRJ, 400, "application/json"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", SRJ, 406, "application/json"),
    ],
)
def test_the_fast_path_answers_as_the_route(
    live_server: LiveServer, query: str, accept: str, status: int, media: str
) -> None:
    fast, cookie, form = answers(live_server, query, {"Accept": accept})
    assert fast.status_code == status
    assert fast.headers["content-type"] == media
    assert int(fast.headers["content-length"]) == len(fast.content)
    assert said(fast) == said(cookie) == said(form)
    if status == 200:
        assert fast.headers["vary"] == "Accept"
        assert float(fast.headers["x-kp-query-seconds"]) >= 0


def test_truncation_is_said_on_the_fast_path(live_server: LiveServer) -> None:
    fast = answers(live_server, "SELECT ?s WHERE { ?s ?p ?o }", {"Accept": SRJ})[0]
    assert fast.headers["x-kp-truncated"] == "true"
    assert fast.headers["warning"] == '199 - "results truncated at the row cap"'
    assert fast.headers["x-kp-rows"] == "50"


@pytest.mark.parametrize(
    ("authorization", "status"), [("Bearer wrong", 401), ("Basic abc", 401), (f"Bearer {ADMIN_TOKEN}", 200)]
)
def test_tokens_on_the_fast_path(live_server: LiveServer, authorization: str, status: int) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    fast, _cookie, form = answers(live_server, query, {"Accept": SRJ, "Authorization": authorization})
    assert fast.status_code == status
    assert said(fast) == said(form)


@pytest.mark.parametrize("ext", ["ttl", "nt", "jsonld", "rdf"])
def test_documents_already_rendered_are_answered_as_the_route_answers(
    live_server: LiveServer, ext: str
) -> None:
    url = f"{live_server.url}/term/T0001.{ext}"
    httpx.get(url, headers={"Cookie": "theme=dark"})  # rendered (and cached) by the application
    fast, routed = httpx.get(url), httpx.get(url, headers={"Cookie": "theme=dark"})
    assert fast.status_code == 200 and fast.headers["x-cache"] == "HIT"
    assert said(fast) == said(routed)
    again = httpx.get(url, headers={"If-None-Match": fast.headers["etag"]})
    assert again.status_code == 304  # conditional requests: the application's


class _Stub:
    """An application that says it was asked, with the state the fast path reads."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.state = SimpleNamespace(
            settings=SimpleNamespace(base="https://w3id.org/drugkp/"),
            documents={
                ("https://w3id.org/drugkp/term/T1", "ttl", "tlp-clear", "en", 3): (b"<a> <b> <c> .\n", '"e1"')
            },
            version=3,
            last_modified=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.asked.append(scope["path"])


@pytest.mark.parametrize(
    ("path", "query", "headers", "fast"),
    [
        ("/term/T1.ttl", b"", [], True),
        ("/term/T1.ttl", b"", [(b"accept", b"*/*")], True),
        ("/term/T2.ttl", b"", [], False),  # not rendered yet
        ("/term/T1.nt", b"", [], False),
        ("/term/T1.html", b"", [], False),  # pages depend on the reader's language
        ("/term/T1", b"", [], False),  # 303 by Accept
        ("/term/T1.ttl", b"x=1", [], False),
        ("/term/T1.ttl", b"", [(b"authorization", b"Bearer x")], False),
        ("/term/T1.ttl", b"", [(b"cookie", b"kp_session=x")], False),
        ("/term/T1.ttl", b"", [(b"if-none-match", b'"e1"')], False),
        ("/nothing/T1.ttl", b"", [], False),
    ],
)
def test_which_document_requests_the_fast_path_answers(
    path: str, query: bytes, headers: list[tuple[bytes, bytes]], fast: bool
) -> None:
    stub, sent = _Stub(), []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers}
    asyncio.run(FastPath(stub)(scope, None, send))  # type: ignore[arg-type]
    assert stub.asked == ([] if fast else [path])
    if fast:
        assert sent[0]["headers"] == [
            (b"last-modified", b"Fri, 02 Jan 2026 03:04:05 GMT"),
            (b"x-cache", b"HIT"),
            (b"etag", b'"e1"'),
            (b"content-length", b"14"),
            (b"content-type", b"text/turtle; charset=utf-8"),
        ]
        assert sent[1]["body"] == b"<a> <b> <c> .\n"
