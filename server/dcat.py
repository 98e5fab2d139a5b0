"""The catalogue record of a release (DCAT-AP 3) and its VoID description.

A release is one ``dcat:Dataset`` (``{base}release/{version}``) holding the
files every reader may have (ontology, shapes, context, VoID, changelog)
and three parts, one per audience package, whose ``dct:accessRights`` say
who may have them. Every file is one ``dcat:Distribution`` with its media
type, byte size, SHA-256 checksum, licence and issue date. The catalogue
record must pass the DCAT-AP 3.0.1 SHACL shapes with no violation, so every
node the shapes check by class (licence, media types, publisher, rights) is
typed here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pyoxigraph as ox

from server.namespaces import PREFIXES

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
IANA = "http://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"

DCAT_PREFIXES = {
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "spdx": SPDX,
    "void": VOID,
    "xsd": XSD,
    "rdf": PREFIXES["rdf"],
    "rdfs": PREFIXES["rdfs"],
}

#: EU Publications Office file types, by media type (only where we are sure of the code).
FILE_TYPES: dict[str, str] = {
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD",
    "application/trig": "RDF_TRIG",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "text/plain": "TXT",
    "application/json": "JSON",
    "text/tab-separated-values": "TSV",
    "application/yaml": "YAML",
}

#: Who may have each package (EU access-right authority table).
ACCESS_RIGHTS: dict[str | None, tuple[str, str]] = {
    None: ("PUBLIC", "Public: TLP:CLEAR material, for anyone."),
    "public": ("PUBLIC", "Public: TLP:CLEAR material, for anyone."),
    "partner": (
        "RESTRICTED",
        "Restricted to platforms and partners holding a token (TLP:CLEAR and TLP:GREEN).",
    ),
    "law-enforcement": ("NON_PUBLIC", "Law-enforcement agencies only (TLP:CLEAR, TLP:GREEN and TLP:AMBER)."),
}


@dataclass(frozen=True)
class FileInfo:
    path: str  # relative to the release folder, with "/"
    media_type: str
    size: int
    sha256: str
    package: str | None  # public | partner | law-enforcement, None for shared files
    title: str


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _text(value: str) -> ox.Literal:
    return ox.Literal(value, language="en")


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


class _Graph:
    def __init__(self) -> None:
        self.triples: set[ox.Triple] = set()

    def add(
        self, s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        self.triples.add(ox.Triple(s, ox.NamedNode(p), o))

    def typed(self, s: ox.NamedNode | ox.BlankNode, cls: str) -> None:
        self.triples.add(ox.Triple(s, RDF_TYPE, ox.NamedNode(cls)))

    def sorted(self) -> list[ox.Triple]:
        return sorted(self.triples, key=str)


def release_iri(base: str, version: str, part: str | None = None) -> str:
    return f"{base}release/{version}" + (f"/{part}" if part else "")


def language_iri(tag: str) -> str | None:
    """The EU authority table's IRI of a language (by its ISO 639-3 code), None for ``zxx``."""
    import langcodes

    primary = tag.split("-", 1)[0].lower()
    if primary in ("zxx", "und", "mul", ""):
        return None
    try:
        code = langcodes.Language.get(primary).to_alpha3()
    except (LookupError, ValueError):
        return None
    return f"{EU}language/{code.upper()}"


def catalogue(
    base: str,
    version: str,
    issued: str,
    files: list[FileInfo],
    previous: str | None = None,
    languages: dict[str | None, list[str]] | None = None,
) -> list[ox.Triple]:
    """The DCAT-AP catalogue record of one release (``issued``: an xsd:date;
    ``languages``: the language tags of each package's labels)."""
    g = _Graph()
    date = _typed(issued, "date")
    publisher = _iri(f"{base}publisher")
    g.typed(publisher, FOAF + "Agent")
    g.add(publisher, FOAF + "name", _text("EU Internet Forum Drug-term Knowledge Package editors"))
    licence = _iri(LICENCE)
    g.typed(licence, DCT + "LicenseDocument")
    g.add(licence, PREFIXES["rdfs"] + "label", _text("Creative Commons Attribution 4.0 International"))

    cat = _iri(f"{base}release/")
    g.typed(cat, DCAT + "Catalog")
    g.add(cat, DCT + "title", _text("Drug-term Knowledge Package releases"))
    g.add(
        cat,
        DCT + "description",
        _text("Immutable releases of the multilingual vocabulary of drug-advertising terms."),
    )
    g.add(cat, DCT + "publisher", publisher)
    g.add(cat, DCT + "license", licence)
    g.add(cat, DCT + "modified", date)
    homepage = _iri(base)
    g.typed(homepage, FOAF + "Document")
    g.add(cat, FOAF + "homepage", homepage)
    landing = _iri(release_iri(base, version) + ".html")
    g.typed(landing, FOAF + "Document")

    main = _iri(release_iri(base, version))
    g.add(cat, DCAT + "dataset", main)
    datasets: dict[str | None, ox.NamedNode] = {None: main}
    for name in ("public", "partner", "law-enforcement"):
        if any(f.package == name for f in files):
            part = _iri(release_iri(base, version, name))
            datasets[name] = part
            g.add(cat, DCAT + "dataset", part)
            g.add(main, DCT + "hasPart", part)
            g.add(part, DCT + "isPartOf", main)
    for package, node in datasets.items():
        g.typed(node, DCAT + "Dataset")
        what = f"{package} package" if package else "release"
        g.add(node, DCT + "title", _text(f"Drug-term Knowledge Package {version}, {what}"))
        g.add(
            node,
            DCT + "description",
            _text(
                "Multilingual SKOS vocabulary of terms used to advertise drugs online (slang, code words, "
                "emoji, hashtags, misspellings), linked to the substances they refer to"
                + (f"; {ACCESS_RIGHTS[package][1]}" if package else "; files shared by every package.")
            ),
        )
        g.add(node, DCT + "issued", date)
        g.add(node, DCT + "publisher", publisher)
        g.add(node, DCAT + "version", ox.Literal(version))
        g.add(node, DCAT + "landingPage", landing)
        rights = _iri(f"{EU}access-right/{ACCESS_RIGHTS[package][0]}")
        g.typed(rights, DCT + "RightsStatement")
        g.add(node, DCT + "accessRights", rights)
        g.add(node, DCT + "identifier", ox.Literal(node.value))
        if previous:
            g.add(node, PREFIXES["dct"] + "replaces", _iri(release_iri(base, previous, package)))
        for tag in (languages or {}).get(package, []):
            found = language_iri(tag)
            if found:
                language = _iri(found)
                g.typed(language, DCT + "LinguisticSystem")
                g.add(node, DCT + "language", language)
    for info in files:
        dist = _iri(f"{release_iri(base, version)}/{info.path}")
        url = _iri(f"{release_iri(base, version)}/{info.path}")
        g.add(datasets[info.package], DCAT + "distribution", dist)
        g.typed(dist, DCAT + "Distribution")
        g.add(dist, DCT + "title", _text(info.title))
        g.add(dist, DCAT + "accessURL", url)
        g.add(dist, DCAT + "downloadURL", url)
        media = _iri(IANA + info.media_type)
        g.typed(media, DCT + "MediaType")
        g.add(dist, DCAT + "mediaType", media)
        if info.media_type in FILE_TYPES:
            file_type = _iri(f"{EU}file-type/{FILE_TYPES[info.media_type]}")
            g.typed(file_type, DCT + "MediaTypeOrExtent")
            g.add(dist, DCT + "format", file_type)
        g.add(dist, DCAT + "byteSize", _typed(str(info.size), "nonNegativeInteger"))
        per_language = re.search(r"/(?:labels|wordlists)/([a-z0-9-]+)\.[a-z]+$", info.path)
        found = language_iri(per_language.group(1)) if per_language else None
        if found:
            language = _iri(found)
            g.typed(language, DCT + "LinguisticSystem")
            g.add(dist, DCT + "language", language)
        g.add(dist, DCT + "license", licence)
        g.add(dist, DCT + "issued", date)
        checksum = ox.BlankNode(f"sha256{info.sha256[:24]}")
        g.add(dist, SPDX + "checksum", checksum)
        g.typed(checksum, SPDX + "Checksum")
        algorithm = _iri(SPDX + "checksumAlgorithm_sha256")
        g.typed(algorithm, SPDX + "ChecksumAlgorithm")
        g.add(checksum, SPDX + "algorithm", algorithm)
        g.add(checksum, SPDX + "checksumValue", _typed(info.sha256, "hexBinary"))
    return g.sorted()


@dataclass(frozen=True)
class VoidStats:
    triples: int
    subjects: int
    properties: int
    objects: int
    classes: dict[str, int]


def void(base: str, version: str, stats: dict[str, VoidStats], files: list[FileInfo]) -> list[ox.Triple]:
    """A VoID description per package: size, class partitions, dumps, SPARQL endpoint."""
    g = _Graph()
    formats = {
        "text/turtle": "Turtle",
        "application/n-triples": "N-Triples",
        "application/rdf+xml": "RDF_XML",
        "application/ld+json": "JSON-LD",
        "application/trig": "TriG",
    }
    for package, numbers in stats.items():
        node = _iri(release_iri(base, version, package))
        g.typed(node, VOID + "Dataset")
        g.add(node, DCT + "title", _text(f"Drug-term Knowledge Package {version}, {package} package"))
        g.add(node, DCT + "license", _iri(LICENCE))
        g.add(node, VOID + "uriSpace", ox.Literal(base))
        g.add(node, VOID + "sparqlEndpoint", _iri(f"{base}sparql"))
        g.add(node, VOID + "triples", _typed(str(numbers.triples), "integer"))
        g.add(node, VOID + "distinctSubjects", _typed(str(numbers.subjects), "integer"))
        g.add(node, VOID + "properties", _typed(str(numbers.properties), "integer"))
        g.add(node, VOID + "distinctObjects", _typed(str(numbers.objects), "integer"))
        g.add(node, VOID + "classes", _typed(str(len(numbers.classes)), "integer"))
        for vocabulary in ("skos", "skosxl", "dct", "prov", "owl"):
            g.add(node, VOID + "vocabulary", _iri(PREFIXES[vocabulary]))
        for cls, count in sorted(numbers.classes.items()):
            partition = ox.BlankNode(package.replace("-", "") + hashlib.sha256(cls.encode()).hexdigest()[:12])
            g.add(node, VOID + "classPartition", partition)
            g.add(partition, VOID + "class", _iri(cls))
            g.add(partition, VOID + "entities", _typed(str(count), "integer"))
        for info in files:
            if info.package == package and info.media_type in formats:
                g.add(node, VOID + "dataDump", _iri(f"{release_iri(base, version)}/{info.path}"))
                g.add(
                    node, VOID + "feature", _iri(f"http://www.w3.org/ns/formats/{formats[info.media_type]}")
                )
    return g.sorted()
