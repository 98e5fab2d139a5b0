"""Shared fixtures: project settings, a validator, temporary stores."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from server.config import Settings
from server.validation import Validator

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
