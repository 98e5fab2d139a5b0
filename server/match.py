"""The term matcher: the vocabulary's labels found in posts, obfuscated or not.

Compiled from one level's :class:`~server.lexicon.Lexicon`: every label is
folded (:mod:`server.textnorm`) and put in one Aho-Corasick automaton, padded
with spaces when it is written in a script with word boundaries, so that one
pass over the folded text finds whole-word labels however they were cased,
accented, widened, leetspoken or disguised with look-alike letters. The same
pass finds seller words and the signs that a text needs one of the passes of
:mod:`server.match_passes` (hashtags and user names, letters split by
separators, stretched letters). Many texts are scanned in one go (joined by
NUL), and a text whose candidates cannot reach the threshold is dropped before
any closer look, which keeps Python's share of the work small.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import ahocorasick

from server import signals as seller
from server.commonwords import everyday_in
from server.errors import BadRequest
from server.lexicon import Lexicon
from server.match_filter import Prefilter, separators
from server.match_passes import (
    LABEL,
    SIGNAL,
    SPACED_PAIR,
    STRETCH,
    Hit,
    spaced_hits,
    stretched_hits,
    token_hits,
)
from server.match_score import (
    DEFAULT_MIN_CONFIDENCE,
    STRONG,
    WEAK_ALONE,
    Compiled,
    Match,
    TextResult,
    cached_basic_key,
    reason,
    resolve,
    score,
)
from server.textnorm import Folded, basic_key, fold, fold_mapped

__all__ = ["DEFAULT_MIN_CONFIDENCE", "NOTHING", "Match", "Matcher", "TextResult"]

NOTHING = TextResult()  # of every text without a match (never changed)
SEPARATOR = "\x00"  # between texts of a batch; folding keeps it
MEMO_SIZE = 20_000  # texts whose results a scan's memo keeps (then it starts again)


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
        labelled: dict[str, set[str]] = {}
        weak_forms = set()  # a form is as ambiguous as the most ambiguous label written that way
        basics = {entry.form: basic_key(entry.form) for entry in lexicon.entries}
        for entry in lexicon.entries:
            labelled.setdefault(basics[entry.form], set()).add(entry.lang)
            if entry.needs_other_signal or (entry.ambiguity or "low") not in STRONG:
                weak_forms.add(basics[entry.form])
        by_key: dict[tuple[str, bool], list[int]] = {}
        for entry in lexicon.entries:
            key = fold(entry.form).strip()
            if entry.deprecated or not key:
                continue
            basic = basics[entry.form]
            ambiguity = entry.ambiguity or "low"
            by_key.setdefault((key, _spaced_script(entry.form)), []).append(len(self.labels))
            strong = not entry.needs_other_signal and ambiguity in STRONG and basic not in weak_forms
            self.labels.append(
                Compiled(
                    entry=entry,
                    key=key,
                    basic=basic,
                    exact_only=0 < sum(c.isalnum() for c in entry.form) <= 2,
                    no_leet=any(c.isdigit() for c in entry.form),
                    emoji=_is_emoji(entry.form),
                    strong=strong,
                    # (only a strong label's languages matter: looking words up costs start-up time)
                    everyday_in=everyday_in(basic, frozenset(labelled[basic])) if strong else frozenset(),
                )
            )
        entries: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        inner: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        letters: set[str] = set()
        for (key, spaced), ids in by_key.items():
            padded = f" {key} " if spaced else key
            labels = [self.labels[i] for i in ids]
            entries[padded].append(
                (
                    LABEL,
                    len(padded),
                    spaced,
                    tuple(ids),
                    any(label.strong for label in labels),  # may count alone
                    all(label.emoji or label.exact_only for label in labels),  # can never be disguised
                    frozenset(label.basic for label in labels),
                )
            )
            if spaced and sum(c.isalnum() for c in key) >= 3:
                inner[key].append((LABEL, len(key), False, tuple(ids)))
            letters.update(c for c in key if c.isalpha())
        for phrase, (length, kind) in self.signals.automaton.items():
            entries[phrase].append((SIGNAL, length, kind))
        for letter in letters:  # "ill" folds to "iii" (1 and l read as i): stretched i is four
            entries[letter * (4 if letter == "i" else 3)].append((STRETCH,))
        # Two single letters in a row that begin a label: letters split by separators may follow.
        for key, spaced in by_key:
            if spaced and len(key) > 2 and " " not in key and key[0].isalnum() and key[1].isalnum():
                entries[f" {key[0]} {key[1]} "].append((SPACED_PAIR,))
        self.automaton = _automaton(entries)
        sequences = [key for key, spaced in by_key if not spaced and len(key) > 1 and _is_emoji(key)]
        self.prefilter = Prefilter(entries, inner, sequences, self.labels)
        self._stretch_cache: dict[str, list[Any]] = {}  # what stretched words and tokens hold
        self._token_cache: dict[str, list[Hit]] = {}
        self.inner = _automaton(inner)

    def __len__(self) -> int:
        return len(self.labels)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled by :mod:`server.match_cache`, without what scans have cached."""
        return {**self.__dict__, "_stretch_cache": {}, "_token_cache": {}}

    def scan(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        memo: dict[str, TextResult] | None = None,
    ) -> list[TextResult]:
        """Find labels in each text; offsets are into that text (code points).

        ``memo``: results of texts looked at closely before, kept by a caller that scans
        many batches with the same languages and threshold (a dump repeats posts: spam,
        reposts); each is looked at once. Results are then shared: never change them."""
        batch = f"{SEPARATOR} " + f" {SEPARATOR} ".join(texts) + f" {SEPARATOR}"
        if texts and batch.count(SEPARATOR) != len(texts) + 1:
            raise BadRequest("texts must not contain the NUL character")
        if min_confidence <= max(WEAK_ALONE.values()):  # weak labels alone are reported: all get a look
            return self._closely(texts, languages, min_confidence, memo)
        allowed = _languages(languages)
        asked = frozenset(allowed - {"zxx", ""}) if allowed is not None else None
        chosen = self.prefilter.candidates(texts, asked, self._spelled, self._in_tokens, batch)
        results = [NOTHING] * len(texts)
        looked = self._closely([texts[i] for i in chosen], languages, min_confidence, memo)
        for index, result in zip(chosen, looked, strict=True):
            results[index] = result
        return results

    def _closely(
        self,
        texts: list[str] | Sequence[str],
        languages: Sequence[str] | None,
        min_confidence: float,
        memo: dict[str, TextResult] | None,
    ) -> list[TextResult]:
        """:meth:`_scan_closely`, each text not in ``memo`` once (then kept there)."""
        if memo is None:
            return self._scan_closely(texts, languages, min_confidence)
        if len(memo) > MEMO_SIZE:
            memo.clear()
        new = [text for text in dict.fromkeys(texts) if text not in memo]
        memo.update(zip(new, self._scan_closely(new, languages, min_confidence), strict=True))
        return [memo[text] for text in texts]

    def _scan_closely(
        self, texts: Sequence[str], languages: Sequence[str] | None, min_confidence: float
    ) -> list[TextResult]:
        allowed = _languages(languages)
        asked = frozenset(allowed - {"zxx", ""}) if allowed is not None else None
        prefer = languages[0] if languages else "en"
        joined = f"{SEPARATOR} " + f" {SEPARATOR} ".join(texts) + f" {SEPARATOR}"
        starts = list(accumulate(map((3).__add__, map(len, texts)), initial=2))[:-1]
        folded = fold_mapped(joined)
        bounds = separators(folded.text)
        found: dict[int, list[tuple[int, tuple[Any, ...]]]] = defaultdict(list)
        stretched: list[int] = []
        spaced: set[int] = set()
        for end, items in self.automaton.iter(folded.text):
            for item in items:
                kind = item[0]
                if kind in (LABEL, SIGNAL):
                    found[bisect.bisect_right(bounds, end) - 1].append((end, item))
                elif kind == STRETCH:
                    stretched.append(end)
                else:
                    spaced.add(bisect.bisect_right(bounds, end) - 1)
        extra: dict[int, list[Hit]] = defaultdict(list)
        for hit in itertools.chain(
            token_hits(joined, self.inner, self.signals, self._token_cache),
            stretched_hits(folded, self.automaton, stretched, self._stretch_cache),
        ):
            index = bisect.bisect_right(starts, hit.start) - 1
            extra[index].append(Hit(hit.start - starts[index], hit.end - starts[index], hit.ids, hit.via))
        for index in spaced:
            extra[index].extend(spaced_hits(texts[index], self.automaton))
        for cache in (self._stretch_cache, self._token_cache):
            if len(cache) > 100_000:
                cache.clear()
        results = [NOTHING] * len(texts)
        quiet = min_confidence > max(WEAK_ALONE.values())  # weak labels alone are not reported
        for index in sorted(set(found) | set(extra)):
            if (
                quiet
                and index not in extra
                and not self._worth_a_look(joined, folded, found[index], texts[index])
            ):
                continue
            text, offset = texts[index], starts[index]
            hits, signal_at, kinds = extra.get(index, []), [], []
            for end, item in found.get(index, ()):
                padded = item[0] == SIGNAL or item[2]  # keys " word " stand for the word
                first, after = (end - item[1] + 2, end) if padded else (end - item[1] + 1, end + 1)
                start, stop = folded.original_span(first, after)
                if item[0] == SIGNAL:
                    signal_at.append(start - offset)
                    kinds.append(item[2])
                else:
                    hits.append(Hit(start - offset, stop - offset, item[3], "words"))
            matches = []
            for hit in hits:
                written = text[hit.start : hit.end]
                for label in map(self.labels.__getitem__, hit.ids):
                    if (allowed is None or label.entry.lang in allowed) and (
                        why := reason(label, written)
                    ) is not None:
                        matches.append(Match(hit.start, hit.end, written, label, why, hit.via))
            if not matches:
                continue
            for kind, at in seller.patterns_in(text):
                signal_at.append(at)
                kinds.append(kind)
            kept = resolve(matches, prefer)
            score(kept, signal_at, asked)
            results[index] = TextResult([m for m in kept if m.confidence >= min_confidence], kinds)
        return results

    def _spelled(self, text: str) -> bool:
        return next(spaced_hits(text, self.automaton), None) is not None

    def _in_tokens(self, texts: Sequence[str]) -> set[int]:
        if not texts:
            return set()
        joined = f"{SEPARATOR} " + f" {SEPARATOR} ".join(texts) + f" {SEPARATOR}"
        starts = list(accumulate(map((3).__add__, map(len, texts)), initial=2))[1:-1]
        found = token_hits(joined, self.inner, self.signals, self._token_cache)
        return {bisect.bisect_right(starts, hit.start) for hit in found}

    def _worth_a_look(
        self, joined: str, folded: Folded, found: list[tuple[int, tuple[Any, ...]]], text: str
    ) -> bool:
        """Could a candidate of this text reach the threshold? Weak labels written plainly
        cannot, unless a seller word, a price or a phone number is near; so most texts that
        merely say "has", "e" or ❄️ are dropped here, before any closer look."""
        for _end, item in found:
            if item[0] == SIGNAL or item[4]:
                return True
        for end, item in found:
            if not item[5]:
                start, stop = (
                    folded.original_span(end - item[1] + 2, end)
                    if item[2]
                    else (folded.original_span(end - item[1] + 1, end + 1))
                )
                if cached_basic_key(joined[start:stop]) not in item[6]:
                    return True  # perhaps disguised
        return seller.DIGIT_OR_PLUS.search(text) is not None and seller.sells(text)

    def report(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> list[dict[str, Any]]:
        """:meth:`scan` as plain data (the API's and ``kp match``'s output)."""
        lang = languages[0] if languages else "en"
        return [self.as_data(result, lang) for result in self.scan(texts, languages, min_confidence)]

    def as_data(self, result: TextResult, lang: str) -> dict[str, Any]:
        """One text's result as plain data, names in ``lang`` where there are some."""
        if result is NOTHING:
            return {"matches": [], "substances": [], "signals": []}
        substances = result.substances()
        return {
            "matches": [m.to_dict(self.lexicon.substance_name, lang) for m in result.matches],
            "substances": [
                {"uri": s, "label": self.lexicon.substance_name(s, lang), "confidence": round(c, 2)}
                for s, c in sorted(substances.items(), key=lambda item: (-item[1], item[0]))
            ],
            "signals": sorted(set(result.signals)),
        }


def _automaton(entries: dict[str, list[tuple[Any, ...]]]) -> Any:
    automaton = ahocorasick.Automaton()
    for key, items in entries.items():
        automaton.add_word(key, tuple(items))
    automaton.make_automaton()
    return automaton


def _languages(languages: Sequence[str] | None) -> set[str] | None:
    if languages is None:
        return None
    chosen = {lang.strip().lower() for lang in languages if lang.strip()}
    return (chosen | {"zxx", ""}) if chosen else None
