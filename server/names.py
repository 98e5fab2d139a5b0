"""Names of languages and countries in the interface language (ISO 639 and
ISO 3166 names with their translations, as shipped by ``pycountry``)."""

from __future__ import annotations

import gettext
import re
from functools import cache

import pycountry

#: Qualifiers that say nothing to a reader: "Modern Greek (1453-)" is "Modern Greek".
QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


@cache
def _translations(domain: str, lang: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def language_name(tag: str, ui_lang: str = "en") -> str:
    """``el`` → "Modern Greek" (in English), "Neugriechisch" (in German); the tag if unknown."""
    primary = tag.split("-", 1)[0].lower()
    found = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else None
    if found is None and len(primary) == 3:
        found = pycountry.languages.get(alpha_3=primary)
    if found is None:
        return tag
    english = str(found.name)
    name = QUALIFIER.sub("", _translations("iso639-3", ui_lang).gettext(english)) or english
    return name if primary == tag.lower() else f"{name} ({tag})"


def country_name(code: str, ui_lang: str = "en") -> str:
    """An ISO 3166-1 alpha-3 (or alpha-2) code → the country's name; the code if unknown."""
    upper = code.upper()
    if len(upper) == 3:
        found = pycountry.countries.get(alpha_3=upper)
    elif len(upper) == 2:
        found = pycountry.countries.get(alpha_2=upper)
    else:
        found = None
    if found is None:
        return code
    english = str(getattr(found, "common_name", None) or found.name)
    return _translations("iso3166-1", ui_lang).gettext(english)
