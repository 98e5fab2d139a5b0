"""Structures derived from the store (lexicon, matcher, search index), per level.

Each is built from one handling level's snapshot and belongs to one store
version. After a write the application calls :meth:`Derived.reset` with the new
version; from then on :meth:`Derived.get` never returns anything older: it
waits for the new build instead (a background thread usually has it ready).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from server.store import VISIBLE_LEVELS, EmbeddedStore

Builder = Callable[["Derived", EmbeddedStore, str], Any]


class Derived:
    def __init__(self, open_reader: Callable[[str], EmbeddedStore]) -> None:
        self._open_reader = open_reader
        self._builders: dict[str, Builder] = {}
        self._on_demand: set[str] = set()
        self._built: dict[tuple[str, str], Any] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self.version = 0

    def register(self, name: str, builder: Builder, prebuild: bool = True) -> None:
        """``builder(derived, reader, level)`` makes the structure; it may get() others.
        Without ``prebuild`` it is built on first use only (not by :meth:`prebuild`)."""
        self._builders[name] = builder
        if not prebuild:
            self._on_demand.add(name)

    def reset(self, version: int, open_reader: Callable[[str], EmbeddedStore] | None = None) -> None:
        """Forget everything built for older versions (the store changed)."""
        with self._guard:
            self.version = version
            if open_reader is not None:
                self._open_reader = open_reader
            self._built = {}
            self._locks = {}

    def get(self, name: str, level: str) -> Any:
        if level not in VISIBLE_LEVELS:
            raise ValueError(f"unknown handling level {level}")
        key = (name, level)
        with self._guard:
            found = self._built.get(key)
            if found is not None:
                return found
            lock = self._locks.setdefault(key, threading.Lock())
            version, open_reader = self.version, self._open_reader
        with lock:
            with self._guard:
                found = self._built.get(key)
            if found is not None:
                return found
            value = self._builders[name](self, open_reader(level), level)
            with self._guard:
                if self.version == version:
                    self._built[key] = value
            return value

    def prebuild(self) -> None:
        """Build every registered structure but those built on demand, for every level (run in a thread)."""
        for name in [n for n in self._builders if n not in self._on_demand]:
            for level in VISIBLE_LEVELS:
                self.get(name, level)
