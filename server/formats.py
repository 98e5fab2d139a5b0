"""The one table of RDF formats: names, media types, file extensions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from server.errors import UnsupportedFormat


@dataclass(frozen=True)
class Format:
    name: str
    rdf_format: RdfFormat
    media_type: str
    extensions: tuple[str, ...]
    #: True when the format carries named graphs (quads).
    datasets: bool = False


FORMATS: tuple[Format, ...] = (
    Format("turtle", RdfFormat.TURTLE, "text/turtle", (".ttl",)),
    Format("ntriples", RdfFormat.N_TRIPLES, "application/n-triples", (".nt",)),
    Format("rdfxml", RdfFormat.RDF_XML, "application/rdf+xml", (".rdf", ".owl", ".xml")),
    Format("jsonld", RdfFormat.JSON_LD, "application/ld+json", (".jsonld", ".json")),
    Format("trig", RdfFormat.TRIG, "application/trig", (".trig",), datasets=True),
    Format("nquads", RdfFormat.N_QUADS, "application/n-quads", (".nq",), datasets=True),
)

#: Mapping sets are read as SSSOM TSV and materialised as SKOS mapping triples.
SSSOM_SUFFIX = ".sssom.tsv"


def by_name(name: str) -> Format:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UnsupportedFormat(f"unknown format {name!r}; known: {', '.join(f.name for f in FORMATS)}")


def for_path(path: Path) -> Format:
    """The RDF format of a file, from its extension."""
    suffix = path.suffix.lower()
    for fmt in FORMATS:
        if suffix in fmt.extensions:
            return fmt
    known = ", ".join(ext for fmt in FORMATS for ext in fmt.extensions)
    raise UnsupportedFormat(
        f"{path}: cannot tell the RDF format from {suffix or 'no extension'!r} (known: {known}, {SSSOM_SUFFIX})"
    )


def is_data_file(path: Path) -> bool:
    """True for files that `kp validate` and `kp load` read from a folder."""
    name = path.name.lower()
    if name.endswith(SSSOM_SUFFIX):
        return True
    return any(path.suffix.lower() in fmt.extensions for fmt in FORMATS) and path.suffix.lower() not in (
        ".json",
        ".xml",
    )
