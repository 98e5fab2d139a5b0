"""A lookup process: the sockets side of :mod:`server.lookups`.

It takes the connections the main process deals it (:mod:`server.frontdoor`),
answers the request heads its :class:`~server.lookups.Answerer` answers, in
order, and hands each connection back — its descriptor, and every byte read
from it that was not answered — at the first request it does not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import signal
import socket
import time
from typing import Any, cast

from server.config import Settings
from server.lookups import Answerer

log = logging.getLogger(__name__)

#: A request head longer than this goes to the main process (which says what is wrong).
MAX_HEAD = 16 * 1024
#: Bytes of a handed-back connection per message to the main process.
CHUNK = 32 * 1024
#: Idle keep-alive connections are closed after this many seconds (as uvicorn does).
KEEP_ALIVE = 5.0
#: Seconds a connection being handed back waits for the client to read what it was sent.
HAND_BACK_WAIT = 30.0

# Messages between the processes (SOCK_SEQPACKET: one send, one message):
#   main → lookup:  b"C" with a file descriptor: a new connection
#   lookup → main:  b"R": ready for connections
#                   b"H" + length (8 bytes) with a file descriptor: a connection
#                   handed back, whose bytes read so far follow in b"D" messages
NEW, READY, HAND, DATA = b"C", b"R", b"H", b"D"


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
