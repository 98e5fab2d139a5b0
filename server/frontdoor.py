"""The main process's front door: it accepts every connection and deals them out
to the lookup processes (:mod:`server.lookups`), and serves the connections they
hand back — and, while none is ready, all of them — with uvicorn's own protocol
over the application.

Why not uvicorn's ``--workers``: each worker would open the store, which allows
one writer; and its workers share the listening socket, where one process can
take every connection of a burst (two clients both landed on one process in
each of four tries here). Dealing connections one by one puts two clients on two
processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing as mp
import socket
import time
from typing import Any

import uvicorn

from server import lookup_process
from server.config import Settings

log = logging.getLogger(__name__)

#: Seconds the server waits for its lookup processes after the application is ready.
READY_WAIT = 30.0


class _Child:
    """One lookup process, seen from the main process."""

    def __init__(self, ctx: Any, settings: Settings) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.channel = mine
        self.channel.setblocking(False)
        self.process = ctx.Process(
            target=lookup_process.main, args=(theirs, settings), daemon=True, name="kp-lookups"
        )
        self.process.start()
        theirs.close()
        self.ready = False
        # A connection being handed back: its socket, the bytes still to come, those come.
        self.pending: tuple[socket.socket, int, bytearray] | None = None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.channel.close()


class FrontDoor:
    """Accepts on ``listener``; serves with ``server`` (a uvicorn server started with no
    sockets of its own) what the lookup processes do not."""

    def __init__(self, server: uvicorn.Server, listener: socket.socket, settings: Settings) -> None:
        self.server = server
        self.listener = listener
        self.settings = settings
        self.children: list[_Child] = []
        self._turn = 0
        self._ctx = mp.get_context("spawn")
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        """Start the lookup processes (they start while the application does)."""
        self._loop = asyncio.get_running_loop()
        for _ in range(self.settings.lookup_processes):
            self._start_child()

    def ready(self) -> bool:
        return all(child.ready for child in self.children)

    def open(self) -> None:
        """Accept connections."""
        assert self._loop is not None
        self.listener.setblocking(False)
        self._loop.add_reader(self.listener.fileno(), self._accept)

    def close(self) -> None:
        """Stop accepting; lookup processes stop when their channel closes."""
        self._closing = True
        if self._loop is not None:
            with contextlib.suppress(OSError, ValueError):
                self._loop.remove_reader(self.listener.fileno())
        self.listener.close()
        for child in self.children:
            if self._loop is not None:
                with contextlib.suppress(OSError, ValueError):
                    self._loop.remove_reader(child.channel.fileno())
            child.close()
        for child in self.children:
            child.process.join(timeout=5)
            if child.process.is_alive():
                child.process.terminate()

    # -- dealing ---------------------------------------------------------------
    def _accept(self) -> None:
        while True:
            try:
                conn, _address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, say: the next ones may do
                log.warning("accept failed: %s", exc)
                return
            self._deal(conn)

    def _deal(self, conn: socket.socket) -> None:
        ready = [child for child in self.children if child.ready]
        if ready:
            self._turn = (self._turn + 1) % len(ready)
            try:
                lookup_process.send(ready[self._turn].channel, lookup_process.NEW, conn.fileno(), wait=0)
            except OSError:  # TimeoutError included
                pass  # that process is busy or gone: serve the connection here
            else:
                conn.close()  # the lookup process has its own descriptor now
                return
        self._serve_here(conn, b"")

    def _serve_here(self, conn: socket.socket, data: bytes) -> None:
        """Serve a connection in this process, as if uvicorn had accepted it and
        had already read ``data`` from it."""
        assert self._loop is not None
        conn.setblocking(False)
        factory = functools.partial(self._protocol, data)
        task = self._loop.create_task(self._loop.connect_accepted_socket(factory, conn))
        self._tasks.add(task)
        task.add_done_callback(self._connected)

    def _protocol(self, data: bytes) -> asyncio.Protocol:
        server = self.server
        config = server.config
        protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
            config=config, server_state=server.server_state, app_state=server.lifespan.state
        )
        if data:
            made = protocol.connection_made

            def connection_made(transport: asyncio.BaseTransport) -> None:
                made(transport)
                protocol.data_received(data)  # before anything read later

            protocol.connection_made = connection_made  # type: ignore[method-assign]
        return protocol

    def _connected(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("a connection ended before it was served: %s", task.exception())

    # -- lookup processes ------------------------------------------------------
    def _start_child(self) -> None:
        assert self._loop is not None
        child = _Child(self._ctx, self.settings)
        self.children.append(child)
        self._loop.add_reader(child.channel.fileno(), self._incoming, child)

    def _incoming(self, child: _Child) -> None:
        while True:
            try:
                message, fds, _flags, _address = socket.recv_fds(child.channel, lookup_process.CHUNK + 16, 1)
            except BlockingIOError:
                return
            except OSError:
                message, fds = b"", []
            if not message:
                self._lost(child)
                return
            kind = message[:1]
            if kind == lookup_process.READY:
                child.ready = True
            elif kind == lookup_process.HAND and fds:
                size = int.from_bytes(message[1:9], "big")
                child.pending = (socket.socket(fileno=fds[0]), size, bytearray())
            elif kind == lookup_process.DATA and child.pending is not None:
                child.pending[2].extend(message[1:])
            else:
                for fd in fds:
                    socket.socket(fileno=fd).close()
            if child.pending is not None and len(child.pending[2]) >= child.pending[1]:
                conn, _size, data = child.pending
                child.pending = None
                self._serve_here(conn, bytes(data))

    def _lost(self, child: _Child) -> None:
        """A lookup process is gone (its connections with it): start another one
        unless it died before it was ready (it would again) or the server stops."""
        assert self._loop is not None
        with contextlib.suppress(OSError, ValueError):
            self._loop.remove_reader(child.channel.fileno())
        child.close()
        child.process.join(timeout=0.5)  # reaped, not left a zombie
        self.children.remove(child)
        if self._closing:
            return
        if not child.ready:
            log.error("a lookup process exited before it was ready; the main process serves its share")
            return
        log.warning("a lookup process exited; starting another")
        self._start_child()


def listen(host: str, port: int) -> socket.socket:
    """The listening socket (IPv4 or IPv6, as ``host`` says)."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(2048)
    return listener


def serve(app: Any, settings: Settings, listener: socket.socket) -> None:
    """Run ``app`` (an ASGI application) on ``listener`` (see :func:`listen`), with
    ``settings.lookup_processes`` lookup processes beside it."""
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", server_header=False
    )
    server = uvicorn.Server(config)
    door = FrontDoor(server, listener, settings)

    async def run() -> None:
        door.start()
        serving = asyncio.ensure_future(server.serve(sockets=[]))
        # Connections wait in the backlog until the application and the lookup
        # processes are ready (or for READY_WAIT seconds at most for the latter).
        deadline = None
        while not serving.done():
            if server.started:
                deadline = deadline or time.monotonic() + READY_WAIT
                if door.ready() or time.monotonic() > deadline:
                    break
            await asyncio.sleep(0.01)
        if server.started:
            door.open()
        try:
            await serving
        finally:
            door.close()

    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        runner.run(run())
