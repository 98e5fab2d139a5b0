"""SPARQL Update texts for review decisions, each applied by Oxigraph as one transaction.

Every IRI is an ``ox.NamedNode`` and every value an ``ox.Literal``, whose
``str()`` is their escaped SPARQL form: nothing a contributor wrote can change
the shape of an update.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from server.namespaces import HANDLING_LEVELS, KP, PREFIXES, handling_iri
from server.store import now_iso

DCT, SKOS, XSD, VOID = PREFIXES["dct"], PREFIXES["skos"], PREFIXES["xsd"], "http://rdfs.org/ns/void#"


def _when(stamp: str) -> ox.Literal:
    return ox.Literal(stamp, datatype=ox.NamedNode(XSD + "dateTime"))


def decision(records_graph: str, contribution: str, status: str, reviewer: str, reason: str | None) -> str:
    """Replace a contribution's review status, saying who decided, when and why."""
    g, s = ox.NamedNode(records_graph), ox.NamedNode(contribution)
    status_p = ox.NamedNode(str(KP.reviewStatus))
    extra = f" ; {ox.NamedNode(PREFIXES['rdfs'] + 'comment')} {ox.Literal(reason)}" if reason else ""
    return (
        f"DELETE {{ GRAPH {g} {{ {s} {status_p} ?old }} }} WHERE {{ GRAPH {g} {{ {s} {status_p} ?old }} }} ;\n"
        f"INSERT DATA {{ GRAPH {g} {{ {s} {status_p} {ox.NamedNode(status)} ; "
        f"{ox.NamedNode(str(KP.reviewedBy))} {ox.Literal(reviewer)} ; "
        f"{ox.NamedNode(PREFIXES['prov'] + 'endedAtTime')} {_when(now_iso())}{extra} }} }}"
    )


def approval(
    meta_graph: str,
    records_graph: str,
    cid: str,
    contribution: str,
    details: dict[str, Any],
    graphs: dict[str, str],
    counts: dict[str, int],
    approved: str,
    reviewer: str,
) -> str:
    """Publish a contribution: record its graphs in the metadata graph (which is
    what makes them visible), note the change on every term it touches, and
    record the decision."""
    notes, extra = change_notes(cid, details, graphs)
    meta = ox.NamedNode(meta_graph)
    parts = []
    stamp = _when(now_iso())
    for level in HANDLING_LEVELS:
        count = counts.get(level, 0) + extra.get(level, 0)
        if not count:
            continue
        parts.append(
            f"INSERT DATA {{ GRAPH {meta} {{ {ox.NamedNode(graphs[level])} a <{VOID}Dataset> ; "
            f'<{DCT}source> {ox.Literal("contribution/" + cid)} ; <{DCT}type> "contribution" ; '
            f"<{KP.handling}> {ox.NamedNode(handling_iri(level))} ; "
            f"<{VOID}triples> {ox.Literal(str(count), datatype=ox.NamedNode(XSD + 'integer'))} ; "
            f"<{DCT}modified> {stamp} }} }}"
        )
    parts.extend(notes)
    parts.append(decision(records_graph, contribution, approved, reviewer, None))
    return " ;\n".join(parts)


def change_notes(
    cid: str, details: dict[str, Any], graphs: dict[str, str]
) -> tuple[list[str], dict[str, int]]:
    """dct:modified (replacing older ones from contributions) and a skos:changeNote on
    every term a contribution touches, in its graph of the least restricted level it
    adds to that term. Returns the update parts and the triples added per level."""
    preview = details.get("preview", {})
    levels: dict[str, str] = {}
    for label in preview.get("labels", []):
        concept, level = label.get("concept"), label.get("handling", "tlp-amber")
        if concept and level in HANDLING_LEVELS:
            levels[concept] = min(levels.get(concept, level), level, key=HANDLING_LEVELS.index)
    if not levels:
        return [], {}
    when = now_iso()
    new_terms = set(preview.get("new_terms", []))
    prefix = ox.Literal(graphs[HANDLING_LEVELS[0]].rsplit("/", 2)[0] + "/")
    values = " ".join(str(ox.NamedNode(c)) for c in sorted(levels))
    parts = [
        f"DELETE {{ GRAPH ?g {{ ?c <{DCT}modified> ?m }} }} WHERE {{ VALUES ?c {{ {values} }} "
        f"GRAPH ?g {{ ?c <{DCT}modified> ?m }} FILTER (STRSTARTS(STR(?g), {prefix})) }}"
    ]
    lines: dict[str, list[str]] = {}
    for concept, level in sorted(levels.items()):
        what = "Created" if concept in new_terms else "Labels added"
        note = ox.Literal(f"{when[:10]}: {what} by contribution {cid}", language="en")
        lines.setdefault(level, []).append(
            f"{ox.NamedNode(concept)} <{DCT}modified> {_when(when)} ; <{SKOS}changeNote> {note} ."
        )
    for level, block in lines.items():
        parts.append(f"INSERT DATA {{ GRAPH {ox.NamedNode(graphs[level])} {{ {' '.join(block)} }} }}")
    return parts, {level: 2 * len(block) for level, block in lines.items()}
