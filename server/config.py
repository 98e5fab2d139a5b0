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
    #: Where `kp match` keeps compiled matchers (KP_CACHE); see server/match_cache.py.
    cache_path: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "cache")
    #: Where `kp release` writes releases and the server reads them (KP_DIST).
    dist_path: Path = field(default_factory=lambda: PROJECT_ROOT / "dist")
    host: str = "127.0.0.1"
    port: int = 8000
    #: Seconds a SPARQL query may run before it is cancelled.
    query_timeout: float = 30.0
    #: Most solutions (or triples) one query answers; more are cut and said so.
    row_cap: int = 10_000
    #: Query worker processes (each runs one query at a time).
    query_workers: int = 2
    #: Serving processes beside the main one that answer anonymous SPARQL lookups
    #: by URI (server.lookups); 0: the main process serves every request.
    lookup_processes: int = 2
    #: MiB of whole lookup answers each lookup process keeps for the snapshot in use (0: none).
    lookup_cache_mb: int = 32
    #: Address space one query worker may use, in MiB (0: no limit).
    query_memory_mb: int = 4096
    #: Largest request body accepted, in bytes.
    max_body: int = 1_000_000
    #: Largest contribution upload accepted, in bytes.
    max_upload: int = 20_000_000
    #: SHA-256 digests of administrator tokens (from KP_ADMIN_TOKENS).
    admin_digests: tuple[str, ...] = ()

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
        if env.get("KP_CACHE"):
            settings = replace(settings, cache_path=Path(env["KP_CACHE"]))
        if env.get("KP_DIST"):
            settings = replace(settings, dist_path=Path(env["KP_DIST"]))
        numbers: dict[str, type] = {
            "KP_HOST": str,
            "KP_PORT": int,
            "KP_QUERY_TIMEOUT": float,
            "KP_ROW_CAP": int,
            "KP_QUERY_WORKERS": int,
            "KP_LOOKUP_PROCESSES": int,
            "KP_LOOKUP_CACHE_MB": int,
            "KP_MAX_BODY": int,
            "KP_MAX_UPLOAD": int,
            "KP_QUERY_MEMORY_MB": int,
        }
        for name, kind in numbers.items():
            if env.get(name):
                try:
                    value = kind(env[name])
                except ValueError:
                    raise ValueError(f"{name}={env[name]!r} is not a valid {kind.__name__}") from None
                settings = replace(settings, **{name[3:].lower(): value})
        if env.get("KP_ADMIN_TOKENS"):
            from server.access import digest

            tokens = [t.strip() for t in env["KP_ADMIN_TOKENS"].split(",") if t.strip()]
            settings = replace(settings, admin_digests=tuple(digest(t) for t in tokens))
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
