"""Shared fixtures: project settings, a validator, temporary stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from server.config import Settings
from server.snapshots import Snapshots, SnapshotSet
from server.store import EmbeddedStore
from server.validation import Validator
from tests.server_fixture import LiveServer, run_server

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings over this checkout's ontology/vocab/shapes, with no store."""
    return Settings(data_root=ROOT)


@pytest.fixture(scope="session")
def validator(settings: Settings) -> Validator:
    return Validator(settings)


@pytest.fixture
def store_settings(settings: Settings, tmp_path: Path) -> Settings:
    return replace(settings, store_path=tmp_path / "store")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the session: a 2 s query limit and a 50-row cap, so that
    the tests can reach both quickly."""
    store = tmp_path_factory.mktemp("live") / "store"
    yield from run_server(store, KP_QUERY_TIMEOUT="2", KP_ROW_CAP="50")


@pytest.fixture(scope="session")
def seed_store(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, EmbeddedStore]]:
    """The seed vocabulary loaded into an on-disk store (what `kp serve` starts from), with its settings."""
    from server.loader import load

    seeded = replace(settings, store_path=tmp_path_factory.mktemp("seed") / "store")
    store = EmbeddedStore(seeded.store_path)
    load(seeded, store)
    yield seeded, store
    store.close()


@pytest.fixture(scope="session")
def seed_snapshots(seed_store: tuple[Settings, EmbeddedStore]) -> SnapshotSet:
    """One read-only snapshot of the seed store per handling level (what readers at each level see)."""
    from server.loader import meta_graph

    seeded, store = seed_store
    return Snapshots(store, seeded.store_path.with_name("snapshots"), meta_graph(seeded)).take()


@pytest.fixture(scope="session")
def level_reader(seed_snapshots: SnapshotSet) -> Callable[[str], EmbeddedStore]:
    """Opens (once) the read-only seed snapshot of a handling level."""
    opened: dict[str, EmbeddedStore] = {}

    def open_level(level: str) -> EmbeddedStore:
        if level not in opened:
            opened[level] = EmbeddedStore(seed_snapshots.levels[level], read_only=True)
        return opened[level]

    return open_level
