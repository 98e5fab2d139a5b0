"""The matcher's passes over what whole-word matching cannot see.

* Hashtags, user names and words glued to digits (#coke4sale, @weedplug_uk,
  coke4sale): a label may sit inside the token if each side of it ends at the
  token's edge, a digit, an underscore, a capital (#BuyCoke) or a glue word
  (#cokeforsale).
* Letters split by separators (c.o.k.e, c-o-k-e, c o k e): the run of single
  letters is read as one word.
* Stretched letters (cokeeee, weeeeed): each run of three or more is read as
  one and as two letters.

Each pass reports :class:`Hit`\\ s at offsets of the original text; the
matcher decides (by how the text differs from the label) whether they count.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from server.signals import Signals
from server.textnorm import Folded, fold_mapped

TOKEN = re.compile(
    r"(?<![\w#@])[#@]\w[\w\u00ad\u200b-\u200d\u2060]*"  # hashtag or user name
    r"|(?<!\w)\w*(?:[^\W\d_][\d_]|[\d_][^\W\d_])\w*"  # letters glued to digits or underscores
)
# The same separator throughout: "f_e_n_t_a a" is the run "f_e_n_t_a" and the word "a".
SPACED = re.compile(r"(?<![^\W_])[^\W_]([ .\-_*·•|/+,~:]{1,3})[^\W_](?:\1[^\W_])+(?![^\W_])")
STRETCH = re.compile(r"([^\W\d_])\1{2,}")
MAX_STRETCHES = 3  # per word: 2**3 readings at most


@dataclass(frozen=True)
class Hit:
    start: int  # offsets in the original text
    end: int
    ids: tuple[int, ...]  # compiled labels with this folded form
    via: str  # words | token | token-signal (glued to a seller word) | spaced | stretched


def extra_hits(source: str, folded: Folded, words: Any, inner: Any, signals: Signals) -> Iterator[Hit]:
    yield from token_hits(source, inner, signals)
    yield from spaced_hits(source, words)
    yield from stretched_hits(folded, words)


def _side_open(before: str, after: str) -> bool:
    """A break inside a token between two characters: a digit next to a letter, or a capital after a small letter."""
    if before.isdigit() != after.isdigit():
        return True
    return before.islower() and after.isupper()


def token_hits(source: str, inner: Any, signals: Signals) -> Iterator[Hit]:
    glue = signals.glue
    for token in TOKEN.finditer(source):
        begin = token.start() + (1 if token.group()[0] in "#@" else 0)
        body = source[begin : token.end()]
        folded = fold_mapped(body)
        text = folded.text
        for end, (length, _spaced, ids) in inner.iter(text):
            start, stop = end - length + 1, end + 1
            o_start, o_stop = folded.original_span(start, stop)
            left = (
                start == 0
                or text[start - 1] == " "
                or _side_open(body[o_start - 1], body[o_start])
                or any(text[:start].endswith(g) for g in glue)
            )
            right = (
                stop == len(text)
                or text[stop] == " "
                or _side_open(body[o_stop - 1], body[o_stop])
                or any(text[stop:].startswith(g) for g in glue)
            )
            if left and right:
                rest = text[:start] + " " + text[stop:]
                selling = any(word in rest for word in signals.compact)
                yield Hit(begin + o_start, begin + o_stop, ids, "token-signal" if selling else "token")


def spaced_hits(source: str, words: Any) -> Iterator[Hit]:
    for run in SPACED.finditer(source):
        positions = [run.start() + i for i, c in enumerate(run.group()) if c.isalnum()]
        letters = "".join(source[p] for p in positions)
        folded = fold_mapped(letters)
        for end, (length, spaced, ids) in words.iter(f" {folded.text} "):
            if not spaced:
                continue
            first, last = folded.original_span(end - length + 1, end - 1)  # padded: shift by one
            yield Hit(positions[first], positions[last - 1] + 1, ids, "spaced")


def _readings(word: str) -> Iterator[tuple[str, list[int]]]:
    """Each reading of a stretched word, with the word offset each of its characters came from."""
    runs = list(STRETCH.finditer(word))[:MAX_STRETCHES]
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


def stretched_hits(folded: Folded, words: Any) -> Iterator[Hit]:
    text = folded.text
    seen: set[int] = set()
    for stretch in STRETCH.finditer(text):
        start = text.rfind(" ", 0, stretch.start()) + 1
        stop = text.find(" ", stretch.end())
        stop = len(text) if stop < 0 else stop
        if start in seen:
            continue
        seen.add(start)
        word = text[start:stop]
        runs_end = {r.start(): r.end() for r in STRETCH.finditer(word)}
        for reading, origin in _readings(word):
            for end, (length, spaced, ids) in words.iter(f" {reading} "):
                if not spaced:
                    continue
                first, last = (
                    end - length + 1,
                    end - 2,
                )  # reading offsets of the label's first and last character
                w_start, w_last = origin[first], origin[last]
                w_stop = runs_end.get(w_last, w_last + 1)
                o_start, o_stop = folded.original_span(start + w_start, start + w_stop)
                yield Hit(o_start, o_stop, ids, "stretched")
