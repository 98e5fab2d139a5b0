"""Search benchmark (issue: search, browse and statistics).

On the seed vocabulary, and on the seed plus a generated vocabulary of
``--concepts`` terms with a label in each of the 26 languages (plus one alt
label each), in one process:

* index build time (lexicon read from the store + search index) and the
  memory it adds (RSS);
* p50/p99 latency of ``search`` and ``suggest`` for exact, prefix,
  accent-stripped, typo and emoji queries;
* the same questions asked the way peers do, as SPARQL label queries on the
  same pyoxigraph store (``STRSTARTS`` on the lower-cased form for prefix and
  exact; case-insensitive ``REGEX`` for the rest), and the ratio.

Goals: suggest p99 under 20 ms at 20,000 concepts; at least 100x faster than
the SPARQL approach.

    .venv/bin/python benchmarks/search.py [--concepts 20000] [--queries 300] [--sparql-queries 20]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from benchmarks.generate import seed_substances, synthetic_terms  # noqa: E402
from server import lexicon, search  # noqa: E402
from server.config import Settings  # noqa: E402
from server.loader import load  # noqa: E402
from server.queries import SPARQL_PREFIXES  # noqa: E402
from server.store import EmbeddedStore  # noqa: E402

SPARQL_PREFIX = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?c WHERE {
    ?c skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?l . ?l skosxl:literalForm ?f .
    FILTER (STRSTARTS(LCASE(STR(?f)), ?q))
} LIMIT 20
"""
)
SPARQL_REGEX = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?c WHERE {
    ?c skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?l . ?l skosxl:literalForm ?f .
    FILTER (REGEX(STR(?f), ?q, "i"))
} LIMIT 20
"""
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return (
        word[:i] + word[i + 1] + word[i] + word[i + 2 :] if rng.random() < 0.5 else word[:i] + word[i + 1 :]
    )


def queries(lx: lexicon.Lexicon, count: int, rng: random.Random) -> dict[str, list[str]]:
    words = [e.form for e in lx.entries if e.lang != "zxx" and len(e.form) >= 6 and e.form.isalpha()]
    accented = [
        e.form for e in lx.entries if strip_accents(e.form) != e.form and e.form.replace(" ", "").isalpha()
    ]
    emoji = [e.form for e in lx.entries if e.lang == "zxx"]

    def pick(pool: list[str]) -> list[str]:
        return [rng.choice(pool) for _ in range(count)]

    return {
        "exact": pick(words),
        "prefix": [w[:3] for w in pick(words)],
        "accent-stripped": [strip_accents(w) for w in pick(accented)],
        "typo": [typo(rng, w) for w in pick(words)],
        "emoji": [e.replace("\ufe0f", "") for e in pick(emoji)],
    }


def timed(function: Callable[[str], object], items: list[str]) -> tuple[float, float]:
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def sparql(store: ox.Store, query: str, text: str) -> int:
    regex = query is SPARQL_REGEX
    value = ox.Literal(_regex_escape(text) if regex else text.lower())  # str() escapes it for SPARQL
    results = store.query(query.replace("?q", str(value)), use_default_graph_as_union=True)
    assert isinstance(results, ox.QuerySolutions)
    return len(list(results))


def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in r".^$*+?()[]{}|\\" else c for c in text)


def run(concepts: int, count: int, sparql_count: int) -> None:
    rng = random.Random(11)
    settings = Settings()
    store = EmbeddedStore(None)
    load(settings, store, validate=False)
    if concepts:
        substances = seed_substances(settings.vocab_dir)
        graph = ox.NamedNode("https://w3id.org/drugkp/graph/generated")
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                     for t in synthetic_terms(concepts, substances, languages_per_term=26))  # fmt: skip
    before = rss_mb()
    started = time.perf_counter()
    lx = lexicon.build(store, "tlp-amber")
    read = time.perf_counter() - started
    started = time.perf_counter()
    index = search.Index.build(lx)
    built = time.perf_counter() - started
    grown = rss_mb() - before
    print(f"\n{'seed' if not concepts else f'seed + {concepts:,} concepts x 26 languages'}: "
          f"{len(lx.entries):,} labels; lexicon read {read:.1f} s, index built {built:.1f} s, "
          f"+{grown:.0f} MiB RSS")  # fmt: skip
    sets = queries(lx, count, rng)
    raw = store._store  # the same pyoxigraph store, queried as peers do
    print(
        f"{'query kind':16} {'suggest p50/p99 ms':>20} {'search p50/p99 ms':>20} {'SPARQL p50 ms':>14} {'ratio':>8}"
    )
    for kind, items in sets.items():
        s50, s99 = timed(lambda q: search.suggest(index, q, "en"), items)
        f50, f99 = timed(lambda q: search.search(index, q, "en"), items)
        peer = SPARQL_PREFIX if kind in ("exact", "prefix") else SPARQL_REGEX
        p50, _ = timed(lambda q, peer=peer: sparql(raw, peer, q), items[:sparql_count])  # type: ignore[misc]
        print(f"{kind:16} {s50:>9.2f} /{s99:>8.2f} {f50:>9.2f} /{f99:>8.2f} {p50:>14.1f} {p50 / f50:>7.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concepts", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--sparql-queries", type=int, default=20)
    args = parser.parse_args()
    run(0, args.queries, args.sparql_queries)
    if args.concepts:
        run(args.concepts, args.queries, args.sparql_queries)


if __name__ == "__main__":
    main()
