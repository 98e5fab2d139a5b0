"""What changed between two releases of one package: concepts and labels
added, removed, changed and deprecated, labels per language; and the
changelog written from it.

A release is compared through its dataset (the package's TriG file): the
concepts are the drug terms and substances, a concept or label "changed"
when the triples about it differ, and "deprecated" when it is deprecated now
and was not before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from server.lexicon import Entry, Lexicon
from server.namespaces import PREFIXES
from server.views import short

RDF_TYPE = PREFIXES["rdf"] + "type"
CONCEPT_CLASSES = {PREFIXES["kp"] + "DrugTerm", PREFIXES["kp"] + "Substance"}
DEPRECATED = PREFIXES["owl"] + "deprecated"


@dataclass
class Snapshot:
    """The parts of a release that a diff compares."""

    concepts: dict[str, set[str]] = field(default_factory=dict)  # IRI → its triples (N-Triples lines)
    deprecated: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)  # IRI → English (or any) preferred name
    labels: dict[str, Entry] = field(default_factory=dict)  # label IRI → entry
    label_triples: dict[str, set[str]] = field(default_factory=dict)


def snapshot(triples: Iterable[ox.Triple], lexicon: Lexicon) -> Snapshot:
    by_subject: dict[str, set[ox.Triple]] = defaultdict(set)
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            by_subject[t.subject.value].add(t)
    snap = Snapshot()
    for iri, own in by_subject.items():
        types = {
            t.object.value
            for t in own
            if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)
        }
        if types & CONCEPT_CLASSES:
            snap.concepts[iri] = {str(t) for t in own}
            if any(
                t.predicate.value == DEPRECATED
                and isinstance(t.object, ox.Literal)
                and t.object.value in ("true", "1")
                for t in own
            ):
                snap.deprecated.add(iri)
    for entry in lexicon.entries:
        if entry.kind == "pref" and entry.lang in ("en", "zxx", ""):
            snap.names.setdefault(entry.concept, entry.form)
        if entry.label is not None:
            snap.labels[entry.label] = entry
            snap.label_triples[entry.label] = {str(t) for t in by_subject.get(entry.label, ())}
    for entry in lexicon.entries:
        if entry.kind == "pref":
            snap.names.setdefault(entry.concept, entry.form)
    return snap


def _predicates(old: set[str], new: set[str]) -> list[str]:
    """The properties whose values differ (short names), from N-Triples lines."""
    changed = old ^ new
    names = set()
    for line in changed:
        parts = line.split(" ", 2)
        if len(parts) > 1:
            names.add(short(parts[1].strip("<>")))
    return sorted(names)


def diff(old: Snapshot | None, new: Snapshot) -> dict[str, Any]:
    """The machine-readable difference; ``old`` None for a first release (everything added)."""
    before = old or Snapshot()

    def concept(iri: str, snap: Snapshot) -> dict[str, Any]:
        return {"iri": iri, "name": snap.names.get(iri, iri.rsplit("/", 1)[-1])}

    concepts: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": [], "deprecated": []}
    for iri in sorted(new.concepts.keys() - before.concepts.keys()):
        concepts["added"].append(concept(iri, new))
    for iri in sorted(before.concepts.keys() - new.concepts.keys()):
        concepts["removed"].append(concept(iri, before))
    for iri in sorted(new.concepts.keys() & before.concepts.keys()):
        if new.concepts[iri] != before.concepts[iri]:
            concepts["changed"].append(
                {**concept(iri, new), "properties": _predicates(before.concepts[iri], new.concepts[iri])}
            )
    for iri in sorted(new.deprecated - before.deprecated):
        concepts["deprecated"].append(concept(iri, new))

    labels: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"added": [], "removed": [], "changed": [], "deprecated": []}
    )

    def label(entry: Entry) -> dict[str, Any]:
        return {"label": entry.label, "form": entry.form, "kind": entry.kind, "concept": entry.concept}

    for iri in sorted(new.labels.keys() - before.labels.keys()):
        labels[new.labels[iri].lang]["added"].append(label(new.labels[iri]))
    for iri in sorted(before.labels.keys() - new.labels.keys()):
        labels[before.labels[iri].lang]["removed"].append(label(before.labels[iri]))
    for iri in sorted(new.labels.keys() & before.labels.keys()):
        entry, was = new.labels[iri], before.labels[iri]
        properties = _predicates(before.label_triples[iri], new.label_triples[iri])
        if entry.kind != was.kind:
            properties.append(f"kind ({was.kind} → {entry.kind})")
        if entry.concept != was.concept:
            properties.append("concept")
        if properties:
            labels[entry.lang]["changed"].append({**label(entry), "properties": sorted(properties)})
        if entry.deprecated and not was.deprecated:
            labels[entry.lang]["deprecated"].append(label(entry))
    summary = {key: len(items) for key, items in concepts.items()}
    by_language = {
        lang: {key: len(items) for key, items in found.items()} for lang, found in sorted(labels.items())
    }
    return {
        "concepts": concepts,
        "labels": {lang: labels[lang] for lang in sorted(labels)},
        "summary": {"concepts": summary, "labels_by_language": by_language},
    }


def changelog(version: str, previous: str | None, issued: str, package: str, changes: dict[str, Any]) -> str:
    """A Markdown changelog of one package, for people."""
    lines = [f"# Drug-term Knowledge Package {version} ({package} package)", "", f"Issued {issued}."]
    if previous is None:
        lines += ["", "First release: everything below is new.", ""]
    else:
        lines += ["", f"Changes since {previous}.", ""]
    concepts = changes["concepts"]
    lines.append("## Concepts")
    lines.append("")
    for key in ("added", "changed", "deprecated", "removed"):
        items = concepts[key]
        lines.append(f"* {key}: {len(items)}")
    for key in ("added", "changed", "deprecated", "removed"):
        items = concepts[key]
        if not items or (previous is None and key == "added"):
            continue
        lines += ["", f"### {key.capitalize()}", ""]
        for item in items:
            extra = f" ({', '.join(item['properties'])})" if item.get("properties") else ""
            lines.append(f"* {_md(item['name'])} — <{item['iri']}>{extra}")
    lines += ["", "## Labels by language", ""]
    by_language = changes["summary"]["labels_by_language"]
    if not by_language:
        lines.append("No label changed.")
    else:
        lines.append("| language | added | changed | deprecated | removed |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
        for lang, counts in by_language.items():
            lines.append(
                f"| {lang or 'none'} | {counts['added']} | {counts['changed']} | {counts['deprecated']} | {counts['removed']} |"
            )
    lines += ["", "The machine-readable diff is `changes.json` in the same folder.", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    """Labels are data: keep Markdown from reading them as markup."""
    escaped = "".join("\\" + c if c in "\\`*_[]|<>" else c for c in text)
    return "\\" + escaped if escaped[:1] in ("#", "+", "-", "!") else escaped
