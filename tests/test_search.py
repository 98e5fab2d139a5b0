"""Search and suggest: every kind of query finds what it should, in the right order,
at the caller's handling level, through the index and through the real server."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from server import lexicon, search
from server.errors import BadRequest
from server.store import EmbeddedStore
from tests.server_fixture import ADMIN_TOKEN, LiveServer

COCAINE = "https://w3id.org/drugkp/substance/S0019"


@pytest.fixture(scope="module")
def indexes(level_reader: Callable[[str], EmbeddedStore]) -> dict[str, search.Index]:
    return {
        level: search.Index.build(lexicon.build(level_reader(level), level))
        for level in ("tlp-clear", "tlp-green")
    }


def first(index: search.Index, query: str, **kwargs: object) -> dict[str, object]:
    results = search.search(index, query, "en", **kwargs)  # type: ignore[arg-type]
    assert results["results"], f"nothing found for {query!r}"
    top: dict[str, object] = results["results"][0]
    return top


# (query, the label text the best result matched, how it matched)
FINDS = [
    ("coke", "coke", "exact"),
    ("COKE", "coke", "exact"),  # case
    ("snieg", "śnieg", "exact"),  # accents
    ("ŚNIEG", "śnieg", "exact"),
    ("χιονι", "χιόνι", "exact"),  # Greek without its accent
    ("ΧΙΌΝΙ", "χιόνι", "exact"),
    ("трава", "трава", "exact"),  # Cyrillic
    ("crys", "crystal", "prefix"),  # autocomplete
    ("cocane", "cocane", "exact"),  # a listed misspelling is exact
    ("cocaien", "cocaine", "fuzzy"),  # a typo
    ("crystall", "crystal", "fuzzy"),
    ("❄️", "❄️", "exact"),  # emoji with its variation selector
    ("❄", "❄️", "exact"),  # ... and without
    ("🍁🔥", "🍁🔥", "exact"),  # an emoji sequence
    ("🍁 🔥", "🍁🔥", "exact"),  # spaces between emoji do not count
    ("ｃｏｋｅ", "coke", "exact"),  # full-width letters (NFKC)
]


@pytest.mark.parametrize(("query", "text", "how"), FINDS, ids=[f[0] for f in FINDS])
def test_finds(indexes: dict[str, search.Index], query: str, text: str, how: str) -> None:
    top = first(indexes["tlp-clear"], query)
    assert top["matched"]["text"] == text  # type: ignore[index]
    assert top["match"] == how


@pytest.mark.parametrize(
    ("a", "b"),
    [("❄️", "❄"), ("✌🏿", "✌️"), ("👍🏽", "👍"), ("Śnieg", "snieg"), ("c\u200bo\u00adke", "coke"), ("Ａ", "a")],
)
def test_keys_ignore_what_writers_do_not_choose(a: str, b: str) -> None:
    assert search.search_key(a) == search.search_key(b)


def test_hashtags_are_found_with_or_without_their_hash(indexes: dict[str, search.Index]) -> None:
    for query in ("trawka", "#trawka", "#TRAWKA"):
        top = first(indexes["tlp-clear"], query, term_type="hashtag")
        assert (top["matched"]["text"], top["match"]) == ("#trawka", "exact")  # type: ignore[index]


def test_ranking_exact_then_prefix_then_fuzzy(indexes: dict[str, search.Index]) -> None:
    results = search.search(indexes["tlp-clear"], "coke", "en", limit=50)["results"]
    order = [search.MATCHES.index(r["match"]) for r in results]
    assert order == sorted(order)
    assert {"exact", "word-prefix"} <= {r["match"] for r in results}


def test_pref_label_before_alt_and_hidden(indexes: dict[str, search.Index]) -> None:
    hits = [search.Hit(e, "exact") for e in indexes["tlp-clear"].lexicon.entries if e.form.lower() == "coke"]
    kinds = [h.entry.kind for h in sorted(hits, key=lambda h: h.rank("en"))]
    assert kinds == sorted(kinds, key=lambda k: ("pref", "alt", "hidden").index(k))


def test_result_says_which_label_matched_and_what_it_refers_to(indexes: dict[str, search.Index]) -> None:
    top = search.search(indexes["tlp-clear"], "śnieg", "pl")["results"][0]
    assert top["matched"] | {"lang": "pl", "kind": "pref", "termType": "code-word"} == top["matched"]
    assert top["prefLabel"] == "śnieg"  # the concept's name in the requested language
    assert search.search(indexes["tlp-clear"], "śnieg", "en")["results"][0]["prefLabel"] == "snow"
    assert search.search(indexes["tlp-clear"], "śnieg", "xx")["results"][0]["prefLabel"] == "snow"  # fallback
    assert {"iri": COCAINE, "label": "kokaina"} in top["substances"]  # substance names in that language too


def test_filters_and_paging(indexes: dict[str, search.Index]) -> None:
    index = indexes["tlp-clear"]
    polish = search.search(index, "sn", "en", label_lang="pl", limit=100)
    assert polish["total"] and all(r["matched"]["lang"] == "pl" for r in polish["results"])
    emoji = search.search(index, "🍃", "en", term_type="emoji", limit=100)["results"]
    assert emoji and all(r["matched"]["termType"] == "emoji" for r in emoji)
    cocaine = search.search(index, "s", "en", substance="S0019", limit=100)["results"]
    assert cocaine and all(COCAINE in [s["iri"] for s in r["substances"]] for r in cocaine)
    substances = search.search(index, "coca", "en", scheme="substances")["results"]
    assert substances and all(r["type"] == "substance" for r in substances)
    everything = search.search(index, "c", "en", limit=100)
    pages = [search.search(index, "c", "en", limit=7, offset=o)["results"] for o in range(0, 21, 7)]
    assert [r["concept"] for page in pages for r in page] == [
        r["concept"] for r in everything["results"][:21]
    ]
    assert len({r["concept"] for r in everything["results"]}) == len(everything["results"])  # one per concept


def test_handling_levels(indexes: dict[str, search.Index]) -> None:
    assert search.search(indexes["tlp-clear"], "susz", "en", label_lang="pl")["total"] == 0
    assert first(indexes["tlp-green"], "susz", label_lang="pl")["matched"]["text"] == "susz"  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "kwargs"),
    [("", {}), ("   ", {}), ("!!!", {}), ("x" * 201, {}), ("coke", {"limit": 0}), ("coke", {"limit": 101}),
     ("coke", {"offset": -1}), ("coke", {"scheme": "other"})],
)  # fmt: skip
def test_bad_queries(indexes: dict[str, search.Index], query: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(BadRequest):
        search.search(indexes["tlp-clear"], query, "en", **kwargs)  # type: ignore[arg-type]


def test_suggest_is_prefix_only(indexes: dict[str, search.Index]) -> None:
    suggestions = search.suggest(indexes["tlp-clear"], "crys", "en")
    assert suggestions and all(s["text"].lower().replace("#", "").startswith("crys") or " crys" in s["text"].lower()
                               for s in suggestions)  # fmt: skip
    assert search.suggest(indexes["tlp-clear"], "cocaien", "en") == []  # no typos in autocomplete


# ---------------------------------------------------------------- HTTP
@pytest.mark.parametrize(
    ("path", "params", "status", "check"),
    [
        ("/api/v1/search", {"q": "snieg"}, 200, lambda body: body["results"][0]["matched"]["text"] == "śnieg"),
        ("/api/v1/search", {"q": "❄"}, 200, lambda body: body["total"] >= 2),
        ("/api/v1/search", {"q": "susz"}, 200, lambda body: body["total"] == 0),  # GREEN: not for anonymous
        ("/api/v1/search", {"q": ""}, 400, lambda body: "no letters" in body["message"]),
        ("/api/v1/search", {"q": "coke", "limit": "1000"}, 400, lambda body: "limit" in body["message"]),
        ("/api/v1/search", {}, 422, lambda body: True),
        ("/api/v1/suggest", {"q": "koka"}, 200, lambda body: body and body[0]["text"].lower().startswith("koka")),
    ],
)  # fmt: skip
def test_api(live_server: LiveServer, path: str, params: dict[str, str], status: int,
             check: Callable[[object], bool]) -> None:  # fmt: skip
    response = httpx.get(live_server.url + path, params=params)
    assert response.status_code == status, response.text
    assert check(response.json()), response.text


def test_api_at_partner_level_sees_green(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/api/v1/search", params={"q": "susz"},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})  # fmt: skip
    assert response.json()["total"] >= 1


def test_search_page_works_without_javascript(live_server: LiveServer) -> None:
    page = httpx.get(live_server.url + "/search", params={"q": "<script>x</script>c0ke"})
    assert page.status_code == 200
    assert "<script>x</script>" not in page.text and "&lt;script&gt;" in page.text
    found = httpx.get(live_server.url + "/search", params={"q": "c0ke"})
    assert 'href="/term/' in found.text and "coke" in found.text
    assert '<script src="/static/suggest.js"' in found.text
    assert httpx.get(live_server.url + "/static/suggest.js").status_code == 200
    assert httpx.get(live_server.url + "/search", params={"q": "!!!"}).status_code == 400


def test_openapi_documents_search_and_its_page_works_offline(live_server: LiveServer) -> None:
    schema = httpx.get(live_server.url + "/openapi.json").json()
    assert {"/api/v1/search", "/api/v1/suggest"} <= set(schema["paths"])
    docs = httpx.get(live_server.url + "/api/docs").text
    assets = [part.split('"')[0] for part in docs.split('src="')[1:]] + [
        part.split('"')[0] for part in docs.split('href="')[1:]]  # fmt: skip
    assert assets and all(a.startswith("/") for a in assets), assets  # nothing from another host
    for asset in assets:
        assert httpx.get(live_server.url + asset).status_code == 200, asset
