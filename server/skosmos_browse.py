"""Skosmos's browsing answers: vocabularies, concept labels and hierarchy, the
alphabetical index and statistics, read from a :class:`~server.skosmos.Catalogue`
(so from what the caller's handling level may see). No FastAPI here."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Any

import pycountry

from server import search
from server.errors import BadRequest, NotFound
from server.lexicon import KINDS
from server.namespaces import PREFIXES
from server.skosmos import (
    DEFAULT_LANGUAGE,
    ONKI,
    RDFS,
    SKOS_CONCEPT,
    VOID,
    Catalogue,
    Concept,
    context,
    curie,
)


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


TRANSITIVE_LIMIT = 1000


def transitive(
    catalogue: Catalogue, vocid: str, uri: str | None, lang: str | None, relation: str, limit: int | None
) -> dict[str, Any]:
    """``broaderTransitive`` or ``narrowerTransitive``: the concept and everything
    above (or below) it, breadth first, each with its direct ``broader`` (``narrower``)."""
    concept = catalogue.concept(uri, vocid)
    most = TRANSITIVE_LIMIT if limit is None else limit
    if most <= 0:
        raise BadRequest("Invalid limit parameter")
    found: dict[str, dict[str, Any]] = {}
    queue, seen = [concept], {concept.uri}
    while queue and len(found) < most:
        current = queue.pop(0)
        item: dict[str, Any] = {"uri": current.uri, "prefLabel": current.pref_label(lang)}
        direct = getattr(current, relation)
        if direct:
            item[relation] = list(direct)
        found[current.uri] = item
        for other in direct:
            if other not in seen:  # the hierarchy may have cycles
                seen.add(other)
                queue.append(catalogue.concepts[other])
    name = f"{relation}Transitive"
    return {
        "@context": context(
            {
                "prefLabel": "skos:prefLabel",
                relation: {"@id": f"skos:{relation}", "@type": "@id"},
                name: {"@id": f"skos:{name}", "@container": "@index"},
            },
            lang,
        ),
        "uri": concept.uri,
        name: found,
    }


def labels(
    catalogue: Catalogue, uri: str | None, lang: str | None, vocid: str | None = None
) -> dict[str, Any]:
    """A concept's labels in ``lang`` (default English): one prefLabel, lists of alt- and hiddenLabels."""
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
