"""The vocabulary as a MISP taxonomy (``machinetag.json``).

MISP analysts tag events and attributes with machine tags such as
``drugkp:substance="fentanyl"``. The taxonomy has four predicates: the
substance a post is about, the drug term seen (by its opaque id, expanded to
its preferred label), the term type and the ambiguity level.

Where MISP's own taxonomies cover the same ground the entries say so:
substances name their class in MISP's ``drugs`` taxonomy (ClassyFire
superclass and class, as DrugBank shows them), and substances and terms that
denote a physical form name the value of MISP's ``drug-form`` taxonomy, so an
analyst can add both tags. Entry UUIDs are derived from the concept URIs, so
they stay the same from release to release.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pyoxigraph as ox

from server import queries
from server.exports import LevelData
from server.lexicon import Lexicon

NAMESPACE = "drugkp"
#: Namespace of the UUIDs derived from concept URIs (uuid5 of the project's base).
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/drugkp/")

#: Substance (by its English name, lower case) → MISP ``drugs`` predicate and value.
#: Their ClassyFire classes as DrugBank lists them.
DRUGS_CLASSES: dict[str, tuple[str, str]] = {
    "cocaine": ("alkaloids-and-derivatives", "tropane-alkaloids"),
    "crack cocaine": ("alkaloids-and-derivatives", "tropane-alkaloids"),
    "morphine": ("alkaloids-and-derivatives", "morphinans"),
    "codeine": ("alkaloids-and-derivatives", "morphinans"),
    "heroin": ("alkaloids-and-derivatives", "morphinans"),
    "hydrocodone": ("alkaloids-and-derivatives", "morphinans"),
    "oxycodone": ("alkaloids-and-derivatives", "morphinans"),
    "lsd": ("alkaloids-and-derivatives", "ergoline-and-derivatives"),
    "alprazolam": ("organoheterocyclic-compounds", "benzodiazepines"),
    "diazepam": ("organoheterocyclic-compounds", "benzodiazepines"),
    "clonazepam": ("organoheterocyclic-compounds", "benzodiazepines"),
    "etizolam": ("organoheterocyclic-compounds", "thienodiazepines"),
    "fentanyl": ("organoheterocyclic-compounds", "piperidines"),
    "carfentanil": ("organoheterocyclic-compounds", "piperidines"),
    "acetylfentanyl": ("organoheterocyclic-compounds", "piperidines"),
    "dmt": ("organoheterocyclic-compounds", "indoles-and-derivatives"),
    "mdma": ("organoheterocyclic-compounds", "benzodioxoles"),
    "mda": ("organoheterocyclic-compounds", "benzodioxoles"),
    "tetrahydrocannabinol": ("organoheterocyclic-compounds", "benzopyrans"),
    "amphetamine": ("benzenoids", "benzene-and-substituted-derivatives"),
    "methamphetamine": ("benzenoids", "benzene-and-substituted-derivatives"),
    "mescaline": ("benzenoids", "benzene-and-substituted-derivatives"),
    "methadone": ("benzenoids", "benzene-and-substituted-derivatives"),
}

#: MISP ``drug-form`` values and the English words of their ``expanded`` text.
DRUG_FORMS: dict[str, tuple[str, ...]] = {
    "powder": ("powder", "dust", "flakes"),
    "pill-tablet": ("pill", "pills", "tablet", "tablets"),
    "crystal-rock": ("crystal", "crystals", "rock", "rocks", "shard", "shards", "moonrock"),
    "liquid": ("liquid", "syrup", "spray", "nasal spray", "vape juice"),
    "plant-matter": ("plant", "herb", "herbs", "leaf", "leaves", "bud", "buds", "flower", "weed"),
    "blotter": ("blotter", "tab", "tabs", "stamp", "strip", "strips", "paper dose"),
}

#: Substances whose usual street form is one of MISP's drug forms.
SUBSTANCE_FORMS: dict[str, str] = {
    "crack cocaine": "crystal-rock",
    "cannabis": "plant-matter",
    "psilocybin mushrooms": "plant-matter",
    "lsd": "blotter",
}


def entry_uuid(iri: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, iri))


def slug(text: str) -> str:
    """A MISP value: lower case, words joined by hyphens."""
    return re.sub(r"[^0-9a-z]+", "-", text.casefold()).strip("-")


def _text(term: object) -> str:
    return term.value if isinstance(term, ox.Literal) else ""


def _form_of(words: set[str]) -> str | None:
    for value, names in DRUG_FORMS.items():
        if words & set(names):
            return value
    return None


def taxonomy(data: LevelData, lexicon: Lexicon, version: int, description_suffix: str = "") -> dict[str, Any]:
    """The machinetag document of one handling level."""
    substances: list[dict[str, Any]] = []
    used: set[str] = set()
    for row in data.store.select(queries.EXPORT_SUBSTANCES, None):
        concept = row["concept"]
        if not isinstance(concept, ox.NamedNode) or _text(row["deprecated"]) in ("true", "1"):
            continue
        name = _text(row["name"]) or concept.value.rsplit("/", 1)[-1]
        value = slug(name) or concept.value.rsplit("/", 1)[-1].lower()
        if value in used:  # two substances with one English name: keep both apart
            value = f"{value}-{concept.value.rsplit('/', 1)[-1].lower()}"
        used.add(value)
        notes = [_text(row["definition"]) or name, f"Knowledge Package concept: {concept.value}."]
        if row["group"] is not None:
            notes.append("A group of substances.")
        key = name.casefold()
        if key in DRUGS_CLASSES:
            predicate, cls = DRUGS_CLASSES[key]
            notes.append(f'MISP drugs taxonomy: drugs:{predicate}="{cls}".')
        if key in SUBSTANCE_FORMS:
            notes.append(f'Usually seen as MISP drug-form:form="{SUBSTANCE_FORMS[key]}".')
        substances.append(
            {
                "value": value,
                "expanded": name,
                "description": " ".join(notes),
                "uuid": entry_uuid(concept.value),
            }
        )

    terms: dict[str, dict[str, Any]] = {}
    forms: dict[str, set[str]] = {}
    for entry in lexicon.term_entries():
        if entry.deprecated:
            continue
        found = terms.setdefault(entry.concept, {"pref": {}, "labels": [], "substances": entry.substances})
        if entry.kind == "pref":
            found["pref"].setdefault(entry.lang, entry.form)
        if entry.kind != "hidden":
            found["labels"].append(f"{entry.form} ({entry.lang})")
        if entry.lang == "en":
            forms.setdefault(entry.concept, set()).add(entry.form.casefold())
    term_entries = []
    for term_iri, found in sorted(terms.items()):
        pref: dict[str, str] = found["pref"]
        expanded = pref.get("en") or next(iter(sorted(pref.values())), term_iri.rsplit("/", 1)[-1])
        refers = ", ".join(lexicon.substance_name(s) for s in found["substances"])
        notes = [
            f"Refers to: {refers}." if refers else "Drug term.",
            "Labels: " + ", ".join(found["labels"]) + ".",
        ]
        form = _form_of(forms.get(term_iri, set()))
        if form:
            notes.append(f'Names a physical form: MISP drug-form:form="{form}".')
        notes.append(f"Knowledge Package concept: {term_iri}.")
        term_entries.append(
            {
                "value": term_iri.rsplit("/", 1)[-1],
                "expanded": expanded,
                "description": " ".join(notes),
                "uuid": entry_uuid(term_iri),
            }
        )

    codes = {
        str(row["concept"].value): (_text(row["name"]), _text(row["definition"]))
        for row in data.store.select(queries.EXPORT_SCHEME_CODES, None)
        if isinstance(row["concept"], ox.NamedNode)
    }

    def scheme_entries(fragment: str) -> list[dict[str, Any]]:
        out = []
        for iri, (name, definition) in sorted(codes.items()):
            if f"/scheme/{fragment}/" in iri:
                item = {"value": iri.rsplit("/", 1)[-1], "expanded": name or iri.rsplit("/", 1)[-1]}
                if definition:
                    item["description"] = definition
                item["uuid"] = entry_uuid(iri)
                out.append(item)
        return out

    predicates = [
        (
            "substance",
            "Substance",
            "The controlled substance or group the tagged content is about.",
            substances,
        ),
        (
            "term",
            "Drug term",
            "A Knowledge Package term seen in the tagged content (value: its id).",
            term_entries,
        ),
        (
            "term-type",
            "Term type",
            "The kind of term seen: slang, emoji, hashtag, misspelling and so on.",
            scheme_entries("term-types"),
        ),
        (
            "ambiguity",
            "Ambiguity",
            "How often the term seen has a benign reading.",
            scheme_entries("ambiguity"),
        ),
    ]
    present = [(v, e, d, entries) for v, e, d, entries in predicates if entries]
    return {
        "namespace": NAMESPACE,
        "expanded": "Drug-term Knowledge Package",
        "description": "Drug-advertising terms (slang, code words, emoji, hashtags) and the substances they "
        "refer to, from the EU Internet Forum's multilingual Knowledge Package." + description_suffix,
        "version": version,
        "uuid": entry_uuid(f"https://w3id.org/drugkp/taxonomy/{NAMESPACE}"),
        "refs": ["https://w3id.org/drugkp/"],
        "type": ["event", "attribute"],
        "predicates": [
            {
                "value": v,
                "expanded": e,
                "description": d,
                "uuid": entry_uuid(f"https://w3id.org/drugkp/taxonomy/{v}"),
            }
            for v, e, d, _ in present
        ],
        "values": [{"predicate": v, "entry": entries} for v, _e, _d, entries in present],
    }
