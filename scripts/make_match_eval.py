"""Generate the matcher's positive evaluation posts from the seed vocabulary.

Writes ``tests/data/match_eval/positive.jsonl``: for each kind of disguise the
matcher must see through (case, accents, width, "fancy" letters, leetspeak,
separators, invisible characters, stretched letters, look-alike letters from
other scripts, hashtags, user names, emoji variants and emoji sequences), posts
built from public (TLP:CLEAR) labels of the vocabulary and seller-like
templates in the label's language. Each line says which concept the post
mentions and where (offsets of the disguised term in the post).

Deterministic (fixed seed): run it again after the vocabulary changes and
commit the output. The benign posts (``benign.tsv``) are written by hand.
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "vocab" / "source"
OUT = ROOT / "tests" / "data" / "match_eval" / "positive.jsonl"
BASE = "https://w3id.org/drugkp/"
SEED = 20261204
PER_KIND = 24

# Seller-like posts, by language; {t} is the term. Each names a contact, price or delivery.
SELLING = {
    "en": [
        "{t} available now, DM me 📲",
        "Fresh {t} in stock 🔥 fast delivery all over town",
        "Got that {t}, hit me up on telegram",
        "{t} 50€ per g, discreet shipping",
        "Best {t} in the city, price list in bio, wickr only",
        "need {t}? text me, same day meetup",
    ],
    "de": [
        "Verkaufe {t}, schreib mir per PN",
        "{t} da, diskrete Lieferung in ganz Berlin",
        "Top {t} 🔥 Preise auf Telegram",
        "{t} 10€ das Gramm, Versand möglich",
    ],
    "fr": [
        "{t} dispo, livraison rapide 🚗",
        "Je vends {t}, écris-moi en mp",
        "{t} de qualité, prix sur snapchat",
        "{t} 60€ le g, envoi discret",
    ],
    "es": [
        "Vendo {t}, envío discreto a toda España",
        "{t} de la buena 🔥 escríbeme al privado",
        "Tengo {t}, precio por telegram",
        "{t} a 50€, entrega a domicilio",
    ],
    "it": [
        "{t} disponibile, consegna a domicilio",
        "Vendo {t}, scrivimi su telegram",
        "{t} top, prezzi in privato",
        "{t} 40€ al grammo, spedizione discreta",
    ],
    "pl": [
        "Mam {t}, pisz na priv",
        "{t} dostępne, dostawa w 30 minut",
        "Sprzedam {t}, cena na telegramie",
        "{t} 40 zł za gram, wysyłka dyskretnie",
    ],
    "pt": ["Vendo {t}, entrega rápida", "{t} de qualidade, chama no privado", "{t} preço no telegram"],
    "nl": ["{t} te koop, bezorging in heel Amsterdam", "Goede {t}, stuur een dm voor prijzen"],
    "cs": ["Prodám {t}, napiš mi na telegram", "{t} k dispozici, rozvoz po Praze"],
    "sv": ["{t} säljes, diskret leverans", "Bra {t}, skriv till mig på wickr"],
    "el": ["{t} διαθέσιμο, παράδοση σε όλη την Αθήνα, τιμή στο telegram"],
    "ro": ["Vând {t}, livrare rapidă, scrie-mi pe telegram"],
    "hu": ["Eladó {t}, szállítás Budapesten, írj privátban"],
}
# Posts without a seller signal: only for labels that are strong evidence alone.
BARE = {
    "en": ["anyone got {t} tonight?", "{t} again this weekend lol"],
    "de": ["Wer hat {t} für heute Abend?"],
    "fr": ["qqn a de la {t} ce soir ?"],
    "es": ["¿alguien tiene {t} para esta noche?"],
    "it": ["qualcuno ha {t} per stasera?"],
    "pl": ["ktoś ma {t} na dziś?"],
}
LEET = {"o": "0", "e": "3", "a": "4", "s": "5", "i": "1", "t": "7"}
CYRILLIC = {
    "a": "а",
    "c": "с",
    "e": "е",
    "o": "о",
    "p": "р",
    "x": "х",
    "y": "у",
    "i": "і",
    "s": "ѕ",
    "j": "ј",
}
ACCENTS = {"a": "áàä", "e": "éèê", "i": "íï", "o": "óö", "u": "úü"}
INVISIBLE = ["\u200b", "\u200c", "\u00ad", "\u2060"]
FANCY = [(0x1D41A, 0x1D400), (0x1D482, 0x1D468), (0x1D5EE, 0x1D5D4)]  # bold, bold italic, sans bold


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def plain(text: str) -> str:
    """Lower case without accents: labels written the same way."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def latin(text: str) -> bool:
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())


def letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def plain_word(row: dict[str, str]) -> bool:
    text = row["text"]
    return letters(text) >= 3 and text.isalpha()


def fancy(rng: random.Random, text: str) -> str:
    lower, upper = rng.choice(FANCY)
    return "".join(
        chr(lower + ord(c) - 97) if "a" <= c <= "z" else chr(upper + ord(c) - 65) if "A" <= c <= "Z" else c
        for c in text
    )


def leet(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c.lower() in LEET]
    chosen = set(rng.sample(spots, max(1, len(spots) // 2)))
    return "".join(LEET[c.lower()] if i in chosen else c for i, c in enumerate(text))


def accents(rng: random.Random, text: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    if stripped != unicodedata.normalize("NFD", text):
        return unicodedata.normalize("NFC", stripped)
    spots = [i for i, c in enumerate(text) if c in ACCENTS]
    i = rng.choice(spots)
    return text[:i] + rng.choice(ACCENTS[text[i]]) + text[i + 1 :]


def separators(rng: random.Random, text: str) -> str:
    return rng.choice([".", "-", " ", "_", "*"]).join(text)


def invisible(rng: random.Random, text: str) -> str:
    for _ in range(rng.choice([1, 2])):
        i = rng.randrange(1, len(text))
        text = text[:i] + rng.choice(INVISIBLE) + text[i:]
    return text


def stretched(rng: random.Random, text: str) -> str:
    vowels = [i for i, c in enumerate(text) if c.lower() in "aeiouy"] or [len(text) - 1]
    i = rng.choice([*vowels, len(text) - 1])
    return text[: i + 1] + text[i] * rng.randint(2, 5) + text[i + 1 :]


def confusables(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c.lower() in CYRILLIC]
    chosen = set(rng.sample(spots, max(1, (len(spots) + 1) // 2)))
    return "".join(CYRILLIC[c.lower()] if i in chosen else c for i, c in enumerate(text))


def emoji_variant(rng: random.Random, text: str) -> str:
    base = text.replace("\ufe0f", "")
    choice = rng.choice(["plain", "selector", "repeat", "tone"])
    if choice == "selector":
        return "".join(c + "\ufe0f" for c in base)
    if choice == "repeat":
        return text * rng.choice([2, 3])
    if choice == "tone" and "👃" in base:
        return base.replace("👃", "👃" + rng.choice(["🏻", "🏽", "🏿"]))
    return base


def sequence_variant(rng: random.Random, text: str) -> str:
    chars = [c for c in text if c != "\ufe0f"]
    return rng.choice([" ", "", "\ufe0f"]).join(chars) if len(chars) > 1 else text


# kind → (who qualifies, how the term is disguised); hashtags and user names are built in make().
KINDS: dict[str, tuple[Callable[[dict[str, str]], bool], Callable[[random.Random, str], str]]] = {
    "exact": (lambda r: letters(r["text"]) >= 3, lambda rng, t: t),
    "case": (
        lambda r: letters(r["text"]) >= 3,
        lambda rng, t: rng.choice([t.upper(), t.title(), t.swapcase()]),
    ),
    "accents": (
        lambda r: plain_word(r) and latin(r["text"]) and any(c in ACCENTS for c in r["text"]),
        accents,
    ),
    "fullwidth": (
        lambda r: plain_word(r) and r["text"].isascii(),
        lambda rng, t: "".join(chr(ord(c) + 0xFEE0) for c in t),
    ),
    "fancy": (lambda r: plain_word(r) and r["text"].isascii(), fancy),
    "leet": (lambda r: plain_word(r) and sum(c.lower() in LEET for c in r["text"]) >= 2, leet),
    "separators": (lambda r: plain_word(r), separators),
    "invisible": (lambda r: plain_word(r), invisible),
    "stretched": (lambda r: plain_word(r), stretched),
    "confusables": (
        lambda r: plain_word(r) and latin(r["text"]) and any(c in CYRILLIC for c in r["text"]),
        confusables,
    ),
    "hashtag": (lambda r: plain_word(r), lambda rng, t: t),
    "username": (lambda r: plain_word(r), lambda rng, t: t),
    "emoji": (lambda r: r["type"] == "emoji", emoji_variant),
    "emoji-sequence": (lambda r: r["type"] == "emoji-sequence", sequence_variant),
}


def make() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    ids = {row["key"]: row["id"] for row in read(SOURCE / "ids.tsv") if row["kind"] == "term"}
    rows = [row for path in sorted((SOURCE / "labels").glob("*.tsv")) for row in read(path)]
    rows = [r for r in rows if r["handling"] == "clear" and r["term"] in ids]
    # Strong evidence alone only if every label written the same way is (Spice is also a cooking word).
    weak = {plain(r["text"]) for r in rows if r["ambiguity"] != "low" or r["needs_signal"] != "no"}
    posts: list[dict[str, object]] = []
    for kind, (eligible, disguise) in KINDS.items():
        pool = [r for r in rows if eligible(r)]
        picked = rng.sample(pool, min(PER_KIND, len(pool)))
        while len(picked) < PER_KIND:  # few emoji sequences: use them more than once
            picked.append(rng.choice(pool))
        for row in picked:
            term = disguise(rng, row["text"])
            strong = plain(row["text"]) not in weak
            lang = row["lang"] if row["lang"] in SELLING else "en"
            bare = BARE.get(lang, BARE["en"]) if strong and kind not in ("hashtag", "username") else []
            template = rng.choice(SELLING[lang] + bare)
            prefix, suffix = "", ""
            if kind == "hashtag":
                prefix, suffix = "#", rng.choice(["4sale", "forsale", "plug", "420", "UK", "_delivery", ""])
                if rng.random() < 0.3:
                    prefix, term = "#Buy", term[:1].upper() + term[1:]
                template = rng.choice(SELLING["en"])
            elif kind == "username":
                prefix, suffix = "@", rng.choice(["_plug", "plug", "_connect", "_uk", "420", "shop"])
                template = "{t} " + rng.choice(
                    ["on telegram", "for prices", "delivery 24/7", "DM for the menu"]
                )
            start = template.index("{t}") + len(prefix)
            text = template.replace("{t}", prefix + term + suffix)
            posts.append(
                {
                    "id": f"{kind}-{len(posts):03d}",
                    "kind": kind,
                    "lang": row["lang"],
                    "label": row["text"],
                    "concept": f"{BASE}term/{ids[row['term']]}",
                    "text": text,
                    "start": start,
                    "end": start + len(term),
                }
            )
    return posts


def main() -> None:
    posts = make()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as handle:
        for post in posts:
            handle.write(json.dumps(post, ensure_ascii=False) + "\n")
    print(f"wrote {len(posts)} posts to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
