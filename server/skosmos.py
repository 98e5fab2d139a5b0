"""A Skosmos-compatible view of the vocabulary: the read subset of Skosmos's REST API.

Tools that speak Skosmos (``skosmos-client``, Annif, cataloguing plug-ins) see
each concept scheme of the Knowledge Package as a Skosmos *vocabulary*, named
by its ``vocid`` (``terms``, ``substances``, ``term-types``...). Answers keep
Skosmos's JSON-LD shapes: an inline ``@context`` mapping ``uri`` to ``@id``
and ``type`` to ``@type``, then ``prefLabel``, ``lang``, ``results``...

A :class:`Catalogue` is read from one handling level's snapshot, so it holds
exactly what a reader at that level may see; it is rebuilt whenever the store
changes (a derived structure, see :mod:`server.derived`). The answers are
shaped in :mod:`server.skosmos_browse` (vocabularies, hierarchy, index,
statistics), :mod:`server.skosmos_search` (search, lookup) and
:mod:`server.skosmos_data` (RDF data, mappings). Nothing here imports FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from server import queries, search
from server.errors import BadRequest, NotFound
from server.lexicon import KINDS, Entry, Lexicon
from server.namespaces import PREFIXES
from server.store import EmbeddedStore

#: The concept schemes served as Skosmos vocabularies, by vocid (the scheme's name).
VOCABULARIES: tuple[str, ...] = (
    "terms",
    "substances",
    "term-types",
    "ambiguity",
    "handling",
    "platforms",
    "review-status",
    "control-schedules",
)
#: Schemes small enough to be searched through an index of their own.
CONTROLLED = tuple(v for v in VOCABULARIES if v not in ("terms", "substances"))
DEFAULT_LANGUAGE = "en"
SKOS = PREFIXES["skos"]
SKOS_CONCEPT = SKOS + "Concept"

#: The part of every Skosmos context that names ``uri`` and ``type``.
BASE_CONTEXT: dict[str, Any] = {"skos": SKOS, "uri": "@id", "type": "@type"}
ONKI = "http://schema.onki.fi/onki#"
RDFS = PREFIXES["rdfs"]
VOID = "http://rdfs.org/ns/void#"


@dataclass
class Concept:
    uri: str
    vocid: str
    types: set[str] = field(default_factory=set)
    notation: str | None = None
    deprecated: bool = False
    #: kind (pref | alt | hidden) -> lang -> forms, in a stable order
    labels: dict[str, dict[str, list[str]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    top_of: list[str] = field(default_factory=list)  # scheme IRIs

    @property
    def localname(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def pref(self, lang: str | None) -> tuple[str, str] | None:
        """(prefLabel, its language) in ``lang``, else English, else any; None without one."""
        prefs = self.labels["pref"]
        for candidate in (lang, DEFAULT_LANGUAGE, *sorted(prefs)):
            if candidate in prefs:
                return prefs[candidate][0], candidate
        return None

    def pref_label(self, lang: str | None) -> str:
        found = self.pref(lang)
        return found[0] if found else self.localname


@dataclass
class Vocabulary:
    vocid: str
    uri: str
    titles: dict[str, str] = field(default_factory=dict)
    concepts: list[str] = field(default_factory=list)
    top: list[str] = field(default_factory=list)

    def title(self, lang: str | None) -> str:
        for candidate in (lang, DEFAULT_LANGUAGE):
            if candidate and candidate in self.titles:
                return self.titles[candidate]
        return next(iter(sorted(self.titles.values())), self.vocid)


@dataclass
class Catalogue:
    """The vocabularies and concepts one handling level may see."""

    level: str
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)
    concepts: dict[str, Concept] = field(default_factory=dict)
    #: Search index over the labels of the small controlled schemes (terms and
    #: substances are in the level's main search index).
    controlled: search.Index = field(default_factory=lambda: search.Index.build(Lexicon("")))

    def vocabulary(self, vocid: str) -> Vocabulary:
        found = self.vocabularies.get(vocid)
        if found is None:
            raise NotFound(f"no vocabulary is named {vocid!r}; see /rest/v1/vocabularies")
        return found

    def concept(self, uri: str | None, vocid: str | None = None) -> Concept:
        """A visible concept, in ``vocid`` when one is given (400 without ``uri``, else 404)."""
        if vocid is not None:
            self.vocabulary(vocid)
        if not uri:
            raise BadRequest("uri parameter missing")
        found = self.concepts.get(uri)
        if found is None or (vocid is not None and found.vocid != vocid):
            where = f" in vocabulary {vocid}" if vocid else ""
            raise NotFound(f"could not find concept <{uri}>{where}")
        return found

    def in_vocabularies(self, vocids: list[str]) -> list[Concept]:
        return [self.concepts[uri] for vocid in vocids for uri in self.vocabulary(vocid).concepts]


def _vocid(scheme: str) -> str | None:
    """A scheme IRI's vocid when it is one of the served schemes (any base)."""
    head, _, name = scheme.rpartition("/")
    return name if head.endswith("/scheme") and name in VOCABULARIES else None


def build(store: EmbeddedStore, level: str) -> Catalogue:
    """Read the catalogue from a level snapshot (everything in it is visible)."""
    catalogue = Catalogue(level)
    for row in store.select(queries.SKOSMOS_SCHEMES, None):
        scheme, title = row["scheme"], row["title"]
        vocid = _vocid(scheme.value) if isinstance(scheme, ox.NamedNode) else None
        if scheme is None or vocid is None:
            continue
        vocabulary = catalogue.vocabularies.setdefault(vocid, Vocabulary(vocid, scheme.value))
        if isinstance(title, ox.Literal):
            vocabulary.titles.setdefault(title.language or DEFAULT_LANGUAGE, title.value)
    for row in store.select(queries.SKOSMOS_MEMBERS, None):
        concept, scheme, kind, notation = row["concept"], row["scheme"], row["type"], row["notation"]
        vocid = _vocid(scheme.value) if isinstance(scheme, ox.NamedNode) else None
        if not isinstance(concept, ox.NamedNode) or vocid not in catalogue.vocabularies or kind is None:
            continue
        assert vocid is not None
        found = catalogue.concepts.setdefault(concept.value, Concept(concept.value, vocid))
        found.types.add(kind.value)
        if isinstance(notation, ox.Literal):
            found.notation = notation.value
        found.deprecated = found.deprecated or (
            row["deprecated"] is not None and row["deprecated"].value in ("true", "1")
        )
    for row in store.select(queries.SKOSMOS_LABELS, None):
        concept, form, kind = row["concept"], row["form"], row["kind"]
        if concept is None or not isinstance(form, ox.Literal) or kind is None:
            continue
        if (labelled := catalogue.concepts.get(concept.value)) is not None:
            forms = labelled.labels[kind.value].setdefault(form.language or "", [])
            if form.value not in forms:
                forms.append(form.value)
    for row in store.select(queries.SKOSMOS_HIERARCHY, None):
        narrower, broader = row["narrower"], row["broader"]
        if narrower is None or broader is None:
            continue
        child, parent = catalogue.concepts.get(narrower.value), catalogue.concepts.get(broader.value)
        if child is not None and parent is not None:  # both visible
            child.broader.append(parent.uri)
            parent.narrower.append(child.uri)
    for row in store.select(queries.SKOSMOS_TOP, None):
        scheme, concept = row["scheme"], row["concept"]
        vocid = _vocid(scheme.value) if isinstance(scheme, ox.NamedNode) else None
        if vocid in catalogue.vocabularies and concept is not None and concept.value in catalogue.concepts:
            catalogue.concepts[concept.value].top_of.append(scheme.value)  # type: ignore[union-attr]
    for uri, concept_ in sorted(catalogue.concepts.items()):
        for by_lang in concept_.labels.values():
            for forms_ in by_lang.values():
                forms_.sort()
        concept_.labels = {k: dict(sorted(v.items())) for k, v in concept_.labels.items()}
        concept_.broader.sort()
        concept_.narrower.sort()
        vocabulary = catalogue.vocabularies[concept_.vocid]
        vocabulary.concepts.append(uri)
        if vocabulary.uri in concept_.top_of:
            vocabulary.top.append(uri)
    catalogue.controlled = search.Index.build(_controlled_lexicon(catalogue))
    return catalogue


def _controlled_lexicon(catalogue: Catalogue) -> Lexicon:
    lexicon = Lexicon(catalogue.level)
    for concept in catalogue.in_vocabularies([v for v in CONTROLLED if v in catalogue.vocabularies]):
        for kind, by_lang in concept.labels.items():
            for lang, forms in by_lang.items():
                lexicon.entries.extend(
                    Entry(
                        form=form,
                        lang=lang,
                        kind=kind,
                        concept=concept.uri,
                        label=None,
                        term_type=None,
                        ambiguity=None,
                        needs_other_signal=False,
                        handling=catalogue.level,
                        substances=(),
                        deprecated=concept.deprecated,
                    )
                    for form in forms
                )
    return lexicon


# ----------------------------------------------------------------- shaping
def curie(iri: str) -> str:
    """``skos:Concept`` for a SKOS or Knowledge Package ontology IRI; others unchanged."""
    for prefix in ("skos", "kp", "owl", "dct"):
        if iri.startswith(PREFIXES[prefix]):
            return f"{prefix}:{iri[len(PREFIXES[prefix]) :]}"
    return iri


def types(concept: Concept) -> list[str]:
    return sorted(curie(t) for t in concept.types)


def context(extra: dict[str, Any], lang: str | None = None) -> dict[str, Any]:
    ctx = {**BASE_CONTEXT, **extra}
    if lang:
        ctx["@language"] = lang
    return ctx
