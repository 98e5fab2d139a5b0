"""Dereferenceable URIs through HTTP: content negotiation, validators, levels."""

from __future__ import annotations

import time

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS

from tests.server_fixture import ADMIN_TOKEN, LiveServer

BASE = "https://w3id.org/drugkp/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def green_term(server: LiveServer) -> str:
    """A term that exists only at TLP:GREEN."""
    query = "SELECT ?t WHERE { GRAPH <https://w3id.org/drugkp/graph/vocab/green/terms> { ?t a <https://w3id.org/drugkp/ontology#DrugTerm> } } LIMIT 1"
    response = httpx.get(
        server.url + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json", **ADMIN},
    )
    value: str = response.json()["results"]["bindings"][0]["t"]["value"]
    return value.removeprefix(BASE)


@pytest.mark.parametrize(
    ("accept", "status", "extension"),
    [
        (None, 303, "html"),
        ("*/*", 303, "html"),
        (BROWSER, 303, "html"),
        ("text/turtle", 303, "ttl"),
        ("application/ld+json", 303, "jsonld"),
        ("application/rdf+xml", 303, "rdf"),
        ("application/n-triples", 303, "nt"),
        ("text/turtle;q=0.5, application/ld+json", 303, "jsonld"),
        ("application/x-turtle", 303, "ttl"),
        ("text/*;q=0.9, text/html;q=0.1", 303, "ttl"),
        ("image/png", 406, None),
    ],
)
@pytest.mark.parametrize("path", ["term/T0001", "substance/S0017", "scheme/handling", "ontology"])
def test_content_negotiation(
    live_server: LiveServer, path: str, accept: str | None, status: int, extension: str | None
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = httpx.get(f"{live_server.url}/{path}", headers=headers)
    assert response.status_code == status
    if status == 303:
        assert response.headers["Vary"] == "Accept"
        location = response.headers["Location"]
        assert location.endswith(f"/{path}.{extension}")
        assert location.startswith(("/", live_server.url))  # stays on the serving host
        followed = httpx.get(httpx.URL(live_server.url).join(location))
        assert followed.status_code == 200
    else:
        assert "text/turtle" in response.json()["acceptable"]


@pytest.mark.parametrize(
    ("extension", "media", "parse_as"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("jsonld", "application/ld+json", "json-ld"),
        ("rdf", "application/rdf+xml", "xml"),
        ("nt", "application/n-triples", "nt"),
    ],
)
def test_documents_use_canonical_uris_and_hold_linked_labels(
    live_server: LiveServer, extension: str, media: str, parse_as: str
) -> None:
    # The extension wins over Accept.
    response = httpx.get(f"{live_server.url}/substance/S0017.{extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    graph = Graph().parse(data=response.text, format=parse_as)
    substance = URIRef(BASE + "substance/S0017")
    assert (substance, SKOS.prefLabel, Literal("klonazepam", lang="pl")) in graph
    broader = graph.value(substance, SKOS.broader)
    assert (
        broader is not None and graph.value(broader, SKOS.prefLabel) is not None
    )  # label of what it links to
    referring = list(graph.subjects(URIRef(BASE + "ontology#refersTo"), substance))
    assert referring and all(str(t).startswith(BASE + "term/") for t in referring)
    assert "127.0.0.1" not in response.text


def test_term_document_holds_its_skosxl_labels(live_server: LiveServer) -> None:
    graph = Graph().parse(data=httpx.get(f"{live_server.url}/term/T0001.ttl").text, format="turtle")
    term = URIRef(BASE + "term/T0001")
    labels = list(graph.objects(term, URIRef("http://www.w3.org/2008/05/skos-xl#prefLabel")))
    assert labels
    for label in labels:
        assert graph.value(label, URIRef(BASE + "ontology#termType")) is not None
        term_type = graph.value(label, URIRef(BASE + "ontology#termType"))
        assert graph.value(term_type, SKOS.prefLabel) is not None


def test_rdflib_dereferences_following_the_303(live_server: LiveServer) -> None:
    graph = Graph()
    graph.parse(f"{live_server.url}/term/T0001")
    assert (URIRef(BASE + "term/T0001"), SKOS.prefLabel, Literal("420", lang="en")) in graph


def test_validators_and_conditional_requests(live_server: LiveServer) -> None:
    url = f"{live_server.url}/term/T0001.ttl"
    first = httpx.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert httpx.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    head = httpx.head(url)
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == etag


@pytest.mark.parametrize(
    ("extension", "parse_as"), [("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml"), ("jsonld", "json-ld")]
)
def test_unknown_id_is_404_in_the_negotiated_format(
    live_server: LiveServer, extension: str, parse_as: str
) -> None:
    response = httpx.get(f"{live_server.url}/term/T9999999.{extension}")
    assert response.status_code == 404
    assert len(Graph().parse(data=response.text, format=parse_as)) == 0
    redirect = httpx.get(
        f"{live_server.url}/term/T9999999", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert redirect.status_code == 404 and redirect.headers["content-type"].startswith("text/turtle")
    page = httpx.get(f"{live_server.url}/term/T9999999.html")
    assert page.status_code == 404 and "Not found" in page.text


def test_green_term_is_invisible_to_anonymous_readers(live_server: LiveServer) -> None:
    path = green_term(live_server)
    assert httpx.get(f"{live_server.url}/{path}.ttl").status_code == 404
    assert httpx.get(f"{live_server.url}/{path}.ttl", headers=ADMIN).status_code == 200


def test_deprecated_term_resolves_with_its_replacement_and_a_banner(live_server: LiveServer) -> None:
    old, new = BASE + "term/T0002", BASE + "term/T0003"
    graph = "https://w3id.org/drugkp/graph/vocab/terms"
    triples = f"<{old}> <{OWL.deprecated}> true ; <http://purl.org/dc/terms/isReplacedBy> <{new}> ."
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}"
    assert httpx.post(live_server.url + "/sparql", data={"update": update}, headers=ADMIN).status_code == 204
    try:
        document = Graph().parse(data=httpx.get(f"{live_server.url}/term/T0002.ttl").text, format="turtle")
        assert (URIRef(old), OWL.deprecated, Literal(True)) in document
        page = httpx.get(f"{live_server.url}/term/T0002.html")
        assert page.status_code == 200
        assert "is deprecated" in page.text and 'href="/term/T0003"' in page.text
    finally:
        delete = update.replace("INSERT DATA", "DELETE DATA")
        assert (
            httpx.post(live_server.url + "/sparql", data={"update": delete}, headers=ADMIN).status_code == 204
        )


def test_labels_are_escaped_in_pages(live_server: LiveServer) -> None:
    graph = "https://w3id.org/drugkp/graph/vocab/terms"
    evil = '<script>alert("x")</script>'
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <{BASE}term/T0004> <{SKOS.definition}> "{evil.replace(chr(34), chr(92) + chr(34))}"@en }} }}'
    assert httpx.post(live_server.url + "/sparql", data={"update": update}, headers=ADMIN).status_code == 204
    try:
        page = httpx.get(f"{live_server.url}/term/T0004.html").text
        assert evil not in page
        assert "&lt;script&gt;" in page
    finally:
        delete = update.replace("INSERT DATA", "DELETE DATA")
        httpx.post(live_server.url + "/sparql", data={"update": delete}, headers=ADMIN)


def test_ui_language_switch_with_fallback(live_server: LiveServer) -> None:
    german = httpx.get(f"{live_server.url}/substance/S0017.html", params={"lang": "de"}).text
    assert "<h1>Clonazepam</h1>" in german
    unknown = httpx.get(f"{live_server.url}/substance/S0017.html", params={"lang": "xx"}).text
    assert "<h1>clonazepam</h1>" in unknown


@pytest.mark.parametrize("path", ["label/", "scheme/term-types", "scheme/term-types/emoji", "ontology"])
def test_other_resources_dereference(live_server: LiveServer, path: str) -> None:
    if path == "label/":
        graph = Graph().parse(data=httpx.get(f"{live_server.url}/term/T0001.ttl").text, format="turtle")
        label = next(
            graph.objects(URIRef(BASE + "term/T0001"), URIRef("http://www.w3.org/2008/05/skos-xl#prefLabel"))
        )
        path = str(label).removeprefix(BASE)
    response = httpx.get(
        f"{live_server.url}/{path}", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert len(Graph().parse(data=response.text, format="turtle")) > 2
    assert httpx.get(f"{live_server.url}/{path}.html").status_code == 200


def test_ontology_page_documents_classes_and_properties(live_server: LiveServer) -> None:
    page = httpx.get(f"{live_server.url}/ontology.html").text
    for name in ("kp:DrugTerm", "kp:Substance", "kp:refersTo", "kp:needsOtherSignal"):
        assert f"<code>{name}</code>" in page
    assert "Links a drug term to a substance" in page


def test_language_choice_follows_links(live_server: LiveServer) -> None:
    page = httpx.get(f"{live_server.url}/substance/S0017.html", params={"lang": "de"}).text
    assert 'href="/substance/' in page and "?lang=de" in page


def test_public_turtle_documents_are_rendered_ahead_of_requests(live_server: LiveServer) -> None:
    """After start (and after each write) a background pass renders every public
    Turtle document, so dereferencing answers from memory."""
    time.sleep(5)  # the seed's pass takes about a second
    untouched = [f"{live_server.url}/substance/S{n:04d}.ttl" for n in range(60, 70)]
    assert [httpx.get(url).headers.get("X-Cache") for url in untouched] == ["HIT"] * len(untouched)
    # Only anonymous Turtle is rendered ahead; the rest is rendered on first request.
    html = f"{live_server.url}/substance/S0061.html"
    assert [httpx.get(html).headers.get("X-Cache") for _ in range(2)] == ["MISS", "HIT"]
