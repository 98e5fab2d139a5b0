"""How the matcher judges what it found: the reason (how the text wrote the
label), which of overlapping finds to keep, and the confidence of each."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.lexicon import KINDS, Entry
from server.textnorm import basic_key

#: Matches below this confidence are left out unless the caller asks for them.
DEFAULT_MIN_CONFIDENCE = 0.5
#: Confidence of a label that is strong evidence alone, by ambiguity.
STRONG = {"low": 0.95, "medium": 0.8}
#: Confidence of a weak label (highly ambiguous or needing another signal): alone, and next to support.
WEAK_ALONE = {"medium": 0.35, "high": 0.25}
WEAK_SUPPORTED = {"medium": 0.85, "high": 0.75}
#: How far (characters) another term or a seller signal may be to support a weak label.
SUPPORT_WINDOW = 300
REASON_RANK = {"exact": 0, "emoji": 0, "normalised": 1, "obfuscated": 2}


@dataclass(frozen=True)
class Compiled:
    """One label as the matcher uses it."""

    entry: Entry
    key: str  # folded form
    basic: str  # basic key of the form (case, accents, width only)
    exact_only: bool  # one or two letters: only as written (E, MD)
    no_leet: bool  # has digits: codes like 420 and 710 must keep them
    emoji: bool
    strong: bool
    everyday_in: frozenset[str]  # where the form is an everyday word (server.commonwords); strong labels only


@dataclass(slots=True)
class Match:
    start: int
    end: int
    text: str
    label: Compiled
    reason: str
    via: str  # words | token | token-signal | spaced | stretched
    confidence: float = 0.0

    def to_dict(self, substance_name: Any, lang: str) -> dict[str, Any]:
        e = self.label.entry
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": e.form,
            "lang": e.lang,
            "label_uri": e.label,
            "concept": e.concept,
            "substances": [{"uri": s, "label": substance_name(s, lang)} for s in e.substances],
            "term_type": e.term_type.rsplit("/", 1)[-1] if e.term_type else "substance-name",
            "ambiguity": e.ambiguity,
            "confidence": round(self.confidence, 2),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class TextResult:
    matches: Sequence[Match] = ()
    signals: Sequence[str] = ()  # seller signals seen in a text with candidates

    def substances(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for m in self.matches:
            for s in m.label.entry.substances:
                found[s] = max(found.get(s, 0.0), m.confidence)
        return found


@functools.lru_cache(maxsize=1 << 16)
def cached_basic_key(text: str) -> str:
    return basic_key(text)


def reason(label: Compiled, original: str) -> str | None:
    """How the text wrote the label, or None if this way does not count for this label."""
    if label.emoji:
        return "emoji"
    if original == label.entry.form:
        return "exact"
    if label.exact_only:  # E, MD: as written, only widened or made "fancy"
        return "normalised" if unicodedata.normalize("NFKC", original) == label.entry.form else None
    written = cached_basic_key(original)
    if written == label.basic:
        return "normalised"
    if label.no_leet or other_letters(written, label.basic):
        return None
    return "obfuscated"


def other_letters(written: str, label: str) -> bool:
    """Two different Latin letters where the folding made them equal (Bianca is not blanca):
    a different word, not a disguise. Digits, signs and other scripts' look-alikes are disguises."""
    if len(written) != len(label):
        return False
    return any(
        a != b and a.isascii() and a.isalpha() and b.isalpha() for a, b in zip(written, label, strict=True)
    )


def _rank(m: Match, lang: str) -> tuple[int, int, int, str]:
    e = m.label.entry
    kind = KINDS.index(e.kind) if e.kind in KINDS else len(KINDS)
    return (REASON_RANK[m.reason], e.lang not in (lang, "zxx"), kind, e.lang)


def resolve(matches: list[Match], lang: str) -> list[Match]:
    """One match per span and concept (the best reason, then the reader's language);
    none inside a longer one; a label repeated back to back is one match."""
    if len(matches) == 1:  # (the most common case)
        return list(matches)
    best: dict[tuple[int, int, str], Match] = {}
    for m in matches:
        key = (m.start, m.end, m.label.entry.concept)
        found = best.get(key)
        if found is None or _rank(m, lang) < _rank(found, lang):
            best[key] = m
    kept = _merge_repeats(sorted(best.values(), key=lambda m: (m.start, -m.end)))
    if len(kept) == 1:
        return kept
    return [
        m
        for m in kept
        if not any(
            o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start) for o in kept
        )
    ]


def _merge_repeats(matches: list[Match]) -> list[Match]:
    merged: list[Match] = []
    open_runs: dict[str, Match] = {}
    for m in matches:
        key = m.label.entry.label or m.label.entry.form + m.label.entry.concept
        run = open_runs.get(key)
        if run is not None and run.end == m.start:
            run.end, run.text = m.end, run.text + m.text
            continue
        open_runs[key] = m
        merged.append(m)
    return merged


def self_evident(m: Match) -> bool:
    """Disguised on purpose (leetspeak, look-alikes, split letters) or glued to a seller word
    (#coke4sale): nobody does that to "snow" in a weather report."""
    return (m.reason == "obfuscated" and m.via != "stretched") or m.via == "token-signal"


def strong(label: Compiled, languages: frozenset[str] | None) -> bool:
    """Evidence alone: not ambiguous, and not an everyday word of a language the post may be in."""
    if not label.strong:
        return False
    return not (label.everyday_in & languages if languages is not None else label.everyday_in)


def score(matches: list[Match], signal_positions: list[int], languages: frozenset[str] | None) -> None:
    strength = {id(m): strong(m.label, languages) for m in matches}
    anchors = [m for m in matches if strength[id(m)] or self_evident(m)]
    for m in matches:
        ambiguity = m.label.entry.ambiguity or "low"
        if strength[id(m)]:
            m.confidence = STRONG[ambiguity]
            continue
        level = "high" if ambiguity == "high" else "medium"
        supported = self_evident(m)
        supported = supported or any(abs(p - m.start) <= SUPPORT_WINDOW for p in signal_positions)
        supported = supported or any(
            (o.end <= m.start or o.start >= m.end) and abs(o.start - m.start) <= SUPPORT_WINDOW
            for o in anchors
        )
        m.confidence = WEAK_SUPPORTED[level] if supported else WEAK_ALONE[level]
