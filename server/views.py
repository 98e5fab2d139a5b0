"""View models for HTML pages, built from a resource's triples.

Plain dictionaries for the templates: the templates only lay them out (and
Jinja2 escapes every value)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from server.namespaces import PREFIXES

SKOS = PREFIXES["skos"]
SKOSXL = PREFIXES["skosxl"]
KP = PREFIXES["kp"]
DCT = PREFIXES["dct"]
RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
OWL_DEPRECATED = PREFIXES["owl"] + "deprecated"
OWL_ONTOLOGY = PREFIXES["owl"] + "Ontology"
XL_KINDS = {SKOSXL + "prefLabel": "pref", SKOSXL + "altLabel": "alt", SKOSXL + "hiddenLabel": "hidden"}
KIND_ORDER = {"pref": 0, "alt": 1, "hidden": 2}
EXTERNAL = {
    "http://www.wikidata.org/entity/": "Wikidata",
    "http://purl.obolibrary.org/obo/CHEBI_": "ChEBI",
    "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID": "PubChem CID",
    "https://commonchemistry.cas.org/detail?cas_rn=": "CAS RN",
}


def short(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class Names:
    """Display names of resources, in the UI language with fallback."""

    def __init__(self, triples: list[ox.Triple], lang: str) -> None:
        self.lang = lang
        self.names: dict[str, dict[str, str]] = defaultdict(dict)
        for t in triples:
            if t.predicate.value in (SKOS + "prefLabel", RDFS_LABEL) and isinstance(t.object, ox.Literal):
                subject = str(t.subject.value) if isinstance(t.subject, ox.NamedNode) else ""
                self.names[subject].setdefault(t.object.language or "", t.object.value)

    def __call__(self, iri: str) -> str:
        names = self.names.get(iri, {})
        for lang in (self.lang, "en", ""):
            if lang in names:
                return names[lang]
        if names:
            return sorted(names.items())[0][1]
        return short(iri)


def resource_view(triples: list[ox.Triple], iri: str, lang: str, base: str) -> dict[str, Any]:
    name = Names(triples, lang)
    suffix = "" if lang == "en" else f"?lang={lang}"

    def local(target: str, base: str) -> str:
        return _local(target, base) + (suffix if target.startswith(base) else "")

    own: dict[str, list[Any]] = defaultdict(list)
    by_subject: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        subject = t.subject.value if isinstance(t.subject, ox.NamedNode | ox.BlankNode) else str(t.subject)
        by_subject[subject][t.predicate.value].append(t.object)
        if subject == iri:
            own[t.predicate.value].append(t.object)

    def links(predicate: str) -> list[dict[str, str]]:
        return sorted(
            ({"iri": o.value, "href": local(o.value, base), "name": name(o.value)} for o in own.get(predicate, [])
             if isinstance(o, ox.NamedNode)),
            key=lambda x: x["name"].lower(),
        )  # fmt: skip

    def text(predicate: str) -> list[str]:
        values = [o for o in own.get(predicate, []) if isinstance(o, ox.Literal)]
        preferred = [v.value for v in values if v.language == lang] or [
            v.value for v in values if v.language == "en"
        ]
        return preferred or [v.value for v in values]

    types = {o.value for o in own.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)}
    labels: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for predicate, kind in XL_KINDS.items():
        for label in own.get(predicate, []):
            data = by_subject.get(label.value, {})
            form = next((o for o in data.get(SKOSXL + "literalForm", []) if isinstance(o, ox.Literal)), None)
            if form is None:
                continue
            labels[form.language or ""].append(
                {
                    "text": form.value,
                    "kind": kind,
                    "href": local(label.value, base),
                    "type": ", ".join(name(o.value) for o in data.get(KP + "termType", [])),
                    "ambiguity": ", ".join(name(o.value) for o in data.get(KP + "ambiguity", [])),
                    "benign": "; ".join(o.value for o in data.get(KP + "benignMeaning", [])),
                    "signal": any(o.value == "true" for o in data.get(KP + "needsOtherSignal", [])),
                    "handling": ", ".join(name(o.value) for o in data.get(KP + "handling", [])),
                    "source": ", ".join(name(o.value) for o in data.get(DCT + "source", [])),
                }
            )
    for rows in labels.values():
        rows.sort(key=lambda r: (KIND_ORDER[r["kind"]], r["text"].lower()))
    referring: dict[str, list[dict[str, str]]] = defaultdict(list)
    for subject, props in by_subject.items():
        if any(o.value == iri for o in props.get(KP + "refersTo", [])) and subject != iri:
            for literal in props.get(SKOS + "prefLabel", []) + props.get(SKOS + "altLabel", []):
                if isinstance(literal, ox.Literal):
                    referring[literal.language or ""].append(
                        {"text": literal.value, "href": local(subject, base)}
                    )
    for rows in referring.values():
        rows.sort(key=lambda r: r["text"].lower())
    mappings = []
    for predicate in (SKOS + "exactMatch", SKOS + "closeMatch"):
        for target in own.get(predicate, []):
            scheme = next((label for ns, label in EXTERNAL.items() if target.value.startswith(ns)), "")
            ident = next(
                (target.value[len(ns) :] for ns in EXTERNAL if target.value.startswith(ns)), target.value
            )
            mappings.append(
                {"relation": short(predicate), "scheme": scheme, "id": ident, "iri": target.value}
            )
    deprecated = any(o.value == "true" for o in own.get(OWL_DEPRECATED, []))
    return {
        "iri": iri,
        "title": name(iri),
        "types": sorted(name(t) if not t.startswith(PREFIXES["skos"]) else short(t) for t in types),
        "is_term": KP + "DrugTerm" in types,
        "is_substance": KP + "Substance" in types,
        "definition": text(SKOS + "definition"),
        "comment": text(PREFIXES["rdfs"] + "comment"),
        "deprecated": deprecated,
        "replaced_by": links(DCT + "isReplacedBy"),
        "refers_to": links(KP + "refersTo"),
        "broader": links(SKOS + "broader"),
        "narrower": links(SKOS + "narrower"),
        "in_scheme": links(SKOS + "inScheme"),
        "top_concepts": links(SKOS + "hasTopConcept"),
        "schedules": links(KP + "controlSchedule"),
        "labels": [(lg, labels[lg]) for lg in sorted(labels, key=lambda x: (x != lang, x))],
        "names": sorted(
            (
                (o.language or "", o.value)
                for o in own.get(SKOS + "prefLabel", [])
                if isinstance(o, ox.Literal)
            ),
        ),
        "alt_names": sorted(o.value for o in own.get(SKOS + "altLabel", []) if isinstance(o, ox.Literal)),
        "referring": [(lg, referring[lg]) for lg in sorted(referring, key=lambda x: (x != lang, x))],
        "mappings": mappings,
        "see_also": links(PREFIXES["rdfs"] + "seeAlso"),
        "provenance": {
            "created": text(DCT + "created"),
            "modified": text(DCT + "modified"),
            "source": links(DCT + "source"),
            "review": links(KP + "reviewStatus"),
            "changes": sorted(text(SKOS + "changeNote"), reverse=True),
        },
        "lang": lang,
        "ontology": ontology_terms(by_subject, name) if OWL_ONTOLOGY in types else None,
    }


def ontology_terms(
    by_subject: dict[str, dict[str, list[Any]]], name: Names
) -> dict[str, list[dict[str, str]]]:
    """Classes and properties of the ontology, documented for people."""

    def first(props: dict[str, list[Any]], predicate: str) -> str:
        values = [o for o in props.get(predicate, []) if isinstance(o, ox.Literal)]
        english = [v.value for v in values if v.language == "en"]
        return (english or [v.value for v in values] or [""])[0]

    sections: dict[str, list[dict[str, str]]] = {"classes": [], "properties": []}
    for subject, props in sorted(by_subject.items()):
        kinds = {o.value for o in props.get(RDF_TYPE, [])}
        entry = {
            "iri": subject,
            "name": short(subject),
            "label": first(props, RDFS_LABEL),
            "comment": first(props, PREFIXES["rdfs"] + "comment"),
            "domain": ", ".join(short(o.value) for o in props.get(PREFIXES["rdfs"] + "domain", [])),
            "range": ", ".join(short(o.value) for o in props.get(PREFIXES["rdfs"] + "range", [])),
            "super": ", ".join(short(o.value) for o in props.get(PREFIXES["rdfs"] + "subClassOf", [])),
        }
        if PREFIXES["owl"] + "Class" in kinds:
            sections["classes"].append(entry)
        elif kinds & {PREFIXES["owl"] + "ObjectProperty", PREFIXES["owl"] + "DatatypeProperty"}:
            sections["properties"].append(entry)
    return sections


def _local(iri: str, base: str) -> str:
    """A link that stays on this server for our own URIs."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri
