"""What every ``kp`` sub-command module shares: consoles, exit codes, options."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from server.config import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_INVALID = 1
EXIT_ERROR = 2


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store directory (default: $KP_STORE or ./var/store).", show_default=False),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output for people (text) or machines (json).")
]


def settings_for(store: Path | None) -> Settings:
    settings = Settings.from_env()
    if store is not None:
        from dataclasses import replace

        settings = replace(settings, store_path=store)
    return settings


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def step_progress(quiet: bool) -> Progress:
    """The progress bar of long jobs made of counted steps (load, release), on stderr,
    shown only on a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    )


def existing_store(store: Path | None, level: str) -> Settings:
    """Settings for a command that reads an existing store as a reader of ``level``;
    a clear error for an unknown level or a store that was never loaded."""
    from server.store import VISIBLE_LEVELS

    if level not in VISIBLE_LEVELS:
        raise fail(f"unknown level {level!r}; use one of {', '.join(VISIBLE_LEVELS)}")
    settings = settings_for(store)
    if not settings.store_path.exists():
        raise fail(f"no store at {settings.store_path}; run `kp load` first")
    return settings
