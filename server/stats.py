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


def _rows(store: EmbeddedStore, query: str, graphs: list[str]) -> list[dict[str, Any]]:
    return [{k: _value(v) for k, v in row.items()} for row in store.select(query, graphs)]


def statistics(settings: Settings, store: EmbeddedStore, level: str = "tlp-amber") -> dict[str, Any]:
    graphs = store.visible_graphs(meta_graph(settings), level)
    totals = (_rows(store, queries.STATS_TOTALS, graphs) or [{}])[0]
    substances = (_rows(store, queries.STATS_SUBSTANCES, graphs) or [{}])[0]
    return {
        "level": level,
        "graphs": len(graphs),
        "terms": totals.get("terms", 0),
        "labels": totals.get("labels", 0),
        "languages": totals.get("languages", 0),
        "substances": substances.get("substances", 0),
        "substance_groups": substances.get("groups", 0),
        "by_language": _rows(store, queries.STATS_BY_LANGUAGE, graphs),
        "by_term_type": _rows(store, queries.STATS_BY_TERM_TYPE, graphs),
        "by_handling": _rows(store, queries.STATS_BY_HANDLING, graphs),
        "by_substance": _rows(store, queries.STATS_BY_SUBSTANCE, graphs),
    }
