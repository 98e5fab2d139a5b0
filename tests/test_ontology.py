"""The ontology documents every term it defines, and defines every kp: term used."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from server.loader import expand
from server.namespaces import KP
from server.validation import load_graph

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = URIRef("https://w3id.org/drugkp/ontology")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_graph([ROOT / "ontology" / "kp.ttl"])


def defined(ontology: Graph, kind: URIRef) -> set[URIRef]:
    return {
        s for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef) and str(s).startswith(str(KP))
    }


def test_ontology_metadata(ontology: Graph) -> None:
    for prop in (
        OWL.versionIRI,
        OWL.versionInfo,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.title,
        RDFS.comment,
    ):
        if prop == RDFS.comment:
            prop = DCTERMS.description
        assert ontology.value(ONTOLOGY, prop) is not None, prop


def test_classes_have_label_comment_and_place(ontology: Graph) -> None:
    classes = defined(ontology, OWL.Class)
    assert {KP.DrugTerm, KP.Substance} <= classes
    for cls in classes:
        assert ontology.value(cls, RDFS.label) is not None, cls
        assert ontology.value(cls, RDFS.comment) is not None, cls
        assert ontology.value(cls, RDFS.subClassOf) is not None, cls


def test_properties_have_label_comment_domain_and_range(ontology: Graph) -> None:
    properties = defined(ontology, OWL.ObjectProperty) | defined(ontology, OWL.DatatypeProperty)
    assert KP.refersTo in properties
    for prop in properties:
        for meta in (RDFS.label, RDFS.comment, RDFS.domain, RDFS.range):
            assert ontology.value(prop, meta) is not None, (prop, meta)


def test_every_kp_term_used_is_defined(ontology: Graph) -> None:
    known = set(ontology.subjects())
    used: set[URIRef] = set()
    graph = load_graph(expand([ROOT / "vocab", ROOT / "shapes"]))
    for s, p, o in graph:
        for term in (s, p, o):
            if isinstance(term, URIRef) and str(term).startswith(str(KP)):
                used.add(term)
    assert used - known == set()
