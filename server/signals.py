"""Seller signals: contact, price and delivery words, prices and phone numbers.

An ambiguous label ("snow", ❄️) is weak evidence alone; next to a seller
signal it counts fully. The words are small multilingual data in
``server/data/seller_signals.tsv``; prices and phone numbers are patterns.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import ahocorasick

from server.textnorm import fold

KINDS = ("contact", "price", "delivery")
# Amounts next to a currency ("50€", "€ 50", "20 zł"), phone numbers, messenger links.
PATTERNS = {
    "price": re.compile(
        r"[€$£]\s?\d|\d(?:[.,]\d+)?\s?(?:€|\$|£|eur|euro|euros|usd|gbp|zł|zl|pln|kč|czk|kr|sek|nok|dkk|lei|ron|лв|ft|huf)(?!\w)",
        re.IGNORECASE,
    ),
    "contact": re.compile(r"\+\d[\d \-]{7,}\d|(?<!\w)(?:t\.me|wa\.me|signal\.me)/", re.IGNORECASE),
}

#: A digit, a plus or a messenger link: what a text needs before PATTERNS can find anything.
DIGIT_OR_PLUS = re.compile(r"[\d+]|\.me/")
_DIGIT = re.compile(r"\d")
_LINK = re.compile(r"\.me/", re.IGNORECASE)


def may_have_pattern(text: str) -> bool:
    """Could PATTERNS find anything in ``text``? Each needs a digit or a messenger link;
    most texts have neither, and saying so costs a fraction of running the patterns."""
    return _DIGIT.search(text) is not None or ("/" in text and _LINK.search(text) is not None)


@dataclass(frozen=True)
class Signals:
    automaton: Any  # ahocorasick.Automaton over " phrase " (folded, padded: whole words) → (length, kind)
    glue: frozenset[str]  # folded glue and signal words, for hashtags and user names
    compact: frozenset[str]  # folded signal phrases without spaces (4sale, forsale, plug), 4+ letters


def read_table() -> list[tuple[str, str, str]]:
    """(kind, lang, phrase) rows of the data file."""
    text = resources.files("server").joinpath("data/seller_signals.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [(kind, lang, phrase) for kind, lang, phrase in rows[1:]]


@functools.cache
def load() -> Signals:
    automaton = ahocorasick.Automaton()
    glue = set()
    for kind, _lang, phrase in read_table():
        key = fold(phrase).strip()
        if kind == "glue":
            glue.add(key)
        elif kind in KINDS:
            automaton.add_word(f" {key} ", (len(key) + 2, kind))
        else:
            raise ValueError(f"unknown seller-signal kind {kind!r}")
    automaton.make_automaton()
    words = {fold(p).strip() for k, _l, p in read_table() if k != "glue"}
    compact = {w.replace(" ", "") for w in words if len(w.replace(" ", "")) >= 4}
    return Signals(automaton, frozenset(glue | words), frozenset(compact))
