"""The alphabetical index: terms by their labels in one language, by initial.

Built from a level's :class:`~server.lexicon.Lexicon`, so a reader sees only
the labels its handling level allows. Initials are folded the way people look
words up (case and accents ignored, in every script: "Ά" is under "Α"), labels
that begin with an emoji, and every label in ``zxx``, form an emoji section.
Hidden labels (misspellings, obfuscations) are not listed: SKOS says they are
not shown; the matcher and search still find them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import emoji

from server.errors import BadRequest, NotFound
from server.lexicon import Entry, Lexicon
from server.textnorm import basic_key

#: Section keys besides letters (letters are single upper-case characters).
DIGITS = "0-9"
OTHER = "other"
EMOJI = "emoji"
SPECIAL = (DIGITS, OTHER, EMOJI)
#: Labels shown in the index (SKOS: hidden labels are not displayed).
SHOWN_KINDS = ("pref", "alt")
#: Above this many entries, the index shows one section at a time.
ALL_LIMIT = 1500
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


@dataclass(frozen=True)
class IndexEntry:
    form: str
    kind: str  # pref | alt
    href: str  # local path of the term page
    pref: str | None  # the term's preferred label, when this entry is another of its labels
    substances: tuple[str, ...]  # names in the interface language
    deprecated: bool


@dataclass(frozen=True)
class Section:
    key: str  # a letter, or DIGITS, OTHER, EMOJI
    entries: tuple[IndexEntry, ...]


@dataclass(frozen=True)
class LetterIndex:
    lang: str
    letters: tuple[tuple[str, int], ...]  # every section's key and size, in order
    sections: tuple[Section, ...]  # the sections shown
    selected: str | None  # the one section asked for (or forced by size)
    total: int


@dataclass(frozen=True)
class LanguageCount:
    lang: str
    labels: int
    terms: int


def local_path(iri: str, base: str) -> str:
    """Our own URIs as paths on this server; others as they are."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


def sort_key(form: str) -> str:
    """Case- and accent-insensitive, Unicode-normalised; a leading ``#`` ignored."""
    return basic_key(form).lstrip("#").strip()


def starts_with_emoji(form: str) -> bool:
    found = emoji.emoji_list(form.lstrip())
    return bool(found) and found[0]["match_start"] == 0


def letter_of(char: str) -> str:
    """The section of a folded first character."""
    if char.isdigit():
        return DIGITS
    if not char.isalpha():
        return OTHER
    upper = char.upper()
    return upper if len(upper) == 1 else char


def section_of(entry: Entry) -> str:
    if entry.lang == "zxx" or starts_with_emoji(entry.form):
        return EMOJI
    key = sort_key(entry.form)
    if not key:
        return EMOJI if emoji.emoji_count(entry.form) else OTHER
    return letter_of(key[0])


def script_of(letter: str) -> str:
    """The script of a letter, from its Unicode name ("GREEK CAPITAL LETTER PHI" → GREEK)."""
    return unicodedata.name(letter, "UNKNOWN").split(" ", 1)[0]


def section_order(keys: dict[str, int]) -> list[str]:
    """Digits first; then letters, the language's main script first (a Greek index
    begins with Α, its Latin transliterations follow), each script by code point;
    then other characters and emoji. ``keys`` maps each section to its size."""
    weight: dict[str, int] = defaultdict(int)
    for key, size in keys.items():
        if key not in SPECIAL:
            weight[script_of(key)] += size

    def order(key: str) -> tuple[int, int, str, str]:
        if key == DIGITS:
            return (0, 0, "", "")
        if key in (OTHER, EMOJI):
            return (2 + SPECIAL.index(key), 0, "", "")
        script = script_of(key)
        return (1, -weight[script], script, key)

    return sorted(keys, key=order)


def shown(lexicon: Lexicon) -> list[Entry]:
    return [e for e in lexicon.term_entries() if e.kind in SHOWN_KINDS]


def languages(lexicon: Lexicon) -> list[LanguageCount]:
    """Every language with labels in the index, with its label and term counts."""
    labels: dict[str, int] = defaultdict(int)
    terms: dict[str, set[str]] = defaultdict(set)
    for entry in shown(lexicon):
        labels[entry.lang] += 1
        terms[entry.lang].add(entry.concept)
    return [LanguageCount(lang, labels[lang], len(terms[lang])) for lang in sorted(labels)]


def check_language(lang: str) -> str:
    """A well-formed BCP 47 tag, lower-cased; anything else is a bad request."""
    tag = lang.lower()
    if not LANGUAGE_TAG.match(tag):
        raise BadRequest(f"{lang!r} is not a language tag (use one like 'en', 'el' or 'zxx' for emoji)")
    return tag


def check_letter(letter: str) -> str:
    """The section key a requested letter names: folded, so "é" and "E" are "E"."""
    if letter in SPECIAL:
        return letter
    text = unicodedata.normalize("NFC", letter.strip())
    if len(text) != 1 or not text.isalpha():
        raise BadRequest(f"{letter!r} is not a letter; use one letter, or one of {', '.join(SPECIAL)}")
    folded = sort_key(text)
    return letter_of(folded[0]) if folded else letter_of(text)


def index(lexicon: Lexicon, lang: str, base: str, ui_lang: str, letter: str | None = None) -> LetterIndex:
    """The index of one language, all of it or one section."""
    tag = check_language(lang)
    wanted = check_letter(letter) if letter is not None else None
    entries = [e for e in shown(lexicon) if e.lang.lower() == tag]
    if not entries:
        raise NotFound(f"no labels in language {lang!r} that you may see")
    prefs: dict[str, dict[str, str]] = defaultdict(dict)
    for entry in lexicon.term_entries():
        if entry.kind == "pref":
            prefs[entry.concept].setdefault(entry.lang, entry.form)
    grouped: dict[str, list[IndexEntry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (sort_key(e.form), e.form, e.concept)):
        names = prefs.get(entry.concept, {})
        pref = names.get(entry.lang) or names.get("en") or next(iter(sorted(names.values())), None)
        grouped[section_of(entry)].append(
            IndexEntry(
                form=entry.form,
                kind=entry.kind,
                href=local_path(entry.concept, base),
                pref=pref if pref != entry.form else None,
                substances=tuple(sorted(lexicon.substance_name(s, ui_lang) for s in entry.substances)),
                deprecated=entry.deprecated,
            )
        )
    keys = section_order({key: len(found) for key, found in grouped.items()})
    letters = tuple((key, len(grouped[key])) for key in keys)
    if wanted is not None and wanted not in grouped:
        raise NotFound(f"no labels in language {lang!r} under {wanted!r}")
    if wanted is None and len(entries) > ALL_LIMIT:
        wanted = keys[0]
    chosen = [wanted] if wanted is not None else keys
    sections = tuple(Section(key, tuple(grouped[key])) for key in chosen)
    return LetterIndex(tag, letters, sections, wanted, len(entries))
