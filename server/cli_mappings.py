"""``kp import-skos`` and ``kp mappings apply``: other vocabularies and mappings to them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from server.cli_common import StoreOption
from server.errors import KpError

mappings = typer.Typer(help="Publish reviewed mappings to other vocabularies.", no_args_is_help=True)


def import_skos(
    file: Annotated[Path, typer.Argument(help="The SKOS vocabulary (Turtle, N-Triples, RDF/XML, JSON-LD).")],
    name: Annotated[
        str, typer.Option("--as", help="Name of its graph: lower-case letters, digits, hyphens.")
    ],
    store: StoreOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the proposed mappings (default: NAME.proposed.sssom.tsv).",
            show_default=False,
        ),
    ] = None,
    level: Annotated[
        str, typer.Option(help="Match against our labels as a reader of this level sees them.")
    ] = "tlp-clear",
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a vocabulary imported under NAME.")
    ] = False,
) -> None:
    """Load an external SKOS vocabulary into its own graph and propose mappings (SSSOM) for review."""
    from server import skosimport
    from server.cli_common import err, existing_store, fail
    from server.cli_common import out as console
    from server.store import EmbeddedStore, now_iso

    settings = existing_store(store, level)
    target = out or Path(f"{name}.proposed.sssom.tsv")
    try:
        kp_store = EmbeddedStore(settings.store_path)
        try:
            imported, quads = skosimport.import_skos(settings, kp_store, file, name, replace=replace)
            err.print(f"matching the labels of {imported.concepts} concept(s)...", highlight=False)
            proposals = skosimport.propose(settings, kp_store, quads, name, level, now_iso()[:10])
        finally:
            kp_store.close()
    except KpError as exc:
        raise fail(str(exc)) from None
    target.write_text(proposals.tsv(), encoding="utf-8")
    console.print(
        f"imported {imported.triples} triple(s), {imported.concepts} concept(s) into {imported.graph}; "
        f"{len(proposals.rows)} proposed mapping(s) in {target} for review",
        highlight=False,
    )


@mappings.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(help="A reviewed SSSOM TSV file (rejected rows deleted).")],
    store: StoreOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Overwrite vocab/mappings/ of the same name.")
    ] = False,
) -> None:
    """Publish the accepted mappings: copy them to vocab/mappings/ and load them (validated)."""
    from server import skosimport
    from server.cli_common import fail, settings_for
    from server.cli_common import out as console
    from server.store import EmbeddedStore

    settings = settings_for(store)
    if not settings.store_path.exists():
        raise fail(f"no store at {settings.store_path}; run `kp load` first")
    try:
        kp_store = EmbeddedStore(settings.store_path)
        try:
            target, count = skosimport.apply(settings, kp_store, file, replace=replace)
        finally:
            kp_store.close()
    except KpError as exc:
        raise fail(str(exc)) from None
    console.print(
        f"published {count} mapping(s): {target} loaded into {settings.store_path}", highlight=False
    )
