"""The matcher's first look at a batch: which texts could hold a match at the threshold.

Most posts hold no term at all, or only an everyday word that is also a weak
label ("has", "e", ❄️) written plainly. This pass finds them without the
matcher's per-text work: the batch is folded to UTF-8 in one go (no offset
map, :func:`server.textnorm.fold_bytes`) and scanned by a compiled
Aho-Corasick DFA (``ahocorasick_rs``, in Rust) holding the matcher's keys; the
texts with a digit, a plus, #, @ or _ are scanned again, alone, by a second DFA
for the keys that matter only there (weak labels never disguised, labels
inside tokens). Each key carries what a find of it means:

* ``CLOSER`` — a strong label, a seller word or a stretched letter: the text gets
  the closer look;
* ``WEAK`` — a weak label that is only ever written as it is (two letters, emoji):
  the text needs a look only if it also has a price or a phone number;
* ``CHECK`` — a weak label that may be disguised: plainly written, it is ``WEAK``;
* ``SPACED`` — two single letters in a row: the text gets a look if its letters
  split by separators spell a label;
* ``INNER`` — a label inside a longer word: a look if the text has a hashtag,
  user name or word with digits that may hold it;
* ``SEQUENCE`` — the first emoji of an emoji sequence label: a look if the rest
  of the sequence is in the text too (spaces between emoji are not folded away here).

The pass is a superset of what the closer look reports at a threshold where weak
labels alone are left out: it may keep a text the closer look then drops, never
the other way round (``tests/test_match_filter.py`` checks that on a generated corpus).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, compress, count
from operator import itemgetter
from typing import Any

import ahocorasick_rs

from server import signals as seller
from server.match_passes import LABEL, SIGNAL, SPACED_PAIR, STRETCH, TOKEN_SIGN
from server.match_score import Compiled
from server.textnorm import fold_bytes

CLOSER, WEAK, CHECK, SPACED, INNER, SEQUENCE = 1, 2, 4, 8, 16, 32


class Prefilter:
    def __init__(
        self,
        entries: dict[str, list[tuple[Any, ...]]],
        inner: Iterable[str],
        sequences: Iterable[str],
        labels: Sequence[Compiled],
    ) -> None:
        """``entries``: the matcher's automaton keys and items; ``inner``: its keys for
        labels inside tokens; ``sequences``: folded keys of labels of two or more emoji;
        ``labels``: the compiled labels the items' ids point to."""
        masks: dict[str, int] = {}
        basics: dict[str, frozenset[str]] = {}
        padded: dict[str, bool] = {}
        everyday: dict[str, list[frozenset[str]]] = {}
        forms: dict[str, set[str] | None] = {}  # of labels only ever written as they are (None: emoji)
        for key, items in entries.items():
            mask = 0
            for item in items:
                kind = item[0]
                if kind in (SIGNAL, STRETCH):
                    mask |= CLOSER
                elif kind == LABEL:
                    # Strong labels that are everyday words of some language count alone only
                    # when the caller's languages leave that language out (see match_score.strong).
                    strong = [labels[i].everyday_in for i in item[3] if labels[i].strong]
                    if any(not e for e in strong):
                        mask |= CLOSER
                    elif strong:
                        everyday.setdefault(key, []).extend(strong)
                    mask |= WEAK if item[5] else CHECK  # never disguised, or perhaps
                    if item[5]:
                        written = forms.setdefault(key, set())
                        if written is not None:
                            if any(labels[i].emoji for i in item[3]):
                                forms[key] = None
                            else:
                                written.update(labels[i].entry.form for i in item[3])
                    basics[key] = basics.get(key, frozenset()) | item[6]
                    padded[key] = item[2]
                elif kind == SPACED_PAIR:
                    mask |= SPACED
            masks[key] = mask
        for key in inner:
            masks[key] = masks.get(key, 0) | INNER
        rests: dict[str, list[str]] = {}
        for key in sequences:
            masks[key[0]] = masks.get(key[0], 0) | SEQUENCE
            rests.setdefault(key[0], []).append(key[1:])
        # Two automata: the keys that matter in any text, and those that matter only in
        # texts with a digit, a plus, a # or @ or _ (weak labels never disguised count
        # only next to a price or a phone number; labels inside tokens need a token).
        keys = [k for k, m in masks.items() if m & (CLOSER | CHECK | SPACED | SEQUENCE) or k in everyday]
        self._masks = [masks[k] for k in keys]
        self._everyday = {i: everyday[k] for i, k in enumerate(keys) if k in everyday}
        self._by_languages: dict[frozenset[str] | None, list[int]] = {}
        self.basics = [basics.get(k, frozenset()) for k in keys]
        self.padded = [padded.get(k, False) for k in keys]
        self.rests = [rests.get(k, []) for k in keys]
        self.dfa = _dfa(keys)
        self._keys = keys
        side = [k for k, m in masks.items() if m & (WEAK | INNER)]
        self.side_masks = [masks[k] & (WEAK | INNER) for k in side]
        self.forms = [None if forms.get(k, set()) is None else tuple(forms.get(k) or ()) for k in side]
        self.side_dfa = _dfa(side)
        self._side_keys = side

    def __getstate__(self) -> dict[str, Any]:
        """For :mod:`server.match_cache`: the compiled automata cannot be pickled, so
        their keys are, and the automata are built again from them."""
        state = dict(self.__dict__)
        del state["dfa"], state["side_dfa"]
        state["_by_languages"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.dfa = _dfa(self._keys)
        self.side_dfa = _dfa(self._side_keys)

    def masks(self, languages: frozenset[str] | None) -> list[int]:
        """What a find of each key means for a caller who gave these languages."""
        masks = self._by_languages.get(languages)
        if masks is None:
            masks = list(self._masks)
            for pid, sets in self._everyday.items():
                if languages is not None and any(not (e & languages) for e in sets):
                    masks[pid] |= CLOSER
            if len(self._by_languages) > 64:
                self._by_languages.clear()
            self._by_languages[languages] = masks
        return masks

    def candidates(
        self,
        texts: Sequence[str],
        languages: frozenset[str] | None,
        spelled: Callable[[str], bool],
        in_tokens: Callable[[Sequence[str]], set[int]],
        batch: str | None = None,
    ) -> list[int]:
        """Indexes of the texts that need the matcher's closer look (in order).

        ``languages``: those the caller said the texts are in, if any; ``spelled``: does a
        text spell a label in letters split by separators; ``in_tokens``: which of some
        texts hold a label inside a hashtag, user name or word with digits (both the
        matcher's own passes); ``batch``: the texts as the matcher joins them, if it has."""
        if batch is None:
            batch = "\x00 " + " \x00 ".join(texts) + " \x00"
        raw = batch.encode("utf-8", "surrogatepass")
        folded = fold_bytes(raw)
        nul = separators(folded)  # text i lies between nul[i] and nul[i + 1]
        hits = self.dfa.find_matches_as_indexes(folded, overlapping=True)
        # Each hit's meaning, then the texts with hits of each meaning, in passes that
        # stay in C (map, compress, set): hits are many, most of them everyday words.
        text_of: Callable[[int], int] = functools.partial(bisect.bisect_right, nul[1:])
        masks = self.masks(languages)
        pids = list(map(itemgetter(0), hits))
        at = list(map(itemgetter(1), hits))
        meaning = list(map(masks.__getitem__, pids))

        def where(bit: int) -> Iterator[int]:
            return compress(at, map(bit.__and__, meaning))

        chosen = set(map(text_of, where(CLOSER)))
        checked = Counter(
            zip(map(text_of, where(CHECK)), compress(pids, map(CHECK.__and__, meaning)), strict=True)
        )
        plain: set[int] = set()
        for (index, pid), times in checked.items():
            if index not in chosen:
                text = texts[index]
                if sum(len(_plainly(b).findall(text)) for b in self.basics[pid]) < times:
                    chosen.add(index)  # perhaps disguised
                else:
                    plain.add(index)
        for index in set(map(text_of, where(SPACED))) - chosen:
            if spelled(texts[index]):
                chosen.add(index)
        numeric, marked = _marks(raw)
        # The texts with a digit, a plus, #, @ or _ get a second pass, over them alone.
        side = sorted(marked - chosen)
        sub = b"".join([folded[nul[i] : nul[i + 1]] for i in side]) + b"\x00"
        sub_nul = separators(sub)
        found = self.side_dfa.find_matches_as_indexes(sub, overlapping=True)
        side_of: Callable[[int], int] = functools.partial(bisect.bisect_right, sub_nul[1:])
        side_meaning = list(map(self.side_masks.__getitem__, map(itemgetter(0), found)))
        maybe = numeric - chosen
        if maybe:  # a weak label next to a price or a phone number, written as it counts?
            real = self._really_written
            weak = compress(found, map(WEAK.__and__, side_meaning))
            written = {
                i for pid, start, _end in weak if (i := side[side_of(start)]) in maybe and real(pid, texts[i])
            }
            written.update(plain & maybe)  # plainly written: counts
            chosen.update(i for i in written if seller.sells(texts[i]))  # a price or a phone number?
        inner = list(compress(found, map(INNER.__and__, side_meaning)))
        inner_at = list(map(side_of, map(itemgetter(1), inner)))
        signed = {k for k in set(inner_at) if side[k] not in chosen and TOKEN_SIGN.search(texts[side[k]])}
        tokens = sorted(
            {
                side[k]
                for (_pid, start, end), k in zip(inner, inner_at, strict=True)
                if k in signed and _in_token(texts[side[k]], sub, sub_nul[k] + 2, start, end)
            }
        )
        chosen.update(tokens[i] for i in in_tokens([texts[i] for i in tokens]))
        for pid, start in compress(zip(pids, at, strict=True), map(SEQUENCE.__and__, meaning)):
            index = text_of(start)
            if index not in chosen and any(all(c in texts[index] for c in rest) for rest in self.rests[pid]):
                chosen.add(index)
        return sorted(chosen)

    def _really_written(self, pid: int, text: str) -> bool:
        """Could the key ``pid`` stand, in ``text``, for a label that counts only as it is
        written (E, MD) — or for an emoji?"""
        forms = self.forms[pid]
        if forms is None:
            return True
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        return any(form in text for form in forms)


def _dfa(keys: list[str]) -> ahocorasick_rs.BytesAhoCorasick:
    return ahocorasick_rs.BytesAhoCorasick(
        [k.encode("utf-8", "surrogatepass") for k in keys],
        matchkind=ahocorasick_rs.MatchKind.Standard,
        implementation=ahocorasick_rs.Implementation.DFA,
    )


def separators(text: bytes | str) -> list[int]:
    """Where the NUL characters of a batch are (and 0 for the first), in C-level passes."""
    pieces = text.split(b"\x00")[1:-1] if isinstance(text, bytes) else text.split("\x00")[1:-1]
    return list(accumulate(map((1).__add__, map(len, pieces)), initial=0))


@functools.lru_cache(maxsize=4096)
def _plainly(basic: str) -> re.Pattern[str]:
    """A weak label written plainly: its basic form (any case) between spaces or common
    punctuation, which fold to spaces, so that each find is a find of the label's key too.
    (The form comes first and the character before it is looked at after: ``re`` then
    skips ahead to the form's first letter.)"""
    edge = r"\s.,!?;:()\[\]{}\"'"
    return re.compile(
        rf"{re.escape(basic)}(?<![^{edge}].{{{len(basic)}}})(?![^{edge}])", re.IGNORECASE | re.DOTALL
    )


def _in_token(text: str, folded: bytes, base: int, start: int, end: int) -> bool:
    """Could the find at folded ``[start, end)`` lie in a hashtag, user name or word with
    digits (``base``: where the text begins in ``folded``)? For an ASCII text the folded
    offsets are the text's, so the word around it is looked at; for any other, yes."""
    if not text.isascii():
        return True
    first = folded.rfind(b" ", 0, start) + 1
    last = folded.find(b" ", end)
    word = text[max(first - base - 1, 0) : last - base + 1]  # with the characters either side
    return _TOKEN_CHAR.search(word) is not None


_TOKEN_CHAR = re.compile(r"[#@_\d]")
#: Every byte but NUL (between texts), digits, plus, #, @ and _: what is left of a text once
#: these are deleted is empty unless it has one (and then # @ _ are deleted from the rest).
_NOT_MARK = bytes(b for b in range(256) if b not in b"\x000123456789+#@_")


def _marks(raw: bytes) -> tuple[set[int], set[int]]:
    """The texts of a batch (UTF-8) with a digit, a plus or a messenger link (those where a
    price or a phone number may be), and those with any of these or a #, @ or _."""
    marks = raw.translate(None, _NOT_MARK)  # (one pass over the batch; the rest is short)
    numeric = set(compress(count(), marks.translate(None, b"#@_").split(b"\x00")[1:-1]))
    at = raw.find(b".me/")
    if at >= 0:
        text_of = functools.partial(bisect.bisect_right, separators(raw)[1:])
        while at >= 0:
            numeric.add(text_of(at))
            at = raw.find(b".me/", at + 1)
    return numeric, numeric | set(compress(count(), marks.split(b"\x00")[1:-1]))
