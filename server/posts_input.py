"""Posts read from a dump for ``kp match``: JSONL (objects or strings, one a line) or
CSV with a header, in blocks, each post with its id (or line number).

JSONL is read a block of lines at a time, each block parsed in one call: first by
``msgspec`` straight into the post's two fields (most blocks: every line an object
with a string text, or a string), and any block it does not take whole by the
standard library's parser, as one value per line and then, if need be, line by line,
so that each unreadable line gets its own message. ``msgspec`` takes a block only
when its reading is the standard parser's: it refuses what that one would read
otherwise (bytes that are not UTF-8, lone surrogates, NaN, numbers out of range),
and the block is then read the standard way.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import count, repeat
from operator import attrgetter, itemgetter
from typing import IO, Any

import msgspec

from server.errors import KpError


class InputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


@dataclass
class Block:
    """Posts read together: their ids, their texts (None for an unreadable line) and why
    each unreadable line could not be read (by position in the block)."""

    ids: list[Any]
    texts: list[str | None]
    errors: dict[int, str] = field(default_factory=dict)


def read_posts(
    raw: IO[bytes], kind: InputFormat, text_field: str, id_field: str, block: int = 2000
) -> Iterator[Block]:
    """Posts (UTF-8) in blocks of ``block`` lines (or rows); ids default to the line (or row) number."""
    if kind is InputFormat.csv:
        rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=""))
        if rows.fieldnames is None or text_field not in rows.fieldnames:
            raise KpError(f"the CSV has no column {text_field!r} (columns: {rows.fieldnames})")
        numbered = enumerate(rows, start=1)
        while some := list(itertools.islice(numbered, block)):
            yield Block(
                [row.get(id_field) or number for number, row in some],
                [row[text_field] or "" for _number, row in some],
            )
        return
    posts = _Posts(text_field, id_field) if text_field != id_field else None
    first = 1
    for group, ended in _line_groups(raw, block):
        # Each line wrapped in its own one-element array, lines separated by a new line,
        # which no JSON string may hold: so a line cannot reach into its neighbour's value
        # without leaving some element that is not a one-element array. (\r ends lines
        # too, and such blocks are split into lines first.)
        wrapped = b"[[" + b"\n],\n[".join(group) + (b"\n]]" if ended else b"]]")
        if b"\r" not in wrapped and posts is not None and (found := posts.block(wrapped, len(group), first)):
            yield found
            first += len(group)
            continue
        lines = [line + b"\n" for line in group]
        if not ended:
            lines[-1] = group[-1]
        numbers, values, read = _json_values(lines, wrapped, first)
        first += read
        if values:
            yield _block(numbers, values, text_field, id_field)


def _line_groups(raw: IO[bytes], size: int) -> Iterator[tuple[list[bytes], bool]]:
    """The stream's lines without their \\n, ``size`` at a time, and whether the last line of
    the group had one (only the stream's last line may not): read in large pieces, which
    costs less than reading line by line."""
    read = getattr(raw, "read1", raw.read)
    lines: list[bytes] = []
    tail: list[bytes] = []  # the pieces of a line not yet ended
    while more := read(1 << 20):
        parts = more.split(b"\n")
        if len(parts) == 1:
            tail.append(more)
            continue
        tail.append(parts[0])
        parts[0] = b"".join(tail)
        tail = [parts.pop()]
        lines += parts
        while len(lines) >= size:
            yield lines[:size], True
            lines = lines[size:]
    last = b"".join(tail)
    if last:
        lines.append(last)
    if lines:
        yield lines, not last


class _Posts:
    """A block of JSONL posts read by ``msgspec`` into their text and id alone."""

    def __init__(self, text_field: str, id_field: str) -> None:
        post: Any = msgspec.defstruct(
            "Post",
            [("text", str), ("id", Any, msgspec.UNSET)],
            rename={"text": text_field, "id": id_field},
            gc=False,  # (JSON values hold no cycles: nothing for the collector to look at)
        )
        self.type: type = post
        self.decoder = msgspec.json.Decoder(list[tuple[post | str]])

    def block(self, wrapped: bytes, lines: int, first: int) -> Block | None:
        """The posts of a block of ``lines`` lines, wrapped; None if it is not read whole."""
        try:
            rows = self.decoder.decode(wrapped)
        except msgspec.DecodeError:  # (validation errors too)
            return None
        if len(rows) != lines:
            return None
        posts = list(map(itemgetter(0), rows))
        if set(map(type, posts)) == {self.type}:  # the usual case, in passes that stay in C
            ids = list(map(attrgetter("id"), posts))
            missing = ids.count(msgspec.UNSET)  # (no other value equals it)
            if missing == len(ids):  # the usual case: no ids, line numbers then
                ids = list(range(first, first + len(ids)))
            elif missing:
                ids = [number if i is msgspec.UNSET else i for number, i in zip(count(first), ids)]
            return Block(ids, list(map(attrgetter("text"), posts)))
        found = Block([], [])
        for number, post in zip(count(first), posts):
            plain = type(post) is str
            found.ids.append(number if plain or post.id is msgspec.UNSET else post.id)
            found.texts.append(post if plain else post.text)
        return found


def _block(numbers: list[int], values: list[Any], text_field: str, id_field: str) -> Block:
    """The posts of lines read as JSON values (or :class:`JSONError`)."""
    if set(map(type, values)) == {dict}:  # the usual case, in passes that stay in C
        texts = list(map(dict.get, values, repeat(text_field)))
        if set(map(type, texts)) == {str}:
            return Block(list(map(dict.get, values, repeat(id_field), numbers)), texts)
    found = Block([], [])
    for number, value in zip(numbers, values, strict=True):
        text = None
        if type(value) is dict and isinstance(value.get(text_field), str):
            found.ids.append(value.get(id_field, number))
            text = value[text_field]
        else:
            found.ids.append(number)
            if type(value) is str:
                text = value
            elif isinstance(value, JSONError):
                found.errors[len(found.texts)] = f"line {number} is not JSON: {value.message}"
            else:
                found.errors[len(found.texts)] = f"line {number} has no string field {text_field!r}"
        found.texts.append(text)
    return found


class JSONError:
    """The parser's message for a line that is not JSON."""

    def __init__(self, message: str) -> None:
        self.message = message


def _json_values(chunk: list[bytes], wrapped: bytes, first: int) -> tuple[list[int], list[Any], int]:
    """The line numbers and values of the non-blank lines of a block (UTF-8, undecodable
    bytes replaced; a line ends at \\n, \\r or \\r\\n), and how many lines it has.

    The block is parsed whole if it can be (decoded once: the wrapping is ASCII, so the
    lines decode as they would alone). A blank line leaves an empty array or is not JSON,
    and \\r ends lines too: such blocks are split into lines first. A block that does not
    parse exactly into one value per line is parsed again line by line."""
    if b"\r" not in wrapped:
        try:
            values = _one_per_line(json.loads(wrapped.decode("utf-8", "replace")), len(chunk))
        except ValueError:
            pass
        else:
            return list(range(first, first + len(chunk))), values, len(chunk)
    lines = list(io.StringIO(b"".join(chunk).decode("utf-8", "replace"), newline=""))
    if any(map(str.isspace, lines)):
        numbers = [first + i for i, line in enumerate(lines) if not line.isspace()]
        texts = [line for line in lines if not line.isspace()]
    else:
        numbers, texts = list(range(first, first + len(lines))), lines
    if not texts:
        return [], [], len(lines)
    try:  # (the lines keep their line ends: whitespace to JSON)
        values = _one_per_line(json.loads("[[" + "],\n[".join(texts) + "]]"), len(texts))
    except ValueError:
        values = list(map(_parse_line, texts))
    return numbers, values, len(lines)


def _one_per_line(wrapped: Any, lines: int) -> list[Any]:
    """The values of ``lines`` lines parsed wrapped, if each is a one-element array."""
    if not (
        type(wrapped) is list
        and len(wrapped) == lines
        and set(map(type, wrapped)) <= {list}
        and all(map((1).__eq__, map(len, wrapped)))
    ):
        raise ValueError("not one value per line")
    return list(map(itemgetter(0), wrapped))


def _parse_line(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return JSONError(exc.msg)
