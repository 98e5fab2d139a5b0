"""The matcher's passes over what whole-word matching cannot see, run on the
texts that show a sign of them.

* Hashtags, user names and words glued to digits (#coke4sale, @weedplug_uk,
  coke4sale): a label may sit inside the token if each side of it ends at the
  token's edge, a digit, an underscore, a capital (#BuyCoke) or a glue word
  (#cokeforsale).
* Letters split by separators (c.o.k.e, c-o-k-e, c o k e): the run of single
  letters is read as one word.
* Stretched letters (cokeeee, weeeeed): each run of three or more is read as
  one and as two letters.

Each pass reports :class:`Hit`\\ s at offsets of the text; the matcher decides
(by how the text differs from the label) whether they count.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import ahocorasick

from server.signals import Signals
from server.textnorm import Folded, fold_mapped

# Kinds of automaton entries (see server.match): a label, a seller word, and the signs of the passes.
LABEL, SIGNAL, STRETCH, SPACED_PAIR = range(4)

#: Where a token begins or shows: a hashtag or user name, or a letter next to a digit.
# (One character class first: the regular expression engine then skips ahead quickly.)
TOKEN_SIGN = re.compile(r"[#@\d](?:(?<=[#@])(?=\w)|(?<=[^\W\d_]\d)|(?<=\d)(?=[^\W\d_]))")
WORD_CHARS = re.compile(r"[\w\u00ad\u200b-\u200d\u2060]*")
# The same separator throughout: "f_e_n_t_a a" is the run "f_e_n_t_a" and the word "a".
SPACED = re.compile(r"(?<![^\W_])[^\W_]([ .\-_*·•|/+,~:]{1,3})[^\W_](?:\1[^\W_])+(?![^\W_])")
STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
MAX_STRETCHES = 3  # per word: 2**3 readings at most


class Hit(NamedTuple):
    start: int  # offsets in the text
    end: int
    ids: tuple[int, ...]  # compiled labels with this folded form
    via: str  # words | token | token-signal (glued to a seller word) | spaced | stretched


def labels_in(automaton: Any, text: str) -> Iterator[tuple[int, int, bool, tuple[int, ...]]]:
    """(end, length, spaced, ids) of each label key found in ``text``."""
    for end, items in automaton.iter(text):
        for item in items:
            if item[0] == LABEL:
                yield end, item[1], item[2], item[3]


def _side_open(before: str, after: str) -> bool:
    """A break inside a token between two characters: a digit next to a letter, or a capital after a small letter."""
    if before.isdigit() != after.isdigit():
        return True
    return before.islower() and after.isupper()


def token_hits(source: str, inner: Any, signals: Signals, cache: dict[str, list[Hit]]) -> Iterator[Hit]:
    """Labels inside hashtags, user names and words with digits, in one pass over all of them:
    only tokens whose folded form holds a label get a closer look."""
    if inner.kind != ahocorasick.AHOCORASICK:
        return  # no label is long enough to look for inside tokens (pyahocorasick refuses an empty one)
    bodies: list[tuple[int, int]] = []
    after = 0  # the end of the last token
    for sign in TOKEN_SIGN.finditer(source):
        at = sign.start()
        if at < after:
            continue
        if source[at] in "#@":
            begin = at + 1
        else:
            begin = at
            while begin > after and (source[begin - 1].isalnum() or source[begin - 1] == "_"):
                begin -= 1
        word = WORD_CHARS.match(source, begin)
        after = word.end() if word else begin
        if after > begin:
            bodies.append((begin, after))
    if not bodies:
        return
    joined = "\x00".join(source[begin:end] for begin, end in bodies)
    folded = fold_mapped(joined)
    starts, position = [], 0
    for begin, end in bodies:
        starts.append(folded.folded_offset(position))
        position += end - begin + 1
    candidates = sorted({bisect.bisect_right(starts, end) - 1 for end, _ in inner.iter(folded.text)})
    for index in candidates:
        begin, end = bodies[index]
        body = source[begin:end]
        found = cache.get(body)
        if found is None:
            found = cache[body] = list(_token_hits(body, inner, signals))
        for hit in found:
            yield Hit(begin + hit.start, begin + hit.end, hit.ids, hit.via)


def _glued(text: str, glue: frozenset[str], lengths: range, at_end: bool) -> bool:
    """Does ``text`` end (or begin) with a glue word?"""
    return any((text[-n:] if at_end else text[:n]) in glue for n in lengths if n <= len(text))


def _token_hits(body: str, inner: Any, signals: Signals) -> Iterator[Hit]:
    glue = signals.glue
    lengths = range(1, max(map(len, glue)) + 1)
    folded = fold_mapped(body)
    text = folded.text
    for end, length, _spaced, ids in labels_in(inner, text):
        start, stop = end - length + 1, end + 1
        o_start, o_stop = folded.original_span(start, stop)
        left = (
            start == 0
            or text[start - 1] == " "
            or _side_open(body[o_start - 1], body[o_start])
            or _glued(text[:start], glue, lengths, at_end=True)
        )
        right = (
            stop == len(text)
            or text[stop] == " "
            or _side_open(body[o_stop - 1], body[o_stop])
            or _glued(text[stop:], glue, lengths, at_end=False)
        )
        if left and right:
            rest = text[:start] + " " + text[stop:]
            selling = any(word in rest for word in signals.compact)
            yield Hit(o_start, o_stop, ids, "token-signal" if selling else "token")


def spaced_hits(source: str, words: Any) -> Iterator[Hit]:
    for run in SPACED.finditer(source):
        positions = [run.start() + i for i, c in enumerate(run.group()) if c.isalnum()]
        letters = "".join(source[p] for p in positions)
        folded = fold_mapped(letters)
        for end, length, spaced, ids in labels_in(words, f" {folded.text} "):
            if spaced:
                first, last = folded.original_span(end - length + 1, end - 1)  # padded: shift by one
                yield Hit(positions[first], positions[last - 1] + 1, ids, "spaced")


def _readings(word: str) -> Iterator[tuple[str, list[int]]]:
    """Each reading of a stretched word, with the word offset each of its characters came from."""
    runs = list(STRETCHED.finditer(word))[:MAX_STRETCHES]
    for widths in itertools.product((1, 2), repeat=len(runs)):
        chars: list[str] = []
        origin: list[int] = []
        position = 0
        for run, width in zip(runs, widths, strict=True):
            chars.extend(word[position : run.start()])
            origin.extend(range(position, run.start()))
            chars.extend(run.group(1) * width)
            origin.extend([run.start()] * width)
            position = run.end()
        chars.extend(word[position:])
        origin.extend(range(position, len(word)))
        yield "".join(chars), origin


def stretched_hits(folded: Folded, words: Any, at: list[int], cache: dict[str, list[Any]]) -> Iterator[Hit]:
    """Labels in stretched words; ``at`` are folded offsets inside the stretches, and
    ``cache`` keeps what each stretched word holds (most hold nothing: sooo, wiii)."""
    text = folded.text
    seen: set[int] = set()
    for where in at:
        start = text.rfind(" ", 0, where) + 1
        if start in seen:
            continue
        seen.add(start)
        stop = text.find(" ", where)
        word = text[start : len(text) if stop < 0 else stop].split("\x00")[0]
        found = cache.get(word)
        if found is None:
            found = cache[word] = list(_stretched_word(word, words))
        for w_start, w_stop, ids in found:
            o_start, o_stop = folded.original_span(start + w_start, start + w_stop)
            yield Hit(o_start, o_stop, ids, "stretched")


def _stretched_word(word: str, words: Any) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    runs_end = {r.start(): r.end() for r in STRETCHED.finditer(word)}
    for reading, origin in _readings(word):
        for end, length, spaced, ids in labels_in(words, f" {reading} "):
            if spaced:  # the reading offsets of the label's first and last character:
                first, last = end - length + 1, end - 2
                yield origin[first], runs_end.get(origin[last], origin[last] + 1), ids
