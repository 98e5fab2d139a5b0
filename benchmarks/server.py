"""Server benchmark (issue: SPARQL endpoint and linked data).

In one run, on two datasets in turn — the seed vocabulary alone, and the seed
plus a generated vocabulary of ``--concepts`` concepts named in 26 languages —
each loaded into every server, with ``--clients`` concurrent keep-alive clients
for ``--seconds`` per measure, it measures throughput and p50/p99 latency of

* term dereference (Turtle document; for the peers the equivalent DESCRIBE),
* SPARQL lookup of one concept by URI,
* SPARQL label-prefix query (STRSTARTS),
* SPARQL aggregate (labels per language),

for ``kp serve``, ``kp serve`` again with its lookup processes' cache of
answers off (``KP_LOOKUP_CACHE_MB=0``: every lookup computed, as the peers
compute theirs), ``oxigraph serve`` (PyPI ``oxigraph``) and
``rdflib-endpoint`` (PyPI ``rdflib-endpoint``), and prints ratios. Client and
servers share this machine's cores, as in the issue's reference figures.

The clients are ``wrk`` (Debian's ``wrk``, an event-driven load generator in C:
one thread, ``--clients`` keep-alive connections, each request drawn at random
from the workload's requests by a Lua script) when it is installed, else
``--clients`` Python threads with ``httpx``. Python clients cost more CPU per
request than the servers they measure (two of them top out near 1,200 req/s
here whatever the server), which pulls every ratio towards 1: use ``wrk``.

    .venv/bin/python benchmarks/server.py [--concepts 20000] [--seconds 5] [--skip-rdflib] [--settle 0]
        [--client wrk|python] [--datasets seed,generated]
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
BASE = "https://w3id.org/drugkp/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LANGS = "bg cs da de el en es et fi fr ga hr hu is it lt lv mt nb nl pl pt ro sk sl sv".split()  # noqa: SIM905
LETTERS = "abcdefghijklmnopqrstuvwxyz"


#: Our server again with each lookup process's cache of answers off: lookups computed every time.
UNCACHED = "kp, no lookup cache"


def generate(path: Path, concepts: int, seed: int = 7) -> list[str]:
    """Concepts with a prefLabel in each of 26 languages (plain SKOS), as N-Triples."""
    rng = random.Random(seed)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = []
    iris = []
    substances = [ox.NamedNode(f"{BASE}substance/S{n:04d}") for n in range(1, 70)]
    for i in range(concepts):
        term = ox.NamedNode(f"{BASE}term/G{i:06d}")
        iris.append(term.value)
        triples += [
            ox.Triple(term, rdf_type, ox.NamedNode(SKOS + "Concept")),
            ox.Triple(term, rdf_type, ox.NamedNode(BASE + "ontology#DrugTerm")),
            ox.Triple(term, ox.NamedNode(SKOS + "inScheme"), ox.NamedNode(BASE + "scheme/terms")),
            ox.Triple(term, ox.NamedNode(BASE + "ontology#refersTo"), rng.choice(substances)),
            ox.Triple(
                term, ox.NamedNode(SKOS + "definition"), ox.Literal(f"Generated term {i}", language="en")
            ),
        ]
        for lang in LANGS:
            word = "".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 9)))
            triples.append(ox.Triple(term, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(word, language=lang)))
    with path.open("wb") as fh:
        ox.serialize(triples, fh, ox.RdfFormat.N_TRIPLES)
    print(f"generated {len(triples):,} triples for {concepts:,} concepts", flush=True)
    return iris


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], limit: float = 900) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}: {url}")
        try:
            response = httpx.get(
                url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server did not come up: {url}")


def measure(
    make: Callable[[random.Random], tuple[str, dict[str, str], dict[str, str]]], clients: int, seconds: float
) -> dict[str, float]:
    """Requests from ``clients`` threads for ``seconds``; throughput and latency percentiles."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(seed: int) -> None:
        rng = random.Random(seed)
        local: list[float] = []
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop:
                url, params, headers = make(rng)
                started = time.perf_counter()
                response = client.get(url, params=params, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    with lock:
                        errors[0] += 1
                local.append(elapsed)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    latencies.sort()
    count = len(latencies)
    return {
        "rps": count / wall,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99": latencies[min(count - 1, int(count * 0.99))] * 1000 if latencies else float("nan"),
        "errors": errors[0],
    }


#: Each connection sends requests drawn at random from a file of "path<TAB>Accept" lines,
#: and the run ends with one line of figures for the benchmark to read.
WRK_SCRIPT = r"""
local requests = {}
init = function(args)  -- after wrk has set the Host header
  for line in io.lines(os.getenv("KP_BENCH_REQUESTS")) do
    local path, accept = line:match("([^\t]*)\t?(.*)")
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    if accept ~= "" then headers["Accept"] = accept end
    requests[#requests + 1] = wrk.format("GET", path, headers)
  end
  math.randomseed(7)
end
request = function()
  return requests[math.random(#requests)]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KP-BENCH %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def measure_wrk(
    make: Callable[[random.Random], tuple[str, dict[str, str], dict[str, str]]],
    clients: int,
    seconds: float,
    work: Path,
) -> dict[str, float]:
    """The same workload from ``wrk``: ``clients`` connections on one thread."""
    rng = random.Random(1)
    lines, origin = [], ""
    for _ in range(2000):
        url, params, headers = make(rng)
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        path = parts.path + ("?" + urlencode(params) if params else "")
        lines.append(f"{path}\t{headers.get('Accept', '')}")
    requests, script = work / "wrk-requests.txt", work / "wrk.lua"
    requests.write_text("\n".join(lines) + "\n")
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "60s", "-s", str(script), origin],
        env={**os.environ, "KP_BENCH_REQUESTS": str(requests)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = next(line.split()[1:] for line in out.splitlines() if line.startswith("KP-BENCH "))
    done, micros, p50, p99, errors = map(int, figures)
    return {"rps": done / (micros / 1e6), "p50": p50 / 1000, "p99": p99 / 1000, "errors": errors}


Document = Callable[[str], tuple[str, dict[str, str], dict[str, str]]]


def workloads(
    endpoint: str, document: Callable[[str], tuple[str, dict[str, str], dict[str, str]]], iris: list[str]
) -> dict[str, Callable[[random.Random], tuple[str, dict[str, str], dict[str, str]]]]:
    srj = {"Accept": "application/sparql-results+json"}
    return {
        "dereference (Turtle)": lambda rng: document(rng.choice(iris)),
        "SPARQL lookup by URI": lambda rng: (
            endpoint,
            {"query": f"SELECT ?p ?o WHERE {{ <{rng.choice(iris)}> ?p ?o }}"},
            srj,
        ),
        "SPARQL label prefix": lambda rng: (
            endpoint,
            {
                "query": f'PREFIX skos: <{SKOS}> SELECT ?c ?l WHERE {{ ?c skos:prefLabel ?l FILTER (STRSTARTS(?l, "{rng.choice(LETTERS)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}")) }} LIMIT 10'
            },
            srj,
        ),
        "SPARQL aggregate": lambda rng: (
            endpoint,
            {
                "query": f"PREFIX skos: <{SKOS}> SELECT ?lang (COUNT(*) AS ?n) WHERE {{ ?c skos:prefLabel ?l BIND (LANG(?l) AS ?lang) }} GROUP BY ?lang"
            },
            srj,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="kp serve vs oxigraph serve vs rdflib-endpoint")
    parser.add_argument("--concepts", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument(
        "--skip-rdflib", action="store_true", help="rdflib-endpoint takes minutes to load large data"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds to wait after each server is up (steady state, warm caches)",
    )
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator (default: wrk if installed; apt-get install wrk)",
    )
    parser.add_argument(
        "--datasets",
        default="seed,generated",
        help="comma-separated: 'seed' (the seed vocabulary alone), 'generated' (the seed plus --concepts)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kp-server-bench-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for dataset in args.datasets.split(","):
            if dataset not in ("seed", "generated"):
                raise SystemExit(f"unknown dataset {dataset!r}: use seed, generated or both")
            results = run_dataset(args, dataset, work / dataset, processes)
            report(args, dataset, results)
    finally:
        for process in processes:
            process.terminate()
        shutil.rmtree(work, ignore_errors=True)


def seed_concepts(files: list[str]) -> list[str]:
    """The IRIs of the seed's terms (the lookups and documents of the seed run)."""
    found = set()
    concept = ox.NamedNode(SKOS + "Concept")
    for name in files:
        for triple in ox.parse(path=name):
            if triple.object == concept and isinstance(triple.subject, ox.NamedNode):
                found.add(triple.subject.value)
    return sorted(iri for iri in found if iri.startswith(BASE + "term/"))


def public_terms(endpoint: str) -> set[str]:
    """The concepts an anonymous reader of our endpoint sees."""
    response = httpx.get(
        endpoint,
        params={"query": f"SELECT DISTINCT ?c WHERE {{ ?c a <{SKOS}Concept> }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    response.raise_for_status()
    return {row["c"]["value"] for row in response.json()["results"]["bindings"]}


def our_document(origin: str, iri: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """Our Turtle document of a resource (what the dereference workload asks us)."""
    return origin + "/" + iri.removeprefix(BASE) + ".ttl", {}, {}


def run_dataset(
    args: argparse.Namespace, dataset: str, work: Path, processes: list[subprocess.Popen[bytes]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Load one dataset into each server in turn and measure every workload against it."""
    work.mkdir(parents=True)
    seed_files = [str(p) for p in sorted((ROOT / "vocab").rglob("*.ttl")) if "source" not in p.parts]
    seed_files += [str(p) for p in sorted((ROOT / "ontology").glob("*.ttl"))]
    extra: list[str] = []
    if dataset == "generated":
        generated = work / "generated.nt"
        iris = generate(generated, args.concepts)
        extra = [str(generated)]
    else:
        iris = seed_concepts(seed_files)
        print(f"seed: {len(iris)} concepts", flush=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    quiet = subprocess.DEVNULL
    admin = {**os.environ, "KP_QUERY_WORKERS": "2"}

    # Ours: the seed (validated) plus the generated file (streamed), then serve.
    store = work / "kp-store"
    subprocess.run([str(BIN / "kp"), "load", "--store", str(store), "--quiet"], check=True)
    if extra:
        subprocess.run(
            [str(BIN / "kp"), "load", "--store", str(store), "--quiet", "--no-validate", *extra], check=True
        )

    def run(
        name: str, command: list[str], endpoint: str, document: Document | None = None, **env: str
    ) -> None:
        """Start one server, measure every workload against it, stop it."""
        process = subprocess.Popen(command, env={**admin, **env}, stdout=quiet, stderr=quiet)
        processes.append(process)
        wait_until_up(endpoint, process)
        print(f"{name} is up ({dataset})", flush=True)
        if name == "kp serve" and dataset == "seed":
            # Some seed terms are above the public handling level: anonymous readers (and
            # so this benchmark) get 404 for them from us. Measure the public ones only.
            visible = public_terms(endpoint)
            iris[:] = [iri for iri in iris if iri in visible]
            print(f"seed: {len(iris)} public terms", flush=True)
        time.sleep(args.settle)
        describe = document or (
            lambda iri: (endpoint, {"query": f"DESCRIBE <{iri}>"}, {"Accept": "text/turtle"})
        )
        seconds = args.seconds if name != "rdflib-endpoint" else min(args.seconds, 5)
        results[name] = {
            task: measure_wrk(make, args.clients, seconds, work)
            if args.client == "wrk"
            else measure(make, args.clients, seconds)
            for task, make in workloads(endpoint, describe, iris).items()
        }
        processes.remove(process)
        process.terminate()
        process.wait()

    for name, cache in (("kp serve", {}), (UNCACHED, {"KP_LOOKUP_CACHE_MB": "0"})):
        port = free_port()
        ours = f"http://127.0.0.1:{port}"
        run(
            name,
            [str(BIN / "kp"), "serve", "--store", str(store), "--port", str(port)],
            ours + "/sparql",
            functools.partial(our_document, ours),
            **cache,
        )

    # oxigraph serve over the same files (default graph = all of them).
    location = work / "oxigraph"
    oxigraph = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"
    subprocess.run(
        [oxigraph, "load", "--location", str(location), "--file", *seed_files, *extra],
        check=True,
        stdout=quiet,
        stderr=quiet,
    )
    port = free_port()
    bind = f"127.0.0.1:{port}"
    run(
        "oxigraph serve",
        [oxigraph, "serve-read-only", "--location", str(location), "--bind", bind],
        f"http://{bind}/query",
    )

    if not args.skip_rdflib:
        port = free_port()
        command = [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        run("rdflib-endpoint", [*command, *seed_files, *extra], f"http://127.0.0.1:{port}/")
    return results


def report(args: argparse.Namespace, dataset: str, results: dict[str, dict[str, dict[str, float]]]) -> None:
    what = (
        "the seed vocabulary alone"
        if dataset == "seed"
        else f"the seed + {args.concepts:,} generated concepts x 26 languages"
    )
    print(
        f"\n{what}; {args.clients} clients ({args.client}), {args.seconds:g} s per measure, "
        f"{args.settle:g} s settling"
    )
    print(f"{'measure':<24} {'server':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  ratio")
    for name in results["kp serve"]:
        mine = results["kp serve"][name]["rps"]
        uncached = results[UNCACHED][name]["rps"] if UNCACHED in results else None
        for server, table in results.items():
            row = table[name]
            if server.startswith("kp serve"):
                ratio = ""
            elif row["rps"] == 0:
                ratio = f"no answer within {args.seconds:g} s"
            else:
                ratio = f"kp = {mine / row['rps']:.2f}x"
                if uncached is not None:
                    ratio += f", without lookup cache {uncached / row['rps']:.2f}x"
            print(
                f"{name:<24} {server:<16} {row['rps']:9.0f} {row['p50']:8.1f} {row['p99']:8.1f} {row['errors']:6.0f}  {ratio}"
            )
    print(flush=True)


if __name__ == "__main__":
    main()
