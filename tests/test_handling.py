"""Handling levels on every route: a TLP:AMBER label is invisible to anonymous
and partner callers, a TLP:GREEN one to anonymous callers, whatever the route
and whatever SPARQL dataset tricks they try.

One approved contribution gives a term with three labels, one per level.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from server.tokens import TokenStore, auth_path
from tests.server_fixture import LiveServer, run_server

FORMS = {"tlp-clear": "zzhclearword", "tlp-green": "zzhgreenword", "tlp-amber": "zzhamberword"}
ROLES = {"anonymous": "tlp-clear", "partner": "tlp-green", "reviewer": "tlp-amber"}
LEVELS = ("tlp-clear", "tlp-green", "tlp-amber")
XL = "http://www.w3.org/2008/05/skos-xl#"


@dataclass(frozen=True)
class World:
    server: LiveServer
    tokens: dict[str, str | None]
    term: str  # path of the term, /term/T...
    labels: dict[str, str]  # level -> label IRI
    graphs: dict[str, str]  # level -> graph IRI


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    store = tmp_path_factory.mktemp("handling") / "store"
    for server in run_server(store):
        made = TokenStore(auth_path(store))
        contributor = made.create("contributor", "PL", "PL")[1]
        tokens = {"anonymous": None, "partner": made.create("partner", "P")[1],
                  "reviewer": made.create("reviewer", "R")[1]}  # fmt: skip
        header = "term,language,term_type,substances,meaning,ambiguity,handling"
        rows = [f"{form},en,slang,cocaine,handling test term,low,{level.upper().replace('-', ':')}"
                for level, form in FORMS.items()]  # fmt: skip
        response = httpx.post(server.url + "/api/v1/contributions", content="\n".join([header, *rows]).encode(),
                              headers={"Content-Type": "text/csv", "Authorization": f"Bearer {contributor}"})  # fmt: skip
        assert response.status_code == 202, response.text
        cid = response.json()["id"]
        labels = {item["handling"]: item["label"] for item in response.json()["details"]["preview"]["labels"]}
        term = response.json()["details"]["preview"]["new_terms"][0].replace("https://w3id.org/drugkp", "")
        approved = httpx.post(f"{server.url}/api/v1/contributions/{cid}/approve",
                              headers={"Authorization": f"Bearer {tokens['reviewer']}"})  # fmt: skip
        assert approved.status_code == 200, approved.text
        graphs = {level: f"https://w3id.org/drugkp/graph/contribution/{cid}/{level}" for level in LEVELS}
        yield World(server, tokens, term, labels, graphs)


def get(world: World, role: str, path: str, **kwargs: object) -> httpx.Response:
    token = world.tokens[role]
    headers = dict(kwargs.pop("headers", {}))  # type: ignore[call-overload]
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(world.server.url + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def sparql(world: World, role: str, query: str, **params: str | list[str]) -> str:
    accept = "text/csv, application/n-triples;q=0.9"
    response = get(world, role, "/sparql", params={"query": query, **params}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return response.text


# Each route: how to look for the label of one level; returns the text to search for the form.
ROUTES: dict[str, Callable[[World, str, str], str]] = {
    "sparql default graph": lambda w, role, level: sparql(w, role, f"SELECT ?f WHERE {{ ?l <{XL}literalForm> ?f }}"),
    "sparql GRAPH ?g": lambda w, role, level: sparql(
        w, role, f"SELECT ?g ?f WHERE {{ GRAPH ?g {{ ?l <{XL}literalForm> ?f }} }}"),
    # One pattern with a fixed subject, in JSON: answered in the serving process, not by a worker.
    "sparql lookup by URI": lambda w, role, level: get(
        w, role, "/sparql", params={"query": f"SELECT ?p ?o WHERE {{ <{w.labels[level]}> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"}).text,
    "sparql lookup by URI (POST)": lambda w, role, level: post_form(
        w, role, "/sparql", {"query": f"SELECT * {{ <{w.labels[level]}> <{XL}literalForm> ?f }}"}).text,
    "sparql DESCRIBE the label": lambda w, role, level: sparql(w, role, f"DESCRIBE <{w.labels[level]}>"),
    "sparql default-graph-uri": lambda w, role, level: sparql(
        w, role, f"SELECT ?f WHERE {{ ?l <{XL}literalForm> ?f }}", **{"default-graph-uri": w.graphs[level]}),
    "sparql named-graph-uri": lambda w, role, level: sparql(
        w, role, f"SELECT ?f WHERE {{ GRAPH ?g {{ ?l <{XL}literalForm> ?f }} }}",
        **{"named-graph-uri": w.graphs[level]}),
    "sparql FROM": lambda w, role, level: sparql(
        w, role, f"SELECT ?f FROM <{w.graphs[level]}> WHERE {{ ?l <{XL}literalForm> ?f }}"),
    "sparql FROM NAMED": lambda w, role, level: sparql(
        w, role, f"SELECT ?f FROM NAMED <{w.graphs[level]}> WHERE {{ GRAPH ?g {{ ?l <{XL}literalForm> ?f }} }}"),
    "term document (Turtle)": lambda w, role, level: get(w, role, w.term + ".ttl").text,
    "term document (JSON-LD)": lambda w, role, level: get(w, role, w.term + ".jsonld").text,
    "term page (HTML)": lambda w, role, level: get(w, role, w.term + ".html").text,
    "term by content negotiation": lambda w, role, level: get(
        w, role, w.term, headers={"Accept": "application/n-triples"}, follow_redirects=True).text,
    "label document": lambda w, role, level: get(
        w, role, w.labels[level].replace("https://w3id.org/drugkp", "") + ".nt").text,
    # Answers repeat the query, so only the results are searched for the form.
    "search API": lambda w, role, level: str([r["matched"]["text"] for r in get(
        w, role, "/api/v1/search", params={"q": FORMS[level]}).json()["results"]]),
    "suggest API": lambda w, role, level: str([r["text"] for r in get(
        w, role, "/api/v1/suggest", params={"q": FORMS[level]}).json()]),
    "search page": lambda w, role, level: get(
        w, role, "/search", params={"q": FORMS[level]}).text.partition('<ol class="results"')[2],
    "matcher": lambda w, role, level: post(w, role, "/api/v1/match", {"texts": [f"buy {FORMS[level]} now"]}).text,
    "browse index": lambda w, role, level: get(w, role, "/browse/en", params={"letter": "z"}).text,
    "Skosmos label search": lambda w, role, level: str([r.get("altLabel") or r.get("prefLabel") for r in get(
        w, role, "/rest/v1/search", params={"query": FORMS[level], "lang": "en"}).json()["results"]]),
    "Skosmos labels": lambda w, role, level: get(
        w, role, "/rest/v1/terms/data", params={"uri": "https://w3id.org/drugkp" + w.term, "format": "text/turtle"}).text,
    "dump (Turtle)": lambda w, role, level: get(w, role, "/dump.ttl").text,
    "dump (TriG)": lambda w, role, level: get(w, role, "/dump.trig").text,
}  # fmt: skip


def post_form(world: World, role: str, path: str, form: dict[str, str]) -> httpx.Response:
    token = world.tokens[role]
    headers = {"Accept": "application/sparql-results+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(world.server.url + path, data=form, headers=headers, timeout=30)


def post(world: World, role: str, path: str, body: object) -> httpx.Response:
    token = world.tokens[role]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(world.server.url + path, json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", list(ROLES))
def test_each_route_shows_only_what_the_role_may_see(world: World, route: str, role: str) -> None:
    allowed = LEVELS[: LEVELS.index(ROLES[role]) + 1]
    for level in LEVELS:
        text = ROUTES[route](world, role, level)
        assert (FORMS[level] in text) == (level in allowed), (route, role, level, text[:500])


def test_statistics_api_counts_only_what_the_role_may_see(world: World) -> None:
    labels = {role: get(world, role, "/api/v1/stats").json()["labels"] for role in ROLES}
    assert labels["reviewer"] - labels["partner"] == 1  # the one AMBER label
    assert labels["partner"] - labels["anonymous"] == 98  # the seed's 97 GREEN labels and this one


def test_statistics_count_only_what_the_role_may_see(world: World) -> None:
    def labels(role: str) -> int:
        page = get(world, role, "/").text
        match = re.search(
            r"<strong>(\d+)</strong>\s*\S*\s*labels|<strong>\d+</strong>[^<]*<strong>(\d+)</strong>", page
        )
        assert match, page[:2000]
        return int(match.group(1) or match.group(2))

    anonymous, partner, reviewer = labels("anonymous"), labels("partner"), labels("reviewer")
    assert reviewer - partner == 1  # the one AMBER label
    assert partner - anonymous == 98  # the seed's 97 GREEN labels and this one


def test_the_contribution_queue_is_not_for_readers(world: World) -> None:
    assert get(world, "anonymous", "/api/v1/contributions").status_code == 401
    assert get(world, "partner", "/api/v1/contributions").status_code == 403
