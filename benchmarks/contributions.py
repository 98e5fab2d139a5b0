"""Contribution benchmark (issue: contributions).

For generated contribution tables of 1,000 and 10,000 rows (CSV, three
handling levels, four languages, substances named by name and by id), each in
its own process over a fresh on-disk store loaded with the seed vocabulary:

* validate-and-stage: read the table, check every cell, build the RDF, run the
  SHACL shapes, write the pending graphs and the record (what
  ``POST /api/v1/contributions`` does);
* approve: publish atomically and take the new per-level snapshots readers
  use (what ``POST .../approve`` does, until readers see the change);
* time per 1,000 rows and the process's peak memory (max RSS).

Goal: a 10,000-row contribution validated in under 60 s and approved in under
10 s on this machine.

    .venv/bin/python benchmarks/contributions.py [--rows 1000 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def table(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["term", "language", "term_type", "substances", "ambiguity", "handling", "platforms",
                     "first_seen", "source"])  # fmt: skip
    for i in range(rows):
        writer.writerow([
            f"benchterm{i}", ("en", "de", "pl", "fr")[i % 4], ("slang", "code-word", "misspelling")[i % 3],
            "cocaine" if i % 2 else "S0012", ("low", "medium", "high")[i % 3],
            ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER")[i % 3], "telegram", "2026-01-01", "https://example.org/r",
        ])  # fmt: skip
    return buffer.getvalue().encode()


def one(rows: int) -> dict[str, float]:
    """Run in a child process: one size, a fresh store."""
    from server import lexicon
    from server.access import Caller
    from server.config import Settings
    from server.contributions import Contributions
    from server.loader import load, meta_graph
    from server.snapshots import Snapshots
    from server.store import EmbeddedStore

    directory = Path(tempfile.mkdtemp(prefix="kp-bench-contrib-"))
    settings = replace(Settings(), store_path=directory / "store")
    store = EmbeddedStore(settings.store_path)
    load(settings, store)
    snapshots = Snapshots(store, directory / "snapshots", meta_graph(settings))
    current = {"set": snapshots.take()}

    def amber() -> lexicon.Lexicon:
        return lexicon.build(EmbeddedStore(current["set"].levels["tlp-amber"], read_only=True), "tlp-amber")

    def changed() -> None:
        current["set"] = snapshots.take()

    workflow = Contributions(settings, store, amber, changed)
    workflow.validator  # noqa: B018  (shapes parsed once per server, not per request)
    data = table(rows)
    started = time.perf_counter()
    record = workflow.submit(
        Caller("contributor", "bench", "PL", "bench-contributor"), data, "text/csv", "b.csv"
    )
    staged = time.perf_counter() - started
    started = time.perf_counter()
    workflow.approve(Caller("reviewer", "bench", None, "bench-reviewer"), record.id)
    approved = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "stage_s": staged, "approve_s": approved, "peak_mb": peak_mb,
            "labels": len(record.details["preview"]["labels"])}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child)))
        return
    print(f"{'rows':>7} {'validate+stage s':>17} {'per 1k rows':>12} {'approve s':>10} {'peak MiB':>9}  goal")
    for rows in args.rows:
        output = subprocess.run([sys.executable, __file__, "--child", str(rows)], capture_output=True, text=True,
                                check=True)  # fmt: skip
        r = json.loads(output.stdout.strip().splitlines()[-1])
        goal = ""
        if rows >= 10_000:
            goal = f"stage<60s {'met' if r['stage_s'] < 60 else 'NOT met'}, approve<10s " + (
                "met" if r["approve_s"] < 10 else "NOT met")  # fmt: skip
        print(f"{rows:>7} {r['stage_s']:>17.1f} {r['stage_s'] / rows * 1000:>12.2f} {r['approve_s']:>10.1f} "
              f"{r['peak_mb']:>9.0f}  {goal}")  # fmt: skip


if __name__ == "__main__":
    main()
