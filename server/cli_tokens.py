"""``kp token``: create, list and revoke bearer tokens (stored hashed beside the store)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from server.cli_common import EXIT_ERROR, FormatOption, OutputFormat, StoreOption, err, out, settings_for
from server.errors import KpError
from server.tokens import ROLES, TokenStore, auth_path

app = typer.Typer(
    help="Manage bearer tokens (roles: partner, contributor, reviewer, admin).", no_args_is_help=True
)


def _tokens(store: StoreOption) -> TokenStore:
    return TokenStore(auth_path(settings_for(store).store_path))


@app.command("create")
def create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    name: Annotated[str, typer.Option(help="Who holds it (a person, team or platform).")] = "",
    country: Annotated[
        str | None, typer.Option(help="ISO 3166-1 alpha-2 country; required for contributors.")
    ] = None,
    store: StoreOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Create a token and print it once: it is stored hashed and cannot be shown again."""
    try:
        record, token = _tokens(store).create(role, name or role, country)
    except KpError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    if output is OutputFormat.json:
        print(json.dumps({"id": record.id, "role": record.role, "country": record.country, "token": token}))
        return
    err.print(
        f"created token {record.id} ({record.role}{', ' + record.country if record.country else ''}); "
        "keep it safe, it is shown only once:",
        highlight=False,
    )
    print(token)


@app.command("list")
def list_tokens(store: StoreOption = None, output: FormatOption = OutputFormat.text) -> None:
    """List tokens (never their secrets)."""
    records = _tokens(store).list()
    if output is OutputFormat.json:
        print(json.dumps([r.__dict__ for r in records], indent=2))
        return
    table = Table("id", "role", "country", "name", "created", "revoked", title="Tokens", title_justify="left")
    for r in records:
        table.add_row(r.id, r.role, r.country or "", r.name, r.created, r.revoked or "")
    out.print(table)


@app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The token's id (see `kp token list`).")],
           store: StoreOption = None) -> None:  # fmt: skip
    """Revoke a token; the server refuses it from the next request on."""
    try:
        record = _tokens(store).revoke(token_id)
    except KpError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    err.print(f"token {record.id} revoked at {record.revoked}", highlight=False)
