"""``kp match``: scan a large dump of posts offline, JSONL or CSV in, JSONL out.

Posts are read as a stream and scanned in batches, so memory stays flat
whatever the size of the dump. Each output line is one post's result, in
input order, with the post's id (or line number) and the matcher's answer.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from server.cli_common import StoreOption
from server.config import Settings
from server.errors import KpError
from server.match import DEFAULT_MIN_CONFIDENCE, NOTHING, Matcher
from server.match_output import NONE_FOUND, Lines, encode

err = Console(stderr=True, soft_wrap=True)
EXIT_BAD_INPUT = 1
EXIT_ERROR = 2
LEVELS = ("tlp-clear", "tlp-green", "tlp-amber")


class InputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def load_matcher(settings: Settings, level: str, cache: bool = True) -> Matcher:
    """The matcher of a snapshot of the store at one handling level: compiled, or as
    compiled by an earlier run from the same lexicon (``cache``; see server/match_cache.py)."""
    from server import lexicon, match_cache
    from server.loader import meta_graph
    from server.snapshots import Snapshots
    from server.store import EmbeddedStore

    store = EmbeddedStore(settings.store_path)
    try:
        if not store.graph_infos(meta_graph(settings)):
            raise KpError(f"the store at {settings.store_path} is empty; run `kp load` first")
        with tempfile.TemporaryDirectory(prefix="kp-match-") as directory:
            snapshot = Snapshots(store, Path(directory) / "snapshots", meta_graph(settings)).take([level])
            reader = EmbeddedStore(snapshot.levels[level], read_only=True)
            built = lexicon.build(reader, level)
            reader.close()
    finally:
        store.close()
    return match_cache.compiled(built, settings.cache_path if cache else None)


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
        while chunk := list(itertools.islice(numbered, block)):
            yield Block(
                [row.get(id_field) or number for number, row in chunk],
                [row[text_field] or "" for _number, row in chunk],
            )
        return
    for numbers, values in _json_blocks(raw, block):
        if set(map(type, values)) == {dict}:  # the usual case, in passes that stay in C
            texts = list(map(dict.get, values, repeat(text_field)))
            if set(map(type, texts)) == {str}:
                yield Block(list(map(dict.get, values, repeat(id_field), numbers)), texts)
                continue
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
        yield found


class JSONError:
    """The parser's message for a line that is not JSON."""

    def __init__(self, message: str) -> None:
        self.message = message


def _json_blocks(raw: IO[bytes], size: int) -> Iterator[tuple[list[int], list[Any]]]:
    """The line numbers and values of the non-blank lines, ``size`` lines at a time
    (UTF-8, undecodable bytes replaced; a line ends at \\n, \\r or \\r\\n).

    A block is parsed in one call into the parser, each line wrapped in its own
    one-element array and separated by a newline, which no JSON string may hold: so a
    line cannot reach into its neighbour's value without leaving some element that is not
    a one-element array. A block that does not parse exactly into one value per line is
    parsed again line by line, so each bad line gets its own message."""
    first = 1
    while chunk := list(itertools.islice(raw, size)):
        # The usual block, whole: wrapped as bytes and decoded once (the wrapping is ASCII,
        # so the lines decode as they would alone). A blank line leaves an empty array or
        # is not JSON, and \r ends lines too: such blocks are split into lines first.
        wrapped = b"[[" + b"],\n[".join(chunk) + b"]]"
        if b"\r" not in wrapped:
            try:
                values = _one_per_line(json.loads(wrapped.decode("utf-8", "replace")), len(chunk))
            except ValueError:
                pass
            else:
                yield list(range(first, first + len(chunk))), values
                first += len(chunk)
                continue
        lines = list(io.StringIO(b"".join(chunk).decode("utf-8", "replace"), newline=""))
        if any(map(str.isspace, lines)):
            numbers = [first + i for i, line in enumerate(lines) if not line.isspace()]
            texts = [line for line in lines if not line.isspace()]
        else:
            numbers, texts = list(range(first, first + len(lines))), lines
        first += len(lines)
        if not texts:
            continue
        try:  # (the lines keep their line ends: whitespace to JSON)
            values = _one_per_line(json.loads("[[" + "],\n[".join(texts) + "]]"), len(texts))
        except ValueError:
            values = list(map(_parse_line, texts))
        yield numbers, values


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


def match(
    source: Annotated[str, typer.Argument(help="JSONL or CSV file of posts; - for standard input.")] = "-",
    store: StoreOption = None,
    level: Annotated[
        str, typer.Option(help="Handling level of the labels to match: " + ", ".join(LEVELS))
    ] = ("tlp-clear"),
    input_format: Annotated[
        InputFormat,
        typer.Option("--format", "-f", help="Input: JSONL (objects or strings) or CSV with a header."),
    ] = InputFormat.jsonl,
    text_field: Annotated[str, typer.Option(help="Field (or column) holding the post.")] = "text",
    id_field: Annotated[str, typer.Option(help="Field (or column) holding the post's id.")] = "id",
    languages: Annotated[
        str | None, typer.Option(help="Only labels in these languages (comma-separated), plus emoji.")
    ] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = DEFAULT_MIN_CONFIDENCE,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Posts scanned together.")] = 2000,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    cache: Annotated[
        bool,
        typer.Option(help="Reuse the matcher an earlier run compiled from the same vocabulary (KP_CACHE)."),
    ] = True,
) -> None:
    """Find the vocabulary's terms in posts (JSONL or CSV) and write one JSON result per post.

    Exit codes: 0 done; 1 some input lines were unreadable (their results say why); 2 usage or store error.
    """
    if level not in LEVELS:
        err.print(f"[bold red]error:[/] unknown level {level!r}; use one of {', '.join(LEVELS)}")
        raise typer.Exit(EXIT_ERROR)
    settings = Settings.from_env()
    if store is not None:
        settings = replace(settings, store_path=store)
    wanted = [lang.strip() for lang in languages.split(",")] if languages else None
    lang = wanted[0] if wanted else "en"
    started = time.perf_counter()
    try:
        matcher = load_matcher(settings, level, cache)
    except KpError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    if not quiet:
        err.print(f"{len(matcher)} labels at {level}, compiled in {time.perf_counter() - started:.1f} s")
    if source == "-":
        raw: IO[bytes] = sys.stdin.buffer
        total = None
    else:
        path = Path(source)
        if not path.is_file():
            err.print(f"[bold red]error:[/] no such file: {source}", highlight=False)
            raise typer.Exit(EXIT_ERROR)
        raw, total = path.open("rb"), path.stat().st_size
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    progress = Progress(
        TextColumn("matching"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    )
    written = Lines(matcher, lang)
    posts = hits = bad = 0
    scan_started = time.perf_counter()
    try:
        with progress:
            task = progress.add_task("matching", total=total)
            for block in read_posts(raw, input_format, text_field, id_field, batch):
                where, texts = _readable(block)
                lines = _nothing_found(block.ids)  # most posts; the others are replaced
                for i, answer in zip(where, matcher.scan(texts, wanted, min_confidence), strict=True):
                    if answer is not NOTHING:
                        hits += 1 if answer.matches else 0
                        lines[i] = written.line(block.ids[i], answer)
                for i, error in block.errors.items():
                    lines[i] = encode({"id": block.ids[i], "error": error}) + "\n"
                sink.write("".join(lines))
                posts += len(lines)
                bad += len(block.errors)
                progress.update(task, completed=raw.tell() if total is not None else None)
    except KpError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    finally:
        if output:
            sink.close()
    elapsed = time.perf_counter() - scan_started
    if not quiet:
        err.print(
            f"{posts} post(s), {hits} with matches, {bad} unreadable, in {elapsed:.1f} s", highlight=False
        )
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


def _readable(block: Block) -> tuple[Sequence[int], list[str]]:
    """The positions and texts of a block's readable posts, NUL characters (which the
    matcher keeps between texts) read as spaces."""
    if block.errors:
        where: Sequence[int] = [i for i, text in enumerate(block.texts) if text is not None]
        texts = [text for text in block.texts if text is not None]
    else:  # the usual case: every line a post
        where, texts = range(len(block.texts)), cast(list[str], block.texts)
    if "\x00" in "".join(texts):
        texts = [text.replace("\x00", " ") for text in texts]
    return where, texts


def _nothing_found(ids: list[Any]) -> list[str]:
    """The output lines of posts without matches, one per id."""
    if set(map(type, ids)) == {int}:  # line numbers, usually (bool is not int here: true, false)
        return [f'{{"id": {post_id}{NONE_FOUND}' for post_id in ids]
    return [f'{{"id": {encode(post_id)}{NONE_FOUND}' for post_id in ids]


def register(app: typer.Typer) -> None:
    app.command("match")(match)
