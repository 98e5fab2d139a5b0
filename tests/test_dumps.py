"""Streamed dumps: the same RDF as the level, written while it is sent, and
stopped when the reader goes away."""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox
import pytest

from server import dumps
from server.store import EmbeddedStore


def big_store(count: int) -> EmbeddedStore:
    store = EmbeddedStore(None)
    graph = "https://w3id.org/drugkp/graph/test"
    store.replace_graph(
        graph,
        (
            ox.Quad(
                ox.NamedNode(f"https://w3id.org/drugkp/term/T{i:06d}"),
                ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                ox.Literal(f"label {i}", language="en"),
            )
            for i in range(count)
        ),
    )
    return store


@pytest.mark.parametrize("ext", list(dumps.DUMPS))
def test_stream_writes_every_quad(ext: str) -> None:
    store = big_store(3000)
    body = b"".join(dumps.stream(store, ext))
    fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    fmt["trig"] = ox.RdfFormat.TRIG
    parsed = list(ox.parse(body, format=fmt[ext]))
    assert len(parsed) == 3000
    if ext == "trig":
        assert {q.graph_name.value for q in parsed} == {"https://w3id.org/drugkp/graph/test"}  # type: ignore[union-attr]


def test_stream_comes_in_chunks_and_stops_when_the_reader_leaves() -> None:
    store = big_store(60_000)  # several MB of N-Triples
    chunks = dumps.stream(store, "nt")
    first = next(chunks)
    assert 0 < len(first) <= dumps.CHUNK
    chunks.close()  # the client went away
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(t.name == "dump-nt" for t in threading.enumerate()):
        time.sleep(0.05)
    assert not any(t.name == "dump-nt" for t in threading.enumerate())
