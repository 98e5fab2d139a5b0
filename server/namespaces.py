"""IRIs of the vocabularies the Knowledge Package uses, in one place."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

#: The canonical base of every Knowledge Package URI (DESIGN.md, "URIs").
CANONICAL_BASE = "https://w3id.org/drugkp/"

KP = Namespace(CANONICAL_BASE + "ontology#")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
SH = Namespace("http://www.w3.org/ns/shacl#")
VOID = Namespace("http://rdfs.org/ns/void#")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")

SCHEME = Namespace(CANONICAL_BASE + "scheme/")
TERM = Namespace(CANONICAL_BASE + "term/")
SUBSTANCE = Namespace(CANONICAL_BASE + "substance/")
LABEL = Namespace(CANONICAL_BASE + "label/")
GRAPH = Namespace(CANONICAL_BASE + "graph/")
SHAPES = Namespace(CANONICAL_BASE + "shapes#")

#: Prefixes written into generated Turtle and offered to SPARQL users.
PREFIXES: dict[str, str] = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "kp": str(KP),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "skosxl": str(SKOSXL),
    "xsd": str(XSD),
    "kpscheme": str(SCHEME),
    "kpterm": str(TERM),
    "kpsub": str(SUBSTANCE),
    "kplabel": str(LABEL),
}

#: The 24 official EU languages plus Norwegian Bokmål and Icelandic.
CORE_LANGUAGES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu",
    "is", "it", "lt", "lv", "mt", "nb", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip

#: Further languages whose labels are accepted (neighbouring markets, migrant
#: communities), and `zxx` ("no linguistic content") for emoji.
EXTRA_LANGUAGES: tuple[str, ...] = (
    "ar", "be", "bs", "ca", "cy", "eu", "fa", "fo", "gl", "he", "hi", "ja", "ka",
    "ko", "lb", "mk", "ru", "sq", "sr", "tr", "uk", "ur", "vi", "zh", "zxx",
)  # fmt: skip

SUPPORTED_LANGUAGES: tuple[str, ...] = CORE_LANGUAGES + EXTRA_LANGUAGES

HANDLING_LEVELS: tuple[str, ...] = ("tlp-clear", "tlp-green", "tlp-amber")


def handling_iri(code: str) -> str:
    """The IRI of a handling level, by its code (``tlp-clear``)."""
    return f"{SCHEME}handling/{code}"
