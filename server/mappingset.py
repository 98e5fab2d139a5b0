"""The mapping set of a release as SSSOM (TSV with its metadata, and the
metadata alone as YAML), from the mapping triples a handling level may see.

The store holds mappings as SKOS triples; the SSSOM files they were loaded
from (``vocab/mappings/*.sssom.tsv``) add what triples cannot carry: the
justification, author and comment of each record. A mapping that came from
elsewhere (a Turtle file, a contribution) is written with the justification
``semapv:UnspecifiedMatching`` and says where it came from.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from server import queries, rdfio
from server.errors import KpError
from server.namespaces import PREFIXES
from server.store import EmbeddedStore, GraphInfo

COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_label",
    "comment",
)
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
UNSPECIFIED = "semapv:UnspecifiedMatching"


@dataclass
class MappingSet:
    meta: dict[str, Any]
    rows: list[dict[str, str]] = field(default_factory=list)
    columns: tuple[str, ...] = COLUMNS

    def tsv(self) -> str:
        """The SSSOM TSV: the metadata block as ``#``-prefixed YAML, then the table."""
        header = "".join(f"#{line}\n" for line in self.yaml().splitlines())
        body = io.StringIO()
        writer = csv.writer(body, delimiter="\t", lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_cell(row.get(c, "")) for c in self.columns])
        return header + body.getvalue()

    def yaml(self) -> str:
        return yaml.safe_dump(self.meta, sort_keys=False, allow_unicode=True, width=1000)


def _cell(value: str) -> str:
    # A tab or line break inside a value would break the table.
    return " ".join(value.split())


class Curies:
    """Compacts IRIs with known prefixes, inventing ``ns1``... for unknown namespaces."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self.used: dict[str, str] = {}

    def compact(self, iri: str) -> str:
        best = max(
            ((p, ns) for p, ns in self.prefixes.items() if iri.startswith(ns) and len(iri) > len(ns)),
            key=lambda item: len(item[1]),
            default=None,
        )
        if best is None:
            cut = max(iri.rfind("/"), iri.rfind("#"), iri.rfind("="))
            if cut <= 0 or cut == len(iri) - 1:
                raise KpError(f"cannot write {iri} as a CURIE")
            namespace = iri[: cut + 1]
            name = f"ns{sum(1 for p in self.prefixes if p.startswith('ns')) + 1}"
            self.prefixes[name] = namespace
            best = (name, namespace)
        prefix, namespace = best
        self.used[prefix] = namespace
        return f"{prefix}:{iri[len(namespace) :]}"


def _curated(
    data_root: Path, sources: list[GraphInfo]
) -> tuple[dict[tuple[str, str, str], dict[str, str]], dict[str, str]]:
    """Records of the SSSOM files the store was loaded from, by expanded (s, p, o)."""
    records: dict[tuple[str, str, str], dict[str, str]] = {}
    prefixes: dict[str, str] = {}
    for info in sources:
        path = data_root / info.source
        if not info.source.lower().endswith(".sssom.tsv") or not path.is_file():
            continue
        table = rdfio.read_sssom_table(path)
        prefixes.update(table.prefixes)
        for row in table.rows:
            key = tuple(
                rdfio.expand_curie(row[c], table.prefixes)
                for c in ("subject_id", "predicate_id", "object_id")
            )
            records[(key[0], key[1], key[2])] = row
    return records, prefixes


def build(
    store: EmbeddedStore,
    graphs: list[GraphInfo],
    data_root: Path,
    *,
    mapping_set_id: str,
    version: str,
    issued: str,
    description: str,
) -> MappingSet:
    """The mapping set of a level: every SKOS mapping triple in ``store`` (a level copy)."""
    records, file_prefixes = _curated(data_root, graphs)
    prefixes = {**rdfio.SSSOM_BUILTIN_PREFIXES, **file_prefixes}
    for name in ("kpsub", "kpterm", "kpscheme"):
        prefixes[name] = PREFIXES[name]
    curies = Curies(prefixes)
    rows = []
    for found in store.select(queries.EXPORT_MAPPINGS, None):
        subject, predicate, obj, label = (
            found["subject"],
            found["predicate"],
            found["object"],
            found["subjectLabel"],
        )
        if not isinstance(subject, ox.NamedNode) or not isinstance(obj, ox.NamedNode) or predicate is None:
            continue  # mappings are between named resources
        record = records.get((subject.value, predicate.value, obj.value))
        rows.append(
            {
                "subject_id": curies.compact(subject.value),
                "subject_label": label.value if isinstance(label, ox.Literal) else "",
                "predicate_id": curies.compact(predicate.value),
                "object_id": curies.compact(obj.value),
                "object_label": (record or {}).get("object_label") or "",
                "mapping_justification": (record or {}).get("mapping_justification") or UNSPECIFIED,
                "confidence": (record or {}).get("confidence") or "",
                "author_label": (record or {}).get("author_label") or "Drug-term Knowledge Package editors",
                "comment": (record or {}).get("comment")
                or "asserted in the vocabulary without an SSSOM record; awaiting curation",
            }
        )
    curies.compact(PREFIXES["skos"] + "exactMatch")  # skos and semapv are always used
    curies.used.setdefault("semapv", rdfio.SSSOM_BUILTIN_PREFIXES["semapv"])
    meta: dict[str, Any] = {
        "curie_map": dict(sorted(curies.used.items())),
        "mapping_set_id": mapping_set_id,
        "mapping_set_version": version,
        "mapping_set_title": "Drug-term Knowledge Package mappings",
        "mapping_set_description": description,
        "license": LICENSE,
        "creator_label": ["Drug-term Knowledge Package editors"],
        "mapping_date": issued,
        "publication_date": issued,
    }
    return MappingSet(meta, rows)
