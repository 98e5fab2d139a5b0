"""The ``kp`` command: validate, load and inspect the Knowledge Package.

Exit codes: 0 success; 1 invalid data (a validation report says why); 2 a file
that cannot be parsed, a usage error or a store that cannot be opened.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from server import cli_match, rdfio
from server.cli_common import (
    EXIT_ERROR,
    EXIT_INVALID,
    FormatOption,
    OutputFormat,
    StoreOption,
    err,
    existing_store,
    fail,
    out,
    settings_for,
    step_progress,
)
from server.config import Settings
from server.errors import InvalidData, KpError, ParseError
from server.loader import SourceFile, check_handling, explicit_sources
from server.validation import Report, Validator, render_text

app = typer.Typer(
    help="Drug-term Knowledge Package: validate, load and inspect the vocabulary.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def validate(
    files: Annotated[
        list[Path], typer.Argument(help="Files or folders (Turtle, N-Triples, RDF/XML, JSON-LD, SSSOM).")
    ],
    output: FormatOption = OutputFormat.text,
    skos_checks: Annotated[bool, typer.Option(help="Also run skosify's SKOS quality checks.")] = True,
    limit: Annotated[int, typer.Option(help="Show at most this many findings in text output.")] = 200,
) -> None:
    """Check files against the shapes; exit 0 valid, 1 invalid, 2 unparseable.

    Contribution tables (.csv, .xlsx) are checked as the server would check them."""
    tables = [f for f in files if f.suffix.lower() in (".csv", ".xlsx")]
    if tables:
        from server.cli_contrib import run_validate_tables

        tables_ok = run_validate_tables(tables, output, limit)
        files = [f for f in files if f not in tables]
        if not files:
            raise typer.Exit(0 if tables_ok else EXIT_INVALID)
    settings = Settings.from_env()
    sources = explicit_sources(settings, files)
    if not sources:
        raise fail("no data files found in " + ", ".join(map(str, files)))
    parsed: dict[SourceFile, list[Any]] = {}
    errors: list[ParseError] = []
    for source in sources:
        try:
            parsed[source] = rdfio.parse_path(source.path)
        except ParseError as exc:
            errors.append(exc)
        except KpError as exc:
            errors.append(ParseError(source.path, str(exc)))
    if errors:
        if output is OutputFormat.json:
            payload = {
                "conforms": False,
                "parse_errors": [
                    {"source": e.source, "line": e.line, "column": e.column, "message": e.message}
                    for e in errors
                ],
            }
            print(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            for e in errors:
                err.print(f"[bold red]unparseable:[/] {e}", highlight=False, markup=True)
        raise typer.Exit(EXIT_ERROR)
    validator = Validator(settings)
    data = rdfio.to_rdflib(q for quads in parsed.values() for q in quads)
    report: Report = validator.validate(data, sources=[s.relpath for s in sources], skos_checks=skos_checks)
    report.findings.extend(check_handling(parsed))
    if output is OutputFormat.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        out.print(render_text(report, limit=limit), highlight=False, markup=False)
    raise typer.Exit(0 if report.conforms else EXIT_INVALID)


@app.command()
def load(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders to load (default: ontology/, vocab/ and shapes/).", show_default=False
        ),
    ] = None,
    store: StoreOption = None,
    no_validate: Annotated[
        bool,
        typer.Option(
            "--no-validate", help="Skip SHACL validation and stream files (trusted bulk data only)."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Build the store: one named graph per file, replacing what was there."""
    from server.loader import load as run_load
    from server.store import EmbeddedStore

    settings = settings_for(store)
    started = time.perf_counter()
    try:
        kp_store = EmbeddedStore(settings.store_path)
    except KpError as exc:
        raise fail(str(exc)) from None
    progress = step_progress(quiet)
    with progress:
        task = progress.add_task("loading", total=None)

        announced: set[str] = set()
        words = {
            "parse": "parsing files",
            "validate": "validating against the shapes",
            "write": "writing graphs",
        }

        def step(stage: str, source: SourceFile | None) -> None:
            name = source.relpath if source else ""
            progress.update(task, description=f"{stage} {name}".strip())
            if stage == "write":
                progress.advance(task)
            # Without a terminal (logs, CI) say each stage once instead of redrawing a bar.
            if not quiet and not err.is_terminal and stage in words and stage not in announced:
                announced.add(stage)
                err.print(f"{words[stage]}...", highlight=False)

        try:
            result = run_load(
                settings, kp_store, paths=paths or None, validate=not no_validate, progress=step
            )
        except ParseError as exc:
            raise fail(f"unparseable: {exc}; nothing was loaded") from None
        except InvalidData as exc:
            report = exc.report
            assert isinstance(report, Report)
            err.print(render_text(report, limit=200), highlight=False, markup=False)
            raise fail(f"the vocabulary is invalid: {exc}", EXIT_INVALID) from None
        except KpError as exc:
            raise fail(str(exc)) from None
        finally:
            kp_store.close()
    triples = sum(info.triples for info in result.loaded)
    elapsed = time.perf_counter() - started
    if result.report is not None and result.report.count("Warning"):
        err.print(
            f"{result.report.count('Warning')} warning(s); run `kp validate` to see them", highlight=False
        )
    out.print(
        f"loaded {len(result.loaded)} graph(s), {triples} triple(s) into {settings.store_path} in {elapsed:.1f} s"
        + (f"; dropped {len(result.dropped)} graph(s) of removed files" if result.dropped else ""),
        highlight=False,
    )


@app.command()
def stats(
    store: StoreOption = None,
    output: FormatOption = OutputFormat.text,
    level: Annotated[
        str,
        typer.Option(
            help="Count as a reader of this handling level sees it: tlp-clear, tlp-green, tlp-amber."
        ),
    ] = "tlp-amber",
) -> None:
    """Counts by language, term type, substance, handling level and country, and growth by month."""
    from server.stats import statistics
    from server.store import EmbeddedStore

    settings = existing_store(store, level)
    try:
        kp_store = EmbeddedStore(settings.store_path, read_only=True)
    except KpError as exc:
        raise fail(str(exc)) from None
    try:
        numbers = statistics(settings, kp_store, level)
    finally:
        kp_store.close()
    if output is OutputFormat.json:
        print(json.dumps(numbers, ensure_ascii=False, indent=2))
        return
    out.print(
        f"{numbers['terms']} terms, {numbers['labels']} labels in {numbers['languages']} languages, "
        f"{numbers['substances']} substances ({numbers['substance_groups']} groups) "
        f"in {numbers['graphs']} graphs visible at {level}",
        highlight=False,
    )
    sections = (
        ("Labels by language", "by_language", ("lang", "labels", "terms")),
        ("Labels by term type", "by_term_type", ("typeLabel", "labels", "terms")),
        ("Labels by handling level", "by_handling", ("levelLabel", "labels", "terms")),
        ("Terms by substance", "by_substance", ("substanceLabel", "terms", "labels")),
        ("Labels by country where seen (no code: not stated)", "by_country", ("code", "labels", "terms")),
        (
            "New labels and terms by month created",
            "growth",
            ("month", "labels", "terms", "cumulative_labels"),
        ),
    )
    for title, key, columns in sections:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, justify="left" if column in columns[:1] else "right")
        for row in numbers[key]:
            table.add_row(*("" if row.get(c) is None else str(row[c]) for c in columns))
        out.print(table)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default: $KP_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: $KP_PORT or 8000).")] = None,
    store: StoreOption = None,
    query_timeout: Annotated[
        float | None, typer.Option(help="Seconds before a SPARQL query is cancelled (default 30).")
    ] = None,
    row_cap: Annotated[int | None, typer.Option(help="Most rows one query answers (default 10,000).")] = None,
    base: Annotated[
        str | None, typer.Option(help="Canonical base URI (default https://w3id.org/drugkp/).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="SPARQL worker processes (default 2).")] = None,
    lookup_processes: Annotated[
        int | None,
        typer.Option(
            help="Processes beside the main one answering anonymous SPARQL lookups by URI (default 2)."
        ),
    ] = None,
) -> None:
    """Run the HTTP server (SPARQL endpoint, pages); loads the seed into a new store first."""
    from dataclasses import replace

    import uvicorn

    from server.app import create_app

    settings = settings_for(store)
    if base is not None and not base.endswith("/"):
        base += "/"
    changes: dict[str, Any] = {
        "host": host,
        "port": port,
        "query_timeout": query_timeout,
        "row_cap": row_cap,
        "base": base,
        "query_workers": workers,
        "lookup_processes": lookup_processes,
    }
    settings = replace(settings, **{k: v for k, v in changes.items() if v is not None})
    from server import frontdoor

    listener = None
    if settings.lookup_processes > 0:
        try:  # before loading anything: a port in use is said at once
            listener = frontdoor.listen(settings.host, settings.port)
        except OSError as exc:
            raise fail(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    try:
        application = create_app(settings)
    except KpError as exc:
        raise fail(str(exc)) from None
    from server.fastpath import FastPath

    if listener is None:
        err.print(
            f"serving {settings.store_path} on http://{settings.host}:{settings.port}/", highlight=False
        )
        uvicorn.run(
            FastPath(application),
            host=settings.host,
            port=settings.port,
            log_level="warning",
            server_header=False,
        )
        return
    err.print(
        f"serving {settings.store_path} on http://{settings.host}:{settings.port}/"
        f" ({settings.lookup_processes} lookup processes)",
        highlight=False,
    )
    frontdoor.serve(FastPath(application), settings, listener)


cli_match.register(app)

from server.cli_mappings import import_skos as _import_skos  # noqa: E402
from server.cli_mappings import mappings as _mappings  # noqa: E402
from server.cli_release import release as _release  # noqa: E402

app.command()(_release)
app.command("import-skos")(_import_skos)
app.add_typer(_mappings, name="mappings")


def main() -> None:
    try:
        app()
    except KpError as exc:  # a last net: domain errors never end in a traceback
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(EXIT_ERROR)


from server import cli_contrib, cli_tokens  # noqa: E402  (sub-commands register on the app above)

app.add_typer(cli_tokens.app, name="token")
app.command()(cli_contrib.contribute)

if __name__ == "__main__":
    main()
