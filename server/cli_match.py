"""``kp match``: scan a large dump of posts offline, JSONL or CSV in, JSONL out.

Posts are read as a stream and scanned in batches, so memory stays flat
whatever the size of the dump. Each output line is one post's result, in
input order, with the post's id (or line number) and the matcher's answer.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from itertools import compress, count, repeat
from operator import is_not
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
from server.errors import BadRequest, KpError
from server.match import DEFAULT_MIN_CONFIDENCE, NOTHING, Matcher, TextResult
from server.match_output import NONE_FOUND, Lines, encode
from server.posts_input import Block, InputFormat, read_posts

err = Console(stderr=True, soft_wrap=True)
EXIT_BAD_INPUT = 1
EXIT_ERROR = 2
LEVELS = ("tlp-clear", "tlp-green", "tlp-amber")


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
    memo: dict[str, TextResult] = {}  # a dump repeats posts: each is looked at closely once
    posts = hits = bad = 0
    scan_started = time.perf_counter()
    # The matcher's many objects live until the end: the garbage collector need not look
    # at them again each time the scan's short-lived objects set it off.
    gc.freeze()
    try:
        with progress:
            task = progress.add_task("matching", total=total)
            for block in read_posts(raw, input_format, text_field, id_field, batch):
                where, texts = _readable(block)
                try:
                    results = matcher.scan(texts, wanted, min_confidence, memo)
                except BadRequest:  # a NUL character in a post (which the matcher keeps between
                    texts = [text.replace("\x00", " ") for text in texts]  # texts): a space
                    results = matcher.scan(texts, wanted, min_confidence, memo)
                lines: dict[int, str] = {}  # of the posts with something to say (most have not)
                for k in compress(count(), map(is_not, results, repeat(NOTHING))):
                    answer = results[k]
                    hits += 1 if answer.matches else 0
                    lines[where[k]] = written.line(block.ids[where[k]], answer)
                for i, error in block.errors.items():
                    lines[i] = encode({"id": block.ids[i], "error": error}) + "\n"
                sink.write(_block_text(block.ids, lines))
                posts += len(block.ids)
                bad += len(block.errors)
                progress.update(task, completed=raw.tell() if total is not None else None)
    except KpError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    finally:
        gc.unfreeze()  # (back as it was for a caller in the same process: tests)
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
    """The positions and texts of a block's readable posts."""
    if block.errors:
        where: Sequence[int] = [i for i, text in enumerate(block.texts) if text is not None]
        return where, [text for text in block.texts if text is not None]
    return range(len(block.texts)), cast(list[str], block.texts)  # the usual case: every line a post


def _block_text(ids: list[Any], lines: dict[int, str]) -> str:
    """The output of a block of posts: ``lines`` (by position), and for every other post
    the line of a post without matches."""
    if set(map(type, ids)) != {int}:
        every = [f'{{"id": {encode(post_id)}{NONE_FOUND}' for post_id in ids]
        for i, line in lines.items():
            every[i] = line
        return "".join(every)
    # Line numbers, usually (bool is not int here: true, false): the lines between those
    # given are written in one join each.
    pieces, start = [], 0
    for i in sorted(lines):
        if i > start:
            pieces.append(_none_found(ids[start:i]))
        pieces.append(lines[i])
        start = i + 1
    if start < len(ids):
        pieces.append(_none_found(ids[start:]))
    return "".join(pieces)


def _none_found(ids: list[int]) -> str:
    return '{"id": ' + _BETWEEN.join(map(str, ids)) + NONE_FOUND


_BETWEEN = NONE_FOUND + '{"id": '


def register(app: typer.Typer) -> None:
    app.command("match")(match)
