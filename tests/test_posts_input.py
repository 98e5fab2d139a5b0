"""Posts read from JSONL dumps (server/posts_input.py): the fast reading (``msgspec``)
gives exactly what the standard library's parser gives, line for line, however odd the line."""

from __future__ import annotations

import io

import pytest

from server import posts_input
from server.posts_input import Block, InputFormat, read_posts

#: One line each (without its line end), read within an ordinary block.
ODD_LINES = [
    b'{"text": "plain"}',
    b'{"id": 7, "text": "with an id"}',
    b'{"id": null, "text": "a null id"}',
    b'{"id": 2.5e3, "text": "a float id"}',
    b'{"id": 123456789012345678901234567890, "text": "a big id"}',
    b'{"id": -9223372036854775809, "text": "past 64 bits"}',
    b'{"id": 1e400, "text": "an infinite id"}',
    b'{"id": NaN, "text": "not a number"}',
    b'{"id": {"nested": [1, {"deep": true}]}, "text": "an object id"}',
    b'{"te\\u0078t": "an escaped key"}',
    b'{"text": "first", "text": "last"}',
    b'{"text": "first", "text": 5}',
    b'{"text": 5, "text": "last"}',
    b'{"id": 1, "id": 2, "text": "two ids"}',
    b'"a bare string"',
    b'{"text": 5}',
    b'{"body": "no text"}',
    b"[1, 2]",
    b"42",
    b"null",
    b'{"text": "\\ud800 a lone surrogate"}',
    b'{"text": "\\ud83d\\ude00 a pair"}',
    b'{"text": "caf\xff not UTF-8"}',
    b'{"text": "\xed\xa0\x80 an encoded surrogate"}',
    b'{"text": "a\ttab"}',
    b'{"text": "\xe2\x80\xa8 line separator \xc2\x85 and NEL"}',
    b'\xef\xbb\xbf{"text": "a byte order mark"}',
    b'\t{"text": "tab before"} ',
    b'\x0c{"text": "form feed before"}',
    b'{"text": "x"}, {"text": "y"}',
    b'{"text": "unterminated}',
    b"",
    b"   ",
    b'{"text": "\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9"}',
    b'{"text": "fine"} // a comment',
]


def read(data: bytes, block: int) -> list[Block]:
    return list(read_posts(io.BytesIO(data), InputFormat.jsonl, "text", "id", block))


def flat(blocks: list[Block]) -> list[tuple[object, object, str | None]]:
    rows = []
    for b in blocks:
        rows += [(repr(i), t, b.errors.get(n)) for n, (i, t) in enumerate(zip(b.ids, b.texts, strict=True))]
    return rows


@pytest.mark.parametrize("line", ODD_LINES, ids=range(len(ODD_LINES)))
@pytest.mark.parametrize("block", [1, 3, 100])
def test_the_fast_reading_is_the_standard_one(
    line: bytes, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b'{"text": "before"}\n' + line + b'\n"after"\n{"id": "z", "text": "end"}'
    fast = flat(read(data, block))
    monkeypatch.setattr(posts_input._Posts, "block", lambda *_args: None)
    assert fast == flat(read(data, block))


def test_ordinary_blocks_are_read_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b'{"text": "a"}\n"b"\n{"id": 9, "text": "c", "lang": "en"}\n'
    monkeypatch.setattr(posts_input, "_json_values", None)  # the standard reading would fail
    [block] = read(data, 100)
    assert (block.ids, block.texts, block.errors) == ([1, 2, 9], ["a", "b", "c"], {})


def test_the_same_field_for_text_and_id() -> None:
    data = b'{"text": "a"}\n"b"\n'
    blocks = list(read_posts(io.BytesIO(data), InputFormat.jsonl, "text", "text", 10))
    assert [(b.ids, b.texts) for b in blocks] == [(["a", 2], ["a", "b"])]


class Trickle(io.BytesIO):
    """A stream that gives a few bytes per read, so lines span reads."""

    def read1(self, size: int = -1) -> bytes:
        return super().read1(3)


@pytest.mark.parametrize(
    "data",
    [
        b'{"text": "a"}\n"b"\n{"id": 9, "text": "c"}\n',
        b'{"text": "no new line at the end"}',
        b'"x"\n\n\n"after blanks"\n',
        b'"a"\r\n"b"\r"c"\n',
        b"\n",
        b"",
        b'"' + b"long " * 100 + b'"\n"short"',
    ],
)
@pytest.mark.parametrize("block", [1, 2, 100])
def test_lines_are_read_alike_however_the_stream_gives_them(data: bytes, block: int) -> None:
    expected = flat(read(data, block))
    assert flat(list(read_posts(Trickle(data), InputFormat.jsonl, "text", "id", block))) == expected


@pytest.mark.parametrize(
    ("data", "ids"),
    [
        (b'"a"\n"b"\n"c"', [1, 2, 3]),
        (b'"a"\n\n"c"\n', [1, 3]),
        (b'"a"\r\n"b"\r"c"\n', [1, 2, 3]),
        (b'"a"\n{"id": "x", "text": "b"}\n', [1, "x"]),
    ],
)
def test_line_numbers(data: bytes, ids: list[object]) -> None:
    for block in (1, 2, 100):
        assert [i for b in read(data, block) for i in b.ids] == ids
