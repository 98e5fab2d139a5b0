"""Validate vocabulary data against the SHACL shapes and skosify's SKOS checks.

The data to check is parsed first (``server.rdfio``), then validated as an
rdflib graph merged with the *context* the shapes need to see: the ontology
(class hierarchy), the controlled schemes and the substances. Only the nodes
of the checked data are focus nodes, so the context is read, not re-checked.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS
from rdflib.term import Node

from server import rdfio
from server.config import Settings
from server.namespaces import PREFIXES, SH, SHAPES, SKOSXL

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
XL_LINKS = (SKOSXL.prefLabel, SKOSXL.altLabel, SKOSXL.hiddenLabel)


@dataclass(frozen=True)
class Finding:
    """One problem, located as precisely as the data allows."""

    severity: str
    message: str
    check: str  # "shacl" or "skosify"
    focus: str | None = None
    concept: str | None = None
    concept_label: str | None = None
    label: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    component: str | None = None
    row: int | None = None  # for tables: the spreadsheet row (header = 1)
    column: str | None = None  # for tables: the column's header


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    triples: int = 0

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "Violation" for f in self.findings)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "sources": self.sources,
            "triples": self.triples,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "findings": [asdict(f) for f in self.sorted()],
        }

    def sorted(self) -> list[Finding]:
        return sorted(
            self.findings,
            key=lambda f: (
                f.concept or f.focus or "",
                SEVERITY_ORDER.get(f.severity, 9),
                f.path or "",
                f.message,
            ),
        )

    def by_concept(self) -> dict[str, list[Finding]]:
        groups: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.sorted():
            groups[finding.concept or finding.focus or "(vocabulary)"].append(finding)
        return dict(groups)


def short(iri: str) -> str:
    """A CURIE for well-known namespaces, else the IRI in angle brackets."""
    for prefix, ns in sorted({**PREFIXES, "shapes": str(SHAPES)}.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and re.fullmatch(r"[\w.\-]*", iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def load_graph(paths: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        rdfio.to_rdflib(rdfio.parse_path(path), graph)
    return graph


def context_paths(settings: Settings) -> list[Path]:
    """The files validation always sees besides the data: model and reference data."""
    vocab = settings.vocab_dir
    paths = sorted(settings.ontology_dir.glob("*.ttl"))
    paths += sorted((vocab / "schemes").glob("*.ttl"))
    paths += [p for p in (vocab / "sources.ttl", vocab / "substances.ttl") if p.exists()]
    return paths


def shapes_graph(settings: Settings) -> Graph:
    return load_graph(sorted(settings.shapes_dir.glob("*.ttl")))


class Validator:
    """Holds the parsed shapes and context so that repeated checks are cheap."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.shapes = shapes_graph(settings)
        self.context = load_graph(context_paths(settings))

    def validate(self, data: Graph, sources: list[str] | None = None, skos_checks: bool = True) -> Report:
        """Validate ``data``; the context is added to it in place."""
        import pyshacl  # imported here: it is slow to import and `kp load --no-validate` skips it

        triples = len(data)
        # The (small) context is added to the caller's graph rather than both
        # being copied into a new one: copying a large upload costs seconds.
        merged = data
        for triple in self.context:
            merged.add(triple)
        # The whole merged graph is validated: pySHACL's focus_nodes option
        # applies every shape to every node given, which is far slower.
        report = Report(sources=list(sources or []), triples=triples)
        if triples:
            _conforms, results, _text = pyshacl.validate(
                merged,
                shacl_graph=self.shapes,
                inference="none",
                allow_warnings=True,
                inplace=True,
                advanced=True,  # SPARQL targets (SHACL-AF) keep whole-graph checks to one query
            )
            report.findings.extend(shacl_findings(results, merged))
        if skos_checks:
            report.findings.extend(skosify_findings(data))
        return report


def _text(graph: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return f"{node}@{node.language}" if node.language else str(node)
    if isinstance(node, URIRef):
        return short(str(node))
    return str(node)


def render_path(graph: Graph, path: Node | None) -> str | None:
    """Turn a SHACL property path (possibly a blank-node structure) into text."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return short(str(path))
    if graph.value(path, RDF.first) is not None:  # a sequence path: an RDF list
        from rdflib.collection import Collection

        return "/".join(render_path(graph, p) or "?" for p in Collection(graph, path))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        from rdflib.collection import Collection

        return "|".join(render_path(graph, p) or "?" for p in Collection(graph, alternatives))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (render_path(graph, inverse) or "?")
    return str(path)


def concept_of(data: Graph, focus: Node) -> tuple[Node | None, str | None]:
    """The concept a focus node belongs to, and the label text when it is a label."""
    if (focus, RDF.type, SKOSXL.Label) in data:
        form = data.value(focus, SKOSXL.literalForm)
        for link in XL_LINKS:
            concept = data.value(predicate=link, object=focus)
            if concept is not None:
                return concept, _text(data, form)
        return None, _text(data, form)
    return focus, None


def display_label(data: Graph, concept: Node | None) -> str | None:
    if concept is None:
        return None
    labels = list(data.objects(concept, SKOS.prefLabel))
    for label in labels:
        if isinstance(label, Literal) and label.language == "en":
            return str(label)
    return str(labels[0]) if labels else None


def shacl_findings(results: Graph, data: Graph) -> list[Finding]:
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        concept, label = concept_of(data, focus) if focus is not None else (None, None)
        severity = results.value(result, SH.resultSeverity)
        component = results.value(result, SH.sourceConstraintComponent)
        shape = results.value(result, SH.sourceShape)
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                message=str(results.value(result, SH.resultMessage) or "constraint not met"),
                check="shacl",
                focus=str(focus) if focus is not None else None,
                concept=str(concept) if concept is not None else None,
                concept_label=display_label(data, concept),
                label=label,
                path=render_path(results, results.value(result, SH.resultPath)),
                value=_text(results, results.value(result, SH.value)),
                shape=str(shape) if isinstance(shape, URIRef) else None,
                component=str(component).rsplit("#", 1)[-1] if component else None,
            )
        )
    return findings


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured_root_log() -> Iterator[_Collect]:
    """skosify reports through the root logger; collect what it says."""
    root = logging.getLogger()
    handler = _Collect()
    old_level, old_handlers = root.level, root.handlers[:]
    root.handlers = [handler]
    root.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        root.handlers = old_handlers
        root.setLevel(old_level)


def skosify_findings(data: Graph) -> list[Finding]:
    """Run skosify's SKOS quality checks (without fixing anything)."""
    from skosify import check

    with _captured_root_log() as log:
        check.hierarchy_cycles(data, fix=False)
        check.disjoint_relations(data, fix=False)
        check.hierarchical_redundancy(data, fix=False)
        # skosify 2.3 rejects its own "all" policy; "shortest" reports the same
        # problems but moves labels, so it runs on a copy.
        copy = Graph()
        for triple in data:
            copy.add(triple)
        check.preflabel_uniqueness(copy, policy="shortest")
        check.label_overlap(data, fix=False)
    findings = []
    iri = re.compile(r"(https?://\S+?)(?=[,\s]|$)")
    for message in log.messages:
        match = iri.search(message)
        focus = match.group(1) if match else None
        concept_label = display_label(data, URIRef(focus)) if focus else None
        findings.append(
            Finding(
                severity="Warning",
                message=f"skosify: {message}",
                check="skosify",
                focus=focus,
                concept=focus,
                concept_label=concept_label,
            )
        )
    # Concepts without any label are invisible to SKOS clients.
    for concept in data.subjects(RDF.type, SKOS.Concept):
        if (
            data.value(concept, SKOS.prefLabel) is None
            and (concept, RDF.type, SKOS.ConceptScheme) not in data
        ):
            findings.append(
                Finding(
                    severity="Warning",
                    message="skos: concept has no skos:prefLabel in any language",
                    check="skosify",
                    focus=str(concept),
                    concept=str(concept),
                )
            )
    return findings


def render_text(report: Report, limit: int | None = None) -> str:
    """A report a person can read: findings grouped by concept."""
    lines: list[str] = []
    shown = 0
    for concept, findings in report.by_concept().items():
        if limit is not None and shown >= limit:
            break
        name = findings[0].concept_label
        lines.append(
            f"{short(concept) if concept.startswith('http') else concept}" + (f"  ({name})" if name else "")
        )
        for f in findings:
            where = ", ".join(
                part
                for part in (
                    f"label {f.label}" if f.label else "",
                    f"path {f.path}" if f.path else "",
                    f"value {f.value}" if f.value else "",
                )
                if part
            )
            rule = short(f.shape) if f.shape else f.check
            component = (f.component or "").removesuffix("ConstraintComponent")
            shape = f"  [{rule}{' ' + component if component else ''}]"
            lines.append(f"  {f.severity}: {f.message}" + (f"\n    {where}" if where else "") + shape)
            shown += 1
    hidden = len(report.findings) - shown
    if hidden > 0:
        lines.append(f"... and {hidden} more finding(s); use --format json for all")
    verdict = "valid" if report.conforms else "INVALID"
    lines.append(
        f"{verdict}: {report.count('Violation')} violation(s), {report.count('Warning')} warning(s) "
        f"in {report.triples} triple(s) from {len(report.sources)} file(s)"
    )
    return "\n".join(lines)


def check_shapes(shapes: Graph) -> list[str]:
    """Problems in a shapes graph itself: SHACL meta-shapes, unknown ``sh:`` terms
    (a typo such as ``sh:message:`` parses fine but is silently ignored) and
    constraints without an ``sh:message``."""
    import importlib.resources

    import pyshacl

    assets = importlib.resources.files("pyshacl") / "assets"
    problems: list[str] = []
    meta = Graph().parse(data=(assets / "shacl-shacl.ttl").read_text(encoding="utf-8"), format="turtle")
    conforms, _graph, text = pyshacl.validate(shapes, shacl_graph=meta, inference="none")
    if not conforms:
        problems.append(f"shapes fail the SHACL meta-shapes:\n{text}")
    vocabulary = Graph().parse(data=(assets / "shacl.ttl").read_text(encoding="utf-8"), format="turtle")
    known = {s for s in vocabulary.subjects() if isinstance(s, URIRef) and str(s).startswith(str(SH))}
    for s, p, o in shapes:
        for term in (p, o):
            if isinstance(term, URIRef) and str(term).startswith(str(SH)) and term not in known:
                problems.append(f"unknown SHACL term {short(str(term))} on {_text(shapes, s)}")
    parameters = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target, SH.property,
                  SH.path, SH.group, SH.order, SH.name, SH.description, SH.severity, SH.deactivated}  # fmt: skip
    declared = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    for shape in declared | set(shapes.objects(None, SH.property)):
        own = (
            {p for p in shapes.predicates(shape) if str(p).startswith(str(SH))}
            - parameters
            - {SH.message, SH.sparql}
        )
        if own and shapes.value(shape, SH.message) is None:
            problems.append(f"{_text(shapes, shape)} has constraints but no sh:message")
        for constraint in shapes.objects(shape, SH.sparql):
            if shapes.value(constraint, SH.message) is None:
                problems.append(f"a SPARQL constraint of {_text(shapes, shape)} has no sh:message")
    return problems


def render_findings(findings: list[dict[str, Any]], limit: int = 200) -> str:
    """One line per problem: where (row and column, or concept and property), then what."""
    lines = []
    for f in findings[:limit]:
        if f.get("row"):
            where = f"row {f['row']}" + (f", column {f['column']}" if f.get("column") else "")
        else:
            where = " ".join(x for x in (f.get("concept") or f.get("focus") or "", f.get("path") or "") if x)
        lines.append(f"{f['severity']}: {where or '(contribution)'}: {f['message']}")
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more")
    return "\n".join(lines)
