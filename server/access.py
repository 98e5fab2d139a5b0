"""Who is calling: roles from bearer tokens and the handling levels they may see.

Tokens are made with ``kp token create`` (see :mod:`server.tokens`). Operators
may also name bootstrap administrator tokens in ``KP_ADMIN_TOKENS``
(comma-separated), compared by SHA-256 digest in constant time. A request
without a token is an anonymous reader of TLP:CLEAR material.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from server.errors import Forbidden, Unauthorized
from server.tokens import TokenStore

#: The highest handling level each role may see.
ROLE_LEVELS = {
    "anonymous": "tlp-clear",
    "partner": "tlp-green",
    "contributor": "tlp-amber",
    "reviewer": "tlp-amber",
    "admin": "tlp-amber",
}


@dataclass(frozen=True)
class Caller:
    role: str = "anonymous"
    name: str = "anonymous"
    country: str | None = None  # ISO 3166-1 alpha-2, for contributors
    token_id: str | None = None  # who did it, in provenance and reviews

    @property
    def level(self) -> str:
        return ROLE_LEVELS[self.role]

    def require(self, *roles: str) -> None:
        if self.role in roles:
            return
        if self.role == "anonymous":
            raise Unauthorized(f"this needs a bearer token of role {' or '.join(roles)}")
        raise Forbidden(f"role {self.role} may not do this; it needs {' or '.join(roles)}")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(
    authorization: str | None, admin_digests: tuple[str, ...], tokens: TokenStore | None = None
) -> Caller:
    """The caller named by an ``Authorization`` header (absent: anonymous)."""
    if not authorization:
        return Caller()
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use 'Authorization: Bearer <token>'")
    candidate = digest(token)
    for known in admin_digests:
        if hmac.compare_digest(candidate, known):
            return Caller(role="admin", name="admin (KP_ADMIN_TOKENS)", token_id="env")
    record = tokens.verify(token) if tokens is not None else None
    if record is None:
        raise Unauthorized("unknown or revoked token")
    return Caller(role=record.role, name=record.name, country=record.country, token_id=record.id)
