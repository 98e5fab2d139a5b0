"""Contributions as RDF: table rows become concepts and SKOS-XL labels; RDF
uploads are confined to new terms and given fresh identifiers; everything is
split into one graph per handling level.

A row whose term is already published for the same substances in the same
language is a duplicate (refused); in another language it becomes a new label
of that existing concept, not a second concept.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from server.intake import EMOJI_TYPES, Row
from server.lexicon import Lexicon
from server.namespaces import HANDLING_LEVELS, KP, PREFIXES, SKOSXL, handling_iri
from server.tokens import country_iri
from server.validation import Finding

RDF, RDFS, SKOS, DCT, XSD, OWL = (PREFIXES[p] for p in ("rdf", "rdfs", "skos", "dct", "xsd", "owl"))
PROV = PREFIXES["prov"]
HIDDEN_TYPES = ("misspelling", "obfuscation")
XL = {"pref": str(SKOSXL.prefLabel), "alt": str(SKOSXL.altLabel), "hidden": str(SKOSXL.hiddenLabel)}
PLAIN = {"pref": SKOS + "prefLabel", "alt": SKOS + "altLabel", "hidden": SKOS + "hiddenLabel"}


def nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def new_term(base: str) -> str:
    return f"{base}term/T{secrets.token_hex(5).upper()}"


def new_label(base: str) -> str:
    return f"{base}label/L{secrets.token_hex(6)}"


@dataclass
class Built:
    """What a contribution adds, before it is split by level."""

    triples: list[ox.Triple] = field(default_factory=list)
    new_concepts: set[str] = field(default_factory=set)
    existing_concepts: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # label or concept IRI -> table row

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(nn(s), nn(p), o))


def _key(form: str) -> str:
    return " ".join(form.casefold().split())


def rows_to_rdf(rows: list[Row], base: str, contribution: str, lexicon: Lexicon, today: dt.date) -> Built:
    """Concepts and labels for checked rows (``lexicon``: everything published)."""
    built = Built()
    published: dict[str, list[tuple[str, str, tuple[str, ...]]]] = defaultdict(
        list
    )  # form -> (lang, concept, subs)
    pref_langs: dict[str, set[str]] = defaultdict(set)  # concept -> languages with a prefLabel
    for entry in lexicon.term_entries():
        published[_key(entry.form)].append((entry.lang, entry.concept, entry.substances))
        if entry.kind == "pref":
            pref_langs[entry.concept].add(entry.lang)
    groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for row in rows:
        key = ("meaning", row.meaning.casefold(), *sorted(row.substances)) if row.meaning else (
            "row", str(row.number))  # fmt: skip
        groups[key].append(row)
    seen_in_upload: dict[tuple[str, str], int] = {}
    for group in groups.values():
        concept: str | None = None
        for row in group:
            subs = tuple(sorted(row.substances))
            for lang, existing, existing_subs in published.get(_key(row.term), []):
                if tuple(sorted(existing_subs)) != subs:
                    continue
                if lang == row.language:
                    built.findings.append(Finding(
                        "Violation", f"{row.term!r} ({row.language}) is already published for these substances "
                        f"as a label of {existing}", "duplicate", concept=existing, row=row.number,
                        column="term", value=row.term))  # fmt: skip
                else:
                    concept = concept or existing
            if (_key(row.term), row.language) in seen_in_upload:
                built.findings.append(Finding(
                    "Violation", f"{row.term!r} ({row.language}) also appears in row "
                    f"{seen_in_upload[(_key(row.term), row.language)]}", "duplicate", row=row.number,
                    column="term", value=row.term))  # fmt: skip
            seen_in_upload.setdefault((_key(row.term), row.language), row.number)
        if concept is None:
            concept = new_term(base)
            built.new_concepts.add(concept)
            _concept_core(built, concept, group, contribution, today)
        else:
            built.existing_concepts.add(concept)
        kinds = []
        for row in group:
            clash = any(
                lang == row.language and c != concept for lang, c, _ in published.get(_key(row.term), [])
            )
            if row.term_type in HIDDEN_TYPES:
                kind = "hidden"
            elif row.language in pref_langs[concept] or clash:
                kind = "alt"  # one prefLabel per language; a homonym of another term stays an altLabel
            else:
                kind = "pref"
                pref_langs[concept].add(row.language)
            kinds.append(kind)
        if concept in built.new_concepts and "pref" not in kinds:
            kinds[0] = "pref"  # SKOS: a concept is named by a prefLabel
            pref_langs[concept].add(group[0].language)
        for row, kind in zip(group, kinds, strict=True):
            _label(built, concept, row, kind, base, contribution, today)
    return built


def _concept_core(built: Built, concept: str, rows: list[Row], contribution: str, today: dt.date) -> None:
    built.add(concept, RDF + "type", nn(SKOS + "Concept"))
    built.add(concept, RDF + "type", nn(str(KP.DrugTerm)))
    built.add(concept, SKOS + "inScheme", nn(base_of(concept) + "scheme/terms"))
    built.add(concept, DCT + "created", ox.Literal(today.isoformat(), datatype=nn(XSD + "date")))
    built.add(concept, str(KP.reviewStatus), nn(base_of(concept) + "scheme/review-status/approved"))
    built.add(concept, PROV + "wasGeneratedBy", nn(contribution))
    for substance in sorted({s for r in rows for s in r.substances}):
        built.add(concept, str(KP.refersTo), nn(substance))
    meanings = sorted({r.meaning for r in rows if r.meaning})
    if meanings:
        built.add(concept, SKOS + "definition", ox.Literal(meanings[0], language="en"))


def base_of(iri: str) -> str:
    for marker in ("term/", "label/", "contribution/"):
        if marker in iri:
            return iri[: iri.rindex(marker)]
    raise ValueError(iri)


def _label(
    built: Built, concept: str, row: Row, kind: str, base: str, contribution: str, today: dt.date
) -> None:
    label = new_label(base)
    built.labels.add(label)
    built.rows[label] = row.number
    built.rows.setdefault(concept, row.number)
    form = ox.Literal(row.term, language=row.language)
    built.add(concept, XL[kind], nn(label))
    built.add(concept, PLAIN[kind], form)
    built.add(label, RDF + "type", nn(str(SKOSXL.Label)))
    built.add(label, str(SKOSXL.literalForm), form)
    built.add(label, str(KP.termType), nn(f"{base}scheme/term-types/{row.term_type}"))
    built.add(label, str(KP.ambiguity), nn(f"{base}scheme/ambiguity/{row.ambiguity}"))
    built.add(label, str(KP.handling), nn(handling_iri(row.handling)))
    boolean = ox.Literal("true" if row.needs_other_signal else "false", datatype=nn(XSD + "boolean"))
    built.add(label, str(KP.needsOtherSignal), boolean)
    built.add(label, DCT + "created", ox.Literal(today.isoformat(), datatype=nn(XSD + "date")))
    built.add(label, PROV + "wasGeneratedBy", nn(contribution))
    if row.source.startswith(("http://", "https://")):
        try:
            built.add(label, DCT + "source", nn(row.source))
        except ValueError:
            built.add(label, DCT + "source", ox.Literal(row.source))
    elif row.source:
        built.add(label, DCT + "source", ox.Literal(row.source))
    else:
        built.add(label, DCT + "source", nn(contribution))
    meaning_lang = (
        row.language if row.language not in ("zxx", "") and row.term_type not in EMOJI_TYPES else "en"
    )
    for benign in row.benign_meanings:
        built.add(label, str(KP.benignMeaning), ox.Literal(benign, language=meaning_lang))
    for platform in row.platforms:
        built.add(label, str(KP.platform), nn(f"{base}scheme/platforms/{platform}"))
    if row.country:
        built.add(label, DCT + "spatial", nn(country_iri(row.country)))
    if row.first_seen:
        built.add(label, str(KP.firstSeen), ox.Literal(row.first_seen.isoformat(), datatype=nn(XSD + "date")))
    if row.last_seen:
        built.add(label, str(KP.lastSeen), ox.Literal(row.last_seen.isoformat(), datatype=nn(XSD + "date")))
    if row.notes:
        built.add(label, SKOS + "note", ox.Literal(row.notes, language="en"))


def split_levels(
    triples: Iterable[ox.Triple], concepts_level: dict[str, str] | None = None
) -> dict[str, list[ox.Triple]]:
    """One list of triples per handling level.

    A label's own triples, its link from the concept and the plain mirror of
    its text go to the label's level; the rest of a concept goes to the least
    restricted level of its labels (a concept with only AMBER labels is AMBER)."""
    triples = list(triples)
    handling = str(KP.handling)
    level_of = {_text(t.subject): _text(t.object).rsplit("/", 1)[-1] for t in triples
                if t.predicate.value == handling and isinstance(t.object, ox.NamedNode)}  # fmt: skip
    forms: dict[tuple[str, str, str], str] = {}  # (concept, plain predicate, form) -> level
    literal_of = {_text(t.subject): t.object for t in triples if t.predicate.value == str(SKOSXL.literalForm)}
    concept_levels: dict[str, set[str]] = defaultdict(set)
    for t in triples:
        for kind, xl in XL.items():
            if t.predicate.value == xl and _text(t.object) in level_of:
                level = level_of[_text(t.object)]
                concept_levels[_text(t.subject)].add(level)
                literal = literal_of.get(_text(t.object))
                if literal is not None:
                    forms[(_text(t.subject), PLAIN[kind], str(literal))] = level
    out: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        s = _text(t.subject)
        if s in level_of:
            out[level_of[s]].append(t)
        elif _text(t.object) in level_of:
            out[level_of[_text(t.object)]].append(t)
        elif (s, t.predicate.value, str(t.object)) in forms:
            out[forms[(s, t.predicate.value, str(t.object))]].append(t)
        else:
            levels = concept_levels.get(s) or {(concepts_level or {}).get(s, "tlp-amber")}
            out[min(levels, key=HANDLING_LEVELS.index)].append(t)
    return dict(out)


def _text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else str(term)


def rdf_to_rdf(quads: list[ox.Quad], base: str, contribution: str, known: set[str], today: dt.date) -> Built:
    """An RDF upload confined to new drug terms and their labels, with fresh ids.

    Refused: ``owl:imports`` (never followed), named graphs, and statements
    about anything that is not a new term or label (existing concepts, the
    ontology, the schemes, the shapes, substances)."""
    built = Built()
    rdf_type, imports = RDF + "type", OWL + "imports"

    def refuse(message: str, focus: str | None = None, path: str | None = None) -> None:
        built.findings.append(
            Finding("Violation", message, "contribution", focus=focus, concept=focus, path=path)
        )

    terms = {
        _text(q.subject)
        for q in quads
        if q.predicate.value == rdf_type and _text(q.object) == str(KP.DrugTerm)
    }
    labels = {
        _text(q.subject)
        for q in quads
        if q.predicate.value == rdf_type and _text(q.object) == str(SKOSXL.Label)
    }
    rename: dict[str, str] = {}
    for old in sorted(terms):
        rename[old] = new_term(base)
    for old in sorted(labels):
        rename[old] = new_label(base)
    for quad in quads:
        subject = _text(quad.subject)
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            refuse("named graphs are not accepted in a contribution; send plain triples", subject)
            continue
        if quad.predicate.value == imports:
            refuse(
                "owl:imports is not accepted (nothing was fetched); send the data itself",
                subject,
                "owl:imports",
            )
            continue
        if subject in known:
            refuse(f"statements about the existing resource {subject} are not accepted; contribute new terms "
                   "and labels (a reviewer changes existing ones)", subject)  # fmt: skip
            continue
        if subject not in rename:
            refuse(f"{subject} is neither a new kp:DrugTerm nor a skosxl:Label; a contribution only adds "
                   "drug terms and their labels", subject)  # fmt: skip
            continue
        obj = quad.object
        if isinstance(obj, ox.NamedNode | ox.BlankNode) and _text(obj) in rename:
            obj = nn(rename[_text(obj)])
        elif isinstance(obj, ox.BlankNode):
            refuse(
                "blank nodes other than new terms and labels are not accepted", subject, quad.predicate.value
            )
            continue
        assert isinstance(obj, ox.NamedNode | ox.Literal)
        built.add(rename[subject], quad.predicate.value, obj)
    for old, new in rename.items():
        if old in terms:
            built.new_concepts.add(new)
            built.add(new, PROV + "wasGeneratedBy", nn(contribution))
        else:
            built.labels.add(new)
            built.add(new, PROV + "wasGeneratedBy", nn(contribution))
    has_created = {_text(t.subject) for t in built.triples if t.predicate.value == DCT + "created"}
    for new in rename.values():
        if new not in has_created:
            built.add(new, DCT + "created", ox.Literal(today.isoformat(), datatype=nn(XSD + "date")))
    if not terms and not labels:
        refuse("the upload holds no kp:DrugTerm; describe new terms with their SKOS-XL labels")
    return built


def preview(built: Built, lexicon: Lexicon) -> dict[str, Any]:
    """What approval adds: new terms, and labels (new or on existing terms)."""
    forms: dict[str, dict[str, str]] = {}
    for t in built.triples:
        subject = t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
        if subject in built.labels:
            item = forms.setdefault(subject, {"label": subject})
            name = t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            if name == "literalForm" and isinstance(t.object, ox.Literal):
                item["text"], item["language"] = t.object.value, t.object.language or ""
            elif name in ("termType", "handling", "ambiguity") and isinstance(t.object, ox.NamedNode):
                item[name] = t.object.value.rsplit("/", 1)[-1]
        for kind in ("prefLabel", "altLabel", "hiddenLabel"):
            if t.predicate.value.endswith("skos-xl#" + kind) and isinstance(t.object, ox.NamedNode):
                forms.setdefault(t.object.value, {"label": t.object.value}).update(concept=subject, kind=kind)
    names = {e.concept: e.form for e in lexicon.term_entries() if e.kind == "pref" and e.lang == "en"}
    return {
        "new_terms": sorted(built.new_concepts),
        "changed_terms": [{"concept": c, "name": names.get(c, "")} for c in sorted(built.existing_concepts)],
        "labels": sorted(
            forms.values(), key=lambda f: (f.get("concept", ""), f.get("language", ""), f.get("text", ""))
        ),
    }
