"""``kp match``: scan a large dump of posts offline, JSONL or CSV in, JSONL out.

Posts are read as a stream and scanned in batches, so memory stays flat
whatever the size of the dump. Each output line is one post's result, in
input order, with the post's id (or line number) and the matcher's answer.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from enum import StrEnum
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
from server.match import DEFAULT_MIN_CONFIDENCE, Matcher

err = Console(stderr=True, soft_wrap=True)
EXIT_BAD_INPUT = 1
EXIT_ERROR = 2
LEVELS = ("tlp-clear", "tlp-green", "tlp-amber")


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


def read_posts(
    stream: IO[str], kind: InputFormat, text_field: str, id_field: str
) -> Iterator[dict[str, Any]]:
    """Each post as {"id", "text"} or {"id", "error"}; ids default to the line (or row) number."""
    if kind is InputFormat.csv:
        rows = csv.DictReader(stream)
        if rows.fieldnames is None or text_field not in rows.fieldnames:
            raise KpError(f"the CSV has no column {text_field!r} (columns: {rows.fieldnames})")
        for number, row in enumerate(rows, start=1):
            yield {"id": row.get(id_field) or number, "text": row[text_field] or ""}
        return
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": number, "error": f"line {number} is not JSON: {exc.msg}"}
            continue
        if isinstance(value, str):
            yield {"id": number, "text": value}
        elif isinstance(value, dict) and isinstance(value.get(text_field), str):
            yield {"id": value.get(id_field, number), "text": value[text_field]}
        else:
            yield {"id": number, "error": f"line {number} has no string field {text_field!r}"}


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
            pending: list[dict[str, Any]] = []

            def flush() -> None:
                nonlocal hits
                texts = [p["text"].replace("\x00", " ") for p in pending if "text" in p]
                answers = iter(matcher.report(texts, wanted, min_confidence))
                for post in pending:
                    if "error" in post:
                        record = {"id": post["id"], "error": post["error"]}
                    else:
                        record = {"id": post["id"], **next(answers)}
                        hits += bool(record["matches"])
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                progress.update(task, completed=raw.tell() if total is not None else None)
                pending.clear()

            for post in read_posts(stream, input_format, text_field, id_field):
                posts += 1
                bad += "error" in post
                pending.append(post)
                if len(pending) >= batch:
                    flush()
            flush()
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


def register(app: typer.Typer) -> None:
    app.command("match")(match)
