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

Most characters fold to exactly one character, so offsets stay as they are;
where one does not (dropped or expanding characters, spaces between emoji),
offsets go through a short list of segments.
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


def _foldable(code: int) -> bool:
    return any(low <= code <= high for low, high in FOLDED_RANGES) and not 0xD800 <= code <= 0xDFFF


class _Folds(dict[int, str]):
    """Code point → its folded form (:func:`fold_char`), worked out the first time it is
    asked for: a text meets a few hundred distinct characters, and folding all 80,000 up
    front cost every process about 0.2 s. A mapping for ``str.translate``."""

    def __init__(self) -> None:
        super().__init__()
        self.special: set[str] = set()  # characters that fold to none or several

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = fold_char(char) if _foldable(code) else char
        if len(folded) != 1:
            self.special.add(char)
        self[code] = folded
        return folded


_FOLDS = _Folds()


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

    def folded_offset(self, original: int) -> int:
        """Where an original offset that lies in a one-for-one stretch (such as an ASCII
        character) is in the folded text."""
        if not self.starts:
            return original
        i = bisect.bisect_right(self.origins, original) - 1
        while i > 0 and not self.linear[i]:
            i -= 1
        return self.starts[i] + original - self.origins[i]

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


NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_EMOJI = re.compile(f"[{EMOJI_CLASS}]")


@functools.cache
def _byte_table() -> bytes:
    """ASCII folds to ASCII one for one, so UTF-8 bytes fold with ``bytes.translate``."""
    table = bytearray(range(256))
    for code in range(1, 128):  # NUL stays: the matcher separates texts with it
        folded = fold_char(chr(code))
        assert len(folded) == 1 and folded.isascii(), code
        table[code] = ord(folded)
    return bytes(table)


Run = tuple[str, tuple[tuple[int, int, bool], ...] | None, bool, bool]


@functools.lru_cache(maxsize=1 << 16)
def _fold_run(run: str) -> Run:
    """A run of non-ASCII characters folded; its segments relative to the run ((folded
    start, original start, linear)), or None if it folds one for one; whether it begins
    and whether it ends with an emoji."""
    edges = bool(_EMOJI.match(run[0])), bool(_EMOJI.match(run[-1]))
    folded = run.translate(_FOLDS)  # (folds each character seen for the first time)
    if not any(c in _FOLDS.special for c in run):
        return folded, None, *edges
    out: list[str] = []
    segments: list[tuple[int, int, bool]] = []
    length = 0
    for i, char in enumerate(run):
        piece = _FOLDS[ord(char)]
        linear = len(piece) == 1
        if not linear or not segments or not segments[-1][2]:
            segments.append((length, i, linear))
        out.append(piece)
        length += len(piece)
    return "".join(out), tuple(segments), *edges


#: A run of non-ASCII characters in UTF-8: a lead byte, then any bytes of that range (the
#: same runs as [\x80-\xff]+ in valid UTF-8, found about twice as fast by ``re``).
_NON_ASCII_BYTES = re.compile(rb"([\xc0-\xff][\x80-\xff]*)")
_folded_runs: dict[bytes, bytes] = {}


def _fold_run_bytes(run: bytes) -> bytes:
    folded = _folded_runs[run] = _fold_run(run.decode("utf-8", "surrogatepass"))[0].encode(
        "utf-8", "surrogatepass"
    )
    return folded


def fold_bytes(text: str | bytes) -> bytes:
    """The folded form of a text as UTF-8, without the way back to its offsets and without
    dropping the spaces between emoji: what :func:`fold` gives otherwise, encoded, at a
    fraction of the cost (the matcher's first look at a batch). Runs of non-ASCII
    characters fold once each through a cache, in one split and one join; no Python step
    per character, nor per run that was seen before. ``text`` may be given as UTF-8."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    partial = raw.translate(_byte_table())
    if partial.isascii():
        return partial
    parts = _NON_ASCII_BYTES.split(partial)
    runs = parts[1::2]
    folded = list(map(_folded_runs.get, runs))
    if None in folded:
        if len(_folded_runs) > 100_000:
            _folded_runs.clear()
        folded = [f if f is not None else _fold_run_bytes(r) for f, r in zip(folded, runs, strict=True)]
    parts[1::2] = folded
    return b"".join(parts)


def fold_mapped(text: str) -> Folded:
    """Fold a text and keep the map back to its offsets.

    ASCII folds in one ``bytes.translate`` over the UTF-8 bytes (non-ASCII bytes
    stay as they are); each run of other characters is then folded once and
    cached, so emoji and words of other scripts cost a dictionary lookup each
    time they recur. Spaces between emoji are dropped (🐉 🤎 is the sequence
    🐉🤎)."""
    partial = text.encode("utf-8", "surrogatepass").translate(_byte_table()).decode("utf-8", "surrogatepass")
    result = Folded(text, partial)
    if text.isascii():
        return result
    starts, origins, linear = result.starts, result.origins, result.linear

    def segment(folded_at: int, original_at: int, is_linear: bool) -> None:
        if not starts:
            starts.append(0)
            origins.append(0)
            linear.append(True)
        starts.append(folded_at)
        origins.append(original_at)
        linear.append(is_linear)

    pieces: list[str] = []
    position = shift = 0  # shift: folded offset minus original offset, after what is done
    after_emoji = -1
    for found in NON_ASCII.finditer(text):
        start, end = found.span()
        folded, parts, emoji_first, emoji_last = _fold_run(found.group())
        gap = partial[position:start]
        if after_emoji == position and emoji_first and not gap.strip(" "):
            segment(position + shift, position, False)  # the spaces between two emoji
            shift -= len(gap)
            segment(start + shift, start, True)
            gap = ""
        pieces.append(gap)
        if parts is not None:
            for folded_start, original_start, is_linear in parts:
                segment(start + shift + folded_start, start + original_start, is_linear)
            shift += len(folded) - (end - start)
            segment(end + shift, end, True)
        pieces.append(folded)
        position = end
        after_emoji = end if emoji_last else -1
    pieces.append(partial[position:])
    result.text = "".join(pieces)
    return result
