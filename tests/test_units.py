"""Unit tables for the pieces the HTTP tests rely on."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server import formats
from server.sparql import query_dataset
from server.store import bind_iris, serialize_solutions

OFFERS = ["text/html", "text/turtle", "application/ld+json"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/html"),
        ("", "text/html"),
        ("*/*", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json;q=0.9, text/turtle;q=0.5", "application/ld+json"),
        ("text/*;q=0.9, text/html;q=0.1", "text/turtle"),
        ("text/turtle;q=0, */*;q=0.1", "text/html"),
        ("image/png", None),
        ("text/turtle;q=abc", None),
        ("application/json+ld", "application/ld+json"),
    ],
)
def test_negotiate(accept: str | None, chosen: str | None) -> None:
    assert formats.negotiate(accept, OFFERS) == chosen


@pytest.mark.parametrize(
    ("query", "default", "named"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", [], []),
        ("SELECT * FROM <http://a> WHERE { ?s ?p ?o }", ["http://a"], []),
        ("PREFIX g: <http://g/> SELECT * FROM g:x FROM NAMED g:y WHERE {}", ["http://g/x"], ["http://g/y"]),
        ('SELECT * WHERE { ?s ?p "FROM <http://no>" } # FROM <http://comment>', [], []),
        ("select * from named <http://n> where {}", [], ["http://n"]),
    ],
)
def test_query_dataset(query: str, default: list[str], named: list[str]) -> None:
    assert query_dataset(query) == (default, named)


def test_bind_iris_writes_validated_iris_only() -> None:
    text = bind_iris("SELECT * WHERE { ?r ?p ?rest }", {"r": ox.NamedNode("https://example.org/a")})
    assert text == "SELECT * WHERE { <https://example.org/a> ?p ?rest }"
    with pytest.raises(ValueError):
        ox.NamedNode("https://example.org/> } ; DROP ALL ; <x")


@pytest.mark.parametrize("fmt", formats.RESULTS_FORMATS, ids=lambda f: f.name)
def test_replayed_solutions_serialise_exactly_like_the_originals(fmt: formats.ResultsFormat) -> None:
    store = ox.Store()
    p = ox.NamedNode("https://example.org/p")
    store.add(ox.Quad(ox.NamedNode("https://example.org/s"), p, ox.Literal('neige "x"\n', language="fr")))
    store.add(
        ox.Quad(
            ox.BlankNode("b1"),
            p,
            ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
    )
    store.add(ox.Quad(ox.NamedNode("https://example.org/t"), p, ox.NamedNode("https://example.org/o")))
    query = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <https://example.org/nothing> ?none } } ORDER BY STR(?o)"
    direct = store.query(query)
    assert isinstance(direct, ox.QuerySolutions)
    expected = direct.serialize(format=fmt.results_format)
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    replayed = serialize_solutions(list(solutions.variables), list(solutions), fmt)
    assert replayed == expected
