"""Load and validation benchmark (issue: knowledge model).

In one run, on this machine:

* ``kp load`` of the seed vocabulary (parse + SHACL validation + write) and
  ``oxigraph load`` (PyPI ``oxigraph``) of the same files;
* ``kp load --no-validate`` and ``oxigraph load`` of one generated vocabulary
  of about 1M triples (same file, same named graph);
* SHACL validation (``kp validate``) of the whole seed and of a generated
  1,000-term contribution.

Each command runs as its own process (start-up included, as a user runs it),
``--repeat`` times; the median is reported with the ratio to the peer.
Goals: ``kp load`` within 1.5x of ``oxigraph load``; a 1,000-term
contribution validated in under 5 s.

    .venv/bin/python benchmarks/load.py [--triples 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate import seed_substances, synthetic_terms, write_turtle  # noqa: E402

BIN = Path(sys.executable).parent
KP = str(BIN / "kp")
OXIGRAPH = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")


def timed(cmd: list[str], fresh: Path | None = None, repeat: int = 3, expect: int = 0) -> float:
    """Median wall time of ``cmd``; ``fresh`` is a store directory emptied before each run."""
    times = []
    for _ in range(repeat):
        if fresh is not None and fresh.exists():
            shutil.rmtree(fresh)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != expect:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return statistics.median(times)


def row(name: str, ours: float, peer: float | None, peer_name: str = "") -> None:
    ratio = f"{ours / peer:6.2f}x {peer_name}" if peer else ""
    peer_text = f"{peer:8.2f} s" if peer else " " * 10
    print(f"{name:<44} {ours:8.2f} s  {peer_text}  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description="kp load / validate benchmark")
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the generated vocabulary")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if OXIGRAPH is None:
        raise SystemExit("the `oxigraph` command is missing: scripts/setup.sh test,bench installs it")

    with tempfile.TemporaryDirectory(prefix="kp-bench-") as tmp:
        work = Path(tmp)
        substances = seed_substances(ROOT / "vocab")
        per_term = 57  # triples per generated term (5 pref + 1 alt label)
        big = work / "generated.ttl"
        n_big = write_turtle(big, synthetic_terms(max(1, args.triples // per_term), substances, prefix="B"))
        small = work / "contribution-1000.ttl"
        write_turtle(small, synthetic_terms(1000, substances, prefix="C"))
        seed_files = [str(p) for p in sorted(ROOT.glob("ontology/*.ttl"))]
        seed_files += [str(p) for p in sorted((ROOT / "vocab").rglob("*.ttl")) if "source" not in p.parts]
        seed_files += [str(p) for p in sorted(ROOT.glob("shapes/*.ttl"))]

        print(f"{'measure (median of ' + str(args.repeat) + ')':<44} {'kp':>10}  {'oxigraph':>10}  ratio")
        store = work / "store"
        ours = timed([KP, "load", "--store", str(store), "--quiet"], fresh=store, repeat=args.repeat)
        peer = timed(
            [OXIGRAPH, "load", "--location", str(store), "--file", *seed_files],
            fresh=store,
            repeat=args.repeat,
        )
        row("seed: kp load (validates) vs oxigraph load", ours, peer, "oxigraph load")
        ours = timed(
            [KP, "load", "--store", str(store), "--quiet", "--no-validate"], fresh=store, repeat=args.repeat
        )
        row("seed: kp load --no-validate", ours, peer, "oxigraph load")

        graph = "https://w3id.org/drugkp/graph/file/generated"
        ours = timed(
            [KP, "load", "--store", str(store), "--quiet", "--no-validate", str(big)],
            fresh=store,
            repeat=args.repeat,
        )
        peer = timed(
            [OXIGRAPH, "load", "--location", str(store), "--file", str(big), "--graph", graph],
            fresh=store,
            repeat=args.repeat,
        )
        row(f"{n_big:,} triples: kp load --no-validate", ours, peer, "oxigraph load")

        seed_validate = timed([KP, "validate", str(ROOT / "vocab")], repeat=args.repeat)
        row("validate seed vocabulary (kp validate vocab/)", seed_validate, None)
        small_validate = timed([KP, "validate", "--no-skos-checks", str(small)], repeat=args.repeat)
        row("validate 1,000-term contribution", small_validate, None)
        print(
            f"goal: 1,000-term contribution validated in < 5 s -> {'met' if small_validate < 5 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
