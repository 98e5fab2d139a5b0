"""Bearer tokens: created once, stored hashed (argon2id), listed and revoked.

Tokens live in a small SQLite file beside the store (``<store>.auth.sqlite``)
rather than in the triple store: the CLI can create or revoke a token while
the server holds the store's lock, and a revocation is seen by the server on
the very next request.

A token reads ``kp_<id>_<secret>``; the id finds its row, argon2id checks the
secret. Verifying argon2 costs ~0.1 s, so a process remembers (in memory only)
the SHA-256 of tokens it has already verified; the row is still read on every
request, so revocation takes effect at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import argon2
import pycountry

from server.errors import BadRequest

ROLES = ("partner", "contributor", "reviewer", "admin")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    country TEXT,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
)
"""


@dataclass(frozen=True)
class TokenRecord:
    id: str
    role: str
    country: str | None  # ISO 3166-1 alpha-2, for contributors
    name: str
    created: str
    revoked: str | None

    @property
    def active(self) -> bool:
        return self.revoked is None


def country_code(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper case, or a clear error."""
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise BadRequest(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, PL, FR)")
    return code


def country_iri(code: str) -> str:
    """The EU Publications Office country authority IRI for an alpha-2 code."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise BadRequest(f"unknown country code {code!r}")
    return f"http://publications.europa.eu/resource/authority/country/{country.alpha_3}"


def auth_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".auth.sqlite")


class TokenStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._hasher = argon2.PasswordHasher()
        self._verified: dict[str, str] = {}  # sha256(token) -> token id, this process only
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def create(self, role: str, name: str, country: str | None = None) -> tuple[TokenRecord, str]:
        """A new token; the secret is returned once and never stored."""
        if role not in ROLES:
            raise BadRequest(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if role == "contributor" and not country:
            raise BadRequest("a contributor token is bound to one country: give --country XX")
        code = country_code(country) if country else None
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = f"kp_{token_id}_{secret}"
        created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        with self._connect() as db:
            db.execute(
                "INSERT INTO tokens (id, role, country, name, hash, created) VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, role, code, name, self._hasher.hash(token), created),
            )
        return TokenRecord(token_id, role, code, name, created, None), token

    def list(self) -> list[TokenRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM tokens ORDER BY created, id").fetchall()
        return [_record(row) for row in rows]

    def revoke(self, token_id: str) -> TokenRecord:
        revoked = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        with self._connect() as db:
            row = db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
            if row is None:
                raise BadRequest(f"no token with id {token_id!r} (see `kp token list`)")
            if row["revoked"] is None:
                db.execute("UPDATE tokens SET revoked = ? WHERE id = ?", (revoked, token_id))
            row = db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return _record(row)

    def verify(self, token: str) -> TokenRecord | None:
        """The active token's record, or None (unknown, malformed or revoked)."""
        parts = token.split("_", 2)  # the secret itself may contain "_"
        if len(parts) != 3 or parts[0] != "kp" or not parts[1] or not parts[2]:
            return None
        token_id = parts[1]
        with self._connect() as db:
            row = db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None or row["revoked"] is not None:
            return None
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            known = self._verified.get(key)
        if known != token_id:
            try:
                self._hasher.verify(row["hash"], token)
            except argon2.exceptions.VerificationError:
                return None
            except argon2.exceptions.InvalidHashError:
                return None
            with self._lock:
                self._verified[key] = token_id
        return _record(row)


def _record(row: sqlite3.Row) -> TokenRecord:
    return TokenRecord(row["id"], row["role"], row["country"], row["name"], row["created"], row["revoked"])
