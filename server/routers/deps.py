"""Dependencies shared by routers: settings, store, pool and caller from app.state."""

from __future__ import annotations

from fastapi import Request

from server.access import Caller, authenticate
from server.config import Settings
from server.store import EmbeddedStore
from server.workers import QueryPool


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def store(request: Request) -> EmbeddedStore:
    value: EmbeddedStore = request.app.state.store
    return value


def pool(request: Request) -> QueryPool:
    value: QueryPool = request.app.state.pool
    return value


def caller(request: Request) -> Caller:
    return authenticate(request.headers.get("authorization"), request.app.state.settings.admin_digests)
