"""What a query worker process does with one job (see ``server.workers``).

Imports only pyoxigraph and the formats table, so workers start quickly.
Results are always written by pyoxigraph's serializers: directly when they
are under the row cap (the usual case); the cap's first rows of a larger
answer go through ``store.serialize_solutions``.
"""

from __future__ import annotations

import io
from itertools import islice
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from server import formats
from server.store import serialize_solutions
from server.workers import QueryJob, QueryOutcome

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

#: Results formats pyoxigraph reads back (CSV is lossy: it is always replayed).
PARSEABLE = {"json", "xml", "tsv"}
#: The serialiser's byte budget: the row cap times this, at least MIN_BUDGET.
BYTES_PER_ROW = 512
MIN_BUDGET = 64 * 1024


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


class _Capped(io.BytesIO):
    """A binary sink for a serializer that gives up past ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self.full = False

    def write(self, chunk: ReadableBuffer, /) -> int:
        if self.tell() + len(memoryview(chunk)) > self.budget:
            self.full = True
            raise OSError("the results are larger than the budget")
        return super().write(chunk)


def _solutions(
    store: ox.Store,
    job: QueryJob,
    results: ox.QuerySolutions,
    fmt: formats.ResultsFormat,
    kwargs: dict[str, Any],
) -> QueryOutcome:
    """SELECT results, at most ``job.row_cap`` of them.

    Most answers are far below the cap: pyoxigraph serialises them directly and
    the rows are counted in its output (:func:`_count`; much cheaper than
    replaying them). Past a byte budget the serialiser is stopped and the rows written so
    far are read back; only the row cap's first rows are then replayed."""
    if fmt.name not in PARSEABLE:
        return _replayed(job, results, fmt)
    sink = _Capped(max(MIN_BUDGET, job.row_cap * BYTES_PER_ROW))
    try:
        results.serialize(sink, format=fmt.results_format)
    except OSError:
        if not sink.full:
            raise
    body = sink.getvalue()
    rows = _rows(body, fmt, job.row_cap + 1, whole=not sink.full)
    if rows <= job.row_cap:
        if not sink.full:
            return QueryOutcome(fmt.media_type, body, "solutions", rows)
        # Fewer rows than the cap filled the budget: evaluate again, keeping rows only.
        again = store.query(job.query, **kwargs)
        assert isinstance(again, ox.QuerySolutions)
        return _replayed(job, again, fmt)
    # More rows than the cap. Of a cut-off text, a row past the cap was (at least
    # partly) written, so the rows before it are whole.
    return _replayed(job, _read(body, fmt), fmt)


def _read(body: bytes, fmt: formats.ResultsFormat) -> ox.QuerySolutions:
    written = ox.parse_query_results(body, format=fmt.results_format)
    assert isinstance(written, ox.QuerySolutions)
    return written


def _count(body: bytes, fmt: formats.ResultsFormat) -> int | None:
    """How many rows a whole serialisation by pyoxigraph holds, from its structure
    alone (reading it back costs a third of a lookup); None when that cannot be told.

    XML escapes ``<`` in text and TSV escapes line breaks, so ``<result>`` and line
    ends are rows. JSON strings escape ``"``, so ``},{"`` only separates two rows;
    a row with no bindings (``{}``, which a string may also hold) is read back."""
    if fmt.name == "xml":
        return body.count(b"<result>")
    if fmt.name == "tsv":
        return body.count(b"\n") - 1
    if fmt.name == "json":
        if body.endswith(b'"bindings":[]}}'):
            return 0
        if b"{}" not in body:
            return body.count(b'},{"') + 1
    return None


def _rows(body: bytes, fmt: formats.ResultsFormat, most: int, whole: bool = False) -> int:
    """How many rows (up to ``most``) a serialisation holds; a cut-off one, up to where it ends.
    A ``whole`` one is counted from its structure when :func:`_count` can tell."""
    counted = _count(body, fmt) if whole else None
    if counted is not None:
        return counted
    count = 0
    try:
        for _ in islice(_read(body, fmt), most):
            count += 1
    except SyntaxError:
        pass  # the end of a cut-off text
    return count


def _replayed(job: QueryJob, results: ox.QuerySolutions, fmt: formats.ResultsFormat) -> QueryOutcome:
    variables = list(results.variables)
    rows = list(islice(results, job.row_cap + 1))
    truncated = len(rows) > job.row_cap
    body = serialize_solutions(variables, rows[: job.row_cap], fmt)
    return QueryOutcome(fmt.media_type, body, "solutions", min(len(rows), job.row_cap), truncated)


def run_within(store: ox.Store, job: QueryJob, budget: int) -> QueryOutcome | None:
    """The answer to a SELECT over the store's union if pyoxigraph writes it in at
    most ``budget`` bytes and under the row cap; None otherwise (and for any error),
    so that a worker answers instead. Its work is bounded by the budget."""
    try:
        results = store.query(job.query, use_default_graph_as_union=True)
        if not isinstance(results, ox.QuerySolutions):
            return None
        fmt = _results_format(job.results_media)
        if fmt.name not in PARSEABLE:
            return None
        sink = _Capped(budget)
        results.serialize(sink, format=fmt.results_format)
    except Exception:  # past the budget (OSError), or any error: the worker path words it
        return None
    body = sink.getvalue()
    rows = _rows(body, fmt, job.row_cap + 1, whole=True)
    if rows > job.row_cap:
        return None
    return QueryOutcome(fmt.media_type, body, "solutions", rows)


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
        return _solutions(store, job, results, _results_format(job.results_media), kwargs)
    graph_fmt = _graph_format(job.graph_media)
    triples = list(islice(results, job.row_cap + 1))
    truncated = len(triples) > job.row_cap
    body = ox.serialize(triples[: job.row_cap], format=graph_fmt.rdf_format) or b""
    return QueryOutcome(graph_fmt.media_type, bytes(body), "graph", min(len(triples), job.row_cap), truncated)
