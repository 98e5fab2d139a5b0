"""The matcher over the seed vocabulary: what it finds, where, how sure, and what it leaves alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server import lexicon
from server.errors import BadRequest
from server.match import DEFAULT_MIN_CONFIDENCE, Matcher, TextResult
from server.store import EmbeddedStore
from server.textnorm import fold

COCAINE = "https://w3id.org/drugkp/substance/S0019"


@pytest.fixture(scope="module")
def matchers(level_reader: Callable[[str], EmbeddedStore]) -> dict[str, Matcher]:
    return {level: Matcher(lexicon.build(level_reader(level), level)) for level in ("tlp-clear", "tlp-green")}


@pytest.fixture(scope="module")
def matcher(matchers: dict[str, Matcher]) -> Matcher:
    return matchers["tlp-clear"]


@pytest.mark.parametrize(
    ("text", "found", "reason"),
    [
        ("Fresh cocaine, DM me", "cocaine", "exact"),
        ("COCAINE delivery tonight", "COCAINE", "normalised"),
        ("𝐜𝐨𝐜𝐚𝐢𝐧𝐞 delivery", "𝐜𝐨𝐜𝐚𝐢𝐧𝐞", "normalised"),  # mathematical bold
        ("ｃｏｃａｉｎｅ delivery", "ｃｏｃａｉｎｅ", "normalised"),  # full width
        ("got c0c4ine, DM", "c0c4ine", "obfuscated"),  # leetspeak
        ("k-e-t-a-m-i-n-e for sale", "k-e-t-a-m-i-n-e", "obfuscated"),  # separators
        ("k e t a m i n e for sale", "k e t a m i n e", "obfuscated"),
        ("co\u200bcaine here", "co\u200bcaine", "obfuscated"),  # zero-width space
        ("ke\u00adta\u00admine here", "ke\u00adta\u00admine", "obfuscated"),  # soft hyphens
        ("ketamiiiiine tonight", "ketamiiiiine", "obfuscated"),  # stretched
        ("best \u0441\u043ecaine in town", "\u0441\u043ecaine", "obfuscated"),  # Cyrillic с and о
        ("#ketamine4sale", "ketamine", "exact"),  # hashtag glued to a seller word
        ("#BuyKetamine now", "Ketamine", "normalised"),  # camel case inside a hashtag
        ("@mdma_plug_uk on telegram", "mdma", "normalised"),  # user name
        ("ketamine4sale", "ketamine", "exact"),  # glued to digits
        ("❄️❄️ DM for prices", "❄️❄️", "emoji"),  # repeated emoji: one match
        ("❄ DM for prices", "❄", "emoji"),  # without the variation selector
        ("👃🏽❄️ fast delivery", "👃🏽❄️", "emoji"),  # skin tone inside a sequence
        ("💊 🔵 DM me", "💊 🔵", "emoji"),  # a sequence with a space between
        ("snow, DM me for prices", "snow", "exact"),  # ambiguous, next to a seller signal
        ("snow and mdma tonight", "snow", "exact"),  # ambiguous, next to another term
    ],
)
def test_finds_terms_where_they_are(matcher: Matcher, text: str, found: str, reason: str) -> None:
    [result] = matcher.scan([text])
    spans = {(m.start, m.end): m for m in result.matches}
    start = text.index(found)
    assert (start, start + len(found)) in spans, [(m.text, m.label.entry.form) for m in result.matches]
    match = spans[(start, start + len(found))]
    assert match.text == text[match.start : match.end] == found
    assert match.reason == reason
    assert match.confidence >= DEFAULT_MIN_CONFIDENCE


@pytest.mark.parametrize(
    "text",
    [
        "Let it snow ❄️ merry Christmas",  # ambiguous words alone
        "Snowboarding all day in the Alps",  # a label inside a longer word
        "That's nice",  # ice inside nice
        "cocainefree campaign",  # no break inside a plain word
        "#snowday #methodology",  # hashtags whose rest is no seller word
        "Bianca passed her driving test",  # blanca (es) differs by a real letter
        "1 kg of flour",  # K9 is a code: digits must stay digits
        "Drinking a Coke with lunch",
        "E poi siamo andati al mare",  # the label E only as written, and weak
        "She came home late",  # French 'came' is an everyday English word
    ],
)
def test_leaves_innocent_text_alone(matcher: Matcher, text: str) -> None:
    [result] = matcher.scan([text])
    assert not result.matches, [(m.text, m.label.entry.form, m.confidence) for m in result.matches]


def test_ambiguous_labels_are_weak_alone_and_strong_with_support(matcher: Matcher) -> None:
    alone, signal, term = matcher.scan(["snow", "snow, DM me", "snow and mdma"], min_confidence=0)
    assert [m.confidence for m in alone.matches if m.text == "snow"] == [0.25]
    assert all(m.confidence >= 0.75 for m in signal.matches if m.text == "snow")
    assert all(m.confidence >= 0.75 for m in term.matches if m.text == "snow")
    assert set(signal.signals) == {"contact"}


def test_languages_narrow_labels_and_settle_everyday_words(matcher: Matcher) -> None:
    [english] = matcher.scan(["la came, livraison demain"], languages=["en"], min_confidence=0)
    [french] = matcher.scan(["la came, livraison demain"], languages=["fr"])
    assert not any(m.label.entry.lang == "fr" for m in english.matches)
    assert [m.label.entry.form for m in french.matches] == ["came"]
    [alone] = matcher.scan(["elle a de la came"], languages=["fr"])
    assert [m.confidence for m in alone.matches] == [0.8]  # French post: the vocabulary's rating stands


def test_substances_implicated(matcher: Matcher) -> None:
    [result] = matcher.scan(["c0caine and ketamine"])
    found = result.substances()
    assert COCAINE in found and found[COCAINE] >= 0.9
    assert len(found) == 2


def test_a_batch_answers_like_single_texts(matcher: Matcher) -> None:
    texts = ["got c0c4ine, DM", "", "❄️", "snow ❄️ delivery", "#weed420 @coke_plug", "x" * 50]
    batch = matcher.scan(texts, min_confidence=0)
    for text, result in zip(texts, batch, strict=True):
        [single] = matcher.scan([text], min_confidence=0)
        assert [(m.start, m.end, m.label.entry.label, m.confidence) for m in result.matches] == [
            (m.start, m.end, m.label.entry.label, m.confidence) for m in single.matches
        ]


@pytest.mark.parametrize("texts", [["a\x00b"], ["fine", "\x00"], ["fine", "c0ke \x00\x00", "fine"]])
def test_nul_is_refused(matcher: Matcher, texts: list[str]) -> None:
    with pytest.raises(BadRequest):
        matcher.scan(texts)


def test_no_texts_no_results(matcher: Matcher) -> None:
    assert matcher.scan([]) == [] and matcher.scan([], min_confidence=0) == []


def test_green_labels_only_at_green(matchers: dict[str, Matcher]) -> None:
    clear_keys = {fold(c.entry.form).strip() for c in matchers["tlp-clear"].labels}
    green_only = [
        c
        for c in matchers["tlp-green"].labels
        if c.entry.handling == "tlp-green" and c.strong and fold(c.entry.form).strip() not in clear_keys
    ]
    assert green_only
    for label in green_only[:10]:
        text = f"{label.entry.form} DM me"
        [green] = matchers["tlp-green"].scan([text])
        [clear] = matchers["tlp-clear"].scan([text], min_confidence=0)
        assert label.entry.label in {m.label.entry.label for m in green.matches}
        assert label.entry.label not in {m.label.entry.label for m in clear.matches}


def test_every_label_finds_itself(matcher: Matcher) -> None:
    """Each public label, written as it is between spaces, is found at its place."""
    labels = [c for c in matcher.labels if not c.emoji]
    texts = [f"x {c.entry.form} x" for c in labels]
    missed = []
    for label, result in zip(labels, matcher.scan(texts, min_confidence=0), strict=True):
        if not any(m.start == 2 and m.end == 2 + len(label.entry.form) for m in result.matches):
            missed.append(label.entry.form)
    assert missed == []


def test_seller_signals_are_small_multilingual_data() -> None:
    from server.signals import KINDS, load, read_table

    rows = read_table()
    assert {kind for kind, _, _ in rows} == {*KINDS, "glue"}
    assert len({lang for kind, lang, _ in rows if kind != "glue"}) >= 10
    assert len({(kind, lang, fold(phrase)) for kind, lang, phrase in rows}) == len(rows)  # no duplicates
    assert all(fold(phrase).strip() for _, _, phrase in rows)
    assert fold("4sale") in load().glue and fold("forsale") in load().compact


def test_matchers_are_built_on_demand_and_never_stale(level_reader: Callable[[str], EmbeddedStore]) -> None:
    from server.app import register_derived
    from server.derived import Derived

    derived = Derived(level_reader)
    register_derived(derived)
    derived.prebuild()  # lexicons only: compiling matchers at start-up would slow the first requests
    assert not any(name == "matcher" for name, _ in derived._built)
    first = derived.get("matcher", "tlp-clear")
    assert isinstance(first, Matcher) and derived.get("matcher", "tlp-clear") is first
    derived.reset(1)  # the store changed
    assert derived.get("matcher", "tlp-clear") is not first


@pytest.mark.parametrize("min_confidence", [DEFAULT_MIN_CONFIDENCE, 0.0])
def test_a_memo_looks_at_each_repeated_text_once_and_answers_alike(
    matcher: Matcher, min_confidence: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = ["got c0c4ine, DM me", "Let it snow", "#ketamine4sale", "hello", "❄️ 50€ DM"]
    batches = [posts * 3, posts[::-1], ["new: c0c4ine", *posts]]
    expected = [[r.matches for r in matcher.scan(b, None, min_confidence)] for b in batches]
    looked: list[str] = []
    scan_closely = matcher._scan_closely

    def counted(texts: list[str], languages: None, threshold: float) -> list[TextResult]:
        looked.extend(texts)
        return scan_closely(texts, languages, threshold)

    monkeypatch.setattr(matcher, "_scan_closely", counted)
    memo: dict[str, TextResult] = {}
    got = [[r.matches for r in matcher.scan(b, None, min_confidence, memo)] for b in batches]
    assert got == expected
    assert sorted(looked) == sorted(set(looked))  # each text once
    assert "new: c0c4ine" in looked and "got c0c4ine, DM me" in looked


def test_a_lexicon_with_no_label_to_look_for_inside_tokens() -> None:
    """Only emoji: nothing to look for inside hashtags and words with digits, and
    posts with them are scanned all the same (this raised AttributeError before)."""
    from server.lexicon import Entry, Lexicon

    snow = Entry("❄️", "und", "emoji", "urn:t:1", "urn:l:1", None, "low", False, "tlp-clear", ("urn:s:1",))
    matcher = Matcher(Lexicon("tlp-clear", [snow]))
    results = matcher.scan(["❄️4sale #❄️ 50€", "❄️ 123 #snow @dealer_1", "nothing here"])
    assert [[(m.text, m.start) for m in result.matches] for result in results] == [
        [("❄️", 0), ("❄️", 9)],
        [("❄️", 0)],
        [],
    ]
