"""Streamed dumps of what one handling level may see (``/dump.ttl`` ...).

pyoxigraph writes to a file-like object; here that object hands each chunk
to the HTTP response through a small bounded queue, so a dump is sent while
it is written and never held whole in memory. When the client goes away the
writer's next ``write`` fails and the serialiser stops.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from server import formats
from server.exports import stream_unique
from server.namespaces import PREFIXES
from server.store import EmbeddedStore

#: Dump extensions served at ``/dump.{ext}`` and their formats.
DUMPS: dict[str, str] = {"ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "trig": "trig"}
CHUNK = 64 * 1024
_DONE = object()


class _Sink(io.RawIOBase):
    def __init__(self, chunks: queue.Queue[Any], stop: threading.Event) -> None:
        self.chunks = chunks
        self.stop = stop

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        while True:
            if self.stop.is_set():
                raise BrokenPipeError("the client stopped reading the dump")
            try:
                self.chunks.put(chunk, timeout=0.5)
                return len(chunk)
            except queue.Full:
                continue


def stream(reader: EmbeddedStore, ext: str) -> Iterator[bytes]:
    """The chunks of a dump of ``reader`` (a level snapshot) in the format of ``ext``."""
    fmt = formats.by_name(DUMPS[ext])
    chunks: queue.Queue[Any] = queue.Queue(maxsize=16)
    stop = threading.Event()

    def produce() -> None:
        outcome: Any = _DONE
        try:
            with io.BufferedWriter(_Sink(chunks, stop), buffer_size=CHUNK) as output:
                ox.serialize(stream_unique(reader, fmt.datasets), output, fmt.rdf_format, prefixes=PREFIXES)
        except BaseException as exc:  # handed to the reader of the stream
            outcome = exc
        while not stop.is_set():
            try:
                chunks.put(outcome, timeout=0.5)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name=f"dump-{ext}", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
