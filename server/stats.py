"""Counts of the vocabulary, as a reader of a given handling level sees it."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from server import queries
from server.config import Settings
from server.loader import meta_graph
from server.store import EmbeddedStore


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.endswith("#integer"):
        return int(term.value)
    return term.value


def _rows(store: EmbeddedStore, query: str, graphs: list[str] | None) -> list[dict[str, Any]]:
    return [{k: _value(v) for k, v in row.items()} for row in store.select(query, graphs)]


def statistics(
    settings: Settings, store: EmbeddedStore, level: str = "tlp-amber", snapshot: EmbeddedStore | None = None
) -> dict[str, Any]:
    """The counts at ``level``. With ``snapshot`` (that level's read-only
    snapshot, which holds just the published graphs the level may see) the
    queries run over it, about five times faster, with the same results."""
    graphs = store.visible_graphs(meta_graph(settings), level)
    if snapshot is not None:
        store, over = snapshot, None
    else:
        over = graphs

    def rows(query: str) -> list[dict[str, Any]]:
        return _rows(store, query, over)

    totals = (rows(queries.STATS_TOTALS) or [{}])[0]
    substances = (rows(queries.STATS_SUBSTANCES) or [{}])[0]
    return {
        "level": level,
        "graphs": len(graphs),
        "terms": totals.get("terms", 0),
        "labels": totals.get("labels", 0),
        "languages": totals.get("languages", 0),
        "substances": substances.get("substances", 0),
        "substance_groups": substances.get("groups", 0),
        "by_language": rows(queries.STATS_BY_LANGUAGE),
        "by_term_type": rows(queries.STATS_BY_TERM_TYPE),
        "by_handling": rows(queries.STATS_BY_HANDLING),
        "by_substance": rows(queries.STATS_BY_SUBSTANCE),
        "by_country": [
            {**row, "code": row["country"].rsplit("/", 1)[-1] if row.get("country") else None}
            for row in rows(queries.STATS_BY_COUNTRY)
        ],
        "growth": growth(rows(queries.STATS_GROWTH)),
    }


def _months(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), so quiet months show."""
    year, month = int(first[:4]), int(first[5:7])
    found: list[str] = []
    while f"{year:04d}-{month:02d}" <= last and len(found) < 1200:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def growth(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New labels and terms per month of ``dct:created``, with running totals."""
    by_month = {row["month"]: row for row in rows if isinstance(row.get("month"), str)}
    valid = sorted(m for m in by_month if len(m) == 7 and m[:4].isdigit() and m[4] == "-" and m[5:].isdigit())
    result: list[dict[str, Any]] = []
    labels = terms = 0
    for month in _months(valid[0], valid[-1]) if valid else []:
        row = by_month.get(month, {})
        labels += row.get("labels", 0)
        terms += row.get("terms", 0)
        result.append(
            {
                "month": month,
                "labels": row.get("labels", 0),
                "terms": row.get("terms", 0),
                "cumulative_labels": labels,
                "cumulative_terms": terms,
            }
        )
    return result
