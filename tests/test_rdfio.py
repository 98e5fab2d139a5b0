"""Parsing: explicit formats, positions in errors, nothing fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from server import formats, rdfio
from server.errors import ParseError, UnsupportedFormat

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("name", "line", "fragment"),
    [
        ("broken.ttl", 4, "end of file"),
        ("bad-langtag.ttl", 3, "subtag"),
        ("remote-context.jsonld", None, "remote context"),
        ("invalid-utf8.ttl", 2, "UTF-8"),
        ("utf16.ttl", 1, "UTF-16"),
        ("mapping-bad-prefix.sssom.tsv", 6, "nowhere:Q1"),
    ],
)
def test_bad_files_are_refused_with_a_position(name: str, line: int | None, fragment: str) -> None:
    with pytest.raises(ParseError) as caught:
        rdfio.parse_path(DATA / name)
    assert caught.value.line == line
    assert fragment.lower() in str(caught.value).lower()
    assert name in str(caught.value)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.ttl"
    path.write_bytes(b'\xef\xbb\xbf<https://example.org/a> <https://example.org/b> "\xc3\xa9" .\n')
    (quad,) = rdfio.parse_path(path)
    assert quad.object.value == "\u00e9"


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "terms.docx"
    path.write_text("x")
    with pytest.raises(UnsupportedFormat, match="docx"):
        rdfio.parse_path(path)


def test_conversion_keeps_language_tags_and_datatypes() -> None:
    graph = rdfio.to_rdflib(rdfio.parse_path(DATA / "typed.ttl"))
    a = URIRef("https://example.org/a")
    ex = "https://example.org/"
    assert graph.value(a, URIRef(ex + "lang")) == Literal("neige", lang="fr")
    assert graph.value(a, URIRef(ex + "plain")) == Literal("plain")
    assert graph.value(a, URIRef(ex + "date")) == Literal(
        "2024-01-31", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")
    )
    assert graph.value(a, URIRef(ex + "bool")) == Literal(True)
    node = graph.value(a, URIRef(ex + "node"))
    assert graph.value(node, URIRef(ex + "emoji")) == Literal("❄️", lang="zxx")
    assert len(graph) == 7


def test_sssom_is_materialised_as_skos_mappings() -> None:
    triples = {(s.value, p.value, o.value) for s, p, o in rdfio.read_sssom(DATA / "mapping-ok.sssom.tsv")}
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert triples == {
        ("https://w3id.org/drugkp/substance/S0001", skos + "exactMatch", "http://www.wikidata.org/entity/Q1"),
        ("https://w3id.org/drugkp/substance/S0002", skos + "closeMatch", "http://www.wikidata.org/entity/Q2"),
    }


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.ttl", "turtle"),
        ("a.nt", "ntriples"),
        ("a.rdf", "rdfxml"),
        ("a.jsonld", "jsonld"),
        ("A.TTL", "turtle"),
    ],
)
def test_format_by_extension(filename: str, expected: str) -> None:
    assert formats.for_path(Path(filename)).name == expected
