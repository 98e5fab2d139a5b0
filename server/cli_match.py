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
from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from typing import IO, Annotated, Any

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

from server.config import Settings
from server.errors import KpError
from server.match import DEFAULT_MIN_CONFIDENCE, NOTHING, Matcher

err = Console(stderr=True, soft_wrap=True)
EXIT_BAD_INPUT = 1
EXIT_ERROR = 2
LEVELS = ("tlp-clear", "tlp-green", "tlp-amber")
#: The rest of the line of a post without matches (as ``json.dumps`` writes it).
NONE_FOUND = ', "matches": [], "substances": [], "signals": []}\n'


class InputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def load_matcher(settings: Settings, level: str) -> Matcher:
    """Compile the matcher from a snapshot of the store at one handling level."""
    from server import lexicon
    from server.loader import meta_graph
    from server.store import EmbeddedStore, Snapshots

    store = EmbeddedStore(settings.store_path)
    try:
        if not store.graph_infos(meta_graph(settings)):
            raise KpError(f"the store at {settings.store_path} is empty; run `kp load` first")
        with tempfile.TemporaryDirectory(prefix="kp-match-") as directory:
            snapshot = Snapshots(store, Path(directory) / "snapshots", meta_graph(settings)).take()
            reader = EmbeddedStore(snapshot.levels[level], read_only=True)
            built = lexicon.build(reader, level)
            reader.close()
    finally:
        store.close()
    return Matcher(built)


Post = tuple[Any, str | None, str | None]  # id, text, or the error that stands for it


def read_posts(
    stream: IO[str], kind: InputFormat, text_field: str, id_field: str, block: int = 2000
) -> Iterator[list[Post]]:
    """Posts in blocks of ``block`` lines (or rows), each as (id, text, None) or
    (id, None, error); ids default to the line (or row) number."""
    if kind is InputFormat.csv:
        rows = csv.DictReader(stream)
        if rows.fieldnames is None or text_field not in rows.fieldnames:
            raise KpError(f"the CSV has no column {text_field!r} (columns: {rows.fieldnames})")
        posts: Iterator[Post] = (
            (row.get(id_field) or number, row[text_field] or "", None) for number, row in enumerate(rows, 1)
        )
        yield from iter(lambda: list(itertools.islice(posts, block)), [])
        return
    for numbers, values in _json_blocks(stream, block):
        found: list[Post] = []
        for number, value in zip(numbers, values, strict=True):
            if type(value) is dict and isinstance(text := value.get(text_field), str):
                found.append((value.get(id_field, number), text, None))
            elif type(value) is str:
                found.append((number, value, None))
            elif isinstance(value, JSONError):
                found.append((number, None, f"line {number} is not JSON: {value.message}"))
            else:
                found.append((number, None, f"line {number} has no string field {text_field!r}"))
        yield found


class JSONError:
    """The parser's message for a line that is not JSON."""

    def __init__(self, message: str) -> None:
        self.message = message


def _json_blocks(stream: IO[str], size: int) -> Iterator[tuple[list[int], list[Any]]]:
    """The line numbers and values of the non-blank lines, ``size`` lines at a time.

    A block is parsed in one call into the parser, each line wrapped in its own
    one-element array and separated by a newline, which no JSON string may hold: so a
    line cannot reach into its neighbour's value without leaving some element that is not
    a one-element array. A block that does not parse exactly into one value per line is
    parsed again line by line, so each bad line gets its own message."""
    first = 1
    while lines := list(itertools.islice(stream, size)):
        numbers = [first + i for i, line in enumerate(lines) if not line.isspace()]
        first += len(lines)
        if len(numbers) < len(lines):
            lines = [line for line in lines if not line.isspace()]
        if not lines:
            continue
        texts = list(map(_strip_newline, lines))
        try:
            wrapped = json.loads("[[" + "],\n[".join(texts) + "]]")
            if not (
                len(wrapped) == len(texts)
                and set(map(type, wrapped)) <= {list}
                and all(map((1).__eq__, map(len, wrapped)))
            ):
                raise ValueError("not one value per line")
            values = list(map(itemgetter(0), wrapped))
        except ValueError:
            values = list(map(_parse_line, texts))
        yield numbers, values


def _strip_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _parse_line(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return JSONError(exc.msg)


def match(
    source: Annotated[str, typer.Argument(help="JSONL or CSV file of posts; - for standard input.")] = "-",
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Store directory (default: $KP_STORE or ./var/store).", show_default=False
        ),
    ] = None,
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
        matcher = load_matcher(settings, level)
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
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
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
    posts = hits = bad = 0
    scan_started = time.perf_counter()
    try:
        with progress:
            task = progress.add_task("matching", total=total)
            for block in read_posts(stream, input_format, text_field, id_field, batch):
                texts = [text.replace("\x00", " ") for _id, text, _e in block if text is not None]
                answers = iter(matcher.scan(texts, wanted, min_confidence))
                lines = []
                for post_id, text, error in block:
                    if text is None:
                        bad += 1
                        lines.append(json.dumps({"id": post_id, "error": error}, ensure_ascii=False) + "\n")
                        continue
                    answer = next(answers)
                    if answer is NOTHING:  # most posts: no record to build and encode
                        lines.append(f'{{"id": {_json_id(post_id)}{NONE_FOUND}')
                        continue
                    hits += 1 if answer.matches else 0
                    record = {"id": post_id, **matcher.as_data(answer, lang)}
                    lines.append(json.dumps(record, ensure_ascii=False) + "\n")
                sink.write("".join(lines))
                posts += len(block)
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


def _json_id(value: Any) -> str:
    return str(value) if type(value) is int else json.dumps(value, ensure_ascii=False)


def register(app: typer.Typer) -> None:
    app.command("match")(match)
