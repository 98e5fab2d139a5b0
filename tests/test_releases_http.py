"""The served releases and dumps, through a real server over the seed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from server import release
from server.config import Settings
from server.loader import load
from server.store import EmbeddedStore
from tests.server_fixture import ADMIN_TOKEN, LiveServer, run_server

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def served(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose KP_DIST holds two releases of the seed (1.0, then 1.1)."""
    root = tmp_path_factory.mktemp("served")
    store = EmbeddedStore(root / "store")
    load(replace(settings, store_path=root / "store"), store, validate=False)
    release.build(settings, store, "1.0", root / "dist")
    release.build(settings, store, "1.1", root / "dist")
    store.close()
    yield from run_server(root / "store", KP_DIST=str(root / "dist"))


def canonical(quads: list[ox.Quad]) -> list[str]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(q) for q in dataset)


def default_graph(quads: list[ox.Quad]) -> list[ox.Quad]:
    return list({ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads})


def get(server: LiveServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(server.url + path, timeout=60, **kwargs)  # type: ignore[arg-type]


def test_release_list_in_html_and_json(served: LiveServer) -> None:
    page = get(served, "/release/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'href="/release/1.1.html"' in page.text and 'href="/release/1.0.html"' in page.text
    listed = get(served, "/release/", headers={"Accept": "application/json"}).json()
    assert [r["version"] for r in listed] == ["1.1", "1.0"]
    assert listed[0]["previous"] == "1.0"
    assert get(served, "/release", follow_redirects=False).status_code == 308
    for path in ("/release/", "/release/1.0.html", "/release/1.0/public/drugkp.ttl", "/dump.nt"):
        head = httpx.head(served.url + path, timeout=60)
        assert head.status_code == 200 and head.content == b"", path


@pytest.mark.parametrize(
    ("accept", "status", "location"),
    [
        (None, 303, "/release/1.0.html"),
        ("text/html", 303, "/release/1.0.html"),
        ("text/turtle", 303, "/release/1.0.ttl"),
        ("application/ld+json", 303, "/release/1.0.jsonld"),
        ("application/rdf+xml", 303, "/release/1.0.rdf"),
        ("image/png", 406, None),
    ],
)
def test_release_uri_negotiates(
    served: LiveServer, accept: str | None, status: int, location: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = get(served, "/release/1.0", headers=headers, follow_redirects=False)
    assert response.status_code == status
    if location:
        assert response.headers["location"] == location
        assert response.headers["vary"] == "Accept"


def test_release_documents_hold_the_dcat_record(served: LiveServer) -> None:
    turtle = get(served, "/release/1.0.ttl")
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)
    ]
    dataset = ox.NamedNode("https://w3id.org/drugkp/release/1.0")
    assert (
        ox.Triple(
            dataset,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/ns/dcat#Dataset"),
        )
        in triples
    )
    jsonld = get(served, "/release/1.0.jsonld")
    assert len(list(ox.parse(jsonld.content, format=ox.RdfFormat.JSON_LD))) == len(triples)


def test_release_page_links_only_what_the_caller_may_download(served: LiveServer) -> None:
    anonymous = get(served, "/release/1.0.html").text
    assert 'href="/release/1.0/public/drugkp.ttl"' in anonymous
    assert 'href="/release/1.0/partner/drugkp.ttl"' not in anonymous
    assert "partner/drugkp.ttl" in anonymous  # listed, not linked
    admin = get(served, "/release/1.0.html", headers=ADMIN).text
    assert 'href="/release/1.0/law-enforcement/drugkp.ttl"' in admin


def test_latest_redirects_to_the_newest(served: LiveServer) -> None:
    response = get(served, "/release/latest", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/release/1.1"
    file = get(served, "/release/latest/SHA256SUMS", follow_redirects=False)
    assert file.status_code == 307 and file.headers["location"] == "/release/1.1/SHA256SUMS"


def test_downloads_match_their_checksums_and_answer_conditional_requests(served: LiveServer) -> None:
    sums = get(served, "/release/1.0/SHA256SUMS").text.splitlines()
    digests = {line.split("  ")[1]: line.split("  ")[0] for line in sums}
    for name in ("public/drugkp.ttl", "public/labels/en.csv", "catalog.ttl", "release.json"):
        response = get(served, f"/release/1.0/{name}")
        assert response.status_code == 200, name
        assert hashlib.sha256(response.content).hexdigest() == digests[name]
    csv = get(served, "/release/1.0/public/labels/en.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    again = get(served, "/release/1.0/public/labels/en.csv", headers={"If-None-Match": csv.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/release/1.0/partner/drugkp.ttl", {}, 401),
        ("/release/1.0/law-enforcement/misp/machinetag.json", {}, 401),
        ("/release/1.0/partner/drugkp.ttl", ADMIN, 200),
        ("/release/1.0/public/%2e%2e/partner/drugkp.ttl", {}, 404),
        ("/release/1.0/public/%2e%2e/%2e%2e/%2e%2e/pyproject.toml", {}, 404),
        ("/release/1.0/public/nothing.ttl", {}, 404),
        ("/release/9.9/public/drugkp.ttl", {}, 404),
        ("/release/9.9", {"Accept": "text/turtle"}, 404),
    ],
)
def test_downloads_are_handling_aware(
    served: LiveServer, path: str, headers: dict[str, str], status: int
) -> None:
    assert get(served, path, headers=headers).status_code == status


@pytest.mark.parametrize("ext", ["ttl", "nt", "jsonld", "trig"])
def test_dumps_hold_what_the_caller_may_see(
    served: LiveServer, level_reader: Callable[[str], EmbeddedStore], ext: str
) -> None:
    formats = {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "trig": ox.RdfFormat.TRIG,
    }
    for headers, level in (({}, "tlp-clear"), (ADMIN, "tlp-amber")):
        with httpx.stream("GET", f"{served.url}/dump.{ext}", headers=headers, timeout=60) as response:
            assert response.status_code == 200
            assert "Authorization" in response.headers["vary"]
            body = b"".join(response.iter_bytes())
        parsed = list(ox.parse(body, format=formats[ext]))
        expected = list(level_reader(level).all_quads())
        if ext != "trig":  # one graph: the union of the level's graphs
            parsed = default_graph(parsed)
            expected = default_graph(expected)
        assert canonical(parsed) == canonical(expected)


def test_unknown_release_page_is_an_html_404(served: LiveServer) -> None:
    response = get(served, "/release/9.9.html")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "9.9" in response.text


def test_unknown_dump_format_is_404(served: LiveServer) -> None:
    response = get(served, "/dump.xlsx")
    assert response.status_code == 404
    assert "/dump.ttl" in response.json()["message"]


def test_an_empty_release_folder_lists_nothing(tmp_path: Path) -> None:
    assert release.releases(tmp_path / "missing") == []
    with pytest.raises(Exception, match="no release yet"):
        release.read_release(tmp_path, "latest")
