"""Lookup processes: more serving processes for the commonest request from programs.

One serving process cannot use both cores, and the embedded store has one
writer. So the main process (:mod:`server.frontdoor`) accepts every
connection and deals them out to these processes. A lookup process reads each
request's head:

* an anonymous ``GET /sparql?query=…`` lookup by URI (:func:`server.sparql.is_lookup`)
  it answers itself, from the public snapshot the server publishes
  (:func:`server.snapshots.current`), with the functions and headers the main
  process uses;
* on anything else — tokens, cookies, other paths, other queries, bodies,
  HTTP/1.0, a lookup whose answer is too big, any error — it hands the
  connection back: the socket and every byte read from it so far go to the
  main process over a Unix socket (``SCM_RIGHTS``), and the main process
  serves that connection from then on. The client sees one connection.

A lookup process never writes and never sees more than the public level, so a
request it mistakes can only end up in the main process, which applies every
rule. This module decides what to answer and how; :mod:`server.lookup_process`
holds the sockets.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from email.utils import formatdate
from pathlib import Path

import httptools

from server import sparql
from server.access import Caller
from server.config import Settings
from server.fastpath import content_type, program_request
from server.routers.sparql import result_headers
from server.snapshots import CURRENT, current, directory_for
from server.store import EmbeddedStore

log = logging.getLogger(__name__)

#: The largest snapshot (in quads) a lookup process copies into memory (about 650 bytes each).
MEMORY_QUADS = 2_000_000
#: Request headers that send a connection to the main process.
_THEIRS = {b"authorization", b"cookie", b"expect", b"upgrade", b"transfer-encoding"}


class _Head:
    """httptools callbacks: what the request head says."""

    __slots__ = ("complete", "headers", "url")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_message_complete(self) -> None:
        self.complete = True


def parse_head(head: bytes) -> _Head | None:
    """The head of an HTTP/1.1 keep-alive GET with no body, or None for anything else
    (including malformed requests, which the main process answers)."""
    found = _Head()
    parser = httptools.HttpRequestParser(found)
    try:
        parser.feed_data(head)
    except httptools.HttpParserError:
        return None
    if not found.complete or parser.get_method() != b"GET" or parser.get_http_version() != "1.1":
        return None
    for name, value in found.headers:
        if name == b"connection" and b"close" in value.lower():
            return None  # the main process closes it after answering
    return found


class Answerer:
    """What a lookup process answers, without the sockets (tested on its own).

    It answers from the public snapshot the server names, at first from disk,
    then — once a thread has copied it, quads and graphs as they are — from
    memory, where a lookup costs less than half as much, with the same answer
    byte for byte. Snapshots of more than :data:`MEMORY_QUADS` quads stay on disk."""

    def __init__(self, settings: Settings, memory_quads: int = MEMORY_QUADS) -> None:
        self.settings = settings
        self.directory = directory_for(settings.store_path)
        self._current = str(self.directory / CURRENT)
        self.memory_quads = memory_quads
        self.cache_bytes = settings.lookup_cache_mb * 1024 * 1024
        # Whole answers (headers but the date and timing, body) by request target and
        # Accept, for the snapshot in use: popular terms are looked up again and again.
        self._cache: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}
        self._cached = 0
        self._seen: tuple[int, int] | None = None
        self._levels: dict[str, Path] = {}
        self._stores: dict[Path, EmbeddedStore] = {}  # the snapshot in use, on disk
        self._copies: dict[Path, EmbeddedStore] = {}  # and in memory once copied
        self._anonymous = Caller()
        self._second = 0
        self._date = b""

    def _copied(self, level: str) -> EmbeddedStore:
        """The level's snapshot in memory if copied already, else on disk."""
        path = self._levels[level]
        found = self._copies.get(path)
        return found if found is not None else self._disk(level)

    def _disk(self, level: str) -> EmbeddedStore:
        path = self._levels[level]
        found = self._stores.get(path)
        if found is None:
            self._stores.clear()  # an older snapshot: not answered from again
            self._copies.clear()
            found = self._stores[path] = EmbeddedStore(path, read_only=True)
            if self.memory_quads > 0:
                threading.Thread(target=self._copy, args=(path, found), daemon=True, name="copy").start()
        return found

    def _copy(self, path: Path, disk: EmbeddedStore) -> None:
        """Copy a snapshot into memory (in a thread; same answers, see EmbeddedStore.memory_copy)."""
        try:
            copy = disk.memory_copy(self.memory_quads, lambda: path in self._stores)  # else superseded
        except Exception as exc:  # answering from disk is still right, only slower
            log.warning("could not copy the snapshot %s into memory: %s", path, exc)
            return
        if copy is not None and path in self._stores:  # still the one in use
            self._copies[path] = copy

    def _refresh(self) -> bool:
        """Follow the snapshot the server publishes; False before there is one.
        One ``stat`` per request: the server names a new snapshot before it
        answers the write that made it, so a client never reads an older one."""
        try:
            status = os.stat(self._current)
        except FileNotFoundError:
            return False
        key = (status.st_ino, status.st_mtime_ns)
        if key != self._seen:
            found = current(self.directory)
            if found is None:
                return False
            self._levels, self._seen = found.levels, key
            self._cache.clear()  # answers of the snapshot before
            self._cached = 0
        return True

    def prepare(self) -> None:
        """Open the snapshot the server names and start copying it, ahead of requests
        (called every second: a copy started by a request would slow the next ones)."""
        if self._refresh():
            self._disk(self._anonymous.level)

    def answer(self, head: bytes) -> bytes | None:
        """The whole response to a request head, or None: the main process answers."""
        parsed = parse_head(head)
        if parsed is None:
            return None
        url = httptools.parse_url(parsed.url)
        if url.path != b"/sparql" or any(name in _THEIRS for name, _ in parsed.headers):
            return None
        if not self._refresh():
            return None
        key = (parsed.url, b"\n".join(value for name, value in parsed.headers if name == b"accept"))
        cached = self._cache.get(key)
        if cached is not None:
            return self._response(cached, b"x-cache: HIT\r\nx-kp-query-seconds: 0.0")
        request = program_request(url.query or b"", parsed.headers)
        if request is None:
            return None
        spec = sparql.SparqlRequest(
            query=request["query"],
            default_graph_uris=request["params"].get("default-graph-uri", []),
            named_graph_uris=request["params"].get("named-graph-uri", []),
            accept=request["accept"],
        )
        try:
            job = sparql.lookup_job(self.settings, self._anonymous, spec)
            if job is None:
                return None
            outcome = sparql.answer_lookup(job, self._copied)
        except Exception:  # whatever it is, the main process words it
            return None
        if outcome is None:
            return None
        seconds = outcome.extra.pop("seconds", 0.0)
        lines = [
            f"{name.lower()}: {value}".encode("latin-1") for name, value in result_headers(outcome).items()
        ]
        lines.append(b"content-length: %d" % len(outcome.body))
        lines.append(b"content-type: " + content_type(outcome.media_type))
        answer = (b"\r\n".join(lines), outcome.body)
        self._remember(key, answer)
        return self._response(answer, b"x-kp-query-seconds: %s" % str(seconds).encode())

    def _response(self, answer: tuple[bytes, bytes], extra: bytes) -> bytes:
        headers, body = answer
        return b"HTTP/1.1 200 OK\r\ndate: %s\r\n%s\r\n%s\r\n\r\n%s" % (self._now(), extra, headers, body)

    def _remember(self, key: tuple[bytes, bytes], answer: tuple[bytes, bytes]) -> None:
        """Keep an answer for the snapshot in use, the oldest going first past the cache's size."""
        size = len(key[0]) + len(key[1]) + len(answer[0]) + len(answer[1]) + 200
        if size > self.cache_bytes:
            return
        self._cache[key] = answer
        self._cached += size
        while self._cached > self.cache_bytes:
            (url, accept), (headers, body) = next(iter(self._cache.items()))
            del self._cache[(url, accept)]
            self._cached -= len(url) + len(accept) + len(headers) + len(body) + 200

    def _now(self) -> bytes:
        second = int(time.time())
        if second != self._second:
            self._second, self._date = second, formatdate(second, usegmt=True).encode("latin-1")
        return self._date
