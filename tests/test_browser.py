"""The pages in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
type a query, see suggestions, follow a result to its term page, switch the
interface language. Screenshots are kept in ``tests/artifacts/`` (not committed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from tests.server_fixture import LiveServer

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("KP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: scripts/test.sh installs Debian's chromium package")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def test_search_follow_a_result_and_switch_language(browser: object, live_server: LiveServer) -> None:
    page = browser.new_page(locale="en-GB")  # type: ignore[attr-defined]
    page.goto(live_server.url + "/search")
    page.fill("#q", "sni")
    # As-you-type suggestions arrive from /api/v1/suggest into the datalist.
    page.wait_for_function("document.querySelectorAll('#suggestions option').length > 0", timeout=10_000)
    suggestions = page.eval_on_selector_all("#suggestions option", "els => els.map(e => e.value)")
    assert any(s.lower().startswith("sni") for s in suggestions), suggestions
    page.fill("#q", "snieg")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.results li a")
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)
    assert "śnieg" in page.inner_text("ol.results")
    page.click("ol.results li a")
    page.wait_for_load_state()
    assert "/term/" in page.url
    assert "śnieg" in page.content()
    page.screenshot(path=str(ARTIFACTS / "term-page.png"), full_page=True)
    page.select_option("#ui-lang", "pl")
    page.click("form.lang button[type=submit]")
    page.wait_for_load_state()
    assert "lang=pl" in page.url
    assert page.get_attribute("html", "lang") == "pl"
    page.screenshot(path=str(ARTIFACTS / "term-page-pl.png"), full_page=True)


def test_search_works_with_javascript_off(browser: object, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(live_server.url + "/search")
    page.fill("#q", "c0ke")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.results li a")
    assert "coke" in page.inner_text("ol.results")
    page.screenshot(path=str(ARTIFACTS / "search-no-javascript.png"), full_page=True)
    context.close()
