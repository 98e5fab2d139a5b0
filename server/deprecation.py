"""Deprecating a term instead of deleting it: ``owl:deprecated true`` and
``dct:isReplacedBy`` its replacement, with a change note, recorded as a PROV
activity in the records graph. One SPARQL Update, applied as one transaction.

The statements go to a graph of their own
(``{base}graph/deprecation/{id}/{level}``) at the term's least restricted
level, so everyone who can see the term sees that it is deprecated.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from server import queries
from server.access import Caller
from server.errors import BadRequest, Conflict, NotFound
from server.lexicon import Lexicon
from server.namespaces import HANDLING_LEVELS, KP, PREFIXES, handling_iri
from server.store import EmbeddedStore, now_iso

DCT, SKOS, OWL, PROV, XSD = (PREFIXES[p] for p in ("dct", "skos", "owl", "prov", "xsd"))
VOID = "http://rdfs.org/ns/void#"


@dataclass(frozen=True)
class Deprecation:
    id: str
    iri: str
    concept: str
    replaced_by: str
    reason: str
    reviewer: str
    decided: str


def _term(base: str, value: str) -> str:
    value = value.strip()
    return value if value.startswith(("http://", "https://")) else f"{base}term/{value}"


def deprecate(
    store: EmbeddedStore, lexicon: Lexicon, base: str, meta_graph: str, records_graph: str,
    caller: Caller, concept: str, replaced_by: str, reason: str,
) -> Deprecation:  # fmt: skip
    """Deprecate ``concept`` in favour of ``replaced_by`` (ids or URIs of drug terms)."""
    caller.require("reviewer", "admin")
    if not reason.strip():
        raise BadRequest("say why the term is deprecated (reason)")
    old, new = _term(base, concept), _term(base, replaced_by)
    if old == new:
        raise BadRequest("a term cannot be replaced by itself")
    terms = {e.concept: e for e in lexicon.term_entries()}
    for iri in (old, new):
        if iri not in terms:
            raise NotFound(f"no drug term {iri}")
    if terms[old].deprecated:
        raise Conflict(f"{old} is already deprecated")
    if terms[new].deprecated:
        raise BadRequest(f"{new} is itself deprecated; replace {old} by a current term")
    level = min((e.handling for e in lexicon.term_entries() if e.concept == old), key=HANDLING_LEVELS.index)
    did = "D" + dt.datetime.now(dt.UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)
    record = Deprecation(did, f"{base}deprecation/{did}", old, new, reason.strip(),
                         caller.token_id or caller.name, now_iso())  # fmt: skip
    store.update(_update(record, level, base, meta_graph, records_graph))
    store.invalidate()
    return record


def _update(record: Deprecation, level: str, base: str, meta_graph: str, records_graph: str) -> str:
    graph = ox.NamedNode(f"{base}graph/deprecation/{record.id}/{level}")
    c, r, a = ox.NamedNode(record.concept), ox.NamedNode(record.replaced_by), ox.NamedNode(record.iri)
    when = ox.Literal(record.decided, datatype=ox.NamedNode(XSD + "dateTime"))
    note = ox.Literal(f"{record.decided[:10]}: deprecated, replaced by {record.replaced_by.rsplit('/', 1)[-1]} "
                      f"({record.reason})", language="en")  # fmt: skip
    true = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
    count = ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))
    return f"""
INSERT DATA {{
    GRAPH {graph} {{
        {c} <{OWL}deprecated> {true} ; <{DCT}isReplacedBy> {r} ; <{DCT}modified> {when} ;
            <{SKOS}changeNote> {note} ; <{PROV}wasInvalidatedBy> {a} .
    }}
    GRAPH {ox.NamedNode(meta_graph)} {{
        {graph} a <{VOID}Dataset> ; <{DCT}source> {ox.Literal("deprecation/" + record.id)} ;
            <{DCT}type> "contribution" ; <{KP.handling}> {ox.NamedNode(handling_iri(level))} ;
            <{VOID}triples> {count} ; <{DCT}modified> {when} .
    }}
    GRAPH {ox.NamedNode(records_graph)} {{
        {a} a <{PROV}Activity> ; <{DCT}identifier> {ox.Literal(record.id)} ; <{DCT}type> "deprecation" ;
            <{PROV}used> {c} ; <{DCT}isReplacedBy> {r} ; <{KP.reviewedBy}> {ox.Literal(record.reviewer)} ;
            <{PROV}endedAtTime> {when} ; <{PREFIXES["rdfs"]}comment> {ox.Literal(record.reason)} .
    }}
}}"""


def history(
    store: EmbeddedStore, records_graph: str, since: str | None, visible: set[str]
) -> list[dict[str, Any]]:
    """Deprecations since a date, of terms the caller may see."""
    entries = []
    for row in store.select(queries.DEPRECATION_RECORDS, [records_graph]):
        concept, decided = row["concept"], row["decided"]
        if concept is None or decided is None or concept.value not in visible:
            continue
        if since and decided.value < since:
            continue
        entries.append({
            "deprecation": row["activity"].value if row["activity"] else "", "status": "deprecated",
            "decided": decided.value, "concept": concept.value,
            "replaced_by": row["replacedBy"].value if row["replacedBy"] else None,
            "reason": row["reason"].value if row["reason"] else None,
        })  # fmt: skip
    return entries
