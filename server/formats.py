"""The one table of RDF formats: names, media types, file extensions."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QueryResultsFormat, RdfFormat

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


@dataclass(frozen=True)
class ResultsFormat:
    name: str
    results_format: QueryResultsFormat
    media_type: str
    extension: str


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", QueryResultsFormat.JSON, "application/sparql-results+json", ".srj"),
    ResultsFormat("xml", QueryResultsFormat.XML, "application/sparql-results+xml", ".srx"),
    ResultsFormat("csv", QueryResultsFormat.CSV, "text/csv", ".csv"),
    ResultsFormat("tsv", QueryResultsFormat.TSV, "text/tab-separated-values", ".tsv"),
)

#: Extra media types clients send for the same formats.
ALIASES: dict[str, str] = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json+ld": "application/ld+json",
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header with their q-values, best first."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((ALIASES.get(media, media), q, index))
    # Specific types beat wildcards at equal q; the client's order breaks ties.
    ranges.sort(key=lambda r: (-r[1], r[0].count("*"), r[2]))
    return [(media, q) for media, q, _ in ranges]


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offered media type the Accept header prefers, or None (406).

    Each offer takes the q-value of the most specific range that matches it
    (RFC 9110 12.5.1: ``text/html;q=0.1`` beats ``text/*;q=0.9`` for HTML);
    ties go to the server's order of ``offers``. Clients repeat their Accept
    header, so answers are remembered."""
    if header is not None and len(header) > 1000:
        return _negotiate(header, tuple(offers))
    return _negotiate_cached(header, tuple(offers))


@functools.lru_cache(maxsize=512)
def _negotiate_cached(header: str | None, offers: tuple[str, ...]) -> str | None:
    return _negotiate(header, offers)


def _negotiate(header: str | None, offers: tuple[str, ...]) -> str | None:
    ranges = parse_accept(header)
    best: tuple[float, int, str] | None = None
    for position, offer in enumerate(offers):
        kind = offer.split("/", 1)[0]
        matches = [
            (0 if media == offer else 1 if media == f"{kind}/*" else 2, q)
            for media, q in ranges
            if media in (offer, f"{kind}/*", "*/*")
        ]
        if not matches:
            continue
        _specificity, q = min(matches, key=lambda m: m[0])
        if q <= 0:
            continue
        candidate = (-q, position, offer)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else None


def by_media(media_type: str) -> Format:
    for fmt in FORMATS:
        if fmt.media_type == media_type:
            return fmt
    raise UnsupportedFormat(f"no RDF format has the media type {media_type!r}")
