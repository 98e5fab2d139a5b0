"""The term matcher: the vocabulary's labels found in posts, obfuscated or not.

Compiled from one level's :class:`~server.lexicon.Lexicon`: every label is
folded (:mod:`server.textnorm`) and put in an Aho-Corasick automaton, padded
with spaces when it is written in a script with word boundaries, so that one
pass over the folded text finds whole-word labels however they were cased,
accented, widened, leetspoken or disguised with look-alike letters. Three
smaller passes look at what that pass cannot see: hashtags and user names
(#coke4sale), letters split by separators (c.o.k.e) and stretched letters
(cokeeee); see :mod:`server.match_passes`. Many texts are scanned in one go
(joined by a separator that folds to a space), which keeps Python's share of
the work small.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from server import signals as seller
from server.commonwords import everyday_in
from server.errors import BadRequest
from server.lexicon import KINDS, Entry, Lexicon
from server.match_passes import Hit, extra_hits
from server.textnorm import basic_key, fold, fold_mapped

#: Matches below this confidence are left out unless the caller asks for them.
DEFAULT_MIN_CONFIDENCE = 0.5
#: Confidence of a label that is strong evidence alone, by ambiguity.
STRONG = {"low": 0.95, "medium": 0.8}
#: Confidence of a weak label (highly ambiguous or needing another signal): alone, and next to support.
WEAK_ALONE = {"medium": 0.35, "high": 0.25}
WEAK_SUPPORTED = {"medium": 0.85, "high": 0.75}
#: How far (characters) another term or a seller signal may be to support a weak label.
SUPPORT_WINDOW = 300
SEPARATOR = "\x00"  # between texts of a batch; folds to a space
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
    everyday_in: frozenset[str]  # languages where the form is an everyday word (see server.commonwords)


@dataclass
class Match:
    start: int
    end: int
    text: str
    label: Compiled
    reason: str
    via: str
    confidence: float = 0.0

    def to_dict(self, lexicon: Lexicon, lang: str) -> dict[str, Any]:
        e = self.label.entry
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": e.form,
            "lang": e.lang,
            "label_uri": e.label,
            "concept": e.concept,
            "substances": [{"uri": s, "label": lexicon.substance_name(s, lang)} for s in e.substances],
            "term_type": e.term_type.rsplit("/", 1)[-1] if e.term_type else "substance-name",
            "ambiguity": e.ambiguity,
            "confidence": round(self.confidence, 2),
            "reason": self.reason,
        }


@dataclass
class TextResult:
    matches: list[Match] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)

    def substances(self) -> dict[str, float]:
        found: dict[str, float] = {}
        for m in self.matches:
            for s in m.label.entry.substances:
                found[s] = max(found.get(s, 0.0), m.confidence)
        return found


def _is_emoji(form: str) -> bool:
    return not any(c.isalnum() for c in form)


def _spaced_script(form: str) -> bool:
    """Scripts written with spaces between words need word boundaries; CJK, Thai and emoji do not."""
    for c in form:
        if c.isalpha():
            name = unicodedata.name(c, "")
            return not name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))
    return not _is_emoji(form)


class Matcher:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.signals = seller.load()
        self.labels: list[Compiled] = []
        by_key: dict[tuple[str, bool], list[int]] = {}
        labelled: dict[str, set[str]] = {}
        weak_forms = set()  # a form is as ambiguous as the most ambiguous label written that way
        for entry in lexicon.entries:
            labelled.setdefault(basic_key(entry.form), set()).add(entry.lang)
            if entry.needs_other_signal or (entry.ambiguity or "low") not in STRONG:
                weak_forms.add(basic_key(entry.form))
        for entry in lexicon.entries:
            if entry.deprecated:
                continue
            key = fold(entry.form).strip()
            if not key:
                continue
            basic = basic_key(entry.form)
            letters = sum(c.isalnum() for c in entry.form)
            ambiguity = entry.ambiguity or "low"
            compiled = Compiled(
                entry=entry,
                key=key,
                basic=basic,
                exact_only=0 < letters <= 2,
                no_leet=any(c.isdigit() for c in entry.form),
                emoji=_is_emoji(entry.form),
                strong=not entry.needs_other_signal and ambiguity in STRONG and basic not in weak_forms,
                everyday_in=everyday_in(basic, frozenset(labelled[basic])),
            )
            by_key.setdefault((key, _spaced_script(entry.form)), []).append(len(self.labels))
            self.labels.append(compiled)
        self.words = ahocorasick.Automaton()  # padded keys find whole words only
        self.inner = ahocorasick.Automaton()  # unpadded keys of 3+ letters, for parts of words
        for (key, spaced), ids in by_key.items():
            padded = f" {key} " if spaced else key
            self.words.add_word(padded, (len(padded), spaced, tuple(ids)))
            if spaced and sum(c.isalnum() for c in key) >= 3:
                self.inner.add_word(key, (len(key), False, tuple(ids)))
        self.words.make_automaton()
        self.inner.make_automaton()

    def __len__(self) -> int:
        return len(self.labels)

    def scan(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> list[TextResult]:
        """Find labels in each text; offsets are into that text (code points)."""
        for text in texts:
            if SEPARATOR in text:
                raise BadRequest("texts must not contain the NUL character")
        allowed = _languages(languages)
        asked = frozenset(allowed - {"zxx", ""}) if allowed is not None else None
        prefer = next(iter(languages), "en") if languages else "en"
        joined = SEPARATOR + SEPARATOR.join(texts) + SEPARATOR
        starts = [0] * len(texts)
        position = 1
        for i, text in enumerate(texts):
            starts[i] = position
            position += len(text) + 1
        folded = fold_mapped(joined)
        results = [TextResult() for _ in texts]
        hits: list[Hit] = []
        for end, (length, spaced, ids) in self.words.iter(folded.text):
            first = end - length + 1
            span = (first + 1, end) if spaced else (first, end + 1)
            start, stop = folded.original_span(*span)
            hits.append(Hit(start, stop, ids, "words"))
        hits.extend(extra_hits(joined, folded, self.words, self.inner, self.signals))
        per_text: list[list[Match]] = [[] for _ in texts]
        for hit in hits:
            index = bisect.bisect_right(starts, hit.start) - 1
            offset = starts[index]
            original = joined[hit.start : hit.end]
            for label_id in hit.ids:
                label = self.labels[label_id]
                if allowed is not None and label.entry.lang not in allowed:
                    continue
                reason = _reason(label, original)
                if reason is not None:
                    per_text[index].append(
                        Match(hit.start - offset, hit.end - offset, original, label, reason, hit.via)
                    )
        signal_positions: list[list[int]] = [[] for _ in texts]
        for signal in self.signals.find(folded):
            index = bisect.bisect_right(starts, signal.start) - 1
            if 0 <= index < len(texts):
                signal_positions[index].append(signal.start - starts[index])
                results[index].signals.append(signal.kind)
        for index, matches in enumerate(per_text):
            kept = _resolve(matches, prefer)
            _score(kept, signal_positions[index], asked)
            results[index].matches = [m for m in kept if m.confidence >= min_confidence]
        return results

    def report(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> list[dict[str, Any]]:
        """:meth:`scan` as plain data (the API's and ``kp match``'s output)."""
        lang = languages[0] if languages else "en"
        out = []
        for result in self.scan(texts, languages, min_confidence):
            substances = result.substances()
            out.append(
                {
                    "matches": [m.to_dict(self.lexicon, lang) for m in result.matches],
                    "substances": [
                        {"uri": s, "label": self.lexicon.substance_name(s, lang), "confidence": round(c, 2)}
                        for s, c in sorted(substances.items(), key=lambda item: (-item[1], item[0]))
                    ],
                    "signals": sorted(set(result.signals)),
                }
            )
        return out


def _languages(languages: Iterable[str] | None) -> set[str] | None:
    if languages is None:
        return None
    chosen = {lang.strip().lower() for lang in languages if lang.strip()}
    return (chosen | {"zxx", ""}) if chosen else None


def _reason(label: Compiled, original: str) -> str | None:
    """How the text wrote the label, or None if this way does not count for this label."""
    if label.emoji:
        return "emoji"
    if original == label.entry.form:
        return "exact"
    if label.exact_only:  # E, MD: as written, only widened or made "fancy"
        return "normalised" if unicodedata.normalize("NFKC", original) == label.entry.form else None
    written = basic_key(original)
    if written == label.basic:
        return "normalised"
    if label.no_leet or _other_letters(written, label.basic):
        return None
    return "obfuscated"


def _other_letters(written: str, label: str) -> bool:
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


def _resolve(matches: list[Match], lang: str) -> list[Match]:
    """One match per span and concept (the best reason, then the reader's language);
    none inside a longer one."""
    best: dict[tuple[int, int, str], Match] = {}
    for m in matches:
        key = (m.start, m.end, m.label.entry.concept)
        found = best.get(key)
        if found is None or _rank(m, lang) < _rank(found, lang):
            best[key] = m
    kept = _merge_repeats(sorted(best.values(), key=lambda m: (m.start, -m.end)))
    return [
        m
        for m in kept
        if not any(
            o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start) for o in kept
        )
    ]


def _merge_repeats(matches: list[Match]) -> list[Match]:
    """A label repeated back to back (❄️❄️❄️) is one match over the whole run."""
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


def _self_evident(m: Match) -> bool:
    """Disguised on purpose (leetspeak, look-alikes, split letters) or glued to a seller word
    (#coke4sale): nobody does that to "snow" in a weather report."""
    return (m.reason == "obfuscated" and m.via != "stretched") or m.via == "token-signal"


def _strong(label: Compiled, languages: frozenset[str] | None) -> bool:
    """Evidence alone: not ambiguous, and not an everyday word of a language the post may be in."""
    if not label.strong:
        return False
    return not (label.everyday_in & languages if languages is not None else label.everyday_in)


def _score(matches: list[Match], signal_positions: list[int], languages: frozenset[str] | None) -> None:
    strong = {id(m): _strong(m.label, languages) for m in matches}
    anchors = [m for m in matches if strong[id(m)] or _self_evident(m)]
    for m in matches:
        ambiguity = m.label.entry.ambiguity or "low"
        if strong[id(m)]:
            m.confidence = STRONG[ambiguity]
            continue
        level = "high" if ambiguity == "high" else "medium"
        supported = _self_evident(m)
        supported = supported or any(abs(p - m.start) <= SUPPORT_WINDOW for p in signal_positions)
        supported = supported or any(
            (o.end <= m.start or o.start >= m.end) and abs(o.start - m.start) <= SUPPORT_WINDOW
            for o in anchors
        )
        m.confidence = WEAK_SUPPORTED[level] if supported else WEAK_ALONE[level]
