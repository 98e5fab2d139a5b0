"""The substance hierarchy (``skos:broader`` up to groups), with term counts.

Read from one level's snapshot and counted from that level's lexicon, so the
counts are what a reader of that level may see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from server import queries
from server.browse import local_path
from server.lexicon import Lexicon
from server.store import EmbeddedStore


@dataclass(frozen=True)
class Node:
    iri: str
    name: str
    href: str
    group: bool
    terms: int  # terms that refer to this substance itself
    total: int  # distinct terms that refer to it or to anything under it
    children: tuple[Node, ...]


def hierarchy(store: EmbeddedStore) -> tuple[dict[str, set[str]], set[str]]:
    """Substance → its broader substances, and the set of groups."""
    broader: dict[str, set[str]] = {}
    groups: set[str] = set()
    for row in store.select(queries.SUBSTANCE_TREE, None):
        substance, parent, group = row["substance"], row["broader"], row["group"]
        if not isinstance(substance, ox.NamedNode):
            continue
        broader.setdefault(substance.value, set())
        if isinstance(parent, ox.NamedNode) and parent.value != substance.value:
            broader[substance.value].add(parent.value)
        if isinstance(group, ox.Literal) and group.value == "true":
            groups.add(substance.value)
    return broader, groups


def tree(
    broader: dict[str, set[str]], groups: set[str], lexicon: Lexicon, base: str, ui_lang: str
) -> list[Node]:
    """The forest of substances, roots first, each level sorted by name."""
    narrower: dict[str, set[str]] = defaultdict(set)
    for child, parents in broader.items():
        for parent in parents:
            if parent in broader:
                narrower[parent].add(child)
    referring: dict[str, set[str]] = defaultdict(set)
    for entry in lexicon.term_entries():
        for substance in entry.substances:
            referring[substance].add(entry.concept)

    def name(iri: str) -> str:
        return lexicon.substance_name(iri, ui_lang)

    reached: set[str] = set()

    def node(iri: str, path: frozenset[str]) -> tuple[Node, set[str]]:
        reached.add(iri)
        terms = set(referring.get(iri, ()))
        children = []
        for child in sorted(narrower.get(iri, ()), key=lambda c: (name(c).casefold(), c)):
            if child in path:  # a cycle in skos:broader: show it once, do not loop
                continue
            built, below = node(child, path | {child})
            children.append(built)
            terms |= below
        own = len(referring.get(iri, ()))
        return Node(
            iri, name(iri), local_path(iri, base), iri in groups, own, len(terms), tuple(children)
        ), terms

    roots = [iri for iri, parents in broader.items() if not parents & broader.keys()]
    forest = [node(iri, frozenset({iri}))[0] for iri in sorted(roots, key=lambda r: (name(r).casefold(), r))]
    while len(reached) < len(broader):  # substances only in cycles: each cycle from its first member
        start = min(set(broader) - reached)
        forest.append(node(start, frozenset({start}))[0])
    return forest
