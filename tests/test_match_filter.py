"""The matcher's first look (server.match_filter) drops only texts its closer look would
report nothing for: on a generated corpus built to probe each of its rules, scanning with
the first look gives exactly what the closer look alone gives, for several callers'
languages and thresholds."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from server import lexicon
from server.lexicon import Entry, Lexicon
from server.match import Matcher, TextResult
from server.match_filter import _marks
from server.store import EmbeddedStore
from server.textnorm import fold, fold_bytes

EVAL = Path(__file__).parent / "data" / "match_eval"
EVERYDAY = [
    "the",
    "and",
    "has",
    "water",
    "e",
    "es",
    "po",
    "za",
    "di",
    "il",
    "con",
    "per",
    "hoy",
    "más",
    "für",
    "über",
    "się",
    "że",
    "już",
    "nice",
    "price",
    "office",
    "snowboarding",
    "methodology",
    "grass",
    "coffee",
    "sale",
    "tonight",
]
EMOJI = ["❄️", "🍁", "🐉", "🤎", "❤️", "🎄", "🌿", "🍫", "💊", "🔥", "👍🏽"]
LEET = str.maketrans({"o": "0", "e": "3", "a": "4", "i": "1", "s": "$", "t": "7"})
CYRILLIC = str.maketrans({"o": "о", "e": "е", "a": "а", "c": "с", "p": "р"})


@pytest.fixture(scope="module")
def matcher(level_reader: Callable[[str], EmbeddedStore]) -> Matcher:
    return Matcher(lexicon.build(level_reader("tlp-clear"), "tlp-clear"))


def disguises(form: str, rng: random.Random) -> list[str]:
    """One label written the ways the first look has a rule for."""
    spaced = rng.choice([".", "-", " ", "_", "*"]).join(form)
    return [
        form,
        form.upper(),
        form.translate(LEET),
        form.translate(CYRILLIC),
        spaced,
        "".join(c * (3 if i == len(form) // 2 else 1) for i, c in enumerate(form)),  # stretched
        f"#{form}4sale",
        f"#buy{form.title()}",
        f"@{form}_plug",
        f"{form}_420",
        f"{form}\u200b",
        form[: len(form) // 2] + "\u00ad" + form[len(form) // 2 :],
        " ".join(form),  # emoji sequences with spaces between
    ]


def corpus(matcher: Matcher, size: int = 3000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    positives = [json.loads(line)["text"] for line in (EVAL / "positive.jsonl").read_text().splitlines()]
    benign = [
        line.split("\t", 1)[1]
        for line in (EVAL / "benign.tsv").read_text(encoding="utf-8").splitlines()
        if "\t" in line and not line.startswith(("#", "lang\t"))
    ]
    forms = sorted({label.entry.form for label in matcher.labels})
    sequences = [f for f in forms if len(f) > 1 and not any(c.isalnum() for c in f)]
    texts = positives + benign + [f"{' '.join(f)} 50€" for f in sequences]  # spaced emoji, a price
    while len(texts) < size:
        words = [rng.choice(EVERYDAY) for _ in range(rng.randint(2, 12))]
        roll = rng.random()
        if roll < 0.5:
            words.insert(rng.randrange(len(words) + 1), rng.choice(disguises(rng.choice(forms), rng)))
        elif roll < 0.6:
            words.insert(rng.randrange(len(words) + 1), rng.choice(benign))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
        if rng.random() < 0.15:
            words.append(rng.choice(["50€", "€ 20", "+49 170 1234567", "t.me/shop", "20 zł", "user1234"]))
        if rng.random() < 0.1:
            words.append(rng.choice(["DM me", "fast delivery", "price list", "wickr"]))
        texts.append(" ".join(words))
    return texts


def found(results: Sequence[TextResult]) -> list[list[tuple[int, int, str, float, str, str]]]:
    return [
        [(m.start, m.end, m.label.entry.label, m.confidence, m.reason, m.via) for m in r.matches]
        for r in results
    ]


@pytest.mark.parametrize(
    ("languages", "threshold"),
    [(None, 0.5), (["en"], 0.5), (["pl"], 0.5), (["it", "es"], 0.5), (["de"], 0.8), (None, 0.9)],
)
def test_first_look_keeps_every_text_the_closer_look_reports(
    matcher: Matcher, languages: list[str] | None, threshold: float
) -> None:
    texts = corpus(matcher)
    quick = matcher.scan(texts, languages, threshold)
    closely = matcher._scan_closely(texts, languages, threshold)
    differ = [
        (texts[i], a, b) for i, (a, b) in enumerate(zip(found(quick), found(closely), strict=True)) if a != b
    ]
    assert differ == []
    assert sum(bool(r.matches) for r in closely) > 200  # the corpus does hold matches
    assert len(matcher.prefilter.candidates(texts, None, matcher._spelled, matcher._in_tokens)) < len(texts)


def test_first_look_drops_plain_everyday_words(matcher: Matcher) -> None:
    texts = ["Let it snow ❄️ merry Christmas", "E poi siamo andati al mare", "That's nice"]
    assert matcher.prefilter.candidates(texts, None, matcher._spelled, matcher._in_tokens) == []


def test_fold_bytes_is_fold_encoded_but_keeps_spaces_between_emoji() -> None:
    text = "Ｃ0ke ❄️ and café, Кокаин co\u200bke 👍🏽 ß \U0001d41c\U0001d428"
    assert fold_bytes(text) == fold(text).encode() == "coke ❄ and cafe  кoкaин coke 👍 ss co".encode()
    assert fold_bytes(text.encode()) == fold_bytes(text)
    assert (fold("🐉 🤎"), fold_bytes("🐉 🤎")) == ("🐉🤎", "🐉 🤎".encode())


def test_spaced_emoji_sequence_of_emoji_that_are_no_labels_alone() -> None:
    # In the seed vocabulary every emoji of a sequence is a label too; here none is.
    entry = Entry("🦄🌈", "zxx", "alt", "urn:t:1", "urn:l:1", None, "medium", True, "tlp-clear", ("urn:s:1",))
    matcher = Matcher(Lexicon("tlp-clear", [entry]))
    texts = ["🦄 🌈 50€", "🦄 alone 50€", "🦄🌈 and nothing else"]
    assert [[m.text for m in r.matches] for r in matcher.scan(texts)] == [["🦄 🌈"], [], []]
    assert matcher.prefilter.candidates(texts, None, matcher._spelled, matcher._in_tokens) == [0, 2]


@pytest.mark.parametrize(
    ("text", "numeric", "marked"),
    [
        ("just words", False, False),
        ("50€ tonight", True, True),
        ("call +44", True, True),
        ("t.me/plug", True, True),
        ("#tag only", False, True),
        ("@user here", False, True),
        ("snake_case", False, True),
        ("²³ and ٤ are no ASCII digits", False, False),
        ("", False, False),
    ],
)
def test_marks_of_a_batch(text: str, numeric: bool, marked: bool) -> None:
    texts = ["plain", text, "also 7 plain", text]
    raw = ("\x00 " + " \x00 ".join(texts) + " \x00").encode()
    assert _marks(raw) == ({1, 2, 3} if numeric else {2}, {1, 2, 3} if marked else {2})
