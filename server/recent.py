"""Recently added and recently changed terms, by ``dct:created`` and ``dct:modified``.

Read from one level's snapshot: a change that only added labels above the
reader's level left its ``dct:modified`` in a graph the reader does not see.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from server import queries
from server.browse import local_path
from server.lexicon import Lexicon
from server.store import EmbeddedStore

LIMIT = 50


@dataclass(frozen=True)
class RecentTerm:
    iri: str
    name: str
    href: str
    date: str  # ISO 8601 date or date-time, as recorded
    note: str | None  # the latest change note


@dataclass(frozen=True)
class Recent:
    added: tuple[RecentTerm, ...]
    changed: tuple[RecentTerm, ...]


def _dates(store: EmbeddedStore) -> dict[str, dict[str, str]]:
    """Term → its latest created, modified and change note."""
    found: dict[str, dict[str, str]] = {}
    for row in store.select(queries.TERM_DATES, None):
        term = row["term"]
        if not isinstance(term, ox.NamedNode):
            continue
        record = found.setdefault(term.value, {})
        for key in ("created", "modified", "note"):
            value = row[key]
            if isinstance(value, ox.Literal) and value.value > record.get(key, ""):
                record[key] = value.value
    return found


def recent(store: EmbeddedStore, lexicon: Lexicon, base: str, ui_lang: str, limit: int = LIMIT) -> Recent:
    dates = _dates(store)
    names: dict[str, dict[str, str]] = {}
    for entry in lexicon.term_entries():
        if entry.kind == "pref":
            names.setdefault(entry.concept, {}).setdefault(entry.lang, entry.form)

    def name(iri: str) -> str:
        forms = names.get(iri, {})
        return (
            forms.get(ui_lang)
            or forms.get("en")
            or next(iter(sorted(forms.values())), iri.rsplit("/", 1)[-1])
        )

    def newest(key: str) -> tuple[RecentTerm, ...]:
        dated = [(record[key], iri) for iri, record in dates.items() if key in record]
        dated.sort(key=lambda pair: (pair[0], pair[1]), reverse=True)
        return tuple(
            RecentTerm(
                iri,
                name(iri),
                local_path(iri, base),
                when,
                dates[iri].get("note") if key == "modified" else None,
            )
            for when, iri in dated[:limit]
        )

    return Recent(added=newest("created"), changed=newest("modified"))
