"""Read-only snapshots of the store, one per handling level, for readers (part of
storage, like :mod:`server.store`: the copies are pyoxigraph stores).

Readers (query workers, documents, the matcher and search) never touch the
writer store: each level's snapshot holds only the published graphs that level
may see, so nothing above a reader's level can reach it by any route.
"""

from __future__ import annotations

import json
import os
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


def directory_for(store_path: Path) -> Path:
    """Where the server keeps the snapshots of the store at ``store_path``."""
    return store_path.with_name(store_path.name + ".snapshots")


#: The file in a snapshots directory that names the set readers answer from now.
CURRENT = "current.json"


def current(directory: Path) -> SnapshotSet | None:
    """The set the server answers from now (see :meth:`Snapshots.publish`), for
    other processes; None before the first one is published."""
    try:
        record = json.loads((directory / CURRENT).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return SnapshotSet(Path(record["root"]), {level: Path(p) for level, p in record["levels"].items()})


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
            sets = sorted(p for p in self.directory.iterdir() if p.name.isdigit())
            for old in sets[: -self.keep]:
                shutil.rmtree(old, ignore_errors=True)
            return SnapshotSet(root, paths)

    def publish(self, snapshot_set: SnapshotSet) -> None:
        """Name ``snapshot_set`` as the one to answer from (:func:`current`): written
        whole and renamed into place, so a reader sees the old name or the new one."""
        record = {
            "root": str(snapshot_set.root),
            "levels": {k: str(v) for k, v in snapshot_set.levels.items()},
        }
        with self._lock:
            staging = self.directory / f".{CURRENT}.tmp"
            staging.write_text(json.dumps(record), encoding="utf-8")
            os.replace(staging, self.directory / CURRENT)
