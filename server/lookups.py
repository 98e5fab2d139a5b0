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
rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import signal
import socket
import threading
import time
from email.utils import formatdate
from pathlib import Path
from typing import Any, cast

import httptools

from server import sparql
from server.access import Caller
from server.config import Settings
from server.fastpath import _content_type, program_request
from server.routers.sparql import result_headers
from server.snapshots import CURRENT, current, directory_for
from server.store import EmbeddedStore

log = logging.getLogger(__name__)

#: A request head longer than this goes to the main process (which says what is wrong).
MAX_HEAD = 16 * 1024
#: Bytes of a handed-back connection per message to the main process.
CHUNK = 32 * 1024
#: The largest snapshot (in quads) a lookup process copies into memory (about 650 bytes each).
MEMORY_QUADS = 2_000_000
#: Idle keep-alive connections are closed after this many seconds (as uvicorn does).
KEEP_ALIVE = 5.0
#: Seconds a connection being handed back waits for the client to read what it was sent.
HAND_BACK_WAIT = 30.0
#: Request headers that send a connection to the main process.
_THEIRS = {b"authorization", b"cookie", b"expect", b"upgrade", b"transfer-encoding"}

# Messages between the processes (SOCK_SEQPACKET: one send, one message):
#   main → lookup:  b"C" with a file descriptor: a new connection
#   lookup → main:  b"R": ready for connections
#                   b"H" + length (8 bytes) with a file descriptor: a connection
#                   handed back, whose bytes read so far follow in b"D" messages
NEW, READY, HAND, DATA = b"C", b"R", b"H", b"D"


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
            copy = disk.memory_copy(self.memory_quads)
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
        lines.append(b"content-type: " + _content_type(outcome.media_type))
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


class _Connection(asyncio.Protocol):
    """One client connection in a lookup process."""

    def __init__(self, process: _Process) -> None:
        self.process = process
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.leaving: float | None = None  # since when the connection is being handed back
        self.paused = False  # the client reads slower than it asks
        self.last = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self.process.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.process.connections.discard(self)

    def pause_writing(self) -> None:
        """Past the transport's high-water mark: answer nothing more until the client reads."""
        self.paused = True
        if self.transport is not None and self.leaving is None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.paused = False
        if self.transport is not None and self.leaving is None:
            self.transport.resume_reading()
            self.serve()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.leaving is None:
            self.last = time.monotonic()
            self.serve()

    def serve(self) -> None:
        """Answer the complete request heads in the buffer, in order, until one is not ours."""
        assert self.transport is not None
        while self.buffer and not self.paused:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self.hand_back()
                return
            try:
                answer = self.process.answerer.answer(bytes(self.buffer[: end + 4]))
            except Exception:  # a request this process cannot read: the main process says why
                log.debug("handing back a request that could not be read", exc_info=True)
                answer = None
            if answer is None:
                self.hand_back()
                return
            del self.buffer[: end + 4]
            self.transport.write(answer)

    def hand_back(self) -> None:
        """Give the connection to the main process once what was written has left."""
        assert self.transport is not None
        if self.leaving is None:
            self.leaving = time.monotonic()
            self.transport.pause_reading()
        if self.transport.is_closing():
            return
        if self.transport.get_write_buffer_size():
            if time.monotonic() - self.leaving > HAND_BACK_WAIT:
                self.transport.abort()  # a client that does not read its answers
            else:
                asyncio.get_running_loop().call_later(0.001, self.hand_back)
            return
        sock = self.transport.get_extra_info("socket")
        try:
            self.process.send_back(sock.fileno(), bytes(self.buffer))
        except OSError as exc:
            log.warning("could not hand a connection back to the main process: %s", exc)
        self.transport.abort()  # closes this process's descriptor only: the main process has its own


class _Process:
    """The event loop side of a lookup process."""

    def __init__(self, channel: socket.socket, settings: Settings) -> None:
        self.channel = channel
        self.answerer = Answerer(settings)
        self.connections: set[_Connection] = set()
        self.done: asyncio.Future[None] | None = None

    def send_back(self, fd: int, data: bytes) -> None:
        send(self.channel, HAND + len(data).to_bytes(8, "big"), fd)
        for start in range(0, len(data), CHUNK):
            send(self.channel, DATA + data[start : start + CHUNK])

    def _incoming(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                message, fds, _flags, _address = socket.recv_fds(self.channel, 64, 1)
            except BlockingIOError:
                return
            except OSError:
                message, fds = b"", []
            if not message:  # the main process closed the channel: stop
                if self.done is not None and not self.done.done():
                    self.done.set_result(None)
                return
            for fd in fds:
                sock = socket.socket(fileno=fd)
                sock.setblocking(False)
                task = loop.create_task(loop.connect_accepted_socket(lambda: _Connection(self), sock))
                task.add_done_callback(_report)

    def _sweep(self) -> None:
        """Close connections idle past the keep-alive time; follow the snapshot."""
        try:
            self.answerer.prepare()
        except Exception as exc:  # requests try again, and hand back meanwhile
            log.debug("could not open the published snapshot: %s", exc)
        now = time.monotonic()
        for connection in list(self.connections):
            transport = connection.transport
            if transport is None or connection.leaving is not None or transport.get_write_buffer_size():
                continue  # being handed back, or still sending
            if now - connection.last > KEEP_ALIVE:
                transport.close()
        asyncio.get_running_loop().call_later(1.0, self._sweep)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._incoming)
        self._sweep()
        send(self.channel, READY)
        await self.done
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.close()


def send(channel: socket.socket, message: bytes, fd: int | None = None, wait: float = 5.0) -> None:
    """One message on a non-blocking channel, waiting up to ``wait`` seconds for room
    (the other side reads its channel from its event loop)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if fd is None:
                channel.send(message)
            else:
                socket.send_fds(channel, [message], [fd])
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [channel], [], left)[1]:
                raise TimeoutError("the other process does not read its channel") from None


def _report(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("a connection ended before it was served: %s", task.exception())


def main(channel: socket.socket, settings: Settings) -> None:
    """Entry point of a lookup process (started by :mod:`server.frontdoor`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's; it closes the channel
    process = _Process(channel, settings)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner, contextlib.suppress(KeyboardInterrupt):
        runner.run(process.run())
