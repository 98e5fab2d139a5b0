"""The Skosmos-compatible REST API (/rest/v1/): driven by the PyPI `skosmos-client`
library as a real client where it reaches, and by httpx for the rest (shapes the
client does not read, RDF data, errors, handling levels)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SKOS
from skosmos_client import SkosmosClient

from server import skosmos, skosmos_browse, skosmos_search
from tests.server_fixture import ADMIN_TOKEN, LiveServer

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/drugkp/"
COCAINE = BASE + "substance/S0019"
COCA_PRODUCTS = BASE + "substance/S0018"
OPIOIDS = BASE + "substance/S0055"
FENTANYL = BASE + "substance/S0029"
DRUGS = BASE + "substance/S0025"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def client(live_server: LiveServer) -> SkosmosClient:
    return SkosmosClient(api_base=live_server.url + "/rest/v1/")


@functools.cache
def connection(url: str) -> httpx.Client:
    """One keep-alive client per server, rather than a new one per request."""
    return httpx.Client(base_url=url)


def rest(
    server: LiveServer, path: str, headers: dict[str, str] | None = None, **params: str
) -> httpx.Response:
    return connection(server.url).get(f"/rest/v1/{path}", params=params, headers=headers)


def matched_texts(result: dict[str, Any]) -> set[str]:
    """Every label a search or index result shows."""
    return {result[k] for k in ("prefLabel", "altLabel", "hiddenLabel", "matchedPrefLabel") if k in result}


# ------------------------------------------------------ through skosmos-client
def test_client_lists_the_vocabularies(client: SkosmosClient) -> None:
    found = {v["id"]: v for v in client.vocabularies("en")}
    assert set(found) == set(skosmos.VOCABULARIES)
    assert found["terms"]["title"] == "Drug-advertising terms" and found["terms"]["uri"] == "terms"


@pytest.mark.parametrize(
    ("query", "options", "label"),
    [
        ("snieg", {}, "śnieg"),  # without its accent
        ("ŚNIEG", {}, "śnieg"),
        ("🍁🔥", {}, "🍁🔥"),  # an emoji sequence
        ("❄", {}, "❄️"),  # an emoji without its variation selector
        ("Kokain", {"vocabs": "substances", "lang": "de"}, "Kokain"),
        ("trava", {"lang": "cs"}, "tráva"),
        ("❄️", {"lang": "en"}, "❄️"),  # emoji have no language: found whatever the language asked
    ],
)
def test_client_search_finds_labels(
    client: SkosmosClient, query: str, options: dict[str, str], label: str
) -> None:
    results = client.search(query, **options)
    assert results, f"nothing found for {query!r}"
    assert label in matched_texts(results[0]) or any(label in matched_texts(r) for r in results), results
    assert all({"uri", "type", "prefLabel", "lang", "vocab", "localname"} <= set(r) for r in results)


def test_client_search_wildcards_vocabularies_and_paging(client: SkosmosClient) -> None:
    prefix = client.search("coca*", vocabs="substances", lang="en")
    assert prefix and all(r["vocab"] == "substances" for r in prefix)
    assert all(
        any(t.lower().startswith("coca") or " coca" in t.lower() for t in matched_texts(r)) for r in prefix
    )
    suffix = client.search("*amine", vocabs=["terms", "substances"], lang="en")
    assert suffix and all(any(t.lower().endswith("amine") for t in matched_texts(r)) for r in suffix)
    everything = client.search("*", vocabs="term-types", lang="en")
    assert len(everything) == 10 and [r["prefLabel"] for r in everything] == sorted(
        (r["prefLabel"] for r in everything), key=str.casefold
    )
    pages = [client.search("*", vocabs="term-types", lang="en", maxhits=4, offset=o) for o in (0, 4, 8)]
    assert [r["uri"] for page in pages for r in page] == [r["uri"] for r in everything]
    english = client.search("sn*", lang="en")
    assert english and all(r["lang"] == "en" for r in english)  # only English labels matched
    typo = client.search("cocaien", lang="en")  # no label is equal: typos are found instead
    assert COCAINE in [r["uri"] for r in typo]
    exact = client.search("kokain")  # labels equal to the query, and no typos beside them
    assert COCAINE in [r["uri"] for r in exact]
    assert all("kokain" in {t.casefold() for t in matched_texts(r)} for r in exact)
    in_terms = client.search("kokain", vocabs="terms")  # no term is called so: its typos in terms
    assert in_terms and all(r["vocab"] == "terms" for r in in_terms)


def test_client_reads_a_concepts_labels_and_hierarchy(client: SkosmosClient) -> None:
    cocaine = client.get_concept("substances", COCAINE)
    assert cocaine.label("de") == "Kokain"
    assert cocaine.label("en") == "cocaine"
    assert [b["uri"] for b in cocaine.broader("en")] == [COCA_PRODUCTS]
    assert cocaine.narrower("en") == []
    opioids = client.get_concept("substances", OPIOIDS).narrower("en")
    assert FENTANYL in [n["uri"] for n in opioids]
    assert next(n["prefLabel"] for n in opioids if n["uri"] == FENTANYL) == "fentanyl"
    assert OPIOIDS in [b["uri"] for b in client.get_concept("substances", FENTANYL).broader("en")]
    above = client.get_concept("substances", FENTANYL).broaderTransitive("en")
    assert {FENTANYL, OPIOIDS, DRUGS} <= set(above) and above[OPIOIDS]["broader"] == [DRUGS]
    assert "broader" not in above[DRUGS] and above[OPIOIDS]["prefLabel"] == "opioids"
    below = client.get_concept("substances", DRUGS).narrowerTransitive("en")
    assert {COCAINE, FENTANYL, OPIOIDS} <= set(below) and FENTANYL in below[OPIOIDS]["narrower"]
    assert len(client.get_concept("substances", DRUGS).narrowerTransitive("en", limit=3)) == 3


def test_client_top_concepts_and_vocabulary(client: SkosmosClient) -> None:
    tops = client.top_concepts("substances", lang="en")
    assert [(t["uri"], t["label"], t["hasChildren"]) for t in tops] == [(DRUGS, "drugs", True)]
    types = client.top_concepts("term-types", lang="fr")
    assert len(types) == 10 and {"emoji", "slang", "hashtag"} <= {t["notation"] for t in types}
    terms = client.get_vocabulary("terms", lang="en")
    assert terms["id"] == "terms" and {"en", "pl", "el", "zxx"} <= set(terms["languages"])
    assert terms["conceptschemes"][0]["uri"] == BASE + "scheme/terms"
    with pytest.raises(ValueError, match="no vocabulary"):
        client.get_vocabulary("nonexistent")


def test_client_lookup(client: SkosmosClient) -> None:
    coke = client.lookup("terms", "coke", lang="en")
    assert coke and all(r["prefLabel"] == "coke" or r.get("altLabel") == "coke" for r in coke)
    kokain = client.lookup("substances", "KOKAIN")  # case-insensitive, any language
    assert [(r["uri"], r["prefLabel"].casefold()) for r in kokain] == [(COCAINE, "kokain")]
    with pytest.raises(ValueError, match="could not find"):
        client.lookup("substances", "no such substance")


# ---------------------------------------------------------------- via httpx
@pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)  # rdflib's JSON-LD parser
def test_data_as_rdf_xml_turtle_and_skosmos_json(live_server: LiveServer) -> None:
    # skosmos-client 0.3.0's data() asks for RDF/XML but parses the answer
    # without a format, which rdflib >= 6 reads as Turtle: it fails against any
    # Skosmos server, so the RDF is checked here directly.
    xml = rest(live_server, "substances/data", uri=COCAINE, format="application/rdf+xml")
    assert xml.headers["content-type"].startswith("application/rdf+xml")
    graph = rdflib.Graph().parse(data=xml.content, format="xml")
    assert (rdflib.URIRef(COCAINE), SKOS.prefLabel, rdflib.Literal("Kokain", lang="de")) in graph
    turtle = rest(live_server, "data", headers={"Accept": "text/turtle"}, uri=COCAINE)
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == len(graph)
    compact = rest(live_server, "data", uri=COCAINE, format="application/json")
    body = compact.json()
    assert body["@context"]["uri"] == "@id" and body["@context"]["graph"] == "@graph"
    node = next(n for n in body["graph"] if n["uri"] == COCAINE)
    assert {"lang": "de", "value": "Kokain"} in node["prefLabel"]
    assert node["broader"] == {"uri": COCA_PRODUCTS}
    assert len(rdflib.Graph().parse(data=compact.text, format="json-ld")) == len(graph)  # context inline
    scheme = rest(
        live_server, "term-types/data", uri=BASE + "scheme/term-types", format="application/ld+json"
    )
    assert any(n["uri"] == BASE + "scheme/term-types" for n in scheme.json()["graph"])


def test_index_letters_and_concepts(live_server: LiveServer) -> None:
    letters = rest(live_server, "terms/index/", lang="pl").json()
    assert letters["@context"]["indexLetters"]["@container"] == "@list"
    found = letters["indexLetters"]
    plain = [c for c in found if c not in ("!*", "0-9")]
    assert {"S", "Ś", "K"} <= set(plain) and found[: len(plain)] == sorted(plain)  # special classes last
    accented = rest(live_server, "terms/index/ś", lang="pl").json()["indexConcepts"]
    assert accented and all((c.get("altLabel") or c["prefLabel"]).lower().startswith("ś") for c in accented)
    assert all({"uri", "localname", "prefLabel", "lang"} <= set(c) for c in accented)
    every = rest(live_server, "terms/index/S", lang="pl").json()["indexConcepts"]
    paged = [rest(live_server, "terms/index/S", lang="pl", limit="3", offset=str(o)).json() for o in (0, 3)]
    assert [c["uri"] for page in paged for c in page["indexConcepts"]] == [c["uri"] for c in every[:6]]
    emoji = rest(live_server, "terms/index/!*", lang="zxx").json()["indexConcepts"]
    assert "🍁🔥" in {c.get("altLabel") or c["prefLabel"] for c in emoji}
    assert "!*" in rest(live_server, "terms/index/", lang="zxx").json()["indexLetters"]


def test_mappings_to_external_identifiers(live_server: LiveServer) -> None:
    body = rest(live_server, "substances/mappings", uri=BASE + "substance/S0003", lang="en").json()
    wikidata = next(m for m in body["mappings"] if m["to"]["memberSet"][0]["uri"].endswith("/Q17067265"))
    assert wikidata["type"] == ["skos:exactMatch"] and wikidata["vocabName"] == "Wikidata"
    assert wikidata["from"]["memberSet"][0]["uri"] == BASE + "substance/S0003"
    assert wikidata["fromScheme"]["uri"] == BASE + "scheme/substances"
    assert any(n["uri"] == BASE + "substance/S0003" for n in body["graph"]["graph"])
    assert rest(live_server, "terms/mappings", uri=BASE + "term/T0001").json()["mappings"] == []


def sparql_count(server: LiveServer, where: str, headers: dict[str, str] | None = None) -> int:
    query = f"PREFIX skos: <{SKOS}> SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    response = httpx.get(server.url + "/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json", **(headers or {})})  # fmt: skip
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_statistics_agree_with_sparql(live_server: LiveServer) -> None:
    for headers in ({}, ADMIN):
        concepts = rest(live_server, "terms/vocabularyStatistics", headers=headers, lang="en").json()
        expected = sparql_count(live_server, f"?c skos:inScheme <{BASE}scheme/terms>", headers)
        assert concepts["concepts"]["count"] == expected and concepts["concepts"]["deprecatedCount"] == 0
        assert {t["type"]: t["count"] for t in concepts["subTypes"]} == {BASE + "ontology#DrugTerm": expected}
        labels = rest(live_server, "terms/labelStatistics", headers=headers, lang="en").json()
        polish = next(lang for lang in labels["languages"] if lang["language"] == "pl")
        assert polish["literal"] == "Polish"
        for kind in ("prefLabel", "altLabel", "hiddenLabel"):
            counted = sum(p["labels"] for lang in labels["languages"] for p in lang["properties"]
                          if p["property"] == f"skos:{kind}")  # fmt: skip
            where = f"?c skos:inScheme <{BASE}scheme/terms> ; skos:{kind} ?l"
            assert counted == sparql_count(live_server, where, headers), kind
    anonymous = rest(live_server, "terms/vocabularyStatistics").json()["concepts"]["count"]
    assert (
        rest(live_server, "terms/vocabularyStatistics", headers=ADMIN).json()["concepts"]["count"] > anonymous
    )


SHAPES: list[tuple[str, dict[str, str], Callable[[dict[str, Any]], bool]]] = [
    (
        "vocabularies",
        {"lang": "en"},
        lambda b: b["uri"] == "" and b["@context"]["title"]["@language"] == "en",
    ),
    ("terms/", {"lang": "en"}, lambda b: b["defaultLanguage"] == "en" and b["@context"]["@language"] == "en"),
    ("search", {"query": "coke"}, lambda b: b["@context"]["results"]["@container"] == "@list"),
    ("label", {"uri": COCAINE, "lang": "de"}, lambda b: b["prefLabel"] == "Kokain" and b["uri"] == COCAINE),
    ("substances/label", {"uri": COCAINE, "lang": "en"}, lambda b: "cocaine" in b["prefLabel"]),
    ("lookup", {"label": "cocaine", "lang": "en"}, lambda b: COCAINE in [r["uri"] for r in b["result"]]),
    ("substances/search", {"query": "heroin"}, lambda b: b["results"][0]["vocab"] == "substances"),
    (
        "search",
        {"query": "coca*", "type": "kp:Substance"},
        lambda b: b["results"] and all("kp:Substance" in r["type"] for r in b["results"]),
    ),
    (
        "search",
        {"query": "coca*", "type": BASE + "ontology#DrugTerm"},
        lambda b: b["results"] and all("kp:DrugTerm" in r["type"] for r in b["results"]),
    ),
    ("substances/broader", {"uri": COCAINE}, lambda b: b["@context"]["broader"] == "skos:broader"),
    ("substances/topConcepts", {}, lambda b: b["uri"] == BASE + "scheme/substances"),
    ("terms/index/", {}, lambda b: bool(b["indexLetters"])),  # English by default
]


@pytest.mark.parametrize(("path", "params", "check"), SHAPES, ids=[s[0] for s in SHAPES])
def test_json_ld_shapes(live_server: LiveServer, path: str, params: dict[str, str],
                        check: Callable[[dict[str, Any]], bool]) -> None:  # fmt: skip
    response = rest(live_server, path, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["@context"]["uri"] == "@id" and check(body), body
    as_ld = rest(live_server, path, headers={"Accept": "application/ld+json"}, **params)
    assert as_ld.headers["content-type"].startswith("application/ld+json")


ERRORS = [
    ("nonexistent/", {}, 404),
    ("nonexistent/topConcepts", {}, 404),
    ("nonexistent/broader", {"uri": COCAINE}, 404),
    ("nonexistent/index/A", {}, 404),
    ("nonexistent/vocabularyStatistics", {}, 404),
    ("substances/broader", {"uri": BASE + "substance/S9999"}, 404),
    ("terms/narrower", {"uri": COCAINE}, 404),  # a concept of another vocabulary
    ("label", {"uri": "https://example.org/nothing"}, 404),
    ("data", {"uri": "not a uri"}, 404),
    ("substances/mappings", {"uri": BASE + "term/T0001"}, 404),
    ("search", {"query": "coke", "vocab": "terms nonexistent"}, 404),
    ("lookup", {"label": "zzzzqqqq"}, 404),
    ("vocabularies", {}, 400),
    ("search", {}, 400),
    ("search", {"query": "  "}, 400),
    ("search", {"query": "coke", "maxhits": "0"}, 400),
    ("search", {"query": "coke", "maxhits": "many"}, 400),
    ("search", {"query": "coke", "offset": "-1"}, 400),
    ("search", {"query": "*!!!*"}, 400),
    ("lookup", {}, 400),
    ("label", {}, 400),
    ("data", {}, 400),
    ("substances/broader", {}, 400),
    ("substances/mappings", {}, 400),
    ("terms/index/A", {"limit": "x"}, 400),
    ("substances/broaderTransitive", {"uri": COCAINE, "limit": "0"}, 400),
    ("substances/narrowerTransitive", {"uri": BASE + "term/T0001"}, 404),
    ("data", {"uri": COCAINE, "format": "text/csv"}, 406),
]


@pytest.mark.parametrize(("path", "params", "status"), ERRORS, ids=[f"{e[0]}-{e[2]}" for e in ERRORS])
def test_errors(live_server: LiveServer, path: str, params: dict[str, str], status: int) -> None:
    response = rest(live_server, path, **params)
    assert response.status_code == status, response.text
    assert response.json()["message"]


# ------------------------------------------------------------ handling level
def literal_forms(paths: list[Path], predicates: tuple[str, ...]) -> set[str]:
    forms = set()
    for path in paths:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if quad.predicate.value in predicates and isinstance(quad.object, ox.Literal):
                forms.add(quad.object.value)
    return forms


def test_green_labels_never_reach_anonymous_callers(live_server: LiveServer) -> None:
    literal_form = "http://www.w3.org/2008/05/skos-xl#literalForm"
    labels = (literal_form, str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.hiddenLabel))
    green = literal_forms(sorted((ROOT / "vocab" / "green").rglob("*.ttl")), (literal_form,))
    clear_files = [p for p in (ROOT / "vocab").rglob("*.ttl") if "green" not in p.parts]
    green_only = green - literal_forms(clear_files, labels)
    assert len(green_only) > 50  # the seed's GREEN labels, less forms that are also CLEAR labels
    for form in sorted(green_only):
        try:
            results = rest(live_server, "search", query=form, maxhits="1000").json()["results"]
        except json.JSONDecodeError:
            pytest.fail(f"search for {form!r} did not answer JSON")
        assert not any(matched_texts(r) & green_only for r in results), (form, results)
    languages = rest(live_server, "terms/").json()["languages"]
    for lang in languages:
        shown = rest(live_server, "terms/index/*", lang=lang).json()["indexConcepts"]
        assert not set().union(*(matched_texts(c) for c in shown)) & green_only, lang
    # The same questions at partner level do find them (so the checks above can fail).
    seen = rest(live_server, "search", headers=ADMIN, query="susz", lang="pl").json()["results"]
    assert "susz" in set().union(*(matched_texts(r) for r in seen)) and "susz" in green_only


@pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)  # rdflib's JSON-LD parser
def test_green_labels_of_clear_terms_stay_out_of_their_data_and_labels(live_server: LiveServer) -> None:
    kinds = (str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.hiddenLabel))
    green: dict[str, set[tuple[str, str]]] = {}  # concept -> (lang, form) of its GREEN labels
    for path in sorted((ROOT / "vocab" / "green" / "labels").glob("*.ttl")):
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if quad.predicate.value in kinds and isinstance(quad.object, ox.Literal):
                green.setdefault(quad.subject.value, set()).add(
                    (quad.object.language or "", quad.object.value)
                )
    clear_files = [p for p in (ROOT / "vocab").rglob("*.ttl") if "green" not in p.parts]
    clear_forms = literal_forms(clear_files, (*kinds, "http://www.w3.org/2008/05/skos-xl#literalForm"))
    checked = 0
    for concept, labels in sorted(green.items()):
        secret = {form for _, form in labels} - clear_forms
        document = rest(live_server, "data", uri=concept, format="application/json")
        if document.status_code == 404:  # a term with GREEN labels only: unknown (see the next test)
            continue
        values = {str(o) for o in rdflib.Graph().parse(data=document.text, format="json-ld").objects()}
        assert not values & secret, concept
        for lang in sorted({lang for lang, _ in labels}):
            shown = rest(live_server, "terms/label", uri=concept, lang=lang).json()
            assert (
                not {shown.get("prefLabel"), *shown.get("altLabel", []), *shown.get("hiddenLabel", [])}
                & secret
            )
        checked += 1
        as_partner = rest(live_server, "data", headers=ADMIN, uri=concept, format="application/json").text
        assert all(json.dumps(form, ensure_ascii=False) in as_partner for form in secret), concept
    assert checked >= 10  # clear terms that also have GREEN labels


def test_green_only_terms_are_unknown_to_anonymous_callers(live_server: LiveServer) -> None:
    subjects = sorted(
        {q.subject.value for q in ox.parse(path=str(ROOT / "vocab" / "green" / "terms.ttl"), format=ox.RdfFormat.TURTLE)
         if q.subject.value.startswith(BASE + "term/")}
    )  # fmt: skip
    assert subjects
    for uri in subjects[:10]:
        for path, params in (
            ("terms/label", {"uri": uri}),
            ("data", {"uri": uri}),
            ("terms/broader", {"uri": uri}),
        ):
            assert rest(live_server, path, **params).status_code == 404, (path, uri)
            assert rest(live_server, path, headers=ADMIN, **params).status_code == 200, (path, uri)


def test_answers_follow_writes(live_server: LiveServer) -> None:
    term, graph = BASE + "term/T0002", BASE + "graph/vocab/terms"
    triple = f'<{term}> <{SKOS.altLabel}> "zz skosmos test"@en .'
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}"
    assert httpx.post(live_server.url + "/sparql", data={"update": update}, headers=ADMIN).status_code == 204
    try:
        labels = rest(live_server, "terms/label", uri=term, lang="en").json()
        assert "zz skosmos test" in labels.get("altLabel", [])
    finally:
        delete = update.replace("INSERT DATA", "DELETE DATA")
        assert (
            httpx.post(live_server.url + "/sparql", data={"update": delete}, headers=ADMIN).status_code == 204
        )
    assert "zz skosmos test" not in rest(live_server, "terms/label", uri=term, lang="en").json().get(
        "altLabel", []
    )


def test_openapi_documents_the_skosmos_routes(live_server: LiveServer) -> None:
    paths = httpx.get(live_server.url + "/openapi.json").json()["paths"]
    expected = ["/rest/v1/vocabularies", "/rest/v1/search", "/rest/v1/{vocid}/topConcepts",
                "/rest/v1/{vocid}/index/{letter}", "/rest/v1/{vocid}/mappings", "/rest/v1/{vocid}/labelStatistics"]  # fmt: skip
    for path in expected:
        assert paths[path]["get"]["tags"] == ["skosmos"], path
        assert paths[path]["get"]["summary"]


# ------------------------------------------------------------------ units
@pytest.mark.parametrize(
    ("form", "letter"),
    [
        ("śnieg", "Ś"),
        ("Snow", "S"),
        ("χιόνι", "Χ"),
        ("420", "0-9"),
        ("🍁🔥", "!*"),
        ("#coke", "!*"),
        ("", "!*"),
    ],
)
def test_letter_class(form: str, letter: str) -> None:
    assert skosmos_browse.letter_class(form) == letter


@pytest.mark.parametrize(
    ("query", "key", "matches"),
    [("*ine", "cocaine", True), ("*ine", "cocaine base", False), ("co*ne", "cocaine", True),
     ("*CAÍ*", "cocaine", True), ("*caí", "cocaine", False)],
)  # fmt: skip
def test_wildcard_pattern(query: str, key: str, matches: bool) -> None:
    assert bool(skosmos_search.pattern(query).fullmatch(key)) is matches


def test_a_wrong_token_is_refused_not_downgraded(live_server: LiveServer) -> None:
    response = rest(live_server, "search", headers={"Authorization": "Bearer kp_nope_nope"}, query="coke")
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
