"""What a query worker answers for one job: direct serialisation under the row
cap, the cap's first rows (replayed) past it, whatever the byte budget."""

from __future__ import annotations

import marshal

import pyoxigraph as ox
import pytest

from server import formats, query_exec, workers
from server.store import serialize_solutions
from server.workers import QueryJob, QueryOutcome

P = ox.NamedNode("https://example.org/p")
QUERY = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"


def store(rows: int, text: str = "x") -> ox.Store:
    """``rows`` solutions of QUERY: IRIs, blank nodes, language tags, numbers."""
    memory = ox.Store()
    for n in range(rows):
        subject: ox.NamedNode | ox.BlankNode = (
            ox.BlankNode(f"b{n}") if n % 3 == 0 else ox.NamedNode(f"https://example.org/s{n}")
        )
        value = ox.Literal(f"{n:05d} {text}", language="fr") if n % 2 else ox.Literal(f"{n:05d}")
        memory.add(ox.Quad(subject, P, value, ox.NamedNode("https://example.org/g")))
    return memory


def job(fmt: formats.ResultsFormat, row_cap: int) -> QueryJob:
    return QueryJob(QUERY, "tlp-clear", True, [], [], fmt.media_type, None, row_cap)


def first(memory: ox.Store, fmt: formats.ResultsFormat, rows: int) -> bytes:
    """The first ``rows`` solutions as pyoxigraph writes them."""
    solutions = memory.query(QUERY + f" LIMIT {rows}", use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    if fmt.name in query_exec.PARSEABLE:
        return bytes(solutions.serialize(format=fmt.results_format) or b"")
    return serialize_solutions(list(solutions.variables), list(solutions), fmt)


def said(body: bytes, fmt: formats.ResultsFormat) -> list[list[str]]:
    """The rows of a serialisation; blank node labels are the serialiser's own."""
    return [
        ["_:" if isinstance(t, ox.BlankNode) else str(t) for t in row] for row in query_exec._read(body, fmt)
    ]


@pytest.mark.parametrize("fmt", formats.RESULTS_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize(
    ("rows", "cap", "budget"),
    [
        (7, 10, None),  # under the cap: written directly
        (10, 10, None),  # exactly the cap: not truncated
        (25, 10, None),  # over the cap, within the budget
        (25, 10, 600),  # over the cap, the budget cut the text
        (7, 10, 300),  # under the cap, but the budget cut the text: evaluated again
        (0, 10, None),  # no solutions
        (400, 20, 20_000),  # over the cap; the rows written before the cut are enough
        (400, 200, 20_000),  # over the cap; too few rows before the cut: evaluated again
    ],
)
def test_results_are_capped_and_written_by_pyoxigraph(
    monkeypatch: pytest.MonkeyPatch, fmt: formats.ResultsFormat, rows: int, cap: int, budget: int | None
) -> None:
    if budget is not None:
        monkeypatch.setattr(query_exec, "MIN_BUDGET", budget)
        monkeypatch.setattr(query_exec, "BYTES_PER_ROW", 0)
    memory = store(rows, "neige " * 20)
    outcome = query_exec.run(memory, job(fmt, cap))
    assert outcome.rows == min(rows, cap)
    assert outcome.truncated == (rows > cap)
    assert outcome.media_type == fmt.media_type
    expected = first(memory, fmt, min(rows, cap))
    if fmt.name in query_exec.PARSEABLE:
        assert said(outcome.body, fmt) == said(expected, fmt)
    else:  # CSV cannot be read back; it is always replayed, as the expected text is
        assert outcome.body == expected


def test_a_cut_off_text_yields_only_its_whole_rows() -> None:
    fmt = formats.RESULTS_FORMATS[0]
    memory = store(5)
    solutions = memory.query(QUERY, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    body = bytes(solutions.serialize(format=fmt.results_format) or b"")
    assert query_exec._rows(body, fmt, 100) == 5
    assert query_exec._rows(body, fmt, 3) == 3
    assert query_exec._rows(body[: len(body) // 2], fmt, 100) < 5


def test_a_sink_past_its_budget_stops_the_serialiser() -> None:
    sink = query_exec._Capped(10)
    assert sink.write(b"12345") == 5
    with pytest.raises(OSError):
        sink.write(b"678901")
    assert sink.full and sink.getvalue() == b"12345"


def test_jobs_and_outcomes_cross_the_pipe_whole() -> None:
    sent = QueryJob(
        "ASK {}", "tlp-green", False, ["https://g/1"], ["https://g/2"], "text/csv", "text/turtle", 7
    )
    assert QueryJob(*marshal.loads(marshal.dumps(workers._job_fields(sent)))) == sent
    outcome = query_exec.run(store(3), job(formats.RESULTS_FORMATS[0], 2))
    back = QueryOutcome(*marshal.loads(marshal.dumps(workers._outcome_fields(outcome))))
    assert back == outcome and back.truncated and back.rows == 2


#: Literals that look like the structure the row count relies on.
GRAPH = ox.NamedNode("https://example.org/g")
TRICKY = ['},{"p":1}', "{}", "<result></result>", "line\nbreak\tand tab", 'quote " and \\ backslash', "plain"]


@pytest.mark.parametrize("fmt", [f for f in formats.RESULTS_FORMATS if f.name in query_exec.PARSEABLE],
                         ids=lambda f: f.name)  # fmt: skip
@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s ?o WHERE { ?s ?p ?o }",  # rows with tricky literals
        "SELECT ?s ?o WHERE { ?s ?p ?o FILTER (false) }",  # no rows
        "SELECT * WHERE { }",  # one row with no bindings
        "SELECT ?o ?x WHERE { ?s ?p ?o OPTIONAL { ?s <https://example.org/q> ?x } }",  # unbound column
        "SELECT ?x WHERE { VALUES ?x { UNDEF 1 UNDEF } }",  # rows with no bindings among others
    ],
)
def test_rows_are_counted_in_the_text_as_reading_it_back_counts_them(
    fmt: formats.ResultsFormat, query: str
) -> None:
    memory = ox.Store()
    for n, text in enumerate(TRICKY):
        memory.add(ox.Quad(ox.NamedNode(f"https://example.org/s{n}"), P, ox.Literal(text), GRAPH))
    solutions = memory.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    body = bytes(solutions.serialize(format=fmt.results_format) or b"")
    counted = query_exec._count(body, fmt)
    assert counted is None or counted == query_exec._rows(body, fmt, 1000)
    if b"{}" not in body:
        assert counted is not None  # only rows without bindings are read back
    outcome = query_exec.run(memory, QueryJob(query, "tlp-clear", True, [], [], fmt.media_type, None, 100))
    assert outcome.rows == query_exec._rows(body, fmt, 1000)
