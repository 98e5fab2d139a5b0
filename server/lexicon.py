"""The vocabulary's surface forms, flattened for the matcher and for search.

A :class:`Lexicon` is read from one handling level's snapshot, so it holds
exactly what a reader at that level may see. It is rebuilt whenever the store
changes (see :class:`server.derived.Derived`); nothing here imports FastAPI.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from server import queries
from server.store import EmbeddedStore

#: Kinds of label, best first (ranking and display order).
KINDS = ("pref", "alt", "hidden")


@dataclass(frozen=True)
class Entry:
    """One label of one concept."""

    form: str  # the literal form, as written
    lang: str  # BCP 47 tag ("zxx" for emoji)
    kind: str  # pref | alt | hidden
    concept: str  # concept IRI (a DrugTerm, or a Substance for its own names)
    label: str | None  # SKOS-XL label IRI (None for substance names)
    term_type: str | None  # IRI of the term type
    ambiguity: str | None  # code: low | medium | high
    needs_other_signal: bool
    handling: str  # code: tlp-clear | tlp-green | tlp-amber
    substances: tuple[str, ...]  # substance IRIs the concept refers to
    deprecated: bool = False
    replaced_by: str | None = None

    @property
    def is_substance_name(self) -> bool:
        return self.label is None


@dataclass
class Lexicon:
    """Every label visible at one handling level, and substance names by language."""

    level: str
    entries: list[Entry] = field(default_factory=list)
    #: substance IRI → {lang: prefLabel}
    substance_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def substance_name(self, iri: str, lang: str = "en") -> str:
        """A substance's name in ``lang``, else English, else any, else its id."""
        names = self.substance_names.get(iri, {})
        return names.get(lang) or names.get("en") or next(iter(names.values()), iri.rsplit("/", 1)[-1])

    def term_entries(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_substance_name]


def _code(term: object) -> str | None:
    return term.value.rsplit("/", 1)[-1] if isinstance(term, ox.NamedNode) else None


def _true(term: object) -> bool:
    return isinstance(term, ox.Literal) and term.value in ("true", "1")


def build(store: EmbeddedStore, level: str) -> Lexicon:
    """Read the lexicon from a level snapshot (everything in it is visible)."""
    lexicon = Lexicon(level=level)
    substances: dict[str, set[str]] = defaultdict(set)
    rows: dict[tuple[str, str], dict[str, ox.NamedNode | ox.Literal | ox.BlankNode | None]] = {}
    for row in store.select(queries.LEXICON_TERM_LABELS, None):
        label, concept = row["label"], row["concept"]
        assert label is not None and concept is not None
        key = (label.value, concept.value)
        if row["substance"] is not None:
            substances[concept.value].add(row["substance"].value)
        rows.setdefault(key, row)
    for (label_iri, concept_iri), row in sorted(rows.items()):
        form = row["form"]
        assert isinstance(form, ox.Literal)
        replaced, kind = row["replacedBy"], row["kind"]
        assert kind is not None
        lexicon.entries.append(
            Entry(
                form=form.value,
                lang=form.language or "",
                kind=kind.value,
                concept=concept_iri,
                label=label_iri,
                term_type=row["type"].value if isinstance(row["type"], ox.NamedNode) else None,
                ambiguity=_code(row["ambiguity"]),
                needs_other_signal=_true(row["needsOther"]),
                handling=_code(row["handling"]) or "tlp-clear",
                substances=tuple(sorted(substances.get(concept_iri, ()))),
                deprecated=_true(row["deprecated"]),
                replaced_by=replaced.value if isinstance(replaced, ox.NamedNode) else None,
            )
        )
    for row in store.select(queries.LEXICON_SUBSTANCE_NAMES, None):
        concept, form, kind = row["concept"], row["form"], row["kind"]
        if not isinstance(form, ox.Literal) or concept is None or kind is None:
            continue
        if kind.value == "pref":
            lexicon.substance_names.setdefault(concept.value, {})[form.language or ""] = form.value
        lexicon.entries.append(
            Entry(
                form=form.value,
                lang=form.language or "",
                kind=kind.value,
                concept=concept.value,
                label=None,
                term_type=None,
                ambiguity="low",
                needs_other_signal=False,
                handling="tlp-clear",
                substances=(concept.value,),
                deprecated=_true(row["deprecated"]),
            )
        )
    lexicon.entries.sort(
        key=lambda e: (e.concept, KINDS.index(e.kind) if e.kind in KINDS else 9, e.lang, e.form)
    )
    return lexicon
