"""Interface strings in the supported languages, with fallback to English.

The strings live in ``server/ui/<lang>.json``; a missing key or language
falls back to English. The language comes from ``?lang=``, else from the
``Accept-Language`` header, else English."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from server.formats import parse_accept
from server.namespaces import CORE_LANGUAGES

UI_DIR = Path(__file__).resolve().parent / "ui"
DEFAULT = "en"


@lru_cache(maxsize=64)
def strings(lang: str) -> dict[str, str]:
    english: dict[str, str] = json.loads((UI_DIR / "en.json").read_text(encoding="utf-8"))
    path = UI_DIR / f"{lang}.json"
    if lang == DEFAULT or not path.exists():
        return english
    local: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return {**english, **{k: v for k, v in local.items() if k in english and v}}


def translator(lang: str) -> Callable[[str], str]:
    table = strings(lang)
    return lambda key: table.get(key, key)


def choose_language(param: str | None, accept_language: str | None) -> str:
    """The interface language: an explicit choice, else the browser's, else English."""
    if param in CORE_LANGUAGES:
        return param
    for tag, q in parse_accept(accept_language) if accept_language else []:
        primary = tag.split("-", 1)[0]
        if q > 0 and primary in CORE_LANGUAGES:
            return primary
    return DEFAULT
