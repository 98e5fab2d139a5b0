"""``kp contribute`` (submit to a server) and ``kp validate`` for contribution tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from server.cli_common import EXIT_ERROR, EXIT_INVALID, FormatOption, OutputFormat, err, out, settings_for
from server.errors import KpError, ParseError
from server.validation import render_findings

MEDIA = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
}
TABLES = (".csv", ".xlsx")


def validate_tables(paths: list[Path], output: OutputFormat, limit: int, store: Path | None = None) -> bool:
    """Check contribution tables offline against the seed vocabulary (or a store) and the shapes."""
    from server import lexicon as lexicon_module
    from server.contributions import Contributions
    from server.loader import load
    from server.store import EmbeddedStore

    settings = settings_for(store)
    if store is not None and store.exists():
        reference = EmbeddedStore(store, read_only=True)
    else:
        reference = EmbeddedStore(None)
        load(settings, reference, validate=False)  # the seed vocabulary, for substances and duplicates
    lexicon = lexicon_module.build(reference, "tlp-amber")
    checker = Contributions(settings, reference, lambda: lexicon, lambda: None)
    conforms = True
    results: list[dict[str, Any]] = []
    for path in paths:
        try:
            _, report = checker.check(path.read_bytes(), MEDIA[path.suffix.lower()], path.name,
                                      settings.base + "contribution/local", lexicon, None)  # fmt: skip
        except ParseError as exc:
            results.append({"source": str(path), "conforms": False, "parse_error": str(exc)})
            conforms = False
            continue
        data = report.to_dict()
        conforms &= report.conforms
        results.append({"source": str(path), **data})
    if output is OutputFormat.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for result in results:
            if "parse_error" in result:
                out.print(f"{result['source']}: cannot be read: {result['parse_error']}", highlight=False)
                continue
            state = "valid" if result["conforms"] else f"{result['violations']} problem(s)"
            out.print(f"{result['source']}: {state}", highlight=False)
            if result["findings"]:
                out.print(render_findings(result["findings"], limit), highlight=False, markup=False)
    return conforms


def contribute(
    file: Annotated[Path, typer.Argument(help="A CSV, XLSX, Turtle or JSON-LD file (see the template).")],
    server: Annotated[str, typer.Option(help="The Knowledge Package server, e.g. https://kp.example.org")],
    token: Annotated[str, typer.Option(help="Your contributor token (or $KP_TOKEN).", envvar="KP_TOKEN")],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Submit a contribution; exit 0 accepted (pending review), 1 invalid, 2 refused or unreachable."""
    import httpx

    media = MEDIA.get(file.suffix.lower())
    if media is None:
        err.print(f"[bold red]error:[/] {file}: use a .csv, .xlsx, .ttl or .jsonld file", highlight=False)
        raise typer.Exit(EXIT_ERROR)
    try:
        data = file.read_bytes()
        response = httpx.post(
            server.rstrip("/") + "/api/v1/contributions",
            content=data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": media, "X-Filename": file.name},
            timeout=600,
        )
    except (OSError, httpx.HTTPError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text}
    if output is OutputFormat.json:
        print(json.dumps({"status": response.status_code, **body}, ensure_ascii=False, indent=2))
    elif response.status_code == 202:
        out.print(f"accepted as {body['id']} ({body['labels']} labels), pending review: "
                  f"{server.rstrip('/')}/api/v1/contributions/{body['id']}", highlight=False)  # fmt: skip
    elif response.status_code == 422:
        out.print(f"{file}: {body.get('message')}", highlight=False)
        out.print(render_findings(body.get("report", {}).get("findings", [])), highlight=False, markup=False)
    else:
        err.print(f"[bold red]refused ({response.status_code}):[/] {body.get('message')}", highlight=False)
    if response.status_code == 202:
        return
    raise typer.Exit(EXIT_INVALID if response.status_code == 422 else EXIT_ERROR)


def run_validate_tables(paths: list[Path], output: OutputFormat, limit: int) -> bool:
    try:
        return validate_tables(paths, output, limit)
    except KpError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
