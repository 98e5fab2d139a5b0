"""Skosmos ``search`` and ``lookup`` over the project's search indexes.

Skosmos matches labels exactly unless the query has ``*`` wildcards. Here:

* ``coke`` — labels equal to the query, case-, accent- and emoji-variant-
  insensitively (and disguised spellings, see :mod:`server.search`); when no
  label is equal, labels one or two typos away;
* ``cok*`` — labels (or a later word of a label) starting with ``cok``;
* ``*oke``, ``*ok*``, ``c*e`` — labels matching the pattern, on the same
  case- and accent-insensitive form;
* ``*`` — every concept.

Results are concepts, one per concept, best match first (exact before prefix
before typo; prefLabel before altLabel before hiddenLabel), in Skosmos's shape.
Deprecated concepts are left out, as Skosmos does by default.
"""

from __future__ import annotations

import re
from typing import Any

from server import search
from server.errors import BadRequest, NotFound
from server.lexicon import Entry
from server.namespaces import PREFIXES
from server.skosmos import ONKI, Catalogue, Concept, context, types

DEFAULT_HITS = 100
MAX_HITS = 1000
SEARCH_CONTEXT: dict[str, Any] = {
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "onki": ONKI,
    "kp": PREFIXES["kp"],
    "results": {"@id": "onki:results", "@container": "@list"},
    "prefLabel": "skos:prefLabel",
    "altLabel": "skos:altLabel",
    "hiddenLabel": "skos:hiddenLabel",
}


def vocids(catalogue: Catalogue, vocab: str | None, vocid: str | None) -> list[str]:
    """The vocabularies searched: the route's, else the ``vocab`` parameter's
    (space-separated), else all."""
    if vocid:
        catalogue.vocabulary(vocid)
        return [vocid]
    if vocab and vocab.split():
        for name in vocab.split():
            catalogue.vocabulary(name)
        return vocab.split()
    return sorted(catalogue.vocabularies)


def pattern(query: str) -> re.Pattern[str]:
    """A wildcard query as a pattern over search keys (``*`` is any text)."""
    pieces = [re.escape(search.search_key(piece)) for piece in query.split("*")]
    return re.compile(".*".join(pieces))


def _hits(index: search.Index, query: str) -> tuple[list[search.Hit], list[search.Hit], bool]:
    """The labels a query matches; the labels to fall back on when none of those
    is wanted (typos, for a query without wildcards); and whether they are ranked
    by relevance (wildcard patterns are listed alphabetically, as Skosmos does)."""
    core = query.strip()
    if not core.replace("*", "").strip():
        return [search.Hit(entry, "exact") for entry in index.lexicon.entries], [], False
    if "*" not in core:
        found = index.candidates(core)
        fuzzy = [h for h in found if h.match == "fuzzy"]
        return [h for h in found if h.match in ("exact", "normalised")], fuzzy, True
    if core.endswith("*") and "*" not in core[:-1]:
        return index.candidates(core[:-1], fuzzy=False), [], True
    if not any(search.search_key(piece) for piece in core.split("*")):
        raise BadRequest("the query has no letters, digits or emoji to search for")
    regex = pattern(core)
    matching = [i for i, key in enumerate(index.keys) if regex.fullmatch(key)]
    return [search.Hit(index.lexicon.entries[i], "exact") for i in matching], [], False


#: Labels without a language (emoji are tagged ``zxx``, "no linguistic content")
#: match whatever language is asked for.
LANGUAGE_NEUTRAL = ("", "zxx")


def _lang_matches(tag: str, wanted: str | None) -> bool:
    tag = tag.lower()
    return (
        not wanted or tag in LANGUAGE_NEUTRAL or tag == wanted.lower() or tag.startswith(wanted.lower() + "-")
    )


def _expand(type_: str) -> str:
    prefix, sep, local = type_.partition(":")
    return PREFIXES[prefix] + local if sep and prefix in PREFIXES and not local.startswith("//") else type_


def describe(concept: Concept, entry: Entry, display_lang: str | None) -> dict[str, Any]:
    """A result in Skosmos's shape: the concept's prefLabel, and the label that matched."""
    pref = concept.pref(display_lang or entry.lang)
    item: dict[str, Any] = {
        "uri": concept.uri,
        "type": types(concept),
        "prefLabel": pref[0] if pref else concept.localname,
        "lang": pref[1] if pref else entry.lang,
        "vocab": concept.vocid,
        "localname": concept.localname,
    }
    if concept.notation:
        item["notation"] = concept.notation
    if entry.kind != "pref" or entry.form != item["prefLabel"]:
        key = {"pref": "matchedPrefLabel", "alt": "altLabel", "hidden": "hiddenLabel"}[entry.kind]
        item[key] = entry.form
        item["lang"] = entry.lang
    return item


def search_concepts(
    catalogue: Catalogue,
    index: search.Index,
    query: str | None,
    *,
    lang: str | None = None,
    labellang: str | None = None,
    vocab: str | None = None,
    vocid: str | None = None,
    type_: str | None = None,
    maxhits: int | None = None,
    offset: int | None = None,
) -> dict[str, Any]:
    """Skosmos ``search``: ``lang`` is the language of the labels matched (any
    without it; emoji match in every language), ``labellang`` the language of
    the prefLabels shown."""
    if query is None or not query.strip():
        raise BadRequest("query parameter missing")
    if len(query) > search.MAX_QUERY:
        raise BadRequest(f"the query is {len(query)} characters long; at most {search.MAX_QUERY}")
    limit = DEFAULT_HITS if maxhits is None else maxhits
    if not 1 <= limit <= MAX_HITS:
        raise BadRequest(f"maxhits parameter is invalid (1-{MAX_HITS})")
    start = offset or 0
    if start < 0:
        raise BadRequest("offset parameter is invalid")
    wanted = set(vocids(catalogue, vocab, vocid))
    type_iri = _expand(type_) if type_ else None
    main, controlled = _hits(index, query), _hits(catalogue.controlled, query)
    ranked = main[2]
    best: dict[str, tuple[tuple[int, int, int, int, int, str], search.Hit]] = {}
    for hits in (main[0] + controlled[0], main[1] + controlled[1]):
        if best:  # typos only when no label is equal to the query
            break
        for hit in hits:
            concept = catalogue.concepts.get(hit.entry.concept)
            if concept is None or concept.vocid not in wanted or concept.deprecated:
                continue
            if not _lang_matches(hit.entry.lang, lang) or (type_iri and type_iri not in concept.types):
                continue
            rank = hit.rank(lang or labellang)
            if concept.uri not in best or rank < best[concept.uri][0]:
                best[concept.uri] = (rank, hit)
    if ranked:
        ordered = sorted(best.values(), key=lambda pair: (pair[0], pair[1].entry.concept))
    else:
        ordered = sorted(
            best.values(), key=lambda p: (search.search_key(p[1].entry.form), p[1].entry.concept)
        )
    display = labellang or lang
    results = [
        describe(catalogue.concepts[hit.entry.concept], hit.entry, display)
        for _, hit in ordered[start : start + limit]
    ]
    return {"@context": context(SEARCH_CONTEXT, display), "uri": "", "results": results}


def _same(a: str, b: str, strict: bool) -> bool:
    return a == b if strict else a.casefold() == b.casefold()


def lookup(
    catalogue: Catalogue, index: search.Index, label: str | None, lang: str | None, vocid: str | None = None
) -> dict[str, Any]:
    """Skosmos ``lookup``: concepts by a label, in Skosmos's order of preference
    (prefLabel as written, prefLabel in any case, then the same for altLabels);
    failing those, labels of any kind equal but for accents and emoji variants."""
    if not label or not label.strip():
        raise BadRequest("label parameter missing")
    if len(label) > search.MAX_QUERY:
        raise BadRequest(f"the label is {len(label)} characters long; at most {search.MAX_QUERY}")
    wanted = set(vocids(catalogue, None, vocid))
    entries: list[tuple[Concept, Entry]] = []
    for source in (index, catalogue.controlled):
        for hit in source.candidates(label, fuzzy=False):
            concept = catalogue.concepts.get(hit.entry.concept)
            if (
                hit.match in ("exact", "normalised")
                and concept is not None
                and concept.vocid in wanted
                and not concept.deprecated
                and _lang_matches(hit.entry.lang, lang)
            ):
                entries.append((concept, hit.entry))
    # (kind or None for any, case-sensitive), best first; the last tier is ours.
    tiers: list[tuple[str | None, bool]] = [
        ("pref", True),
        ("pref", False),
        ("alt", True),
        ("alt", False),
        (None, False),
    ]
    for kind, strict in tiers:
        found: dict[str, dict[str, Any]] = {}
        for concept, entry in sorted(entries, key=lambda pair: (pair[0].uri, pair[1].lang, pair[1].form)):
            matches = kind is None or (entry.kind == kind and _same(entry.form, label, strict))
            if matches and concept.uri not in found:
                found[concept.uri] = describe(concept, entry, lang or entry.lang)
        if found:
            return {
                "@context": context(
                    {
                        "onki": ONKI,
                        "kp": PREFIXES["kp"],
                        "results": {"@id": "onki:results"},
                        "prefLabel": "skos:prefLabel",
                        "altLabel": "skos:altLabel",
                        "hiddenLabel": "skos:hiddenLabel",
                    },
                    lang,
                ),
                "result": list(found.values()),
            }
    raise NotFound(f"could not find label {label!r}")
