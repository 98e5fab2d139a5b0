"""Generate synthetic vocabularies shaped like the seed, for benchmarks.

Terms follow the seed's model exactly (kp:DrugTerm, SKOS-XL labels with term
type, ambiguity, handling and source, plain-label mirrors), so they pass the
shapes and exercise the same code paths. Words are random but deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

BASE = "https://w3id.org/drugkp/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
KP = BASE + "ontology#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
LANGUAGES = (
    ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "is", "it", "lt", "lv", "mt", "nb", "nl", "pl", "pt", "ro", "sk", "sl", "sv"]
)  # fmt: skip
TYPES = ("slang", "code-word", "abbreviation", "misspelling", "obfuscation", "hashtag")
LETTERS = "abcdefghijklmnopqrstuvwxyzäöüéèñçšžłőø"


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def seed_substances(vocab: Path) -> list[str]:
    """IRIs of the seed's substances, so generated terms refer to real ones."""
    substance = n(KP + "Substance")
    return sorted(
        q.subject.value
        for q in ox.parse(path=str(vocab / "substances.ttl"))
        if q.predicate == RDF_TYPE and q.object == substance
    )


def word(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 10)))


def synthetic_terms(
    count: int, substances: list[str], languages_per_term: int = 5, seed: int = 42, prefix: str = "X"
) -> Iterator[ox.Triple]:
    """Triples of ``count`` drug terms with ``languages_per_term`` pref labels each
    (plus one alt label), every label a full SKOS-XL label."""
    rng = random.Random(seed)
    scheme = n(BASE + "scheme/terms")
    for i in range(count):
        term = n(f"{BASE}term/{prefix}{i:07d}")
        yield ox.Triple(term, RDF_TYPE, n(SKOS + "Concept"))
        yield ox.Triple(term, RDF_TYPE, n(KP + "DrugTerm"))
        yield ox.Triple(term, n(SKOS + "inScheme"), scheme)
        yield ox.Triple(
            term, n(SKOS + "definition"), ox.Literal(f"Synthetic benchmark term {i}.", language="en")
        )
        yield ox.Triple(term, n(KP + "refersTo"), n(rng.choice(substances)))
        yield ox.Triple(term, n(KP + "reviewStatus"), n(BASE + "scheme/review-status/submitted"))
        langs = rng.sample(LANGUAGES, languages_per_term)
        forms = [("pref", lang) for lang in langs] + [("alt", langs[0])]
        for j, (kind, lang) in enumerate(forms):
            text = f"{word(rng)}{i}"
            literal = ox.Literal(text, language=lang)
            label = n(f"{BASE}label/{prefix}{i:07d}-{j}")
            yield ox.Triple(term, n(SKOS + f"{kind}Label"), literal)
            yield ox.Triple(term, n(SKOSXL + f"{kind}Label"), label)
            yield ox.Triple(label, RDF_TYPE, n(SKOSXL + "Label"))
            yield ox.Triple(label, n(SKOSXL + "literalForm"), literal)
            kind_of = rng.choice(TYPES)
            if kind_of == "hashtag":
                kind_of = "slang"
            yield ox.Triple(label, n(KP + "termType"), n(f"{BASE}scheme/term-types/{kind_of}"))
            yield ox.Triple(
                label, n(KP + "ambiguity"), n(f"{BASE}scheme/ambiguity/{rng.choice(['low', 'medium'])}")
            )
            yield ox.Triple(label, n(KP + "handling"), n(BASE + "scheme/handling/tlp-clear"))
            yield ox.Triple(label, n(KP + "needsOtherSignal"), ox.Literal("false", datatype=XSD_BOOLEAN))
            yield ox.Triple(label, n(DCT + "source"), n(BASE + "scheme/sources/general-knowledge"))


def write_turtle(path: Path, triples: Iterator[ox.Triple]) -> int:
    """Serialise with pyoxigraph; returns the number of triples written."""
    items = list(triples)
    prefixes = {"skos": SKOS, "skosxl": SKOSXL, "kp": KP, "dct": DCT}
    with path.open("wb") as fh:
        ox.serialize(items, fh, ox.RdfFormat.TURTLE, prefixes=prefixes)
    return len(items)
