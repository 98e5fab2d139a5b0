"""Labels that are everyday words in another language.

The vocabulary rates a label's ambiguity for posts in the label's own
language: French "came" (heroin) is fairly safe in French, but in English it
is the past of "come"; Spanish "creepy" and "chute", Portuguese "mota"
likewise. When a post's language is not known, such a label is as weak as a
highly ambiguous one. Word frequencies come from ``wordfreq`` (its data ships
in the package; its "small" lists, quick to load, hold every word this
needs), looked up once per label form and language.
"""

from __future__ import annotations

import functools
import logging

#: Languages whose everyday words are checked: the most common in EU posts.
LANGUAGES = ("en", "de", "fr", "es", "it", "pl", "nl", "pt")
#: Zipf frequency (log10 of occurrences per billion words) from which a word is everyday:
#: 3 is once per million words ("chute" in English, "taz" in German).
EVERYDAY = 3.0


@functools.cache
def _quiet() -> None:
    logging.getLogger("wordfreq").setLevel(logging.ERROR)  # (once: each call resets every logger's cache)


@functools.cache
def _zipf(word: str, lang: str) -> float:
    import wordfreq  # (here: a compiled matcher read from the cache needs none of it)

    _quiet()
    return float(wordfreq.zipf_frequency(word, lang, wordlist="small"))  # holds every word from zipf 3


def everyday_in(form: str, labelled: frozenset[str]) -> frozenset[str]:
    """Languages (not among ``labelled``, where the form is itself a drug label) in which
    the one-word ``form`` is an everyday word."""
    if " " in form.strip() or not any(c.isalpha() for c in form):
        return frozenset()
    word = form.strip().lower()
    return frozenset(lang for lang in LANGUAGES if lang not in labelled and _zipf(word, lang) >= EVERYDAY)
