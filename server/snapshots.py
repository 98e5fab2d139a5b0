"""Read-only snapshots of the store, one per handling level, for readers (part of
storage, like :mod:`server.store`: the copies are pyoxigraph stores).

Readers (query workers, documents, the matcher and search) never touch the
writer store: each level's snapshot holds only the published graphs that level
may see, so nothing above a reader's level can reach it by any route.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from server.store import VISIBLE_LEVELS, EmbeddedStore, published_graphs


@dataclass(frozen=True)
class SnapshotSet:
    """One snapshot of the store per handling level.

    Each holds only the published graphs its level may see (no metadata, no
    shapes), so readers query it with the union of its graphs as the default
    graph: oxigraph then looks each pattern up once instead of once per
    visible graph (4.5 times faster for a resource document)."""

    root: Path
    levels: dict[str, Path]


class Snapshots:
    """Numbered sets of read-only snapshots of a store, for readers.

    A new set is taken after every write; the last few are kept so that a
    query still running on an older one can finish."""

    def __init__(self, store: EmbeddedStore, directory: Path, meta_graph: str, keep: int = 3) -> None:
        self.store = store
        self.directory = directory
        self.meta_graph = meta_graph
        self.keep = keep
        self._lock = threading.Lock()
        self._counter = 0
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)

    def take(self, levels: Iterable[str] = VISIBLE_LEVELS) -> SnapshotSet:
        """A new set, of every handling level or of ``levels`` only (``kp match`` reads one)."""
        with self._lock:
            self._counter += 1
            root = self.directory / f"{self._counter:08d}"
            root.mkdir()
            infos = self.store.graph_infos(self.meta_graph)
            paths = {}
            for level in levels:
                path = root / level
                self.store.snapshot(path)
                keep = {i.iri for i in published_graphs(infos, level)}
                copy = ox.Store(str(path))
                for graph in list(copy.named_graphs()):
                    if not isinstance(graph, ox.NamedNode) or graph.value not in keep:
                        copy.remove_graph(graph)
                copy.clear_graph(ox.DefaultGraph())
                copy.flush()
                del copy
                paths[level] = path
            for old in sorted(self.directory.iterdir())[: -self.keep]:
                shutil.rmtree(old, ignore_errors=True)
            return SnapshotSet(root, paths)
