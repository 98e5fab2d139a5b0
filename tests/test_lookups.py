"""Lookup processes (server.lookups): what they answer themselves, what they hand
back to the main process, and that a handed-back connection goes on unbroken.

Three levels: the answering logic on the seed's published snapshot; a real
lookup process driven over its channel by the test (standing in for the main
process); and `kp serve` itself, whose main process deals connections out.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest

from server import lookup_process, lookups
from server.config import Settings
from server.loader import meta_graph
from server.snapshots import Snapshots, directory_for
from server.store import EmbeddedStore
from tests.server_fixture import ADMIN_TOKEN, LiveServer, run_server

TERM = "https://w3id.org/drugkp/term/T0532"  # a public term
LOOKUP = f"SELECT ?p ?o WHERE {{ <{TERM}> ?p ?o }}"
JSON = "application/sparql-results+json"


def head(query: str = LOOKUP, path: str = "/sparql", version: str = "1.1", **headers: str) -> bytes:
    lines = [f"GET {path}?query={quote(query)} HTTP/{version}", "Host: test"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in {"Accept": JSON, **headers}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture(scope="module")
def published(seed_store: tuple[Settings, EmbeddedStore]) -> Iterator[tuple[Settings, Snapshots]]:
    """The seed's snapshots, published where a lookup process looks for them."""
    seeded, store = seed_store
    snapshots = Snapshots(store, directory_for(seeded.store_path), meta_graph(seeded))
    snapshots.publish(snapshots.take())
    yield seeded, snapshots


def worker_rows(settings: Settings, snapshots: Snapshots, query: str) -> list[str]:
    """The rows a query worker gives for a query over the public snapshot (sorted)."""
    from server.snapshots import current

    found = current(snapshots.directory)
    assert found is not None
    store = ox.Store.read_only(str(found.levels["tlp-clear"]))
    body = store.query(query, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    return sorted(json.dumps(row, sort_keys=True) for row in json.loads(body)["results"]["bindings"])


def split(response: bytes) -> tuple[str, dict[str, str], bytes]:
    top, _, body = response.partition(b"\r\n\r\n")
    status, *lines = top.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


def rows(body: bytes) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True) for row in json.loads(body)["results"]["bindings"])


# -- the request heads a lookup process answers ---------------------------------
# (what the request is, its head, answered in the lookup process?)
HEADS = [
    ("anonymous lookup by URI", head(), True),
    ("with DISTINCT and LIMIT", head(LOOKUP.replace("SELECT", "SELECT DISTINCT") + " LIMIT 3"), True),
    ("XML results", head(Accept="application/sparql-results+xml"), True),
    ("a token: the caller's level is the main process's business", head(Authorization="Bearer x"), False),
    ("a session cookie", head(Cookie="kp_session=x"), False),
    ("HTTP/1.0", head(version="1.0"), False),
    ("Connection: close", head(Connection="close"), False),
    ("a body announced", head(Content_Length="5"), False),
    ("Expect", head(Expect="100-continue"), False),
    ("another path", head(path="/api/v1/search"), False),
    ("a query that is not a lookup", head("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"), False),
    ("a prefixed name", head(f"PREFIX t: <{TERM[:-5]}> SELECT ?p ?o WHERE {{ t:T0532 ?p ?o }}"), False),
    ("a dataset asked for", head().replace(b" HTTP/1.1", b"&default-graph-uri=urn:x HTTP/1.1"), False),
    ("the query editor (HTML)", head(Accept="text/html"), False),
    ("CSV (not read back to count rows)", head(Accept="text/csv"), False),
    ("nothing acceptable", head(Accept="image/png"), False),
    ("malformed", b"GET /sparql?query=x HTTP/1.1\r\nHost test\r\n\r\n", False),
    ("a POST", head().replace(b"GET ", b"POST "), False),
    ("a HEAD", head().replace(b"GET ", b"HEAD "), False),
]


@pytest.mark.parametrize(("what", "request_head", "answered"), HEADS, ids=[row[0] for row in HEADS])
def test_what_a_lookup_process_answers(
    published: tuple[Settings, Snapshots], what: str, request_head: bytes, answered: bool
) -> None:
    settings, _snapshots = published
    answer = lookups.Answerer(settings, memory_quads=0).answer(request_head)
    assert (answer is not None) is answered, what
    if answer is not None:
        status, headers, body = split(answer)
        assert status == "HTTP/1.1 200 OK"
        assert int(headers["content-length"]) == len(body)
        assert int(headers["x-kp-rows"]) > 0
        assert headers["vary"] == "Accept"


def test_answers_from_the_copy_are_those_from_disk(published: tuple[Settings, Snapshots]) -> None:
    settings, snapshots = published
    answerer = lookups.Answerer(settings)
    from_disk = answerer.answer(head())
    assert from_disk is not None
    deadline = time.monotonic() + 30
    while not answerer._copies and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answerer._copies, "the snapshot was not copied into memory"
    from_copy = answerer.answer(head())
    assert from_copy is not None
    assert split(from_disk)[2] == split(from_copy)[2]
    assert rows(split(from_copy)[2]) == worker_rows(settings, snapshots, LOOKUP)


@pytest.fixture(scope="module")
def with_blank_nodes(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[EmbeddedStore]:
    """The seed's public snapshot plus a term with a blank node (the seed's public graphs have none)."""
    from server.loader import load
    from server.snapshots import current

    seeded = replace(settings, store_path=tmp_path_factory.mktemp("blank") / "store")
    store = EmbeddedStore(seeded.store_path)
    load(seeded, store)
    graph = "https://w3id.org/drugkp/graph/vocab/terms"
    store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <{TERM}> <urn:kp:test> [ <urn:kp:test> 1 ] }} }}")
    snapshots = Snapshots(store, directory_for(seeded.store_path), meta_graph(seeded))
    snapshots.publish(snapshots.take())
    found = current(snapshots.directory)
    assert found is not None
    yield EmbeddedStore(found.levels["tlp-clear"], read_only=True)
    store.close()


def lookups_of(store: ox.Store, subject: object, rng: random.Random) -> list[str]:
    """Every lookup shape for one subject: all its triples, by predicate, by object, with LIMIT."""
    if not isinstance(subject, ox.NamedNode):
        return []
    quads = list(store.quads_for_pattern(subject, None, None))
    some = quads[rng.randrange(len(quads))]
    found = [
        f"SELECT ?p ?o WHERE {{ <{subject.value}> ?p ?o }}",
        f"SELECT * WHERE {{ <{subject.value}> <{some.predicate.value}> ?o }}",
        f"SELECT DISTINCT ?o WHERE {{ <{subject.value}> ?p ?o }} LIMIT 2",
    ]
    if isinstance(some.object, ox.NamedNode):
        found.append(f"SELECT ?p WHERE {{ <{subject.value}> ?p <{some.object.value}> }}")
    return found


def test_a_copy_in_memory_answers_byte_for_byte_as_the_snapshot(with_blank_nodes: EmbeddedStore) -> None:
    """Same rows, same order, same blank node labels: whichever process answers a
    lookup, from disk or from memory, the bytes are the same."""
    disk = with_blank_nodes.oxigraph
    copy = with_blank_nodes.memory_copy(10**9)
    assert copy is not None and len(copy.oxigraph) == len(disk)
    assert with_blank_nodes.memory_copy(len(disk) - 1) is None, "past the limit: no copy"
    rng = random.Random(7)
    solutions = disk.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    subjects = sorted((row[0] for row in solutions), key=str)
    checked = 0
    for subject in [ox.NamedNode(TERM), *rng.sample(subjects, 150)]:
        for query in lookups_of(disk, subject, rng):
            for fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.TSV):
                mine = copy.oxigraph.query(query, use_default_graph_as_union=True)
                theirs = disk.query(query, use_default_graph_as_union=True)
                assert isinstance(mine, ox.QuerySolutions) and isinstance(theirs, ox.QuerySolutions)
                assert mine.serialize(format=fmt) == theirs.serialize(format=fmt), query
                checked += 1
    assert checked > 1000
    found = copy.oxigraph.query(
        f"SELECT ?o WHERE {{ <{TERM}> <urn:kp:test> ?o }}", use_default_graph_as_union=True
    )
    assert isinstance(found, ox.QuerySolutions)
    assert b'"bnode"' in found.serialize(format=ox.QueryResultsFormat.JSON)


def test_a_new_snapshot_is_answered_from_at_once(tmp_path: Path, settings: Settings) -> None:
    """The server names the new snapshot before it answers a write: the next lookup sees it."""
    seeded = replace(settings, store_path=tmp_path / "store")
    store = EmbeddedStore(seeded.store_path)
    from server.loader import load

    load(seeded, store)
    snapshots = Snapshots(store, directory_for(seeded.store_path), meta_graph(seeded))
    snapshots.publish(snapshots.take())
    answerer = lookups.Answerer(seeded)
    marker = f"SELECT ?o WHERE {{ <{TERM}> <urn:kp:marker> ?o }}"
    before = answerer.answer(head(marker))
    assert before is not None and split(before)[1]["x-kp-rows"] == "0"
    graph = "https://w3id.org/drugkp/graph/vocab/terms"
    store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{TERM}> <urn:kp:marker> "new" }} }}')
    snapshots.publish(snapshots.take())
    after = answerer.answer(head(marker))
    assert after is not None and split(after)[1]["x-kp-rows"] == "1"
    store.close()


def test_nothing_above_the_public_level_is_answered(published: tuple[Settings, Snapshots]) -> None:
    """The process reads the public snapshot only: a term above it has no triples there."""
    settings, snapshots = published
    from server.snapshots import current

    found = current(snapshots.directory)
    assert found is not None
    amber = ox.Store.read_only(str(found.levels["tlp-amber"]))
    public = ox.Store.read_only(str(found.levels["tlp-clear"]))
    hidden = [
        s.value
        for (s,) in amber.query(
            "SELECT DISTINCT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#Concept> }",
            use_default_graph_as_union=True,
        )
        if not public.query(f"ASK {{ <{s.value}> ?p ?o }}", use_default_graph_as_union=True)
    ]
    assert hidden, "the seed has terms above the public level"
    answer = lookups.Answerer(settings).answer(head(f"SELECT ?p ?o WHERE {{ <{hidden[0]}> ?p ?o }}"))
    assert answer is not None and split(answer)[1]["x-kp-rows"] == "0"


# -- a real lookup process, the test standing in for the main process -------------


@pytest.fixture
def process(published: tuple[Settings, Snapshots]) -> Iterator[socket.socket]:
    settings, _snapshots = published
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    child = mp.get_context("spawn").Process(target=lookup_process.main, args=(theirs, settings), daemon=True)
    child.start()
    theirs.close()
    mine.settimeout(30)
    assert mine.recv(16) == lookup_process.READY
    yield mine
    mine.close()
    child.join(timeout=10)
    assert not child.is_alive(), "a lookup process stops when its channel closes"


def connect(channel: socket.socket) -> socket.socket:
    """A client connection whose server end goes to the lookup process."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server_end, _ = listener.accept()
    socket.send_fds(channel, [lookup_process.NEW], [server_end.fileno()])
    server_end.close()
    client.settimeout(30)
    return client


def receive(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


_READERS: dict[int, Any] = {}


def read_response(client: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """One response from the connection (buffered: answers may come back to back)."""
    reader = _READERS.setdefault(id(client), client.makefile("rb"))
    status = reader.readline().decode("latin-1").strip()
    assert status, "connection closed"
    headers = {}
    while line := reader.readline().decode("latin-1").strip():
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    return status, headers, reader.read(int(headers["content-length"]))


def handed_back(channel: socket.socket) -> tuple[socket.socket, bytes]:
    """What the lookup process hands back: the connection and the bytes read from it."""
    message, fds, _flags, _address = socket.recv_fds(channel, lookup_process.CHUNK + 16, 1)
    assert message[:1] == lookup_process.HAND and len(fds) == 1
    size = int.from_bytes(message[1:9], "big")
    data = b""
    while len(data) < size:
        part = channel.recv(lookup_process.CHUNK + 16)
        assert part[:1] == lookup_process.DATA
        data += part[1:]
    return socket.socket(fileno=fds[0]), data


def test_a_lookup_process_answers_then_hands_back_the_rest_unbroken(process: socket.socket) -> None:
    client = connect(process)
    client.sendall(head())
    status, headers, _body = read_response(client)
    assert status == "HTTP/1.1 200 OK" and int(headers["x-kp-rows"]) > 5
    # Pipelined: a lookup, then a request for the main process, then part of a third.
    rest = b"GET /api/v1/search?q=x HTTP/1.1\r\nHost: test\r\n\r\nGET /sparql?qu"
    client.sendall(head() + rest)
    assert read_response(client)[0] == "HTTP/1.1 200 OK"
    conn, data = handed_back(process)
    assert data == rest, "exactly the bytes not answered, in order"
    # The main process (here: the test) answers on the same connection, which the client never left.
    conn.sendall(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
    assert read_response(client)[0] == "HTTP/1.1 204 No Content"
    conn.close()
    client.close()


def test_a_long_head_is_handed_back_whole(process: socket.socket) -> None:
    """Past MAX_HEAD without its end: handed back in several messages, nothing lost."""
    client = connect(process)
    sent = b"GET /sparql?query=" + b"x" * (lookup_process.MAX_HEAD + 3 * lookup_process.CHUNK)
    client.sendall(sent)
    conn, data = handed_back(process)
    assert sent.startswith(data) and len(data) > lookup_process.MAX_HEAD
    conn.settimeout(10)
    assert data + receive(conn, len(sent) - len(data)) == sent
    conn.close()
    client.close()


# -- through `kp serve` ----------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("lookups") / "store", KP_LOOKUP_PROCESSES="2")


def test_one_connection_mixes_lookups_pages_and_writes(served: LiveServer) -> None:
    """A keep-alive connection that starts in a lookup process goes on in the main
    process for everything else, and then sees its own writes in lookups."""
    marker = f"SELECT ?o WHERE {{ <{TERM}> <urn:kp:mixed> ?o }}"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=served.url, timeout=30) as client:
        for _ in range(3):
            answer = client.get("/sparql", params={"query": LOOKUP}, headers={"Accept": JSON})
            assert answer.status_code == 200 and int(answer.headers["x-kp-rows"]) > 5
        assert (
            client.get("/sparql", params={"query": marker}, headers={"Accept": JSON}).headers["x-kp-rows"]
            == "0"
        )
        assert "<html" in client.get("/", headers={"Accept": "text/html"}).text
        graph = "https://w3id.org/drugkp/graph/vocab/terms"
        update = client.post(
            "/sparql", data={"update": f'INSERT DATA {{ GRAPH <{graph}> {{ <{TERM}> <urn:kp:mixed> "1" }} }}'},
            headers=admin,
        )  # fmt: skip
        assert update.status_code == 204, update.text
        seen = client.get("/sparql", params={"query": marker}, headers={"Accept": JSON})
        assert seen.headers["x-kp-rows"] == "1"
    # A new connection, dealt to a lookup process: it sees the write too.
    with httpx.Client(base_url=served.url, timeout=30) as client:
        for _ in range(4):
            seen = client.get("/sparql", params={"query": marker}, headers={"Accept": JSON})
            assert seen.headers["x-kp-rows"] == "1"


def test_bodies_and_long_queries_reach_the_main_process(served: LiveServer) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        assert client.get("/sparql", params={"query": LOOKUP}, headers={"Accept": JSON}).status_code == 200
        posted = client.post(
            "/sparql", content=LOOKUP, headers={"Content-Type": "application/sparql-query", "Accept": JSON}
        )
        assert posted.status_code == 200 and posted.headers["x-kp-rows"] != "0"
        long = "SELECT ?p ?o WHERE { <" + TERM + "> ?p ?o } # " + "x" * 40_000
        answer = client.get("/sparql", params={"query": long}, headers={"Accept": JSON})
        assert answer.status_code == 200 and answer.headers["x-kp-rows"] == posted.headers["x-kp-rows"]


def test_many_clients_at_once(served: LiveServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def client(n: int) -> list[int]:
        with httpx.Client(base_url=served.url, timeout=30) as c:
            return [
                c.get("/sparql", params={"query": LOOKUP}, headers={"Accept": JSON}).status_code,
                c.get(f"/term/T{n % 9 + 1:04d}.ttl").status_code,
                c.get("/sparql", params={"query": LOOKUP}, headers={"Accept": JSON}).status_code,
            ]

    with ThreadPoolExecutor(12) as pool:
        statuses = [s for found in pool.map(client, range(36)) for s in found]
    assert set(statuses) <= {200, 404} and statuses.count(200) >= 72


def lookup_processes(server_pid: int) -> set[int]:
    """The server's children that hold a Unix socket: its lookup processes (query workers
    and the resource tracker talk over pipes)."""
    found = set()
    for child in Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split():
        fds = Path(f"/proc/{child}/fd")
        try:
            if any(link.readlink().as_posix().startswith("socket:") for link in fds.iterdir()):
                found.add(int(child))
        except OSError:
            continue  # gone meanwhile
    return found


def test_a_lookup_process_that_dies_is_replaced(tmp_path: Path) -> None:
    import os
    import signal

    for server in run_server(tmp_path / "store", KP_LOOKUP_PROCESSES="2"):
        before = lookup_processes(server.pid)
        assert len(before) == 2
        os.kill(min(before), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = lookup_processes(server.pid)
            if len(now) == 2 and min(before) not in now:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no new lookup process: {before} -> {lookup_processes(server.pid)}")
        for _ in range(6):  # new connections, dealt to every process in turn
            answer = httpx.get(server.url + "/sparql", params={"query": LOOKUP}, headers={"Accept": JSON})
            assert answer.status_code == 200 and int(answer.headers["x-kp-rows"]) > 5


def test_answers_are_kept_for_the_snapshot_in_use(published: tuple[Settings, Snapshots]) -> None:
    settings, _snapshots = published
    answerer = lookups.Answerer(replace(settings, lookup_cache_mb=1), memory_quads=0)
    first, again = answerer.answer(head()), answerer.answer(head())
    assert first is not None and again is not None
    assert "x-cache" not in split(first)[1] and split(again)[1]["x-cache"] == "HIT"
    assert split(again)[1]["x-kp-rows"] == split(first)[1]["x-kp-rows"]
    assert split(again)[2] == split(first)[2]
    as_xml = answerer.answer(head(Accept="application/sparql-results+xml"))
    assert as_xml is not None and "x-cache" not in split(as_xml)[1], "Accept is part of the key"
    assert split(as_xml)[1]["content-type"] == "application/sparql-results+xml"
    # Past the cache's size, the oldest answers go first.
    answerer.cache_bytes = len(first) * 3
    for n in range(1, 10):
        answerer.answer(head(f"SELECT ?p ?o WHERE {{ <https://w3id.org/drugkp/term/T05{n:02d}> ?p ?o }}"))
    assert answerer._cached <= answerer.cache_bytes and len(answerer._cache) >= 1
    assert "x-cache" not in split(answerer.answer(head()) or b"")[1]
    off = lookups.Answerer(replace(settings, lookup_cache_mb=0), memory_quads=0)
    off.answer(head())
    assert "x-cache" not in split(off.answer(head()) or b"")[1]


def test_a_client_that_asks_faster_than_it_reads_loses_nothing(process: socket.socket) -> None:
    """Pipelined lookups past the write buffer: the process stops reading until the
    client reads, then answers the rest, in order."""
    import threading

    client = connect(process)
    count = 4000  # about 20 MB of answers, past what the kernel's buffers hold
    sending = threading.Thread(target=client.sendall, args=(head() * count,))
    sending.start()
    time.sleep(1.0)  # the process answers until the buffers are full, then waits
    answered = [read_response(client) for _ in range(count)]
    sending.join()
    assert all(status == "HTTP/1.1 200 OK" for status, _headers, _body in answered)
    assert len({body for _status, _headers, body in answered}) == 1
    client.close()


def test_a_request_target_the_process_cannot_parse_goes_back(process: socket.socket) -> None:
    client = connect(process)
    sent = b"GET http://[::1/sparql?query=x HTTP/1.1\r\nHost: test\r\n\r\n"
    client.sendall(sent)
    conn, data = handed_back(process)
    assert data == sent
    conn.close()
    client.close()


def test_a_port_in_use_is_said_before_anything_is_loaded(tmp_path: Path) -> None:
    import subprocess

    from tests.server_fixture import ROOT

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "kp"),
                "serve",
                "--port",
                str(port),
                "--store",
                str(tmp_path / "store"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert not (tmp_path / "store").exists(), "nothing loaded for a server that cannot listen"


def test_a_copy_no_longer_wanted_stops(with_blank_nodes: EmbeddedStore) -> None:
    """A snapshot superseded while it is being copied: the copy stops (the seed's
    public snapshot has a few thousand subjects, so the question is asked more than once)."""
    asked = []

    def wanted() -> bool:
        asked.append(1)
        return len(asked) < 2

    assert with_blank_nodes.memory_copy(10**9, wanted) is None
    assert len(asked) == 2
    assert with_blank_nodes.memory_copy(10**9, lambda: True) is not None
