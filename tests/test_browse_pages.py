"""Browse and statistics pages through a real server over the seed vocabulary."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server import lexicon
from server.config import Settings
from server.stats import statistics
from server.store import EmbeddedStore
from tests.server_fixture import ADMIN_TOKEN, LiveServer

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def get(server: LiveServer, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(server.url + path, timeout=60, **kwargs)


def section(page: str, key: str) -> str:
    """The HTML of one letter section of an index page."""
    found = re.search(rf'<section class="letter" id="letter-{re.escape(key)}">(.*?)</section>', page, re.S)
    assert found, f"no section {key!r}"
    return found.group(1)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/browse",
            ['href="/browse/pl"', 'href="/browse/el"', 'href="/browse/zxx"', 'href="/browse/substances"'],
        ),
        ("/browse/pl", ["zielsko", "dopalacze", '<a href="/browse/pl?letter=Z"']),
        ("/browse/el", ["φούντες", "<h2>Φ</h2>"]),
        ("/browse/zxx", ["🔮", "🧪", "💜🥤"]),
        ("/browse/substances", ['href="/substance/S0012"', 'class="group"']),
        ("/browse/recent", ['<h2 id="added">', '<h2 id="changed">']),
        ("/?lang=de", ['href="/browse?lang=de"', 'href="/stats?lang=de"', "Durchsuchen"]),
    ],
)
def test_pages_answer_with_their_content(live_server: LiveServer, path: str, expected: list[str]) -> None:
    response = get(live_server, path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for text in expected:
        assert text in response.text, text


def test_greek_is_grouped_by_greek_letters(live_server: LiveServer) -> None:
    page = get(live_server, "/browse/el").text
    assert "φούντες" in section(page, "Φ")
    one = get(live_server, "/browse/el", params={"letter": "φ"})  # lower case names the same section
    assert one.status_code == 200
    assert re.findall(r'<section class="letter" id="letter-([^"]+)"', one.text) == ["Φ"]
    assert 'aria-current="page"' in one.text


def test_emoji_have_their_own_section(live_server: LiveServer) -> None:
    page = get(live_server, "/browse/zxx").text
    assert re.findall(r'<section class="letter" id="letter-([^"]+)"', page) == ["emoji"]
    assert "🔮" in section(page, "emoji")


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/browse/xx", {}, 404),  # a language without labels
        ("/browse/en1%3Cb%3E", {}, 400),  # not a language tag
        ("/browse/en", {"letter": "ab"}, 400),
        ("/browse/en", {"letter": "Ж"}, 404),  # a letter no English label begins with
    ],
)
def test_bad_language_or_letter_gets_a_clear_page(
    live_server: LiveServer, path: str, params: dict[str, str], status: int
) -> None:
    response = get(live_server, path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text and "<b>" not in response.text


def shown(entries: list[lexicon.Entry]) -> set[tuple[str, str]]:
    return {(e.lang, e.form) for e in entries if not e.is_substance_name and e.kind in ("pref", "alt")}


def test_green_labels_only_for_callers_cleared_for_them(
    live_server: LiveServer, level_reader: Callable[[str], EmbeddedStore]
) -> None:
    clear = shown(lexicon.build(level_reader("tlp-clear"), "tlp-clear").entries)
    green_only = sorted(
        (e.lang, e.form)
        for e in lexicon.build(level_reader("tlp-green"), "tlp-green").entries
        if e.handling == "tlp-green" and e.kind in ("pref", "alt") and (e.lang, e.form) not in clear
    )
    assert green_only
    lang, form = green_only[0]
    anonymous = get(live_server, f"/browse/{lang}")
    admin = get(live_server, f"/browse/{lang}", headers=ADMIN)
    assert anonymous.status_code == admin.status_code == 200
    assert html.escape(form) not in anonymous.text and html.escape(form) in admin.text
    assert "TLP:CLEAR" in anonymous.text and "TLP:AMBER" in admin.text
    assert "Authorization" in anonymous.headers["vary"]


def test_api_statistics_are_the_statistics_of_the_seed(
    live_server: LiveServer, seed_store: tuple[Settings, EmbeddedStore]
) -> None:
    settings, store = seed_store
    anonymous = get(live_server, "/api/v1/stats")
    assert anonymous.status_code == 200
    assert anonymous.json() == statistics(settings, store, "tlp-clear")
    admin = get(live_server, "/api/v1/stats", headers=ADMIN).json()
    assert admin == statistics(settings, store, "tlp-amber")
    green = [row for row in admin["by_handling"] if row["levelLabel"] == "TLP:GREEN"]
    assert green[0]["labels"] == 97 == admin["labels"] - anonymous.json()["labels"]
    assert {row["levelLabel"] for row in anonymous.json()["by_handling"]} == {"TLP:CLEAR"}
    growth = anonymous.json()["growth"]
    assert growth[-1]["cumulative_labels"] == anonymous.json()["labels"]  # every seed label has dct:created


def test_api_statistics_are_in_the_openapi_schema(live_server: LiveServer) -> None:
    schema = get(live_server, "/openapi.json").json()
    answer = schema["paths"]["/api/v1/stats"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert answer == {"$ref": "#/components/schemas/Statistics"}
    assert {"by_country", "growth", "by_language"} <= set(
        schema["components"]["schemas"]["Statistics"]["properties"]
    )


def table_rows(page: str, ident: str) -> list[list[str]]:
    found = re.search(rf'<section class="stat" id="{ident}">(.*?)</section>', page, re.S)
    assert found, ident
    body = found.group(1).split("<tbody>", 1)[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_statistics_page_has_a_chart_and_its_table_per_section(live_server: LiveServer) -> None:
    page = get(live_server, "/stats")
    assert page.status_code == 200
    numbers = get(live_server, "/api/v1/stats").json()
    text = page.text
    assert "TLP:CLEAR" in text and "TLP:AMBER" in get(live_server, "/stats", headers=ADMIN).text
    assert text.count("<svg") == 6 and text.count('role="img"') == 6
    languages = {row[0]: row[1:] for row in table_rows(text, "language")}
    polish = next(row for row in numbers["by_language"] if row["lang"] == "pl")
    assert languages["Polish (pl)"] == [str(polish["labels"]), str(polish["terms"])]
    chart = re.search(r'<section class="stat" id="language">.*?</svg>', text, re.S)
    assert chart and f"Polish (pl): {polish['labels']}</title>" in chart.group(0)
    countries = {row[0]: row[1:] for row in table_rows(text, "country")}
    spain = next(row for row in numbers["by_country"] if row["code"] == "ESP")
    assert countries["Spain"] == [str(spain["labels"]), str(spain["terms"])]
    growth = table_rows(text, "growth")
    assert growth[-1][3] == str(numbers["labels"])


def test_substance_tree_counts_match_the_statistics(live_server: LiveServer) -> None:
    page = get(live_server, "/browse/substances").text
    numbers = get(live_server, "/api/v1/stats").json()
    cannabis = next(row for row in numbers["by_substance"] if row["substance"].endswith("/S0012"))
    found = re.search(
        r'<a href="/substance/S0012">[^<]*</a>\s*<span class="count">[^<]*<data value="(\d+)">', page
    )
    assert found and int(found.group(1)) == cannabis["terms"]


def test_recent_terms_are_listed_newest_first(live_server: LiveServer) -> None:
    page = get(live_server, "/browse/recent").text
    added = page.split('<h2 id="added">', 1)[1].split('<h2 id="changed">', 1)[0]
    dates = re.findall(r'<time datetime="([^"]+)">', added)
    assert len(dates) == 50 and dates == sorted(dates, reverse=True)
    assert re.search(r'<a href="/term/T\d+">', added)
