"""Search over every label a reader may see: exact, prefix, accent- and
case-insensitive, disguised spellings, typos, emoji and emoji sequences.

An :class:`Index` is built from one handling level's :class:`~server.lexicon.Lexicon`
(so a caller only ever finds what it may see) and rebuilt whenever the store
changes (it is a derived structure, see :mod:`server.derived`).

Keys: NFKC, casefold, accents stripped, emoji variation selectors, skin tones
and joiners dropped, punctuation as spaces, ``#`` and emoji kept. A second key
folds leetspeak and look-alike letters of other scripts (``textnorm.fold``).
Typos are found by edit distance (optimal string alignment: a swap of two
neighbouring letters is one edit; rapidfuzz) among keys of similar length that
share the first or the last character. Ranking: exact, then prefix of the label, prefix of a later word, the
disguised spelling, then typos by distance; within each, prefLabel before
altLabel before hiddenLabel, the requested language first.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import distance, process

from server import textnorm
from server.errors import BadRequest
from server.lexicon import KINDS, Entry, Lexicon

MATCHES = ("exact", "prefix", "word-prefix", "normalised", "fuzzy")
MAX_QUERY = 200
MAX_LIMIT = 100


def search_key(text: str) -> str:
    """The comparable form of a label or a query (see the module's docstring)."""
    folded = textnorm.strip_marks(unicodedata.normalize("NFKC", text).casefold())
    out = []
    for char in folded:
        code = ord(char)
        if textnorm._dropped(code) or unicodedata.category(char) == "Cf":
            continue
        category = unicodedata.category(char)
        out.append(char if char.isalnum() or char == "#" or category == "So" else " ")
    words = "".join(out).split()
    # Spaces between emoji do not count: "🍁 🔥" is the sequence "🍁🔥".
    joined = words[:1]
    for word in words[1:]:
        if unicodedata.category(joined[-1][-1]) == "So" and unicodedata.category(word[0]) == "So":
            joined[-1] += word
        else:
            joined.append(word)
    return " ".join(joined)


def _words(key: str) -> list[int]:
    """Where the second and later words of a key start."""
    return [i + 1 for i, c in enumerate(key) if c == " " and i + 1 < len(key)]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    match: str
    distance: int = 0

    def rank(self, lang: str | None) -> tuple[int, int, int, int, int, str]:
        kind = KINDS.index(self.entry.kind) if self.entry.kind in KINDS else len(KINDS)
        return (MATCHES.index(self.match), self.distance, kind, 0 if self.entry.lang == lang else 1,
                len(self.entry.form), self.entry.form)  # fmt: skip


@dataclass
class Index:
    lexicon: Lexicon
    keys: list[str] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)
    folded: dict[str, list[int]] = field(default_factory=dict)
    prefix_keys: list[str] = field(default_factory=list)  # sorted, with word suffixes
    prefix_refs: list[tuple[int, bool]] = field(default_factory=list)  # (entry, is label start)
    #: Unique keys by (length, first character) and by (length, last character), for typos.
    by_first: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    by_last: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    pref_names: dict[str, dict[str, str]] = field(default_factory=dict)  # concept -> lang -> prefLabel

    @classmethod
    def build(cls, lexicon: Lexicon) -> Index:
        index = cls(lexicon)
        prefix: list[tuple[str, int, bool]] = []
        exact: dict[str, list[int]] = defaultdict(list)
        folded: dict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(lexicon.entries):
            key = search_key(entry.form)
            index.keys.append(key)
            if not key:
                continue
            exact[key].append(i)
            folded[textnorm.fold(entry.form).strip()].append(i)
            prefix.append((key, i, True))
            if key.startswith("#") and len(key) > 1:
                prefix.append((key[1:], i, True))  # a hashtag is found without its '#'
            prefix.extend((key[start:], i, False) for start in _words(key))
            if entry.kind == "pref":
                index.pref_names.setdefault(entry.concept, {}).setdefault(entry.lang, entry.form)
        prefix.sort()
        index.prefix_keys = [p[0] for p in prefix]
        index.prefix_refs = [(p[1], p[2]) for p in prefix]
        index.exact, index.folded = dict(exact), dict(folded)
        by_first: dict[tuple[int, str], list[str]] = defaultdict(list)
        by_last: dict[tuple[int, str], list[str]] = defaultdict(list)
        for key in exact:
            by_first[(len(key), key[0])].append(key)
            by_last[(len(key), key[-1])].append(key)
        index.by_first, index.by_last = dict(by_first), dict(by_last)
        return index

    # ------------------------------------------------------------ finding
    def _prefix(self, key: str, cap: int | None = None) -> list[Hit]:
        start = bisect.bisect_left(self.prefix_keys, key)
        hits: list[Hit] = []
        for position in range(start, len(self.prefix_keys)):
            if not self.prefix_keys[position].startswith(key) or (cap is not None and len(hits) >= cap):
                break
            entry, at_start = self.prefix_refs[position]
            exact = at_start and self.keys[entry].lstrip("#") == key.lstrip("#")
            match = "exact" if exact else "prefix" if at_start else "word-prefix"
            hits.append(Hit(self.lexicon.entries[entry], match))
        return hits

    def _fuzzy(self, key: str) -> list[Hit]:
        """Labels one edit away (two for words over five letters). Candidates share the
        query's first or its last character (one edit cannot change both; two rarely do),
        which keeps this fast on large vocabularies."""
        if len(key) < 3:
            return []
        most = 1 if len(key) <= 5 else 2
        found: dict[str, int] = {}
        for length in range(len(key) - most, len(key) + most + 1):
            for choices in (self.by_first.get((length, key[0])), self.by_last.get((length, key[-1]))):
                if not choices:
                    continue
                for candidate, dist, _ in process.extract(
                    key, choices, scorer=distance.OSA.distance, score_cutoff=most, limit=None
                ):
                    if dist:
                        found[candidate] = int(dist)
        hits: list[Hit] = []
        for candidate, dist in found.items():
            hits.extend(Hit(self.lexicon.entries[i], "fuzzy", dist) for i in self.exact[candidate])
        return hits

    def candidates(self, query: str, fuzzy: bool = True, cap: int | None = None) -> list[Hit]:
        key = search_key(query)
        if not key:
            raise BadRequest("the query has no letters, digits or emoji to search for")
        hits = self._prefix(key, cap)
        if key.startswith("#") and len(key) > 1:
            hits.extend(self._prefix(key[1:], cap))  # #coke finds "coke" and "#coke4sale"
        loose = textnorm.fold(query).strip()
        if loose and loose != key:
            hits.extend(Hit(self.lexicon.entries[i], "normalised") for i in self.folded.get(loose, []))
        if fuzzy:
            hits.extend(self._fuzzy(key))
        return hits

    # --------------------------------------------------------------- shape
    def pref_label(self, concept: str, lang: str) -> str:
        names = self.pref_names.get(concept, {})
        return names.get(lang) or names.get("en") or next(iter(sorted(names.items())), ("", concept))[1]

    def describe(self, hit: Hit, lang: str) -> dict[str, Any]:
        entry = hit.entry
        return {
            "concept": entry.concept,
            "type": "substance" if entry.is_substance_name else "term",
            "prefLabel": self.pref_label(entry.concept, lang),
            "match": hit.match,
            "distance": hit.distance,
            "matched": {
                "text": entry.form,
                "lang": entry.lang,
                "kind": entry.kind,
                "label": entry.label,
                "termType": entry.term_type.rsplit("/", 1)[-1] if entry.term_type else None,
            },
            "ambiguity": entry.ambiguity,
            "substances": [
                {"iri": s, "label": self.lexicon.substance_name(s, lang)} for s in entry.substances
            ],
            "deprecated": entry.deprecated,
        }


def _check(query: str, limit: int, offset: int) -> None:
    if len(query) > MAX_QUERY:
        raise BadRequest(f"the query is {len(query)} characters long; at most {MAX_QUERY}")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise BadRequest("offset must not be negative")


def search(
    index: Index,
    query: str,
    lang: str = "en",
    *,
    label_lang: str | None = None,
    term_type: str | None = None,
    substance: str | None = None,
    scheme: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    """Concepts whose labels match, best first, one result per concept (its best label)."""
    _check(query, limit, offset)
    if scheme not in (None, "terms", "substances"):
        raise BadRequest("scheme must be 'terms' or 'substances'")
    best: dict[str, tuple[tuple[int, int, int, int, int, str], Hit]] = {}
    for hit in index.candidates(query):
        entry = hit.entry
        if label_lang and entry.lang != label_lang:
            continue
        if term_type and (entry.term_type or "").rsplit("/", 1)[-1] != term_type:
            continue
        if substance and not any(
            s == substance or s.rsplit("/", 1)[-1] == substance for s in entry.substances
        ):
            continue
        if scheme and (scheme == "substances") != entry.is_substance_name:
            continue
        rank = hit.rank(label_lang or lang)
        if entry.concept not in best or rank < best[entry.concept][0]:
            best[entry.concept] = (rank, hit)
    ordered = sorted(best.values(), key=lambda pair: pair[0])
    page = ordered[offset : offset + limit]
    return {
        "query": query,
        "total": len(ordered),
        "offset": offset,
        "limit": limit,
        "results": [index.describe(hit, lang) for _, hit in page],
    }


def suggest(index: Index, query: str, lang: str = "en", limit: int = 10) -> list[dict[str, Any]]:
    """Autocomplete: labels that start with what was typed (no typos), best first."""
    _check(query, limit, 0)
    best: dict[str, tuple[tuple[int, int, int, int, int, str], Hit]] = {}
    for hit in index.candidates(query, fuzzy=False, cap=2000):
        rank = hit.rank(lang)
        concept = hit.entry.concept
        if concept not in best or rank < best[concept][0]:
            best[concept] = (rank, hit)
    ordered = sorted(best.values(), key=lambda pair: pair[0])[:limit]
    return [
        {"text": hit.entry.form, "lang": hit.entry.lang, "kind": hit.entry.kind, "concept": hit.entry.concept,
         "prefLabel": index.pref_label(hit.entry.concept, lang), "match": hit.match}
        for _, hit in ordered
    ]  # fmt: skip
