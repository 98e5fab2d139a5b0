"""Who is calling: roles from bearer tokens and the handling levels they may see.

First cut of the roles issue: administrator tokens come from the
``KP_ADMIN_TOKENS`` setting (comma-separated), compared by SHA-256 digest in
constant time. Everyone else is an anonymous reader of TLP:CLEAR material.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from server.errors import Forbidden, Unauthorized

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


def authenticate(authorization: str | None, admin_digests: tuple[str, ...]) -> Caller:
    """The caller named by an ``Authorization`` header (absent: anonymous)."""
    if not authorization:
        return Caller()
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use 'Authorization: Bearer <token>'")
    candidate = digest(token.strip())
    for known in admin_digests:
        if hmac.compare_digest(candidate, known):
            return Caller(role="admin", name="admin")
    raise Unauthorized("unknown or revoked token")
