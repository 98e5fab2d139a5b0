"""Skosmos ``data`` (a concept's RDF) and ``mappings`` (its links to other vocabularies).

RDF documents are the same as the dereferenceable URIs serve
(:meth:`server.store.EmbeddedStore.describe` over the caller's level snapshot).
JSON answers are JSON-LD compacted by rdflib with Skosmos's context, so a
Skosmos client finds ``graph``, ``uri``, ``type``, ``prefLabel: {lang, value}``
where it expects them; the context is inline, never fetched.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import rdflib

from server import formats, linkeddata, queries, rdfio
from server.errors import BadRequest, NotAcceptable, NotFound
from server.namespaces import PREFIXES
from server.skosmos import DEFAULT_LANGUAGE, Catalogue, curie
from server.store import EmbeddedStore

#: What ``data`` serves, in Skosmos's order of preference (its default is RDF/XML).
DATA_FORMATS: tuple[str, ...] = (
    "application/rdf+xml",
    "text/turtle",
    "application/ld+json",
    "application/json",
)
JSON_FORMATS = ("application/ld+json", "application/json")
EXTENSIONS = {"application/rdf+xml": "rdf", "text/turtle": "ttl"}

DATA_CONTEXT: dict[str, str] = {
    "skos": PREFIXES["skos"],
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "rdfs": PREFIXES["rdfs"],
    "owl": PREFIXES["owl"],
    "dct": PREFIXES["dct"],
    "dc11": "http://purl.org/dc/elements/1.1/",
    "kp": PREFIXES["kp"],
    "skosxl": PREFIXES["skosxl"],
    "xsd": PREFIXES["xsd"],
    "uri": "@id",
    "type": "@type",
    "lang": "@language",
    "value": "@value",
    "graph": "@graph",
    "label": "rdfs:label",
    "prefLabel": "skos:prefLabel",
    "altLabel": "skos:altLabel",
    "hiddenLabel": "skos:hiddenLabel",
    "broader": "skos:broader",
    "narrower": "skos:narrower",
    "related": "skos:related",
    "inScheme": "skos:inScheme",
    "exactMatch": "skos:exactMatch",
    "closeMatch": "skos:closeMatch",
    "broadMatch": "skos:broadMatch",
    "narrowMatch": "skos:narrowMatch",
    "relatedMatch": "skos:relatedMatch",
}

#: Skosmos's names for the mapping properties.
MAPPING_LABELS = {
    "exactMatch": "Exactly matching concepts",
    "closeMatch": "Closely matching concepts",
    "broadMatch": "Broader matching concepts",
    "narrowMatch": "Narrower matching concepts",
    "relatedMatch": "Related matching concepts",
}
#: Names of the external vocabularies that substances are mapped to, by IRI start.
EXTERNAL_VOCABULARIES = {
    "http://www.wikidata.org/entity/": "Wikidata",
    "http://purl.obolibrary.org/obo/CHEBI_": "ChEBI",
    "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/": "PubChem",
    "https://commonchemistry.cas.org/": "CAS Common Chemistry",
}


def choose_format(format_param: str | None, accept: str | None) -> str:
    """The media type asked for by ``format`` (first) or the Accept header."""
    if format_param:
        media = format_param.split(";", 1)[0].strip().lower()
        if media in DATA_FORMATS:
            return media
        raise NotAcceptable(f"unsupported format {format_param!r}", list(DATA_FORMATS))
    media_type = formats.negotiate(accept, list(DATA_FORMATS))
    if media_type is None:
        raise NotAcceptable("none of the requested media types is available", list(DATA_FORMATS))
    return media_type


def compact(triples: list[ox.Triple]) -> dict[str, Any]:
    """The triples as JSON-LD compacted with Skosmos's context (always with ``graph``)."""
    graph = rdflib.Graph()
    for triple in sorted(triples, key=str):
        graph.add(
            (
                rdfio.to_rdflib_term(triple.subject),
                rdfio.to_rdflib_term(triple.predicate),
                rdfio.to_rdflib_term(triple.object),
            )
        )
    document: dict[str, Any] = json.loads(
        graph.serialize(format="json-ld", context=DATA_CONTEXT, auto_compact=True)
    )
    if "graph" not in document:
        nodes = {k: v for k, v in document.items() if k != "@context"}
        document = {"@context": document.get("@context", DATA_CONTEXT), "graph": [nodes] if nodes else []}
    return document


def _resource(catalogue: Catalogue, uri: str | None, vocid: str | None) -> ox.NamedNode:
    """A concept (of ``vocid`` when given) or the concept scheme of a vocabulary."""
    if vocid is not None:
        catalogue.vocabulary(vocid)
    if not uri:
        raise BadRequest("uri parameter missing")
    schemes = {v.uri: v.vocid for v in catalogue.vocabularies.values()}
    if uri in schemes and vocid in (None, schemes[uri]):
        return ox.NamedNode(uri)
    return ox.NamedNode(catalogue.concept(uri, vocid).uri)


def data(
    catalogue: Catalogue, reader: EmbeddedStore, uri: str | None, vocid: str | None, media_type: str
) -> bytes:
    """A concept's RDF document at the caller's level, in ``media_type``."""
    node = _resource(catalogue, uri, vocid)
    triples = reader.describe(node, None)
    if not triples:
        raise NotFound(f"no concept found with uri <{node.value}>")
    if media_type in JSON_FORMATS:
        return json.dumps(compact(triples), ensure_ascii=False).encode("utf-8")
    return linkeddata.serialize(triples, EXTENSIONS[media_type])


def _vocabulary_name(catalogue: Catalogue, target: str, lang: str) -> str:
    internal = catalogue.concepts.get(target)
    if internal is not None:
        return catalogue.vocabularies[internal.vocid].title(lang)
    for start, name in EXTERNAL_VOCABULARIES.items():
        if target.startswith(start):
            return name
    return urlsplit(target).hostname or target  # as Skosmos does for vocabularies it does not know


def mappings(
    catalogue: Catalogue, reader: EmbeddedStore, vocid: str, uri: str | None, lang: str | None
) -> dict[str, Any]:
    """A concept's mappings (skos:exactMatch, closeMatch...) as Skosmos's JSKOS list,
    with the concept's own JSON-LD in ``graph``."""
    concept = catalogue.concept(uri, vocid)
    lang = lang or DEFAULT_LANGUAGE
    node = ox.NamedNode(concept.uri)
    found = []
    for row in reader.select(queries.SKOSMOS_MAPPINGS, None, {"concept": node}):
        prop, target = row["property"], row["target"]
        if prop is None or target is None:
            continue
        name = curie(prop.value).split(":", 1)[-1]
        internal = catalogue.concepts.get(target.value)
        label = internal.pref_label(lang) if internal is not None else None
        member: dict[str, Any] = {"uri": target.value}
        if internal is not None and internal.notation:
            member["notation"] = internal.notation
        if label:
            member["prefLabel"] = {lang: label}
        item: dict[str, Any] = {
            "uri": concept.uri,
            "notation": internal.notation if internal is not None else None,
            "type": [f"skos:{name}"],
            "prefLabel": label or target.value,
            "from": {"memberSet": [{"uri": concept.uri}]},
            "to": {"memberSet": [member]},
            "hrefLink": target.value,
            "lang": lang,
            "vocabName": _vocabulary_name(catalogue, target.value, lang),
            "typeLabel": MAPPING_LABELS[name],
            "fromScheme": {"uri": catalogue.vocabularies[concept.vocid].uri},
        }
        if internal is not None:
            item["toScheme"] = {"uri": catalogue.vocabularies[internal.vocid].uri}
        found.append(item)
    return {"mappings": found, "graph": compact(reader.describe(node, None))}
