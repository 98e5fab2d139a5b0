"""The query pool's pipes: answers of any size arrive whole, and a worker that
dies is replaced (the pool watches each worker's answer pipe for its lifetime)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyoxigraph as ox
import pytest

from server.errors import QueryAborted
from server.workers import QueryJob, QueryPool

SRJ = "application/sparql-results+json"
GRAPH = ox.NamedNode("https://example.org/g")


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("pool") / "store"
    store = ox.Store(str(path))
    p = ox.NamedNode("https://example.org/p")
    store.extend(  # 3,000 rows of 100 characters: answers much larger than one read of the pipe
        ox.Quad(ox.NamedNode(f"https://example.org/s{n}"), p, ox.Literal(f"{n:05d}" + "x" * 95), GRAPH)
        for n in range(3000)
    )
    store.flush()
    del store
    made = QueryPool(SimpleNamespace(levels={"tlp-clear": path}), size=2, timeout=20)  # type: ignore[arg-type]
    yield made
    made.close()


def job(query: str) -> QueryJob:
    return QueryJob(query, "tlp-clear", True, [], [], SRJ, None, 10_000)


@pytest.mark.parametrize("rows", [0, 1, 700, 3000])
def test_answers_of_any_size_arrive_whole(pool: QueryPool, rows: int) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s ?p ?o }} ORDER BY ?o LIMIT {rows}"
    outcome = asyncio.run(pool.run(job(query)))
    bindings = json.loads(outcome.body)["results"]["bindings"]
    assert outcome.rows == len(bindings) == rows
    assert [b["o"]["value"][:5] for b in bindings] == [f"{n:05d}" for n in range(rows)]


def test_concurrent_queries_each_get_their_own_answer(pool: QueryPool) -> None:
    async def many() -> list[str]:
        jobs = [pool.run(job(f"SELECT ?n WHERE {{ BIND ({n} AS ?n) }}")) for n in range(20)]
        return [
            json.loads(o.body)["results"]["bindings"][0]["n"]["value"] for o in await asyncio.gather(*jobs)
        ]

    assert asyncio.run(many()) == [str(n) for n in range(20)]


def test_a_worker_that_dies_is_replaced(pool: QueryPool) -> None:
    async def scenario() -> None:
        for worker in list(pool._workers):
            worker.process.kill()
            worker.process.join()
        with pytest.raises(QueryAborted):
            await pool.run(job("ASK {}"))
        with pytest.raises(QueryAborted):
            await pool.run(job("ASK {}"))
        outcome = await pool.run(job("ASK { ?s ?p ?o }"))
        assert json.loads(outcome.body)["boolean"] is True

    asyncio.run(scenario())
