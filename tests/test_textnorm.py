"""Text folding: what folds together, and offsets that lead back to the original."""

from __future__ import annotations

import random

import pytest

from server.textnorm import basic_key, fold, fold_mapped


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Coke", "coke"),  # case
        ("kokaín", "kokain"),  # accents
        ("e\u0301clair", "eciair"),  # a combining accent is dropped; l reads as i (leetspeak 1)
        ("𝐜𝐨𝐤𝐞", "coke"),  # mathematical bold: NFKC
        ("ｃｏｋｅ", "coke"),  # full width: NFKC
        ("C0K3", "coke"),  # leetspeak digits
        ("m3th@mph3t@min3", "methamphetamine".replace("l", "i")),  # leetspeak signs
        ("$nOw", "snow"),
        ("pi11s", "piiis"),  # 1 and l fold together
        ("сoke", "coke"),  # Cyrillic с (U+0441): the confusables skeleton
        ("cοke", "coke"),  # Greek ο (U+03BF)
        ("co\u200bke", "coke"),  # zero-width space
        ("co\u00adke", "coke"),  # soft hyphen
        ("co\u2060ke", "coke"),  # word joiner
        ("Straße", "strasse"),  # casefold expands ß
        ("ﬁne", "fine"),  # ligature
        ("bath-salts", "bath saits"),  # punctuation reads as a space
        ("a \t\n\u00a0b", "a    b"),  # every kind of space reads as a space
        ("❄️", "❄"),  # emoji presentation selector
        ("👃🏽", "👃"),  # skin tone
        ("🐉 🤎", "🐉🤎"),  # spaces between emoji do not count
        ("#420", "#a2o"),  # # begins hashtags in labels and is kept; 2 is no letter
        ("Καλημέρα", "κaλημεpa"),  # Greek letters that look Latin become Latin, consistently
        ("코카인", "코카인"),  # Hangul stays whole
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_basic_key_ignores_case_accents_and_width_only() -> None:
    assert basic_key("KOKAÍN") == basic_key("ｋｏｋａｉｎ") == "kokain"
    assert basic_key("c0ke") != basic_key("coke")  # leetspeak is a disguise, not a variant
    assert basic_key("2C-B") == "2c b"


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("buy co\u200bke now", "coke", "co\u200bke"),
        ("❄️❄️ snow", "snow", "snow"),
        ("Straße und c\u00ado\u00adk\u00ade!", "coke", "c\u00ado\u00adk\u00ade"),
        ("Straße und coke", "strasse", "Straße"),
        ("x  y \u00a0 coke", "coke", "coke"),
        ("🐉 🤎 c0ke", "coke", "c0ke"),
        ("ﬁne c0ke", "coke", "c0ke"),
    ],
)
def test_offsets_lead_back_to_the_original(text: str, word: str, expected: str) -> None:
    folded = fold_mapped(text)
    start = folded.text.index(word)
    begin, end = folded.original_span(start, start + len(word))
    assert text[begin:end] == expected


def test_offsets_survive_invisible_characters_anywhere() -> None:
    """Random invisible characters and expansions around a word never shift its span."""
    rng = random.Random(6)
    noise = ["\u200b", "\u00ad", "\ufe0f", "ß", "ﬁ", "  ", "\u0301", "❄️ ", "🐉", "é"]
    for _ in range(200):
        before = "".join(rng.choice([*noise, "a", " "]) for _ in range(rng.randint(0, 6)))
        middle = "".join(c + (rng.choice(["", "\u200b", "\u00ad"])) for c in "cocaine")
        text = f"{before} {middle} {rng.choice(noise)}x"
        folded = fold_mapped(text)
        start = folded.text.index(" cocaine ") + 1
        begin, end = folded.original_span(start, start + len("cocaine"))
        assert text[begin:end].rstrip("\u200b\u00ad") == middle.rstrip("\u200b\u00ad"), repr(text)
