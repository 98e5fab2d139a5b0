"""``kp release VERSION``: build an immutable release folder from the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from server.cli_common import StoreOption
from server.errors import KpError


def release(
    version: Annotated[str, typer.Argument(help="Version to publish, e.g. 2026.12 or 1.0.0.")],
    store: StoreOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder of releases (default: $KP_DIST or ./dist).", show_default=False),
    ] = None,
    previous: Annotated[
        str | None,
        typer.Option(
            help="Release to compare with (default: the newest one in the folder).", show_default=False
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Write dist/VERSION/: dumps, packages per audience, tables, MISP, SSSOM, DCAT-AP, changelog."""
    from server import release as releases
    from server.cli_common import err, fail, settings_for, step_progress
    from server.cli_common import out as console
    from server.store import EmbeddedStore

    settings = settings_for(store)
    dist = out if out is not None else settings.dist_path
    if not settings.store_path.exists():
        raise fail(f"no store at {settings.store_path}; run `kp load` first")
    try:
        releases.check_version(version)
        if (dist / version).exists():
            raise releases.ReleaseError(
                f"release {version} already exists at {dist / version}; releases are immutable"
            )
        kp_store = EmbeddedStore(settings.store_path, read_only=True)
    except KpError as exc:
        raise fail(str(exc)) from None
    progress = step_progress(quiet)
    task = progress.add_task("release", total=None)

    def step(what: str, done: int, total: int) -> None:
        progress.update(task, description=what, completed=done, total=total)
        if not quiet and not err.is_terminal:
            err.print(f"[{done}/{total}] {what}", highlight=False, markup=False)

    try:
        with progress:
            built = releases.build(settings, kp_store, version, dist, previous=previous, progress=step)
    except KpError as exc:
        raise fail(str(exc)) from None
    finally:
        kp_store.close()
    table = Table(title=f"release {built.version} in {built.path}", title_justify="left")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    for info in sorted(built.files, key=lambda f: f.path):
        table.add_row(info.path, f"{info.size:,}")
    if not quiet:
        console.print(table)
    total = sum(f.size for f in built.files)
    console.print(
        f"released {built.version}: {len(built.files)} files, {total:,} bytes"
        + (f", compared with {built.previous}" if built.previous else ", the first release"),
        highlight=False,
    )
