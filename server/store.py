"""Storage: every pyoxigraph store call lives here (and, for the readers' per-level
copies, in :mod:`server.snapshots`); SPARQL texts come from :mod:`server.queries`.

The rest of the code talks to :class:`Store`, a small interface that an
embedded Oxigraph store implements today and a remote SPARQL 1.1 endpoint
(query, update, graph store protocol) can implement tomorrow.

Named graphs: one per source (a vocabulary file, a contribution), each with a
handling level recorded in the metadata graph ``{base}graph/meta``. Queries
that serve readers run over the union of the graphs their level allows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from server import queries
from server.errors import StoreError
from server.formats import Format, ResultsFormat
from server.namespaces import HANDLING_LEVELS, KP, PREFIXES, VOID, handling_iri

DCT = PREFIXES["dct"]
XSD = PREFIXES["xsd"]

#: The levels each level may see (TLP is cumulative: AMBER sees GREEN and CLEAR).
VISIBLE_LEVELS: dict[str, tuple[str, ...]] = {
    "tlp-clear": ("tlp-clear",),
    "tlp-green": ("tlp-clear", "tlp-green"),
    "tlp-amber": HANDLING_LEVELS,
}

#: Graph kinds whose union is what readers query by default (not shapes, not metadata).
PUBLISHED_KINDS = ("ontology", "vocab", "file", "contribution")

SPARQL_PREFIXES = queries.SPARQL_PREFIXES


@dataclass(frozen=True)
class GraphInfo:
    iri: str
    source: str
    handling: str
    triples: int
    modified: str
    kind: str


class Store(Protocol):
    """What the application needs from a triple store."""

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None: ...

    def bulk_replace_graph(self, graph: str, path: Path, fmt: Format) -> None: ...

    def drop_graph(self, graph: str) -> None: ...

    def record_graph(self, meta_graph: str, info: GraphInfo) -> None: ...

    def graph_infos(self, meta_graph: str) -> list[GraphInfo]: ...

    def select(
        self,
        query: str,
        graphs: Sequence[str] | None,
        substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode | None]]: ...

    def construct(
        self, query: str, graphs: Sequence[str] | None, iris: dict[str, ox.NamedNode] | None = None
    ) -> list[ox.Triple]: ...

    def resources(self) -> list[str]: ...

    def describe(self, resource: ox.NamedNode, graphs: Sequence[str] | None) -> list[ox.Triple]: ...

    def count_quads(self) -> int: ...

    def close(self) -> None: ...


class EmbeddedStore:
    """An on-disk pyoxigraph store (or in memory when ``path`` is None)."""

    def __init__(self, path: Path | None, read_only: bool = False) -> None:
        self.path = path
        # graph_infos() is read on every request; it changes only when this
        # object writes (or when invalidate() is called after an update).
        self._infos: dict[str, list[GraphInfo]] = {}
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            hint = " (is another `kp` command or the server using it?)" if "lock" in str(exc).lower() else ""
            raise StoreError(f"cannot open the store at {path}: {exc}{hint}") from None

    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store itself, for :mod:`server.query_exec` (which runs query jobs)."""
        return self._store

    # -- writing ---------------------------------------------------------
    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        """Replace a named graph's content with the triples of ``quads``."""
        self._infos.clear()
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)
        self._store.extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)

    def bulk_replace_graph(self, graph: str, path: Path, fmt: Format) -> None:
        """Replace a named graph by streaming a (large) file into it."""
        self._infos.clear()
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)
        self._store.bulk_load(path=str(path), format=fmt.rdf_format, to_graph=name)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction (all or nothing)."""
        self._infos.clear()
        self._store.extend(quads)
        self._store.flush()

    def existing_subjects(self, iris: Iterable[str]) -> set[str]:
        """Which of these IRIs are already the subject of a statement, in any graph."""
        found = set()
        for iri in iris:
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                continue
            if next(iter(self._store.quads_for_pattern(node, None, None)), None) is not None:
                found.add(iri)
        return found

    def update(self, text: str) -> None:
        """Run a SPARQL Update (atomic in Oxigraph); a syntax error raises SyntaxError."""
        self._infos.clear()
        self._store.update(text)
        self._store.flush()

    def drop_graph(self, graph: str) -> None:
        self._infos.clear()
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)

    def record_graph(self, meta_graph: str, info: GraphInfo) -> None:
        """Describe a source graph in the metadata graph (replacing any old record)."""
        self._infos.clear()
        graph = ox.NamedNode(info.iri)
        meta = ox.NamedNode(meta_graph)
        self._remove_subject(meta, graph)
        rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
        self._store.extend(
            [
                ox.Quad(graph, rdf_type, ox.NamedNode(str(VOID) + "Dataset"), meta),
                ox.Quad(graph, ox.NamedNode(DCT + "source"), ox.Literal(info.source), meta),
                ox.Quad(graph, ox.NamedNode(DCT + "type"), ox.Literal(info.kind), meta),
                ox.Quad(
                    graph, ox.NamedNode(str(KP.handling)), ox.NamedNode(handling_iri(info.handling)), meta
                ),
                ox.Quad(
                    graph,
                    ox.NamedNode(str(VOID) + "triples"),
                    ox.Literal(str(info.triples), datatype=ox.NamedNode(XSD + "integer")),
                    meta,
                ),
                ox.Quad(
                    graph,
                    ox.NamedNode(DCT + "modified"),
                    ox.Literal(info.modified, datatype=ox.NamedNode(XSD + "dateTime")),
                    meta,
                ),
            ]
        )

    def _remove_subject(self, meta: ox.NamedNode, subject: ox.NamedNode) -> None:
        self._infos.clear()
        for quad in list(self._store.quads_for_pattern(subject, None, None, meta)):
            self._store.remove(quad)

    def forget_graph(self, meta_graph: str, graph: str) -> None:
        self.drop_graph(graph)
        self._remove_subject(ox.NamedNode(meta_graph), ox.NamedNode(graph))

    # -- reading ---------------------------------------------------------
    def invalidate(self) -> None:
        """Forget cached metadata after a write made outside this object's methods."""
        self._infos.clear()

    def graph_infos(self, meta_graph: str) -> list[GraphInfo]:
        cached = self._infos.get(meta_graph)
        if cached is not None:
            return cached
        rows = self._store.query(
            SPARQL_PREFIXES + queries.GRAPH_INFOS,
            substitutions={ox.Variable("meta"): ox.NamedNode(meta_graph)},
        )
        infos = []
        for row in rows:  # type: ignore[union-attr]
            infos.append(
                GraphInfo(
                    iri=row["graph"].value,
                    source=row["source"].value,
                    handling=row["handling"].value.rsplit("/", 1)[-1],
                    triples=int(row["triples"].value),
                    modified=row["modified"].value,
                    kind=row["kind"].value,
                )
            )
        self._infos[meta_graph] = infos
        return infos

    def select(
        self,
        query: str,
        graphs: Sequence[str] | None,
        substitutions: dict[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode | None]]:
        """Run a SELECT over the union of ``graphs`` (the caller's visible graphs;
        None: of all graphs, for level snapshots)."""
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): v for k, v in (substitutions or {}).items()
        }
        if graphs is None:
            results = self._store.query(
                SPARQL_PREFIXES + query, use_default_graph_as_union=True, substitutions=subs
            )
        else:
            default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in graphs]
            if not default:
                return []
            results = self._store.query(SPARQL_PREFIXES + query, default_graph=default, substitutions=subs)
        assert isinstance(results, ox.QuerySolutions)
        names = [v.value for v in results.variables]
        return [{name: row[name] for name in names} for row in results]

    def construct(
        self, query: str, graphs: Sequence[str] | None, iris: dict[str, ox.NamedNode] | None = None
    ) -> list[ox.Triple]:
        """Run a CONSTRUCT over the union of ``graphs`` (None: of all graphs, for
        level snapshots), with IRIs bound in the text."""
        text = SPARQL_PREFIXES + bind_iris(query, iris or {})
        if graphs is None:
            results = self._store.query(text, use_default_graph_as_union=True)
        elif not graphs:
            return []
        else:
            default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.NamedNode(g) for g in graphs]
            results = self._store.query(text, default_graph=default)
        assert isinstance(results, ox.QueryTriples)
        return list(results)

    def describe(self, resource: ox.NamedNode, graphs: Sequence[str] | None) -> list[ox.Triple]:
        """A resource's document (see queries.DESCRIBE_CORE and queries.LINKED_NAMES)."""
        core = self.construct(queries.DESCRIBE_CORE, graphs, {"resource": resource})
        rdf_type = PREFIXES["rdf"] + "type"
        linked = sorted(
            {
                t.object.value
                for t in core
                if isinstance(t.object, ox.NamedNode) and t.predicate.value != rdf_type
            }
        )
        if not linked:
            return core
        values = " ".join(str(ox.NamedNode(iri)) for iri in linked)  # IRIs read from the store, re-validated
        return core + self.construct(queries.LINKED_NAMES.replace("?linkedIris", values), graphs)

    def resources(self) -> list[str]:
        """The terms and substances of a level snapshot (all of it visible)."""
        results = self._store.query(SPARQL_PREFIXES + queries.RESOURCE_IRIS, use_default_graph_as_union=True)
        assert isinstance(results, ox.QuerySolutions)
        return [row["resource"].value for row in results]

    def count_quads(self) -> int:
        return len(self._store)

    def graph_quads(self, graph: str) -> Iterator[ox.Quad]:
        """The quads of one named graph, in store order."""
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))

    def all_quads(self) -> Iterator[ox.Quad]:
        """Every quad (of a level snapshot: everything that level may see)."""
        return iter(self._store)

    def count_graph(self, graph: str) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", [graph])
        value = rows[0]["n"] if rows else None
        return int(value.value) if value is not None else 0

    def visible_graphs(self, meta_graph: str, level: str) -> list[str]:
        """The graphs a reader cleared for ``level`` may see."""
        allowed = VISIBLE_LEVELS[level]
        return [info.iri for info in self.graph_infos(meta_graph) if info.handling in allowed]

    def flush(self) -> None:
        self._store.flush()

    def snapshot(self, target: Path) -> None:
        """A consistent read-only copy (RocksDB checkpoint: hard links, so cheap)."""
        self._store.flush()
        self._store.backup(str(target))

    def memory_copy(self, most: int, wanted: Callable[[], bool] = lambda: True) -> EmbeddedStore | None:
        """A copy in memory of a (read-only) store of at most ``most`` quads, else None
        (also as soon as ``wanted()`` turns false, asked every thousand subjects).

        A lookup of a fixed subject gives the same bytes from the copy as from
        this store: the same blank nodes (quads are copied as they are, not
        re-parsed) and rows in the same order — this store's index order for the
        subject, which the memory store keeps when each subject's quads go in
        reversed (it lists them last in, first out; tests/test_lookups.py checks
        every lookup shape)."""
        if len(self._store) > most:
            return None
        solutions = self._store.query(queries.ALL_SUBJECTS, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        subjects = [row[0] for row in solutions]
        copy = EmbeddedStore(None)
        for start in range(0, len(subjects), 1000):
            if not wanted():
                return None
            copy._store.bulk_extend(
                quad
                for subject in subjects[start : start + 1000]
                for quad in reversed(list(self._store.quads_for_pattern(subject, None, None)))
            )
        return copy

    def close(self) -> None:
        # pyoxigraph closes the database when the object is released.
        del self._store


def published_graphs(infos: Iterable[GraphInfo], level: str) -> list[GraphInfo]:
    """The graphs a reader of ``level`` sees: published kinds of the levels it may see."""
    allowed = VISIBLE_LEVELS[level]
    return [i for i in infos if i.handling in allowed and i.kind in PUBLISHED_KINDS]


BNODE_MARK = "urn:x-drugkp:bnode"


def serialize_solutions(
    variables: list[ox.Variable], rows: list[ox.QuerySolution], fmt: ResultsFormat
) -> bytes:
    """Serialise some solutions with pyoxigraph by replaying them through VALUES.

    VALUES cannot hold blank nodes: they travel as literals of a private
    datatype and BNODE() turns them back into blank nodes."""
    names = [v.value for v in variables]
    blank_columns: set[str] = set()
    lines = []
    for row in rows:
        cells = []
        for name in names:
            term = row[name]
            if term is None:
                cells.append("UNDEF")
            elif isinstance(term, ox.BlankNode):
                blank_columns.add(name)
                cells.append(str(ox.Literal(term.value, datatype=ox.NamedNode(BNODE_MARK))))
            else:
                cells.append(str(term))
        lines.append("(" + " ".join(cells) + ")")
    inner = [f"?_{n}" if n in blank_columns else f"?{n}" for n in names]
    binds = "".join(
        f" BIND (IF(isLiteral(?_{n}) && DATATYPE(?_{n}) = <{BNODE_MARK}>, BNODE(STR(?_{n})), ?_{n}) AS ?{n})"
        for n in names
        if n in blank_columns
    )
    projection = " ".join(f"?{n}" for n in names) or "*"
    values = f"VALUES ({' '.join(inner)}) {{\n" + "\n".join(lines) + "\n}" if names else ""
    output = ox.Store().query(f"SELECT {projection} WHERE {{ {values}{binds} }}")
    assert isinstance(output, ox.QuerySolutions)
    return bytes(output.serialize(format=fmt.results_format) or b"")


def bind_iris(query: str, iris: dict[str, ox.NamedNode]) -> str:
    """Put IRIs in place of variables, as pyoxigraph writes them.

    pyoxigraph's ``substitutions`` are not pushed into UNION branches, which
    made a resource document 200 times slower. A ``NamedNode`` has been
    validated as an IRI (no ``>``, spaces or quotes can occur) and ``str()``
    writes it as ``<...>``, so nothing a client sends can change the query."""
    for name, node in iris.items():
        if not isinstance(node, ox.NamedNode):
            raise TypeError("only NamedNode values may be bound into query text")
        query = re.sub(rf"\?{re.escape(name)}\b", _replacement(str(node)), query)
    return query


def _replacement(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
