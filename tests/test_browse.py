"""The alphabetical index, substance tree, recent terms, charts and statistics
sections, on small crafted data (the pages over the seed are in test_browse_pages)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pyoxigraph as ox
import pytest

from server import browse
from server.charts import Bar, bar_chart, column_chart
from server.errors import BadRequest, NotFound
from server.i18n import translator
from server.lexicon import Entry, Lexicon
from server.names import country_name, language_name
from server.recent import recent
from server.stats import growth
from server.stats_page import sections
from server.store import EmbeddedStore
from server.substance_tree import hierarchy, tree

BASE = "https://w3id.org/drugkp/"
TEMPLATES = Path(__file__).resolve().parents[1] / "server" / "templates"
SCRIPT = "<script>alert(1)</script>"


def entry(form: str, lang: str, concept: str = "T1", kind: str = "pref", **more: Any) -> Entry:
    values: dict[str, Any] = {
        "label": f"{BASE}label/{concept}-{form}",
        "term_type": None,
        "ambiguity": "low",
        "needs_other_signal": False,
        "handling": "tlp-clear",
        "substances": (f"{BASE}substance/S1",),
        **more,
    }
    return Entry(form=form, lang=lang, kind=kind, concept=f"{BASE}term/{concept}", **values)


def lexicon(*entries: Entry) -> Lexicon:
    return Lexicon("tlp-clear", list(entries), {f"{BASE}substance/S1": {"en": "cocaine", "de": "Kokain"}})


@pytest.mark.parametrize(
    ("form", "lang", "section"),
    [
        ("Άλφα", "el", "Α"),  # accent dropped, Greek stays Greek
        ("ςίγμα", "el", "Σ"),  # final sigma folds to sigma
        ("снег", "bg", "С"),
        ("ёлка", "ru", "Е"),  # Cyrillic diaeresis is an accent here
        ("ápice", "es", "A"),
        ("Łódź", "pl", "Ł"),  # a letter of its own, not an accented L
        ("#kokaina", "pl", "K"),  # hashtags under their first letter
        ("420", "en", "0-9"),
        ("🍄 shrooms", "en", "emoji"),
        ("snow", "zxx", "emoji"),  # everything in zxx is in the emoji section
        ("❄️", "zxx", "emoji"),
        ("...", "en", "other"),
    ],
)
def test_sections_fold_case_and_accents_in_every_script(form: str, lang: str, section: str) -> None:
    assert browse.section_of(entry(form, lang)) == section


def test_index_groups_sorts_and_links() -> None:
    found = browse.index(
        lexicon(
            entry("Élan", "fr", "T2"),
            entry("abc", "fr", "T1"),
            entry("eau", "fr", "T1", kind="alt"),
            entry("zzz", "fr", "T3", kind="hidden"),  # hidden labels are not shown
            entry("other", "en", "T4"),
        ),
        "fr",
        BASE,
        "de",
    )
    assert found.letters == (("A", 1), ("E", 2))
    assert [e.form for e in found.sections[1].entries] == ["eau", "Élan"]  # accent-insensitive order
    alt = found.sections[1].entries[0]
    assert (alt.href, alt.pref, alt.substances, alt.kind) == ("/term/T1", "abc", ("Kokain",), "alt")
    assert found.sections[1].entries[1].pref is None  # a preferred label does not point to itself
    assert found.total == 3


@pytest.mark.parametrize(
    ("lang", "letter", "error"),
    [
        ("xx", None, NotFound),  # well-formed, no labels
        ("<script>", None, BadRequest),
        ("fr", "ab", BadRequest),
        ("fr", "1", BadRequest),
        ("fr", "Q", NotFound),
    ],
)
def test_bad_language_or_letter(lang: str, letter: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        browse.index(lexicon(entry("abc", "fr")), lang, BASE, "en", letter)


def test_one_letter_asked_for_by_any_of_its_forms() -> None:
    data = lexicon(entry("abc", "fr", "T1"), entry("élan", "fr", "T2"))
    for letter in ("e", "E", "é", "É"):
        found = browse.index(data, "fr", BASE, "en", letter)
        assert found.selected == "E"
        assert [s.key for s in found.sections] == ["E"]
        assert found.letters == (("A", 1), ("E", 1))  # the letter bar still shows every letter


def test_a_large_language_shows_one_section_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "ALL_LIMIT", 1)
    found = browse.index(lexicon(entry("abc", "fr", "T1"), entry("bcd", "fr", "T2")), "fr", BASE, "en")
    assert (found.selected, [s.key for s in found.sections]) == ("A", ["A"])


def test_languages_count_shown_labels_and_terms() -> None:
    counts = browse.languages(
        lexicon(
            entry("a", "fr", "T1"), entry("b", "fr", "T1", kind="alt"), entry("c", "fr", "T2", kind="hidden")
        )
    )
    assert counts == [browse.LanguageCount("fr", 2, 1)]


def render(template: str, **values: Any) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    request = SimpleNamespace(url=SimpleNamespace(path="/browse/en"))
    context = {"request": request, "lang": "en", "t": translator("en"), "lang_suffix": ""}
    context.update(ui_languages=["en"], keep_params=[], level="tlp-clear", **values)
    return environment.get_template(template).render(**context)


def test_the_index_page_escapes_labels() -> None:
    found = browse.index(
        lexicon(entry(SCRIPT, "en"), entry("b<i>", "en", "T2", kind="alt")), "en", BASE, "en"
    )
    page = render("browse_index.html", index=found, language="English")
    assert SCRIPT not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "b&lt;i&gt;" in page


def test_charts_are_well_formed_accessible_and_escaped() -> None:
    bars = [Bar(SCRIPT, 3), Bar("a & b", 1), Bar("x" * 60, 0)]
    for chart in (bar_chart("c1", "T <1>", "D & d", bars), column_chart("c2", "T", "D", bars)):
        svg = ET.fromstring(str(chart))  # well-formed XML: nothing left unescaped
        ns = "{http://www.w3.org/2000/svg}"
        assert svg.get("role") == "img"
        assert svg.find(f"{ns}title") is not None and svg.find(f"{ns}desc") is not None
        assert len(svg.findall(f".//{ns}rect")) == 3
        texts = [t.text for t in svg.iter(f"{ns}text")]
        assert "3" in texts and "1" in texts and "0" in texts
        assert SCRIPT not in str(chart)
    assert (
        ET.fromstring(str(bar_chart("c", "T <1>", "D", bars))).find("{http://www.w3.org/2000/svg}title").text
        == "T <1>"
    )  # type: ignore[union-attr]
    widths = [int(r.get("width", "0")) for r in ET.fromstring(str(bar_chart("c", "T", "D", bars))).iter(
        "{http://www.w3.org/2000/svg}rect"
    )]  # fmt: skip
    assert widths[0] > widths[1] > widths[2] == 0  # bars scale with their values


def test_an_empty_chart_says_so() -> None:
    assert "No data" in str(bar_chart("c", "T", "D", [], empty="No data."))


def test_growth_fills_quiet_months_and_adds_up() -> None:
    rows = growth(
        [
            {"month": "2025-11", "labels": 2, "terms": 1},
            {"month": "2026-02", "labels": 3, "terms": 2},
            {"month": "bad"},
        ]
    )
    assert [r["month"] for r in rows] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert [r["cumulative_labels"] for r in rows] == [2, 2, 2, 5]
    assert [r["cumulative_terms"] for r in rows] == [1, 1, 1, 3]
    assert growth([]) == []


def numbers(**overrides: Any) -> dict[str, Any]:
    empty: dict[str, Any] = {
        key: []
        for key in ("by_language", "by_term_type", "by_handling", "by_substance", "by_country", "growth")
    }
    return {**empty, **overrides}


def test_statistics_sections_escape_names_and_keep_the_numbers() -> None:
    found = sections(
        numbers(
            by_term_type=[{"type": f"{BASE}x", "typeLabel": SCRIPT, "labels": 7, "terms": 4}],
            by_country=[
                {"country": "c/GRC", "code": "GRC", "labels": 5, "terms": 2},
                {"country": None, "code": None, "labels": 1, "terms": 1},
            ],
            by_language=[{"lang": "zxx", "labels": 9, "terms": 3}, {"lang": "el", "labels": 2, "terms": 1}],
        ),
        lexicon(),
        "en",
        translator("en"),
    )
    by_id = {s.ident: s for s in found}
    assert by_id["term-type"].rows == ((SCRIPT, 7, 4),)
    assert SCRIPT not in str(by_id["term-type"].chart) and "&lt;script&gt;" in str(by_id["term-type"].chart)
    assert by_id["country"].rows == (("Greece", 5, 2), ("not stated", 1, 1))
    assert by_id["language"].rows[0][0] == "Emoji" and by_id["language"].rows[1][0] == "Modern Greek (el)"
    page = render(
        "stats.html", stats={"terms": 1, "labels": 1, "languages": 1, "substances": 1}, sections=found
    )
    assert SCRIPT not in page and page.count("<svg") == len(found) == 6


@pytest.mark.parametrize(
    ("code", "ui", "name"),
    [
        ("el", "de", "Neugriechisch"),
        ("pl", "en", "Polish"),
        ("sr-Latn", "en", "Serbian (sr-Latn)"),
        ("qq", "en", "qq"),
    ],
)
def test_language_names(code: str, ui: str, name: str) -> None:
    assert language_name(code, ui) == name


def test_country_names() -> None:
    assert (country_name("GRC"), country_name("DEU", "de"), country_name("XYZ")) == (
        "Greece",
        "Deutschland",
        "XYZ",
    )


def store_of(turtle: str) -> EmbeddedStore:
    store = EmbeddedStore(None)
    prefixes = f"@prefix kp: <{BASE}ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> . "
    prefixes += (
        "@prefix dct: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> . "
    )
    prefixes += f"@prefix s: <{BASE}substance/> . @prefix t: <{BASE}term/> . "
    store.replace_graph(f"{BASE}graph/test", ox.parse(prefixes + turtle, format=ox.RdfFormat.TURTLE))
    return store


def test_substance_tree_nests_counts_and_survives_a_cycle() -> None:
    store = store_of(
        "s:G a kp:Substance, kp:SubstanceGroup . s:A a kp:Substance ; skos:broader s:G . "
        "s:B a kp:Substance ; skos:broader s:G . s:X a kp:Substance ; skos:broader s:Y . "
        "s:Y a kp:Substance ; skos:broader s:X ."
    )
    broader, groups = hierarchy(store)
    assert groups == {f"{BASE}substance/G"}
    data = Lexicon(
        "tlp-clear",
        [
            entry("a", "en", "T1", substances=(f"{BASE}substance/A",)),
            entry("b", "en", "T2", substances=(f"{BASE}substance/A", f"{BASE}substance/B")),
        ],
        {
            f"{BASE}substance/A": {"en": "Alpha"},
            f"{BASE}substance/B": {"en": "Beta"},
            f"{BASE}substance/G": {"en": "Group"},
        },
    )
    roots = tree(broader, groups, data, BASE, "en")
    group = next(r for r in roots if r.name == "Group")
    assert (group.group, group.terms, group.total) == (True, 0, 2)  # T2 counted once in the group
    assert [(c.name, c.terms, c.href) for c in group.children] == [
        ("Alpha", 2, "/substance/A"),
        ("Beta", 1, "/substance/B"),
    ]
    cycle = [r for r in roots if r.name not in ("Group",)]
    assert len(cycle) == 1 and len(cycle[0].children) == 1 and not cycle[0].children[0].children


def test_recent_lists_newest_first_with_the_latest_change_note() -> None:
    store = store_of(
        't:T1 a kp:DrugTerm ; dct:created "2025-01-02"^^xsd:date ; dct:modified "2026-03-01T10:00:00Z"^^xsd:dateTime ; '
        'skos:changeNote "2025-05-01: Labels added"@en, "2026-03-01: Labels added by contribution C9"@en . '
        't:T2 a kp:DrugTerm ; dct:created "2026-02-01"^^xsd:date . t:T3 a kp:DrugTerm .'
    )
    data = lexicon(entry("first", "en", "T1"), entry("zweite", "de", "T2"), entry("second", "en", "T2"))
    found = recent(store, data, BASE, "de")
    assert [(r.name, r.date, r.href) for r in found.added] == [
        ("zweite", "2026-02-01", "/term/T2"),
        ("first", "2025-01-02", "/term/T1"),
    ]
    assert [(r.name, r.note) for r in found.changed] == [
        ("first", "2026-03-01: Labels added by contribution C9")
    ]
    assert len(recent(store, data, BASE, "en", limit=1).added) == 1


def test_the_main_script_of_a_language_comes_first() -> None:
    found = browse.index(
        lexicon(
            entry("xorto", "el", "T1"),
            entry("χόρτο", "el", "T2"),
            entry("φούντα", "el", "T3"),
            entry("42", "el"),
        ),
        "el",
        BASE,
        "en",
    )
    assert [key for key, _ in found.letters] == ["0-9", "Φ", "Χ", "X"]
