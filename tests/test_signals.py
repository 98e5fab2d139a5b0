"""Seller-signal patterns: the fast forms find exactly what their plain forms find."""

from __future__ import annotations

import random
import re

from server import signals

# The patterns as one would first write them; server.signals writes them for speed.
PLAIN_PRICE = re.compile(rf"[€$£]\s?\d|\d(?:[.,]\d+)?\s?(?:{signals.CURRENCIES})(?!\w)", re.IGNORECASE)
PLAIN_DIGIT_OR_PLUS = re.compile(r"[\d+]|\.me/")

EDGES = [
    "",
    "5€",
    "€5 and € 5 and €x and 5 and 5.",
    "50 EUR, 20 zł, 3,50 kr, 7 krona, 12usd! 9 Ft",
    "fresh ones 100$ or $ 100, £20",
    "call +49 170 1234567 or +1-555-0100-22 or +12",
    "t.me/plug, T.ME/plug, wa.me/1, Signal.me/x, ſignal.me/x, at.me/no, .me/ alone",
    "x+1 and 1+ and ++ and 5١ and ５€ and ٣ usd",
    "€\n5 and 5\neur",
]
ALPHABET = [
    "5",
    "€",
    "$",
    "£",
    " ",
    ".",
    ",",
    "+",
    "-",
    "/",
    "eur",
    "EUR",
    "kr",
    "zł",
    "t",
    "T",
    ".me/",
    "x",
    "\n",
    "٣",
    "_",
]


def _fuzz(count: int) -> list[str]:
    rng = random.Random(6)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14))) for _ in range(count)]


def test_fast_patterns_find_what_the_plain_ones_find() -> None:
    for text in EDGES + _fuzz(3000):
        price = [m.span() for m in signals.PRICE.finditer(text)]
        assert price == [m.span() for m in PLAIN_PRICE.finditer(text)], text
        digit_or_plus = [m.span() for m in signals.DIGIT_OR_PLUS.finditer(text)]
        assert digit_or_plus == [m.span() for m in PLAIN_DIGIT_OR_PLUS.finditer(text)], text
        plain = [
            (kind, m.start())
            for kind, pattern in (("price", PLAIN_PRICE), ("contact", signals.CONTACT))
            for m in pattern.finditer(text)
        ]
        assert list(signals.patterns_in(text)) == plain, text
        assert signals.sells(text) is bool(plain), text


def test_the_fuzz_reaches_every_kind() -> None:
    # (so that the comparison above cannot pass by finding nothing)
    texts = EDGES + _fuzz(3000)
    kinds = {kind for text in texts for kind, _ in signals.patterns_in(text)}
    assert kinds == {"price", "contact"}
    assert sum(bool(PLAIN_PRICE.search(t)) for t in texts) > 100
