"""``/sparql``: the SPARQL 1.1 Protocol (query and update), service description
and, for browsers, a query editor with results as a table."""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from server import formats, sparql
from server.errors import BadRequest, UnsupportedMedia
from server.routers import deps
from server.workers import QueryOutcome

router = APIRouter()

HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
EXAMPLES = [
    (
        "All terms for fentanyl in Polish",
        """SELECT ?term ?label WHERE {
  ?substance skos:prefLabel "fentanyl"@en .
  ?term kp:refersTo ?substance ;
        skos:prefLabel|skos:altLabel ?label .
  FILTER (LANG(?label) = "pl")
}""",
    ),
    (
        "Emoji codes with high ambiguity",
        """SELECT ?emoji ?meaning WHERE {
  ?label kp:termType ?type ;
         kp:ambiguity <https://w3id.org/drugkp/scheme/ambiguity/high> ;
         skosxl:literalForm ?emoji .
  FILTER (?type IN (<https://w3id.org/drugkp/scheme/term-types/emoji>,
                    <https://w3id.org/drugkp/scheme/term-types/emoji-sequence>))
  ?term skosxl:altLabel|skosxl:prefLabel ?label ;
        skos:definition ?meaning .
}""",
    ),
    (
        "Terms first seen this year",
        """SELECT ?text ?firstSeen WHERE {
  ?label kp:firstSeen ?firstSeen ;
         skosxl:literalForm ?text .
  FILTER (YEAR(?firstSeen) = YEAR(NOW()))
} ORDER BY DESC(?firstSeen)""",
    ),
    (
        "Labels per language",
        """SELECT (LANG(?text) AS ?language) (COUNT(*) AS ?labels) WHERE {
  ?label a skosxl:Label ; skosxl:literalForm ?text .
} GROUP BY (LANG(?text)) ORDER BY DESC(?labels)""",
    ),
]


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not valid UTF-8 (byte {exc.start})") from None


def _params(pairs: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in pairs.items() if v}


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise BadRequest(f"give '{name}' once, not {len(values)} times")
    return values[0] if values else None


def result_headers(outcome: QueryOutcome) -> dict[str, str]:
    """The headers of a query's answer (besides its type and length)."""
    headers = {"X-KP-Rows": str(outcome.rows), "Vary": "Accept"}
    if "seconds" in outcome.extra:
        headers["X-KP-Query-Seconds"] = str(outcome.extra["seconds"])
    if outcome.truncated:
        headers["X-KP-Truncated"] = "true"
        headers["Warning"] = '199 - "results truncated at the row cap"'
    return headers


def _respond(outcome: QueryOutcome) -> Response:
    return Response(outcome.body, media_type=outcome.media_type, headers=result_headers(outcome))


async def _handle(
    request: Request, params: dict[str, list[str]], query: str | None, update: str | None
) -> Response:
    settings = deps.settings(request)
    store = deps.store(request)
    pool = deps.pool(request)
    caller = deps.caller(request)
    reader = functools.partial(deps.reader, request)  # lookups are answered from its snapshot
    if query is not None and update is not None:
        raise BadRequest("a request carries either 'query' or 'update', not both")
    accept = request.headers.get("accept")
    if update is not None:
        await run_in_threadpool(sparql.run_update, store, request.app.state.store_changed, caller, update)
        return Response(status_code=204)
    if query is None:
        return _no_query(request, accept)
    spec = sparql.SparqlRequest(
        query=query,
        default_graph_uris=params.get("default-graph-uri", []),
        named_graph_uris=params.get("named-graph-uri", []),
        accept=accept,
    )
    wants_html = formats.negotiate(accept, [HTML, *sparql.RESULTS_OFFERS, *sparql.GRAPH_OFFERS]) == HTML
    if wants_html and request.method == "GET":
        spec = sparql.SparqlRequest(spec.query, None, spec.default_graph_uris, spec.named_graph_uris,
                                    "application/sparql-results+json, text/turtle;q=0.9")  # fmt: skip
        outcome = await sparql.run_query(settings, store, pool, caller, spec, reader)
        return _editor(request, query, outcome)
    outcome = await sparql.run_query(settings, store, pool, caller, spec, reader)
    return _respond(outcome)


def _no_query(request: Request, accept: str | None) -> Response:
    offers = [HTML, *[f.media_type for f in formats.FORMATS if not f.datasets]]
    choice = formats.negotiate(accept, offers)
    if choice is None or choice == HTML:
        return _editor(request, None, None)
    endpoint = str(request.url.replace(query=""))
    body = ox.serialize(
        sparql.service_description(deps.settings(request), endpoint),
        format=formats.by_media(choice).rdf_format,
    )
    return Response(bytes(body or b""), media_type=choice, headers={"Vary": "Accept"})


def _table(outcome: QueryOutcome) -> dict[str, Any]:
    if outcome.kind == "graph":
        return {"text": outcome.body.decode("utf-8")}
    data = json.loads(outcome.body)
    if "boolean" in data:
        return {"boolean": data["boolean"]}
    variables = data["head"]["vars"]
    rows = [[_cell(binding.get(v)) for v in variables] for binding in data["results"]["bindings"]]
    return {"variables": variables, "rows": rows}


def _cell(term: dict[str, str] | None) -> dict[str, str]:
    if term is None:
        return {"text": "", "kind": "unbound"}
    if term["type"] == "uri":
        return {"text": term["value"], "kind": "uri"}
    if term["type"] == "bnode":
        return {"text": "_:" + term["value"], "kind": "bnode"}
    suffix = f"@{term['xml:lang']}" if "xml:lang" in term else ""
    return {"text": term["value"], "kind": "literal", "suffix": suffix}


def _editor(request: Request, query: str | None, outcome: QueryOutcome | None) -> HTMLResponse:
    templates = request.app.state.templates
    from server.queries import SPARQL_PREFIXES

    context = {
        **deps.page_context(request),
        "query": query or EXAMPLES[0][1],
        "prefixes": SPARQL_PREFIXES,
        "examples": EXAMPLES,
        "result": _table(outcome) if outcome else None,
        "outcome": outcome,
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, "sparql.html", context, headers={"Vary": "Accept"}
    )
    return response


@router.get("/sparql", summary="SPARQL query (GET), service description, or the query editor")
async def sparql_get(request: Request) -> Response:
    params = _params(parse_qs(request.url.query, keep_blank_values=False))
    if "update" in params:
        raise BadRequest("SPARQL Update must be sent with POST")
    return await _handle(request, params, _one(params, "query"), None)


@router.post("/sparql", summary="SPARQL query or update (POST form or direct body)")
async def sparql_post(request: Request) -> Response:
    settings = deps.settings(request)
    body = await deps.read_body(request, settings.max_body)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = _params(parse_qs(request.url.query, keep_blank_values=False))
    if content_type == FORM:
        form = _params(parse_qs(_decode(body), keep_blank_values=False))
        for key, values in form.items():
            params.setdefault(key, []).extend(values)
        return await _handle(request, params, _one(params, "query"), _one(params, "update"))
    if content_type == "application/sparql-query":
        if "update" in params:
            raise BadRequest("a request carries either 'query' or 'update', not both")
        return await _handle(request, params, _decode(body), None)
    if content_type == "application/sparql-update":
        if "query" in params:
            raise BadRequest("a request carries either 'query' or 'update', not both")
        return await _handle(request, params, None, _decode(body))
    raise UnsupportedMedia(
        f"unsupported Content-Type {content_type or '(none)'!r}: use {FORM}, "
        "application/sparql-query or application/sparql-update"
    )
