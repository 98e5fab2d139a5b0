"""Text folding shared by the matcher and search: one comparable form of a text,
with a map from offsets in the folded text back to offsets in the original.

Folding a character: NFKC (full-width and "fancy" mathematical letters become
plain ones), casefold, accents stripped (canonical decomposition, combining
marks dropped, recomposed), look-alike letters of other scripts replaced by
the ASCII letter they imitate (the single-letter ASCII prototypes of the
Unicode UTS #39 confusables table, as shipped by ``confusable_homoglyphs``),
leetspeak digits and signs read as letters, punctuation and spaces read as one
space, and invisible characters (zero-width characters, soft hyphens,
variation selectors, emoji skin tones, ZWJ) dropped.

Most characters fold to exactly one character, so a text without any of the
few others folds with one ``str.translate`` and offsets stay as they are. The
others (dropped or expanding characters, runs of spaces, spaces between emoji)
are found with one regular expression and folded piece by piece; offsets then
go through a short list of segments.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

#: Leetspeak read as letters. "1" and "l" both fold to "i" so that "pi11s" is "pills".
LEET = {"0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
LEET_SIGNS = {"@": "a", "$": "s", "€": "e"}
#: Kept as they are although they are punctuation: they begin hashtags in labels.
KEPT_PUNCTUATION = {"#"}
#: Dropped everywhere: emoji presentation and skin tones, and tag characters.
DROPPED_RANGES = ((0xFE00, 0xFE0F), (0x1F3FB, 0x1F3FF), (0xE0000, 0xE007F), (0xE0100, 0xE01EF))
#: Where characters that fold to something other than themselves live; the
#: rest (CJK ideographs, Hangul syllables, private use) fold to themselves.
FOLDED_RANGES = ((0, 0x33FF), (0xA000, 0xABFF), (0xD7B0, 0xD7FF), (0xF900, 0x1FFFF), (0xE0000, 0xE01EF))
#: Pictographs, for "spaces between emoji do not count" (🐉 🤎 is the sequence 🐉🤎).
EMOJI_CLASS = "\u2190-\u2bff\U0001f000-\U0001faff\ufe0f\u200d\U0001f3fb-\U0001f3ff"


@functools.cache
def confusables() -> dict[str, str]:
    """Non-ASCII character → the ASCII letter or digit it is confusable with."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text())
    found: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = sorted(
            (g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()),
            key=lambda c: (not c.islower(), not c.isalpha(), c),  # prefer a small letter
        )
        if targets:
            found[char] = targets[0].lower()
    return found


def strip_marks(text: str) -> str:
    """Drop combining marks (accents) and recompose the rest (Hangul stays whole)."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def basic_key(text: str) -> str:
    """NFKC, casefold, accents stripped, punctuation as spaces: no leetspeak, no look-alikes.

    Two texts with the same basic key differ only in ways a writer does not
    choose to hide a word (case, accents, width)."""
    folded = strip_marks(unicodedata.normalize("NFKC", text).casefold())
    return " ".join("".join(c if c.isalnum() or c in KEPT_PUNCTUATION else " " for c in folded).split())


def _dropped(code: int) -> bool:
    return any(low <= code <= high for low, high in DROPPED_RANGES)


def fold_char(char: str) -> str:
    """The folded form of one character: usually one character, sometimes none or several."""
    code = ord(char)
    if _dropped(code) or unicodedata.category(char) == "Cf":
        return ""
    table = confusables()
    out = []
    for c in strip_marks(unicodedata.normalize("NFKC", char).casefold()):
        c = table.get(c, c)
        c = LEET.get(c) or LEET_SIGNS.get(c) or c
        category = unicodedata.category(c)
        if c not in KEPT_PUNCTUATION and (category[0] in "PZ" or category == "Cc"):
            c = " "
        out.append(c)
    return "".join(out)


@dataclass(frozen=True)
class Tables:
    translate: dict[int, str]  # characters that fold to one other character
    special: dict[str, str]  # characters that fold to none or several
    pattern: re.Pattern[str]  # finds what cannot go through ``translate``


def _char_class(chars: list[str]) -> str:
    codes = sorted(ord(c) for c in chars)
    parts, start = [], 0
    while start < len(codes):
        end = start
        while end + 1 < len(codes) and codes[end + 1] == codes[end] + 1:
            end += 1
        low, high = codes[start], codes[end]
        parts.append(re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}")
        start = end + 1
    return "[" + "".join(parts) + "]"


@functools.cache
def tables() -> Tables:
    """Built once per process (about half a second)."""
    translate: dict[int, str] = {}
    special: dict[str, str] = {}
    for low, high in FOLDED_RANGES:
        for code in range(low, high + 1):
            if 0xD800 <= code <= 0xDFFF:
                continue
            char = chr(code)
            folded = fold_char(char)
            if len(folded) == 1:
                if folded != char:
                    translate[code] = folded
            else:
                special[char] = folded
    pattern = re.compile(
        rf"{_char_class(list(special))}+|\s{{2,}}|(?<=[{EMOJI_CLASS}])\s+(?=[{EMOJI_CLASS}])"
    )
    return Tables(translate, special, pattern)


def fold(text: str) -> str:
    """The folded form of a text (labels, queries); see :func:`fold_mapped` for offsets."""
    return fold_mapped(text).text


@dataclass
class Folded:
    """A folded text and the way back to the original's offsets.

    Segment ``i`` covers folded offsets ``[starts[i], starts[i+1])`` and came
    from original offsets ``[origins[i], origins[i+1])``; a *linear* segment
    maps character to character, any other maps as a whole."""

    source: str
    text: str
    starts: list[int] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    linear: list[bool] = field(default_factory=list)

    def _segment(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the folded ``[start, end)`` (``end > start``)."""
        if not self.starts:
            return start, end
        first, last = self._segment(start), self._segment(end - 1)
        begin = self.origins[first] + (start - self.starts[first] if self.linear[first] else 0)
        if self.linear[last]:
            finish = self.origins[last] + (end - self.starts[last])
        else:
            finish = self.origins[last + 1] if last + 1 < len(self.origins) else len(self.source)
        # Take in what was dropped right after the end (❄ + U+FE0F, 👃 + skin tone).
        following = last + 1
        while (
            following + 1 < len(self.starts)
            and self.starts[following] == end == self.starts[following + 1]
            and not self.linear[following]
            and self.origins[following] == finish
            and not self.source[finish].isspace()
        ):
            finish = self.origins[following + 1]
            following += 2
        return begin, finish


def fold_mapped(text: str) -> Folded:
    """Fold a text and keep the map back to its offsets."""
    t = tables()
    pieces: list[str] = []
    result = Folded(text, "")
    position = folded_length = 0
    for found in t.pattern.finditer(text):
        if not result.starts:
            result.starts.append(0)
            result.origins.append(0)
            result.linear.append(True)
        start, end = found.span()
        if start > position:
            piece = text[position:start].translate(t.translate)
            pieces.append(piece)
            folded_length += len(piece)
        chunk = found.group()
        if chunk[0].isspace():  # a run of spaces is one space; between emoji, none
            replacement = "" if _between_emoji(text, start, end) else " "
        else:
            replacement = "".join(t.special[c] for c in chunk)
        result.starts.append(folded_length)
        result.origins.append(start)
        result.linear.append(False)
        pieces.append(replacement)
        folded_length += len(replacement)
        result.starts.append(folded_length)
        result.origins.append(end)
        result.linear.append(True)
        position = end
    if not result.starts:
        result.text = text.translate(t.translate)
        return result
    pieces.append(text[position:].translate(t.translate))
    result.text = "".join(pieces)
    return result


_EMOJI = re.compile(f"[{EMOJI_CLASS}]")


def _between_emoji(text: str, start: int, end: int) -> bool:
    return (
        start > 0
        and end < len(text)
        and bool(_EMOJI.match(text[start - 1]))
        and bool(_EMOJI.match(text[end]))
    )
