"""Interface languages: every string translated or falling back to English."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from server.i18n import UI_DIR, choose_language, strings, translator
from server.namespaces import CORE_LANGUAGES
from tests.server_fixture import LiveServer

ENGLISH = json.loads((UI_DIR / "en.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", CORE_LANGUAGES)
def test_every_core_language_has_every_string(lang: str) -> None:
    path = UI_DIR / f"{lang}.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    assert list(table) == list(ENGLISH), f"{path.name}: keys differ from en.json"
    assert all(isinstance(v, str) and v.strip() for v in table.values())


def test_missing_strings_fall_back_to_english(tmp_path: Path) -> None:
    assert translator("xx")("nav_home") == ENGLISH["nav_home"]
    assert translator("de")("no-such-key") == "no-such-key"
    assert strings("en") == ENGLISH


@pytest.mark.parametrize(
    ("param", "header", "chosen"),
    [
        ("de", None, "de"),
        ("xx", None, "en"),
        (None, "fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        (None, "ja,zh;q=0.9", "en"),
        ("pl", "fr", "pl"),
        (None, None, "en"),
    ],
)
def test_choose_language(param: str | None, header: str | None, chosen: str) -> None:
    assert choose_language(param, header) == chosen


@pytest.mark.parametrize("path", ["/", "/sparql", "/term/T0001.html", "/term/T9999999.html"])
def test_pages_speak_the_chosen_language(live_server: LiveServer, path: str) -> None:
    german = strings("de")
    page = httpx.get(live_server.url + path, params={"lang": "de"}, headers={"Accept": "text/html"})
    assert '<html lang="de">' in page.text
    assert german["nav_home"] in page.text and german["footer"] in page.text
    browser = httpx.get(
        live_server.url + path, headers={"Accept": "text/html", "Accept-Language": "el,en;q=0.5"}
    )
    assert '<html lang="el">' in browser.text
    assert strings("el")["nav_home"] in browser.text
