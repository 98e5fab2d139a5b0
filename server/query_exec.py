"""What a query worker process does with one job (see ``server.workers``).

Imports only pyoxigraph and the formats table, so workers start quickly.
Results are always written by pyoxigraph's serializers; the row cap's
first-N solutions go through ``store.serialize_solutions``.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pyoxigraph as ox

from server import formats
from server.store import serialize_solutions
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
