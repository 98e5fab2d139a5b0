"""A Skosmos-compatible view of the vocabulary: the read subset of Skosmos's REST API.

Tools that speak Skosmos (``skosmos-client``, Annif, cataloguing plug-ins) see
each concept scheme of the Knowledge Package as a Skosmos *vocabulary*, named
by its ``vocid`` (``terms``, ``substances``, ``term-types``...). Answers keep
Skosmos's JSON-LD shapes: an inline ``@context`` mapping ``uri`` to ``@id``
and ``type`` to ``@type``, then ``prefLabel``, ``lang``, ``results``...

A :class:`Catalogue` is read from one handling level's snapshot, so it holds
exactly what a reader at that level may see; it is rebuilt whenever the store
changes (a derived structure, see :mod:`server.derived`). Search and lookup
live in :mod:`server.skosmos_search`, RDF data and mappings in
:mod:`server.skosmos_data`. Nothing here imports FastAPI.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pycountry
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
            row["deprecated"] is not None and row["deprecated"].value == "true"
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


def vocabularies(catalogue: Catalogue, lang: str | None) -> dict[str, Any]:
    if not lang:
        raise BadRequest("lang parameter missing")
    return {
        "@context": {
            "rdfs": RDFS,
            "onki": ONKI,
            "title": {"@id": "rdfs:label", "@language": lang},
            "vocabularies": "onki:hasVocabulary",
            "id": "onki:vocabularyIdentifier",
            "uri": "@id",
        },
        "uri": "",
        "vocabularies": [
            {"uri": vocid, "id": vocid, "title": catalogue.vocabularies[vocid].title(lang)}
            for vocid in sorted(catalogue.vocabularies)
        ],
    }


def languages(catalogue: Catalogue, vocid: str) -> list[str]:
    found = {lang for c in catalogue.in_vocabularies([vocid]) for lang in c.labels["pref"] if lang}
    return sorted(found)


def vocabulary_info(catalogue: Catalogue, vocid: str, lang: str | None) -> dict[str, Any]:
    vocabulary = catalogue.vocabulary(vocid)
    lang = lang or DEFAULT_LANGUAGE
    return {
        "@context": context(
            {
                "rdfs": RDFS,
                "onki": ONKI,
                "dct": PREFIXES["dct"],
                "conceptschemes": "onki:hasConceptScheme",
                "id": "onki:vocabularyIdentifier",
                "defaultLanguage": "onki:defaultLanguage",
                "languages": "onki:language",
                "label": "rdfs:label",
                "prefLabel": "skos:prefLabel",
                "title": "dct:title",
            },
            lang,
        ),
        "uri": "",
        "id": vocid,
        "title": vocabulary.title(lang),
        "defaultLanguage": DEFAULT_LANGUAGE,
        "languages": languages(catalogue, vocid),
        "conceptschemes": [
            {
                "uri": vocabulary.uri,
                "type": "skos:ConceptScheme",
                "prefLabel": vocabulary.title(lang),
                "title": vocabulary.title(lang),
            }
        ],
    }


def top_concepts(catalogue: Catalogue, vocid: str, lang: str | None, scheme: str | None) -> dict[str, Any]:
    vocabulary = catalogue.vocabulary(vocid)
    if scheme and scheme != vocabulary.uri:
        raise NotFound(f"vocabulary {vocid} has no concept scheme <{scheme}>")
    tops = [catalogue.concepts[uri] for uri in vocabulary.top]
    found = []
    for top in sorted(tops, key=lambda c: c.pref_label(lang).casefold()):
        item: dict[str, Any] = {
            "uri": top.uri,
            "label": top.pref_label(lang),
            "topConceptOf": vocabulary.uri,
            "hasChildren": bool(top.narrower),
        }
        if top.notation:
            item["notation"] = top.notation
        found.append(item)
    return {
        "@context": context(
            {
                "onki": ONKI,
                "topconcepts": "skos:hasTopConcept",
                "notation": "skos:notation",
                "label": "skos:prefLabel",
            },
            lang,
        ),
        "uri": vocabulary.uri,
        "topconcepts": found,
    }


def relatives(
    catalogue: Catalogue, vocid: str, uri: str | None, lang: str | None, relation: str
) -> dict[str, Any]:
    """``broader`` or ``narrower`` concepts, each with its prefLabel."""
    concept = catalogue.concept(uri, vocid)
    others = [catalogue.concepts[o] for o in getattr(concept, relation)]
    return {
        "@context": context({"prefLabel": "skos:prefLabel", relation: f"skos:{relation}"}, lang),
        "uri": concept.uri,
        relation: [
            {"uri": o.uri, "prefLabel": o.pref_label(lang)}
            for o in sorted(others, key=lambda c: c.pref_label(lang).casefold())
        ],
    }


def labels(
    catalogue: Catalogue, uri: str | None, lang: str | None, vocid: str | None = None
) -> dict[str, Any]:
    """A concept's labels in ``lang`` (all languages without one, as lists)."""
    concept = catalogue.concept(uri, vocid)
    lang = lang or DEFAULT_LANGUAGE
    answer: dict[str, Any] = {
        "@context": context(
            {"prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"},
            lang,
        ),
        "uri": concept.uri,
    }
    prefs = concept.labels["pref"].get(lang)
    if prefs:
        answer["prefLabel"] = prefs[0]
    for kind in ("alt", "hidden"):
        forms = concept.labels[kind].get(lang)
        if forms:
            answer[f"{kind}Label"] = forms
    return answer


# ------------------------------------------------------- alphabetical index
DIGITS, OTHERS = "0-9", "!*"


def letter_class(form: str) -> str:
    """Where a label is filed: its first letter in capitals, ``0-9`` or ``!*`` (emoji, signs)."""
    first = unicodedata.normalize("NFC", form.strip())[:1]
    if not first:
        return OTHERS
    if first.isdigit():
        return DIGITS
    if unicodedata.category(first).startswith("L"):
        return first.upper()
    return OTHERS


def index_letters(catalogue: Catalogue, vocid: str, lang: str | None) -> dict[str, Any]:
    lang = lang or DEFAULT_LANGUAGE
    found = {
        letter_class(form)
        for concept in catalogue.in_vocabularies([vocid])
        if not concept.deprecated
        for kind in ("pref", "alt")
        for form in concept.labels[kind].get(lang, [])
    }
    letters = sorted(found - {DIGITS, OTHERS}) + [c for c in (OTHERS, DIGITS) if c in found]
    return {
        "@context": context(
            {"indexLetters": {"@id": "skosmos:indexLetters", "@container": "@list", "@language": lang}}
        ),
        "uri": "",
        "indexLetters": letters,
    }


def index_concepts(
    catalogue: Catalogue, vocid: str, letter: str, lang: str | None, limit: int | None, offset: int
) -> dict[str, Any]:
    """Concepts with a prefLabel or altLabel in ``lang`` filed under ``letter``
    (``*`` for all), in alphabetical order; altLabels come with the prefLabel."""
    lang = lang or DEFAULT_LANGUAGE
    if (limit is not None and limit < 0) or offset < 0:
        raise BadRequest("limit and offset must not be negative")
    wanted = letter.upper() if letter not in (DIGITS, OTHERS, "*") else letter
    rows: list[tuple[str, dict[str, Any]]] = []
    for concept in catalogue.in_vocabularies([vocid]):
        if concept.deprecated:
            continue
        for kind in ("pref", "alt"):
            for form in concept.labels[kind].get(lang, []):
                if wanted != "*" and letter_class(form) != wanted:
                    continue
                item: dict[str, Any] = {
                    "uri": concept.uri,
                    "localname": concept.localname,
                    "prefLabel": concept.pref_label(lang),
                    "lang": lang,
                }
                if kind == "alt":
                    item["altLabel"] = form
                rows.append((search.search_key(form) or form.casefold(), item))
    rows.sort(key=lambda r: (r[0], r[1]["uri"]))
    page = rows[offset : offset + limit if limit else None]
    return {
        "@context": context({"indexConcepts": {"@id": "skosmos:indexConcepts", "@container": "@list"}}),
        "uri": "",
        "indexConcepts": [item for _, item in page],
    }


# --------------------------------------------------------------- statistics
def vocabulary_statistics(catalogue: Catalogue, vocid: str, lang: str | None) -> dict[str, Any]:
    vocabulary = catalogue.vocabulary(vocid)
    concepts = catalogue.in_vocabularies([vocid])
    by_type: dict[str, list[Concept]] = defaultdict(list)
    for concept in concepts:
        for kind in concept.types - {SKOS_CONCEPT}:
            by_type[kind].append(concept)
    return {
        "@context": context(
            {
                "rdfs": RDFS,
                "void": VOID,
                "onki": ONKI,
                "id": "onki:vocabularyIdentifier",
                "concepts": "void:classPartition",
                "label": "rdfs:label",
                "class": {"@id": "void:class", "@type": "@id"},
                "subTypes": {"@id": "void:class", "@type": "@id"},
                "count": "void:entities",
            },
            lang or DEFAULT_LANGUAGE,
        ),
        "uri": "",
        "id": vocid,
        "title": vocabulary.title(lang),
        "concepts": {
            "class": SKOS_CONCEPT,
            "label": "Concept",
            "count": len(concepts),
            "deprecatedCount": sum(c.deprecated for c in concepts),
        },
        "subTypes": [
            {
                "type": kind,
                "label": curie(kind).split(":", 1)[-1],
                "count": len(members),
                "deprecatedCount": sum(c.deprecated for c in members),
            }
            for kind, members in sorted(by_type.items())
        ],
    }


def language_name(code: str) -> str | None:
    """The English name of a language (ISO 639), or None for tags it does not know."""
    primary = code.split("-", 1)[0]
    found = (
        pycountry.languages.get(alpha_2=primary)
        if len(primary) == 2
        else pycountry.languages.get(alpha_3=primary)
    )
    return str(found.name) if found is not None else None


def label_statistics(catalogue: Catalogue, vocid: str, lang: str | None) -> dict[str, Any]:
    vocabulary = catalogue.vocabulary(vocid)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for concept in catalogue.in_vocabularies([vocid]):
        for kind, by_lang in concept.labels.items():
            for label_lang, forms in by_lang.items():
                counts[label_lang][kind] += len(forms)
    languages_ = []
    for label_lang, kinds in sorted(counts.items()):
        item: dict[str, Any] = {"language": label_lang}
        name = language_name(label_lang) if lang else None
        if name:
            item["literal"] = name
        item["properties"] = [{"property": f"skos:{kind}Label", "labels": kinds[kind]} for kind in KINDS]
        languages_.append(item)
    ctx: dict[str, Any] = {
        "rdfs": RDFS,
        "void": VOID,
        "void-ext": "http://ldf.fi/void-ext#",
        "onki": ONKI,
        "id": "onki:vocabularyIdentifier",
        "languages": "void-ext:languagePartition",
        "language": "void-ext:language",
        "properties": "void:propertyPartition",
        "labels": "void:triples",
    }
    if lang:
        ctx["literal"] = {"@id": "rdfs:label", "@language": "en"}  # language names are English
    return {
        "@context": context(ctx),
        "uri": "",
        "id": vocid,
        "title": vocabulary.title(lang),
        "languages": languages_,
    }
