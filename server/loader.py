"""Build the store from ``ontology/``, ``vocab/`` and ``shapes/``.

One named graph per file, named after the file's path. Loading is
idempotent: a graph is replaced, never appended to, and graphs of files that
no longer exist are dropped. Everything is parsed (and, unless told otherwise,
validated) before anything is written, so a bad file leaves the store as it
was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from server import formats, rdfio
from server.config import Settings
from server.errors import InvalidData, KpError
from server.namespaces import HANDLING_LEVELS, KP, handling_iri
from server.store import EmbeddedStore, GraphInfo, now_iso
from server.validation import Finding, Report, Validator

#: Folders below vocab/ whose files hold material above TLP:CLEAR.
LEVEL_FOLDERS = {"green": "tlp-green", "amber": "tlp-amber"}
#: Folders that hold sources for generated files, not data.
SKIPPED_FOLDERS = {"source"}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    relpath: str  # as recorded in the metadata graph
    graph: str
    handling: str
    kind: str  # ontology | shapes | vocab | file


@dataclass
class LoadResult:
    loaded: list[GraphInfo] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    report: Report | None = None


Progress = Callable[[str, SourceFile | None], None]


def graph_iri(settings: Settings, relpath: str) -> str:
    stem = relpath
    for suffix in (formats.SSSOM_SUFFIX, *[e for f in formats.FORMATS for e in f.extensions]):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return f"{settings.base}graph/{stem}"


def meta_graph(settings: Settings) -> str:
    return f"{settings.base}graph/meta"


def handling_for(relpath: str) -> str:
    parts = Path(relpath).parts
    for folder, level in LEVEL_FOLDERS.items():
        if folder in parts[1:-1]:
            return level
    return "tlp-clear"


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, and data files inside folders named (sorted, recursive)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel_parts = child.relative_to(path).parts
                if child.is_file() and formats.is_data_file(child) and not SKIPPED_FOLDERS & set(rel_parts):
                    found.append(child)
        else:
            found.append(path)
    return found


def default_sources(settings: Settings) -> list[SourceFile]:
    sources = []
    for kind, folder in (
        ("ontology", settings.ontology_dir),
        ("vocab", settings.vocab_dir),
        ("shapes", settings.shapes_dir),
    ):
        for path in expand([folder]):
            rel = path.relative_to(settings.data_root).as_posix()
            sources.append(SourceFile(path, rel, graph_iri(settings, rel), handling_for(rel), kind))
    return sources


def explicit_sources(settings: Settings, paths: Iterable[Path]) -> list[SourceFile]:
    sources = []
    root = settings.data_root.resolve()
    for path in expand(paths):
        resolved = path.resolve()
        if resolved.is_relative_to(root):
            rel = resolved.relative_to(root).as_posix()
            kind = rel.split("/", 1)[0] if rel.split("/", 1)[0] in ("ontology", "vocab", "shapes") else "file"
        else:
            rel = f"file/{path.name}"
            kind = "file"
        sources.append(SourceFile(path, rel, graph_iri(settings, rel), handling_for(rel), kind))
    return sources


def check_handling(parsed: dict[SourceFile, list[ox.Quad]]) -> list[Finding]:
    """A label marked above its file's level would leak to readers of that file's level."""
    handling = ox.NamedNode(str(KP.handling))
    problems = []
    for source, quads in parsed.items():
        expected = handling_iri(source.handling)
        for quad in quads:
            subject = quad.subject
            if quad.predicate == handling and isinstance(quad.object, ox.NamedNode):
                level = quad.object.value
                focus = subject.value if isinstance(subject, ox.NamedNode | ox.BlankNode) else str(subject)
                if level != expected and level in {handling_iri(h) for h in HANDLING_LEVELS}:
                    problems.append(
                        Finding(
                            severity="Violation",
                            message=f"marked {level.rsplit('/', 1)[-1]} but stored in a {source.handling} file "
                            f"({source.relpath}); move it to the folder of its level",
                            check="handling",
                            focus=focus,
                            concept=focus,
                            path="kp:handling",
                        )
                    )
    return problems


def load(
    settings: Settings,
    store: EmbeddedStore,
    paths: list[Path] | None = None,
    validate: bool = True,
    progress: Progress | None = None,
) -> LoadResult:
    """Parse, validate and write sources; the store is untouched if any step fails."""
    say = progress or (lambda _msg, _src: None)
    sources = default_sources(settings) if paths is None else explicit_sources(settings, paths)
    if not sources:
        raise KpError("nothing to load: no RDF files found")
    result = LoadResult()
    parsed: dict[SourceFile, list[ox.Quad]] = {}
    # Streaming bulk load for trusted large files; everything else is parsed up front.
    stream = not validate
    if not stream:
        for source in sources:
            say("parse", source)
            parsed[source] = rdfio.parse_path(source.path)
        say("validate", None)
        data_sources = [s for s in sources if s.kind not in ("ontology", "shapes")]
        validator = Validator(settings)
        data = rdfio.to_rdflib(q for s in data_sources for q in parsed[s])
        report = validator.validate(data, sources=[s.relpath for s in data_sources])
        report.findings.extend(check_handling(parsed))
        result.report = report
        if not report.conforms:
            raise InvalidData(f"{report.count('Violation')} violation(s): nothing was loaded", report)
    else:
        for source in sources:
            if source.path.name.lower().endswith(formats.SSSOM_SUFFIX):
                say("parse", source)
                parsed[source] = rdfio.parse_path(source.path)
            else:
                formats.for_path(source.path)  # fail early on an unknown extension
            if not source.path.is_file():
                raise KpError(f"{source.path}: no such file")

    meta = meta_graph(settings)
    for source in sources:
        say("write", source)
        if source in parsed:
            store.replace_graph(source.graph, parsed[source])
            triples = len(parsed[source])
        else:
            store.bulk_replace_graph(source.graph, source.path, formats.for_path(source.path))
            triples = -1
        info = GraphInfo(source.graph, source.relpath, source.handling, triples, now_iso(), source.kind)
        if triples < 0:
            counted = store.count_graph(source.graph)
            info = GraphInfo(info.iri, info.source, info.handling, counted, info.modified, info.kind)
        store.record_graph(meta, info)
        result.loaded.append(info)
    if paths is None:
        current = {s.graph for s in sources}
        for info in store.graph_infos(meta):
            if info.kind in ("ontology", "vocab", "shapes") and info.iri not in current:
                store.forget_graph(meta, info.iri)
                result.dropped.append(info.source)
    store.flush()
    say("done", None)
    return result
