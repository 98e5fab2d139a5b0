"""The SPARQL endpoint through HTTP, with real clients against a real server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from SPARQLWrapper import JSON, N3, RDFXML, TURTLE, XML, SPARQLWrapper

from server import sparql
from server.access import Caller
from server.config import Settings
from server.errors import BadRequest, StoreError
from server.sparql import check_text, is_lookup
from server.store import EmbeddedStore
from server.workers import QueryJob, QueryOutcome
from tests.server_fixture import ADMIN_TOKEN, LiveServer, run_server

KP = "PREFIX kp: <https://w3id.org/drugkp/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
GREEN_GRAPH = "https://w3id.org/drugkp/graph/vocab/green/terms"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SRJ = "application/sparql-results+json"


def count(server: LiveServer, query: str, headers: dict[str, str] | None = None, **params: str) -> int:
    response = httpx.get(
        server.url + "/sparql", params={"query": query, **params}, headers={"Accept": SRJ, **(headers or {})}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def client(server: LiveServer, fmt: str) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setReturnFormat(fmt)
    return wrapper


def test_sparqlwrapper_select_keeps_language_tags(live_server: LiveServer) -> None:
    sparql = client(live_server, JSON)
    sparql.setQuery(
        KP
        + 'SELECT ?label WHERE { ?t a kp:DrugTerm ; skos:prefLabel ?label FILTER (STR(?label) = "Schnee") }'
    )
    bindings = sparql.queryAndConvert()["results"]["bindings"]  # type: ignore[index, call-overload]
    assert bindings and bindings[0]["label"]["xml:lang"] == "de"


def test_sparqlwrapper_ask_and_xml(live_server: LiveServer) -> None:
    sparql = client(live_server, JSON)
    sparql.setQuery(KP + "ASK { ?t a kp:DrugTerm }")
    assert sparql.queryAndConvert()["boolean"] is True  # type: ignore[index, call-overload]
    sparql = client(live_server, XML)
    sparql.setQuery(KP + "SELECT ?t WHERE { ?t a kp:DrugTerm } LIMIT 3")
    document = sparql.queryAndConvert()
    assert len(document.getElementsByTagName("result")) == 3  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML])
def test_sparqlwrapper_construct(live_server: LiveServer, fmt: str) -> None:
    sparql = client(live_server, fmt)
    sparql.setQuery(KP + "CONSTRUCT { ?t kp:refersTo ?s } WHERE { ?t kp:refersTo ?s } LIMIT 10")
    result = sparql.queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(graph) == 10


@pytest.mark.parametrize(
    ("accept", "parse_as"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_describe_in_every_rdf_format(live_server: LiveServer, accept: str, parse_as: str) -> None:
    response = httpx.get(
        live_server.url + "/sparql",
        params={"query": "DESCRIBE <https://w3id.org/drugkp/term/T0001>"},
        headers={"Accept": accept},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=response.text, format=parse_as)) > 3


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        ("GET", {"params": {"query": "ASK {}"}}, 200),
        ("POST", {"data": {"query": "ASK {}"}}, 200),
        ("POST", {"content": "ASK {}", "headers": {"Content-Type": "application/sparql-query"}}, 200),
        ("POST", {"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400),
        ("POST", {"content": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
        ("GET", {"params": {"query": "SELECT * WHERE { ?s ?p"}}, 400),
        ("GET", {"params": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406),
        ("GET", {"params": {"update": "CLEAR ALL"}}, 400),
        ("POST", {"content": b"ASK { \xff }", "headers": {"Content-Type": "application/sparql-query"}}, 400),
        (
            "POST",
            {
                "content": "ASK {" + "{" * 5000 + "}" * 5000 + "}",
                "headers": {"Content-Type": "application/sparql-query"},
            },
            400,
        ),
        ("POST", {"content": "#" * 2_000_001, "headers": {"Content-Type": "application/sparql-query"}}, 413),
    ],
    ids=[
        "get",
        "post-form",
        "post-direct",
        "query-and-update",
        "bad-content-type",
        "malformed",
        "not-acceptable",
        "update-by-get",
        "invalid-utf8",
        "deep-nesting",
        "huge-body",
    ],
)
def test_protocol(live_server: LiveServer, method: str, kwargs: dict[str, object], status: int) -> None:
    headers = {"Accept": SRJ, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    response = httpx.request(method, live_server.url + "/sparql", headers=headers, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.json()["message"]


def test_malformed_query_says_where(live_server: LiveServer) -> None:
    response = httpx.get(
        live_server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p"}, headers={"Accept": SRJ}
    )
    assert response.status_code == 400
    assert "1:" in response.json()["message"]


def test_not_acceptable_lists_the_alternatives(live_server: LiveServer) -> None:
    response = httpx.get(
        live_server.url + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    assert "text/csv" in response.json()["acceptable"]


@pytest.mark.parametrize(
    "accept", ["text/csv", "text/tab-separated-values", "application/sparql-results+xml"]
)
def test_select_in_csv_tsv_xml(live_server: LiveServer, accept: str) -> None:
    response = httpx.get(
        live_server.url + "/sparql",
        params={"query": KP + "SELECT ?t WHERE { ?t a kp:DrugTerm } LIMIT 5"},
        headers={"Accept": accept},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert "term/T" in response.text


def test_updates_need_an_admin_token_and_are_never_applied_when_refused(live_server: LiveServer) -> None:
    probe = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { <https://example.org/probe> ?p ?o } }"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    update = "INSERT DATA { GRAPH <https://w3id.org/drugkp/graph/vocab/terms> { <https://example.org/probe> <https://example.org/p> 1 } }"
    for headers, status in (({}, 401), ({"Authorization": "Bearer nope"}, 401)):
        response = httpx.post(live_server.url + "/sparql", data={"update": update}, headers=headers)
        assert response.status_code == status
        assert count(live_server, probe, admin) == 0
    response = httpx.post(
        live_server.url + "/sparql",
        content=update,
        headers={**admin, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 204
    assert count(live_server, probe) == 1  # workers see the change without a restart
    delete = update.replace("INSERT DATA", "DELETE DATA")
    assert httpx.post(live_server.url + "/sparql", data={"update": delete}, headers=admin).status_code == 204
    assert count(live_server, probe) == 0


def test_default_graph_is_the_published_union_at_the_callers_level(live_server: LiveServer) -> None:
    terms = "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a <https://w3id.org/drugkp/ontology#DrugTerm> }"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    public, everything = count(live_server, terms), count(live_server, terms, admin)
    assert 0 < public < everything
    # Naming a graph above the caller's level narrows to nothing, never widens.
    assert count(live_server, terms, **{"default-graph-uri": GREEN_GRAPH}) == 0
    assert count(live_server, terms, admin, **{"default-graph-uri": GREEN_GRAPH}) > 0
    green = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GREEN_GRAPH}> {{ ?s ?p ?o }} }}"
    assert count(live_server, green) == 0
    assert count(live_server, green, **{"named-graph-uri": GREEN_GRAPH}) == 0
    assert count(live_server, f"SELECT (COUNT(*) AS ?n) FROM <{GREEN_GRAPH}> WHERE {{ ?s ?p ?o }}") == 0


def test_row_cap_is_never_silent(live_server: LiveServer) -> None:
    response = httpx.get(
        live_server.url + "/sparql",
        params={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
        headers={"Accept": SRJ},
    )
    assert response.status_code == 200
    assert response.headers["X-KP-Truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 50
    small = httpx.get(
        live_server.url + "/sparql",
        params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5"},
        headers={"Accept": SRJ},
    )
    assert "X-KP-Truncated" not in small.headers
    assert float(small.headers["X-KP-Query-Seconds"]) >= 0


def test_service_description(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    assert any("SPARQL11Query" in str(o) for o in graph.objects())


def test_query_editor_for_browsers_escapes_everything(live_server: LiveServer) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = httpx.get(live_server.url + "/sparql", headers=browser)
    assert page.status_code == 200 and "All terms for fentanyl in Polish" in page.text
    query = 'SELECT ?x WHERE { BIND ("<script>alert(1)</script>" AS ?x) }'
    page = httpx.get(live_server.url + "/sparql", params={"query": query}, headers=browser)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_runaway_query_is_cut_off_while_lookups_keep_answering(live_server: LiveServer) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    result: dict[str, object] = {}

    def slow() -> None:
        started = time.monotonic()
        response = httpx.get(
            live_server.url + "/sparql", params={"query": runaway}, headers={"Accept": SRJ}, timeout=60
        )
        result["status"], result["seconds"], result["body"] = (
            response.status_code,
            time.monotonic() - started,
            response.json(),
        )

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    lookups = []
    while thread.is_alive():
        started = time.monotonic()
        response = httpx.get(
            live_server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": SRJ}
        )
        lookups.append((response.status_code, time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    assert result["status"] == 503
    assert "time limit" in result["body"]["message"]  # type: ignore[index]
    assert float(result["seconds"]) < 10  # type: ignore[arg-type]
    assert lookups and all(status == 200 for status, _ in lookups)
    # The cancelled worker was replaced: the endpoint still answers.
    assert count(live_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?o }") > 0


@pytest.fixture(scope="module")
def small_memory_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose query workers may use 700 MiB of address space."""
    yield from run_server(
        tmp_path_factory.mktemp("small") / "store", KP_QUERY_MEMORY_MB="700", KP_QUERY_TIMEOUT="20"
    )


def test_memory_hungry_query_dies_alone(small_memory_server: LiveServer) -> None:
    greedy = "SELECT ?a ?d ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
    response = httpx.get(
        small_memory_server.url + "/sparql", params={"query": greedy}, headers={"Accept": SRJ}, timeout=60
    )
    assert response.status_code == 503
    assert response.json()["error"] == "query_aborted"
    after = httpx.get(
        small_memory_server.url + "/sparql", params={"query": "ASK {}"}, headers={"Accept": SRJ}
    )
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_a_client_that_goes_away_does_not_leave_answers_behind(live_server: LiveServer) -> None:
    """A client gives up on a long query; the next answers must still be their own."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(httpx.TimeoutException):
        httpx.get(
            live_server.url + "/sparql", params={"query": runaway}, headers={"Accept": SRJ}, timeout=0.5
        )
    for n in range(6):
        query = f"SELECT ?n WHERE {{ BIND ({n} AS ?n) }}"
        response = httpx.get(
            live_server.url + "/sparql", params={"query": query}, headers={"Accept": SRJ}, timeout=30
        )
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"][0]["n"]["value"] == str(n)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("ASK {" + "{" * 199 + "}" * 199 + "}", False),  # 200 levels: the most accepted
        ("ASK {" + "{" * 200 + "}" * 200 + "}", True),  # 201 levels
        ("ASK {" + "{ } " * 400 + "}", False),  # many brackets, never deep
        ("ASK { " + "{" * 60 + " FILTER " + "(" * 150 + "1" + ")" * 150 + "}" * 60 + " }", True),  # 211 mixed
        ('ASK { FILTER ("' + "{" * 300 + '") }', True),  # brackets in a string count too: refusing is safe
    ],
)
def test_nesting_is_checked_before_parsing(text: str, refused: bool) -> None:
    if refused:
        with pytest.raises(BadRequest, match="levels deep"):
            check_text(text, "query")
    else:
        check_text(text, "query")


@pytest.mark.parametrize(
    ("query", "lookup"),
    [
        ("SELECT ?p ?o WHERE { <https://w3id.org/drugkp/term/T0001> ?p ?o }", True),
        ("select * {<https://e.org/a> ?p ?o.} LIMIT 5", True),
        ("PREFIX s: <http://x#> SELECT DISTINCT ?o WHERE { <https://e.org/a> <https://e.org/p> ?o }", True),
        ("SELECT ?p?o{<https://e.org/a> ?p ?o}", True),
        ("SELECT ?p ?o WHERE { <https://e.org/a> ?p ?o . ?o ?q ?r }", False),  # a join
        ("SELECT ?p ?o WHERE { ?s ?p ?o }", False),  # no fixed subject: unbounded
        ("SELECT ?p ?o WHERE { <https://e.org/a> ?p ?o } ORDER BY ?o", False),
        ("SELECT ?o WHERE { <https://e.org/a> (<https://e.org/p>)* ?o }", False),  # a path
        ("SELECT ?o WHERE { <https://e.org/a> ?p ?o FILTER (?o > 1) }", False),
        ("SELECT ?p ?o WHERE { <https://e.org/a> ?p ?o # }\n}", False),  # a comment
        ("SELECT ?p ?o WHERE { s:a ?p ?o }", False),  # prefixed names are left to the workers
        ("SELECT (COUNT(*) AS ?n) WHERE { <https://e.org/a> ?p ?o }", False),
        ("CONSTRUCT { <https://e.org/a> ?p ?o } WHERE { <https://e.org/a> ?p ?o }", False),
        ("SELECT ?p ?o WHERE { <https://e.org/a> ?p ?o }" + " " * 5000, False),  # long texts
    ],
)
def test_lookups_by_uri_are_recognised_strictly(query: str, lookup: bool) -> None:
    assert is_lookup(query) is lookup


def test_a_lookup_answers_as_the_workers_do(live_server: LiveServer) -> None:
    """Answered in the serving process, a lookup has the rows and headers of the same
    question asked in a longer form, which a worker answers."""
    for subject in ("https://w3id.org/drugkp/term/T0001", "https://w3id.org/drugkp/term/T0429"):
        short = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o }}"
        longer = f"SELECT ?p ?o WHERE {{ <{subject}> ?p ?o FILTER (true) }}"  # never answered inline
        answers = [
            httpx.get(live_server.url + "/sparql", params={"query": q}, headers={"Accept": SRJ}, timeout=30)
            for q in (short, longer)
        ]
        assert all(a.status_code == 200 for a in answers)
        rows = [sorted(map(str, a.json()["results"]["bindings"])) for a in answers]
        assert rows[0] == rows[1] and rows[0]
        for answer in answers:
            assert answer.headers["X-KP-Rows"] == str(len(rows[0]))
            assert "X-KP-Query-Seconds" in answer.headers


class RecordingPool:
    """Stands for the worker pool: records the jobs it is given."""

    def __init__(self) -> None:
        self.jobs: list[QueryJob] = []

    async def run(self, job: QueryJob) -> QueryOutcome:
        self.jobs.append(job)
        return QueryOutcome(SRJ, b"{}", "solutions", 0)


@pytest.mark.parametrize(
    ("query", "budget", "inline"),
    [
        ("SELECT ?p ?o WHERE { <https://e.org/s> ?p ?o }", 64 * 1024, True),
        ("SELECT ?p ?o WHERE { <https://e.org/s> ?p ?o }", 200, False),  # past the budget: a worker
        ("SELECT ?p ?o WHERE { <https://e.org/s> ?p ?o FILTER (true) }", 64 * 1024, False),  # not a lookup
        ("SELECT ?p ?o WHERE { <relative> ?p ?o }", 64 * 1024, False),  # an error: the worker words it
    ],
)
def test_lookups_are_answered_here_only_within_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str, budget: int, inline: bool
) -> None:
    store = EmbeddedStore(tmp_path / "store")
    graph = ox.NamedNode("https://e.org/g")
    store.extend(
        ox.Quad(
            ox.NamedNode("https://e.org/s"), ox.NamedNode(f"https://e.org/p{n}"), ox.Literal("x" * 20), graph
        )
        for n in range(30)
    )
    monkeypatch.setattr(sparql, "INLINE_BUDGET", budget)
    pool = RecordingPool()
    job = QueryJob(query, "tlp-clear", True, [], [], SRJ, None, 100)
    monkeypatch.setattr(sparql, "prepare_query", lambda *args: job)
    request = sparql.SparqlRequest(query=query, accept=SRJ)
    outcome = asyncio.run(
        sparql.run_query(Settings(), store, pool, Caller(), request, lambda level: store)  # type: ignore[arg-type]
    )
    assert (not pool.jobs) is inline
    if inline:
        assert outcome.rows == 30 and len(json.loads(outcome.body)["results"]["bindings"]) == 30


def test_a_lookup_goes_to_a_worker_when_its_snapshot_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(level: str) -> EmbeddedStore:
        raise StoreError(f"cannot open the snapshot of {level}")

    query = "SELECT ?p ?o WHERE { <https://e.org/s> ?p ?o }"
    job = QueryJob(query, "tlp-clear", True, [], [], SRJ, None, 100)
    monkeypatch.setattr(sparql, "prepare_query", lambda *args: job)
    pool = RecordingPool()
    request = sparql.SparqlRequest(query=query, accept=SRJ)
    asyncio.run(sparql.run_query(Settings(), None, pool, Caller(), request, unreadable))  # type: ignore[arg-type]
    assert pool.jobs == [job]
