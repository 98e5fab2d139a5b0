"""What a query worker process does with one job (see ``server.workers``).

Imports only pyoxigraph and the formats table, so workers start quickly.
Results are always written by pyoxigraph's serializers. The row cap needs
the first N solutions written on their own: they are fed back through a
``VALUES`` block to an empty in-memory store and that result is serialised,
so datatypes and language tags survive exactly.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pyoxigraph as ox

from server import formats
from server.workers import QueryJob, QueryOutcome


class JobError(Exception):
    def __init__(self, kind: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.extra = extra or {}


def open_reader(path: str) -> ox.Store:
    return ox.Store.read_only(path)


def _results_format(media: str | None) -> formats.ResultsFormat:
    for fmt in formats.RESULTS_FORMATS:
        if fmt.media_type == media:
            return fmt
    offers = [f.media_type for f in formats.RESULTS_FORMATS]
    raise JobError("not_acceptable", "no acceptable format for SELECT/ASK results", {"offers": offers})


def _graph_format(media: str | None) -> formats.Format:
    for fmt in formats.FORMATS:
        if fmt.media_type == media and not fmt.datasets:
            return fmt
    offers = [f.media_type for f in formats.FORMATS if not f.datasets]
    raise JobError(
        "not_acceptable", "no acceptable format for CONSTRUCT/DESCRIBE results", {"offers": offers}
    )


BNODE_MARK = "urn:x-drugkp:bnode"


def serialize_solutions(
    variables: list[ox.Variable], rows: list[ox.QuerySolution], fmt: formats.ResultsFormat
) -> bytes:
    """Serialise some solutions with pyoxigraph by replaying them through VALUES.

    VALUES cannot hold blank nodes: they travel as literals of a private
    datatype and BNODE() turns them back into blank nodes."""
    names = [v.value for v in variables]
    blank_columns: set[str] = set()
    lines = []
    for row in rows:
        cells = []
        for name in names:
            term = row[name]
            if term is None:
                cells.append("UNDEF")
            elif isinstance(term, ox.BlankNode):
                blank_columns.add(name)
                cells.append(str(ox.Literal(term.value, datatype=ox.NamedNode(BNODE_MARK))))
            else:
                cells.append(str(term))
        lines.append("(" + " ".join(cells) + ")")
    inner = [f"?_{n}" if n in blank_columns else f"?{n}" for n in names]
    binds = "".join(
        f" BIND (IF(isLiteral(?_{n}) && DATATYPE(?_{n}) = <{BNODE_MARK}>, BNODE(STR(?_{n})), ?_{n}) AS ?{n})"
        for n in names
        if n in blank_columns
    )
    projection = " ".join(f"?{n}" for n in names) or "*"
    values = f"VALUES ({' '.join(inner)}) {{\n" + "\n".join(lines) + "\n}" if names else ""
    output = ox.Store().query(f"SELECT {projection} WHERE {{ {values}{binds} }}")
    assert isinstance(output, ox.QuerySolutions)
    return bytes(output.serialize(format=fmt.results_format) or b"")


def run(store: ox.Store, job: QueryJob) -> QueryOutcome:
    kwargs: dict[str, Any]
    if job.union:
        # The level snapshot holds only what the caller may see.
        kwargs = {"use_default_graph_as_union": True}
    else:
        kwargs = {
            "default_graph": [ox.NamedNode(g) for g in job.default_graph],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
        }
    try:
        results = store.query(job.query, **kwargs)
    except SyntaxError as exc:
        raise JobError("syntax", str(exc)) from None
    if isinstance(results, ox.QueryBoolean):
        fmt = _results_format(job.results_media)
        return QueryOutcome(
            fmt.media_type, bytes(results.serialize(format=fmt.results_format) or b""), "boolean", 1
        )
    if isinstance(results, ox.QuerySolutions):
        fmt = _results_format(job.results_media)
        variables = list(results.variables)
        rows = list(islice(results, job.row_cap + 1))
        truncated = len(rows) > job.row_cap
        body = serialize_solutions(variables, rows[: job.row_cap], fmt)
        return QueryOutcome(fmt.media_type, body, "solutions", min(len(rows), job.row_cap), truncated)
    graph_fmt = _graph_format(job.graph_media)
    triples = list(islice(results, job.row_cap + 1))
    truncated = len(triples) > job.row_cap
    body = ox.serialize(triples[: job.row_cap], format=graph_fmt.rdf_format) or b""
    return QueryOutcome(graph_fmt.media_type, bytes(body), "graph", min(len(triples), job.row_cap), truncated)
