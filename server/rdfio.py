"""Reading RDF: parse with an explicit format, never fetch anything.

Every file and upload is parsed by pyoxigraph with the format named by its
extension or declared type. pyoxigraph is strict (IRIs, BCP 47 tags), reports
line and column, never follows ``owl:imports`` and refuses remote JSON-LD
contexts, so nothing outside the input is read. Validation needs an rdflib
graph (pySHACL works on rdflib), so :func:`to_rdflib` converts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from server import formats
from server.errors import ParseError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Prefixes an SSSOM file may use without declaring them (SSSOM built-ins).
SSSOM_BUILTIN_PREFIXES = {
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
}
SSSOM_PREDICATES = {
    "skos:exactMatch",
    "skos:closeMatch",
    "skos:broadMatch",
    "skos:narrowMatch",
    "skos:relatedMatch",
}


def _syntax_error(source: str | Path, exc: SyntaxError) -> ParseError:
    message = str(exc.msg if exc.msg else exc)
    return ParseError(source, message, exc.lineno, exc.offset)


def decode_check(data: bytes, source: str | Path) -> bytes:
    """Return UTF-8 bytes without a BOM, or fail saying where the encoding breaks."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(source, "the file is UTF-16; save it as UTF-8", 1, 1)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte-order mark, as spreadsheet tools write it
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseError(source, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line, column) from None
    return data


def parse_bytes(data: bytes | str, fmt: formats.Format, source: str | Path = "<input>") -> list[ox.Quad]:
    """Parse a document held in memory."""
    raw = decode_check(data.encode("utf-8") if isinstance(data, str) else data, source)
    try:
        return list(ox.parse(raw, fmt.rdf_format))
    except SyntaxError as exc:
        raise _syntax_error(source, exc) from None


def parse_path(path: Path) -> list[ox.Quad]:
    """Parse a file by its extension: RDF formats and SSSOM mapping sets."""
    if path.name.lower().endswith(formats.SSSOM_SUFFIX):
        return [ox.Quad(s, p, o) for s, p, o in read_sssom(path)]
    fmt = formats.for_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(path, exc.strerror or str(exc)) from None
    return parse_bytes(data, fmt, path)


@dataclass(frozen=True)
class SssomTable:
    """An SSSOM TSV file: its metadata block, prefixes and rows (as written)."""

    meta: dict[str, Any]
    prefixes: dict[str, str]
    rows: list[dict[str, str]]
    body_start: int  # index of the header line of the table


def read_sssom_table(path: Path) -> SssomTable:
    """Read an SSSOM TSV file: the YAML metadata block and the table below it."""
    try:
        text = decode_check(path.read_bytes(), path).decode("utf-8")
    except OSError as exc:
        raise ParseError(path, exc.strerror or str(exc)) from None
    lines = text.splitlines()
    header = [line[1:] for line in lines if line.startswith("#")]
    body_start = len(header)
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        raise ParseError(path, f"metadata block is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise ParseError(path, "metadata block must be a YAML mapping", 1)
    prefixes = dict(SSSOM_BUILTIN_PREFIXES)
    prefixes.update({str(k): str(v) for k, v in (meta.get("curie_map") or {}).items()})
    reader = csv.DictReader(io.StringIO("\n".join(lines[body_start:])), delimiter="\t")
    required = {"subject_id", "predicate_id", "object_id", "mapping_justification"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ParseError(path, f"missing SSSOM column(s): {', '.join(sorted(missing))}", body_start + 1)
    return SssomTable(meta, prefixes, list(reader), body_start)


def read_sssom(path: Path) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode]]:
    """Materialise an SSSOM TSV mapping set as (subject, predicate, object) triples."""
    table = read_sssom_table(path)
    prefixes = table.prefixes
    triples = []
    for number, row in enumerate(table.rows, start=table.body_start + 2):
        if row["predicate_id"] not in SSSOM_PREDICATES:
            raise ParseError(
                path, f"predicate_id {row['predicate_id']!r} is not a SKOS mapping property", number
            )
        try:
            triples.append(
                (
                    ox.NamedNode(expand_curie(row["subject_id"], prefixes)),
                    ox.NamedNode(expand_curie(row["predicate_id"], prefixes)),
                    ox.NamedNode(expand_curie(row["object_id"], prefixes)),
                )
            )
        except (KeyError, ValueError) as exc:
            raise ParseError(path, str(exc).strip("'\""), number) from None
    return triples


def expand_curie(curie: str, prefixes: dict[str, str]) -> str:
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in prefixes:
        raise KeyError(f"{curie!r} does not start with a prefix of the curie_map")
    return prefixes[prefix] + local


def to_rdflib_term(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported RDF term {term!r}")


def to_rdflib(quads: Iterable[ox.Quad], graph: Graph | None = None) -> Graph:
    """Add the triples of ``quads`` (graph names dropped) to an rdflib graph."""
    graph = Graph() if graph is None else graph
    cache: dict[object, Node] = {}

    def convert(term: object) -> Node:
        found = cache.get(term)
        if found is None:
            found = cache[term] = to_rdflib_term(term)
        return found

    graph.addN((convert(q.subject), convert(q.predicate), convert(q.object), graph) for q in quads)
    return graph
