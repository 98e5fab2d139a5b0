"""Shared fixtures: project settings, a validator, temporary stores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from server.config import Settings
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
