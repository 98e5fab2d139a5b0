"""Seller signals: contact, price and delivery words, prices and phone numbers.

An ambiguous label ("snow", ❄️) is weak evidence alone; next to a seller
signal it counts fully. The words are small multilingual data in
``server/data/seller_signals.tsv``; prices and phone numbers are patterns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import ahocorasick

from server.textnorm import fold

KINDS = ("contact", "price", "delivery")
CURRENCIES = "€|\\$|£|eur|euro|euros|usd|gbp|zł|zl|pln|kč|czk|kr|sek|nok|dkk|lei|ron|лв|ft|huf"
# Amounts next to a currency ("50€", "€ 50", "20 zł"), phone numbers, messenger links. The
# price pattern is [€$£]\s?\d|\d(?:[.,]\d+)?\s?(?:CURRENCIES)(?!\w), written with its first
# character as a class of its own (the look-behinds say which it was): the regular
# expression engine then skips ahead to a sign or a digit instead of trying every position.
PRICE = re.compile(rf"[€$£\d](?:(?<=[€$£])\s?\d|(?<=\d)(?:[.,]\d+)?\s?(?:{CURRENCIES})(?!\w))", re.IGNORECASE)
CONTACT = re.compile(r"\+\d[\d \-]{7,}\d|(?<!\w)(?:t\.me|wa\.me|signal\.me)/", re.IGNORECASE)
PATTERNS = {"price": PRICE, "contact": CONTACT}

#: A digit, a plus or a messenger link: what a text needs before PATTERNS can find anything
#: ([\d+]|\.me/, its first character a class of its own as in PRICE).
DIGIT_OR_PLUS = re.compile(r"[\d+.](?:(?<=[\d+])|(?<=\.)me/)")


def _may_contact(text: str) -> bool:
    """A phone number begins with a plus, a messenger link has a slash: most texts have neither."""
    return "+" in text or "/" in text


def sells(text: str) -> bool:
    """Does any of PATTERNS find something in ``text``?"""
    return PRICE.search(text) is not None or (_may_contact(text) and CONTACT.search(text) is not None)


def patterns_in(text: str) -> Iterator[tuple[str, int]]:
    """The kind and start of each find of PATTERNS in ``text``, kind by kind."""
    for found in PRICE.finditer(text):
        yield "price", found.start()
    if _may_contact(text):
        for found in CONTACT.finditer(text):
            yield "contact", found.start()


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
