"""The SPARQL 1.1 Protocol, without HTTP: dataset by handling level, format by
``Accept``, queries through the worker pool, updates for administrators.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from server import formats, query_exec
from server.access import Caller
from server.config import Settings
from server.errors import BadRequest, KpError, NotAcceptable, QuerySyntaxError
from server.loader import meta_graph
from server.store import PUBLISHED_KINDS, VISIBLE_LEVELS, EmbeddedStore
from server.workers import QueryJob, QueryOutcome, QueryPool

#: Graph kinds whose union is the default graph; shapes are queryable by name only.
DEFAULT_KINDS = PUBLISHED_KINDS
MAX_NESTING = 200

RESULTS_OFFERS = [f.media_type for f in formats.RESULTS_FORMATS]
GRAPH_OFFERS = [f.media_type for f in formats.FORMATS if not f.datasets]


@dataclass(frozen=True)
class SparqlRequest:
    query: str | None = None
    update: str | None = None
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    accept: str | None = None


_BRACKETS = re.compile(r"[{}()]")


def check_text(text: str, what: str) -> None:
    """Refuse absurd nesting before it reaches a recursive parser."""
    if text.count("{") + text.count("(") <= MAX_NESTING:
        return  # too few openings to nest that deep (the usual case: no loop over the text)
    depth = deepest = 0
    for found in _BRACKETS.finditer(text):
        if found.group() in "{(":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if deepest > MAX_NESTING:
        raise BadRequest(f"the {what} nests {deepest} levels deep; at most {MAX_NESTING} are accepted")


_STRINGS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
)
_COMMENTS = re.compile(r"#[^\n]*")
_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?(?:<([^>]*)>|([A-Za-z][\w.-]*)?:([^\s{]*))", re.IGNORECASE)


def query_dataset(text: str) -> tuple[list[str], list[str]]:
    """The FROM and FROM NAMED graphs a query names in its text.

    pyoxigraph lets the protocol's dataset replace the query's own, so the
    query's FROM clauses are read here and applied, within the caller's level."""
    if "from" not in text.lower():
        return [], []  # most queries: no need for the regular expressions
    bare = _COMMENTS.sub(" ", _STRINGS.sub('""', text))
    prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX.finditer(bare)}
    default: list[str] = []
    named: list[str] = []
    for match in _FROM.finditer(bare):
        iri = match.group(2)
        if iri is None:
            iri = prefixes.get(match.group(3) or "", "") + match.group(4)
        (named if match.group(1) else default).append(iri)
    return default, named


def dataset(
    settings: Settings, store: EmbeddedStore, caller: Caller, request: SparqlRequest
) -> tuple[list[str], list[str]]:
    """Default and named graphs for a caller: never wider than its level allows.

    The protocol's default-graph-uri/named-graph-uri win over the query's
    FROM/FROM NAMED; either only narrows the graphs the caller may see."""
    allowed = VISIBLE_LEVELS[caller.level]
    infos = [i for i in store.graph_infos(meta_graph(settings)) if i.handling in allowed]
    default = [i.iri for i in infos if i.kind in DEFAULT_KINDS]
    visible = [i.iri for i in infos]
    named = visible
    from_default, from_named = query_dataset(request.query or "")
    if request.default_graph_uris or request.named_graph_uris:
        from_default, from_named = request.default_graph_uris, request.named_graph_uris
    if from_default or from_named:
        default = [g for g in from_default if g in visible]
        named = [g for g in from_named if g in visible]
    return default, named


def choose_formats(accept: str | None) -> tuple[str | None, str | None]:
    """The results format for SELECT/ASK and the RDF format for CONSTRUCT/DESCRIBE."""
    results = formats.negotiate(accept, RESULTS_OFFERS)
    graph = formats.negotiate(accept, GRAPH_OFFERS)
    if results is None and graph is None:
        raise NotAcceptable(
            "none of the requested media types can be produced", RESULTS_OFFERS + GRAPH_OFFERS
        )
    return results, graph


def prepare_query(
    settings: Settings, store: EmbeddedStore, caller: Caller, request: SparqlRequest
) -> QueryJob:
    """Check a query request and say what a worker must run (cheap: no query evaluation)."""
    if request.query is None:
        raise BadRequest("no query given")
    check_text(request.query, "query")
    results_media, graph_media = choose_formats(request.accept)
    asked = request.default_graph_uris or request.named_graph_uris or any(query_dataset(request.query))
    default, named = dataset(settings, store, caller, request) if asked else ([], [])
    return QueryJob(
        request.query, caller.level, not asked, default, named, results_media, graph_media, settings.row_cap
    )


_IRIREF = r'<[^<>"{}|^`\\\x00-\x20]*>'
_VAR = r"[?$][A-Za-z0-9_]+"
#: A lookup by URI: a SELECT of one triple pattern whose subject is an IRI, as
#: linked-data clients send it (optionally with prefixes, DISTINCT, LIMIT).
_LOOKUP = re.compile(
    rf"\s*(?:PREFIX\s+(?:[A-Za-z][\w.-]*)?:\s*{_IRIREF}\s*)*"
    rf"SELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?(?:\*|(?:{_VAR}\s*)+)\s*(?:WHERE\s*)?"
    rf"\{{\s*{_IRIREF}\s+(?:{_VAR}|{_IRIREF})\s+(?:{_VAR}|{_IRIREF})\s*\.?\s*\}}"
    r"\s*(?:LIMIT\s+\d+\s*)?",
    re.IGNORECASE | re.ASCII,
)
#: The most a lookup answered in the serving process may write; past it, a worker answers.
INLINE_BUDGET = 64 * 1024


def is_lookup(text: str) -> bool:
    """True for a one-pattern SELECT with a fixed subject: its work is bounded by
    that subject's triples, and :data:`INLINE_BUDGET` bounds how many are read."""
    return len(text) <= 4096 and _LOOKUP.fullmatch(text) is not None


def lookup_job(settings: Settings, caller: Caller, request: SparqlRequest) -> QueryJob | None:
    """The job of a lookup by URI over the published union (see :func:`is_lookup`)
    with a results format the caller accepts; None for any other request."""
    if request.query is None or request.default_graph_uris or request.named_graph_uris:
        return None
    if not is_lookup(request.query):
        return None  # which also means: no FROM, no deep nesting
    results_media, graph_media = choose_formats(request.accept)
    if results_media is None:
        return None
    return QueryJob(request.query, caller.level, True, [], [], results_media, graph_media, settings.row_cap)


def answer_lookup(job: QueryJob, reader: Callable[[str], EmbeddedStore]) -> QueryOutcome | None:
    """A lookup's answer from the caller's level snapshot (``reader``) if it fits in
    :data:`INLINE_BUDGET`; None otherwise, and for any error: a worker answers then,
    and words the error."""
    started = time.monotonic()
    try:
        outcome = query_exec.run_within(reader(job.level).oxigraph, job, INLINE_BUDGET)
    except KpError:
        return None  # the snapshot could not be opened
    if outcome is not None:
        outcome.extra["seconds"] = round(time.monotonic() - started, 4)
    return outcome


async def run_query(
    settings: Settings,
    store: EmbeddedStore,
    pool: QueryPool,
    caller: Caller,
    request: SparqlRequest,
    reader: Callable[[str], EmbeddedStore] | None = None,
) -> QueryOutcome:
    """Prepare (in a thread for long texts) and run a query in a worker process.

    A lookup by URI over the published union is answered here instead, from the
    caller's level snapshot (``reader``), when its answer fits in
    :data:`INLINE_BUDGET`: it cannot run long, so it needs neither a time limit
    nor a worker, whose round trip costs more than the lookup itself."""
    if reader is not None:
        lookup = lookup_job(settings, caller, request)
        outcome = answer_lookup(lookup, reader) if lookup is not None else None
        if outcome is not None:
            return outcome
    if request.query is not None and len(request.query) > 20_000:
        job = await asyncio.to_thread(prepare_query, settings, store, caller, request)
    else:
        job = prepare_query(settings, store, caller, request)
    return await pool.run(job)


def run_update(store: EmbeddedStore, changed: Callable[[], None], caller: Caller, text: str) -> None:
    """Apply a SPARQL Update for an administrator, then announce the change."""
    caller.require("admin")
    check_text(text, "update")
    try:
        store.update(text)
    except SyntaxError as exc:
        raise QuerySyntaxError(str(exc)) from None
    changed()


def service_description(settings: Settings, endpoint: str) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of the endpoint."""
    sd = "http://www.w3.org/ns/sparql-service-description#"
    fmt = "http://www.w3.org/ns/formats/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service = ox.NamedNode(endpoint)
    triples = [
        ox.Triple(service, rdf_type, ox.NamedNode(sd + "Service")),
        ox.Triple(service, ox.NamedNode(sd + "endpoint"), service),
        ox.Triple(service, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")),
        ox.Triple(service, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Update")),
        ox.Triple(service, ox.NamedNode(sd + "feature"), ox.NamedNode(sd + "UnionDefaultGraph")),
        ox.Triple(
            service,
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal("Drug-term Knowledge Package SPARQL endpoint", language="en"),
        ),
    ]
    names = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
             "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "rdfxml": "RDF_XML",
             "jsonld": "JSON-LD"}  # fmt: skip
    for name in names.values():
        triples.append(ox.Triple(service, ox.NamedNode(sd + "resultFormat"), ox.NamedNode(fmt + name)))
    dataset_node = ox.BlankNode()
    triples.append(ox.Triple(service, ox.NamedNode(sd + "defaultDataset"), dataset_node))
    triples.append(ox.Triple(dataset_node, rdf_type, ox.NamedNode(sd + "Dataset")))
    return triples
