"""Settings, read from the environment with sensible defaults.

Every setting has an environment variable (``KP_...``) and the CLI has flags
for the ones an operator changes per run. Nothing here is a module-level
singleton: callers build a :class:`Settings` and pass it along.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from server.namespaces import CANONICAL_BASE

#: The checkout this package runs from: ``ontology/``, ``vocab/``, ``shapes/``.
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    base: str = CANONICAL_BASE
    data_root: Path = PROJECT_ROOT
    store_path: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "store")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        settings = cls()
        if env.get("KP_BASE"):
            base = env["KP_BASE"]
            settings = replace(settings, base=base if base.endswith("/") else base + "/")
        if env.get("KP_DATA"):
            settings = replace(settings, data_root=Path(env["KP_DATA"]))
        if env.get("KP_STORE"):
            settings = replace(settings, store_path=Path(env["KP_STORE"]))
        return settings

    @property
    def ontology_dir(self) -> Path:
        return self.data_root / "ontology"

    @property
    def vocab_dir(self) -> Path:
        return self.data_root / "vocab"

    @property
    def shapes_dir(self) -> Path:
        return self.data_root / "shapes"
