"""Exports of one handling level: RDF dumps, label tables, word lists.

Everything here reads what a reader of one level may see (the published
graphs of the levels it is cleared for) and writes it with a library:
pyoxigraph for RDF, :mod:`csv` and openpyxl for tables. Nothing imports
FastAPI; the release builder and the ``/dump.*`` routes both call it.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from openpyxl import Workbook, load_workbook

from server import formats, lexicon, queries
from server.errors import KpError
from server.lexicon import Lexicon
from server.namespaces import PREFIXES
from server.store import EmbeddedStore, GraphInfo, published_graphs

#: Audience packages of a release and the handling level each may see.
PACKAGES: dict[str, str] = {"public": "tlp-clear", "partner": "tlp-green", "law-enforcement": "tlp-amber"}

#: The RDF formats of a dump, by file extension.
DUMP_FORMATS: dict[str, str] = {
    "ttl": "turtle",
    "nt": "ntriples",
    "rdf": "rdfxml",
    "jsonld": "jsonld",
    "trig": "trig",
}

#: Columns of the per-language label tables; the first eight are the issue's.
COLUMNS: tuple[str, ...] = (
    "term",
    "language",
    "type",
    "concept",
    "substances",
    "ambiguity",
    "benign_meaning",
    "notes",
    "kind",
    "label",
    "substance_uris",
    "needs_other_signal",
    "handling",
    "deprecated",
    "replaced_by",
    "definition",
)

#: A cell starting with one of these is a formula (or becomes one) in
#: spreadsheet programs: OWASP "CSV Injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LANG_FILE = re.compile(r"^[A-Za-z0-9-]{1,35}$")


def neutralise(cell: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restore(cell: str) -> str:
    """Undo :func:`neutralise` (for consumers that want the label as written)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


# ---------------------------------------------------------------- level data
@dataclass
class LevelData:
    """The published graphs one handling level may see, copied into memory."""

    level: str
    graphs: list[GraphInfo]
    store: EmbeddedStore

    def quads(self) -> list[ox.Quad]:
        """Every quad, sorted so that files are the same for the same content."""
        return sorted(self.store.all_quads(), key=str)

    def triples(self) -> list[ox.Triple]:
        """The union of the graphs as one graph (a triple in two graphs once)."""
        unique = {ox.Triple(q.subject, q.predicate, q.object) for q in self.store.all_quads()}
        return sorted(unique, key=str)


def level_data(store: EmbeddedStore, meta_graph: str, level: str) -> LevelData:
    infos = published_graphs(store.graph_infos(meta_graph), level)
    if not infos:
        raise KpError("the store holds no published graphs; run `kp load` first")
    copy = EmbeddedStore(None)
    for info in infos:
        copy.replace_graph(info.iri, store.graph_quads(info.iri))
    return LevelData(level, infos, copy)


def graph_data(store: EmbeddedStore, meta_graph: str, kind: str) -> list[ox.Triple]:
    """The triples of every graph of one kind (``ontology``, ``shapes``)."""
    infos = [i for i in store.graph_infos(meta_graph) if i.kind == kind]
    unique = {
        ox.Triple(q.subject, q.predicate, q.object) for info in infos for q in store.graph_quads(info.iri)
    }
    return sorted(unique, key=str)


# ----------------------------------------------------------------- RDF dumps
def serialize(data: Iterable[ox.Quad] | Iterable[ox.Triple], fmt: formats.Format, output: IO[bytes]) -> None:
    """Write RDF with pyoxigraph; datasets formats keep the graph names."""
    ox.serialize(data, output, fmt.rdf_format, prefixes=PREFIXES)


def write_dump(data: LevelData, ext: str, path: Path) -> None:
    fmt = formats.by_name(DUMP_FORMATS[ext])
    with path.open("wb") as output:
        serialize(data.quads() if fmt.datasets else data.triples(), fmt, output)


def write_triples(triples: list[ox.Triple], path: Path) -> None:
    with path.open("wb") as output:
        serialize(triples, formats.for_path(path), output)


def stream_unique(reader: EmbeddedStore, datasets: bool) -> Iterator[ox.Quad] | Iterator[ox.Triple]:
    """The content of a level snapshot for a streamed dump: quads, or each triple once."""
    if datasets:
        return reader.all_quads()

    def triples() -> Iterator[ox.Triple]:
        seen: set[ox.Triple] = set()
        for quad in reader.all_quads():
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            if triple not in seen:
                seen.add(triple)
                yield triple

    return triples()


def context_document() -> dict[str, object]:
    """A JSON-LD context with the project's prefixes, for compacting the dumps locally."""
    return {"@context": dict(sorted(PREFIXES.items()))}


# --------------------------------------------------------------- label rows
def _code(iri: str | None) -> str:
    return iri.rsplit("/", 1)[-1] if iri else ""


def label_rows(data: LevelData) -> dict[str, list[dict[str, str]]]:
    """One row per SKOS-XL label of a drug term, grouped by language tag."""
    lex: Lexicon = lexicon.build(data.store, data.level)
    benign: dict[str, set[str]] = defaultdict(set)
    notes: dict[str, set[str]] = defaultdict(set)
    for row in data.store.select(queries.EXPORT_LABEL_DETAILS, None):
        node, value, kind = row["label"], row["value"], row["what"]
        if node is None or not isinstance(value, ox.Literal) or kind is None:
            continue
        (benign if kind.value == "benign" else notes)[node.value].add(value.value)
    definitions: dict[str, dict[str, str]] = defaultdict(dict)
    for row in data.store.select(queries.EXPORT_DEFINITIONS, None):
        concept, text = row["concept"], row["definition"]
        if concept is not None and isinstance(text, ox.Literal):
            definitions[concept.value].setdefault(text.language or "", text.value)
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for entry in lex.term_entries():
        label = entry.label or ""
        own = definitions.get(entry.concept, {})
        definition = own.get(entry.lang) or own.get("en") or next(iter(sorted(own.values())), "")
        rows[entry.lang or "und"].append(
            {
                "term": entry.form,
                "language": entry.lang,
                "type": _code(entry.term_type),
                "concept": entry.concept,
                "substances": "; ".join(lex.substance_name(s) for s in entry.substances),
                "ambiguity": entry.ambiguity or "",
                "benign_meaning": "; ".join(sorted(benign.get(label, ()))),
                "notes": "; ".join(sorted(notes.get(label, ()))),
                "kind": entry.kind,
                "label": label,
                "substance_uris": " ".join(entry.substances),
                "needs_other_signal": "true" if entry.needs_other_signal else "false",
                "handling": entry.handling,
                "deprecated": "true" if entry.deprecated else "false",
                "replaced_by": entry.replaced_by or "",
                "definition": definition,
            }
        )
    for found in rows.values():
        found.sort(key=lambda r: (r["term"].casefold(), r["term"], r["concept"], r["label"]))
    return dict(sorted(rows.items()))


def language_file_stem(lang: str) -> str:
    """A file name for a language tag (BCP 47 tags are letters, digits and hyphens)."""
    if not LANG_FILE.match(lang):
        raise KpError(f"language tag {lang!r} cannot name a file")
    return lang.lower()


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([neutralise(row[c]) for c in COLUMNS])


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a label table, formula protection undone."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: restore(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def write_xlsx(rows: list[dict[str, str]], path: Path, title: str) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "labels")
    sheet.append(list(COLUMNS))
    for row in rows:
        # Every cell is text: a neutralised string never starts with "=", so
        # openpyxl stores it as a string, not as a formula.
        sheet.append([neutralise(row[c]) for c in COLUMNS])
    book.save(str(path))


def read_xlsx(path: Path) -> list[dict[str, str]]:
    book = load_workbook(str(path), read_only=True)
    sheet = book.worksheets[0]
    values = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    header, body = values[0], values[1:]
    return [{k: restore(v) for k, v in zip(header, row, strict=True)} for row in body]


def word_list(rows: list[dict[str, str]]) -> list[str]:
    """The distinct labels of current (not deprecated) terms, one per line."""
    words = {" ".join(r["term"].split()) for r in rows if r["deprecated"] == "false"}
    return sorted((w for w in words if w), key=lambda w: (w.casefold(), w))


def write_word_list(rows: list[dict[str, str]], path: Path) -> None:
    path.write_text("".join(w + "\n" for w in word_list(rows)), encoding="utf-8")


def json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")
