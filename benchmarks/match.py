"""Matcher benchmark (issue 6: term matcher).

In one run, over the seed vocabulary's public labels and a generated corpus of
posts (``--megabytes`` of UTF-8; mostly everyday posts in six languages with
emoji, hashtags, mentions and prices, plus the evaluation set's benign posts
with ambiguous words and its disguised positives), it measures on one core:

* the matcher as ``kp match`` runs it (batches of ``--batch`` posts, a memo of the posts
  looked at closely, which the corpus repeats like a real dump), in MB/s; and without
  the memo;
* ``kp match`` end to end (JSONL file in, JSONL out, a separate process; its compiled
  matcher is read from the cache that this run's own compile filled, as on any run
  after the first over the same vocabulary);
* a naive baseline on the first ``--baseline-megabytes`` of the same corpus:
  Python ``re`` with one case-insensitive alternation of every label, longest
  first, between word boundaries where the label starts and ends with a letter;
* how many of the evaluation set's disguised positives each one finds;
* API latency (p50/p99) of ``POST /api/v1/match`` with one 280-character post,
  ``--requests`` sequential requests to a ``kp serve`` on loopback;

and prints the ratios. Throughput is given per second of this process's CPU
time (the machine may be shared) and per second of wall-clock time.

    .venv/bin/python benchmarks/match.py [--megabytes 100] [--baseline-megabytes 2] [--requests 300]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.cli_match import load_matcher  # noqa: E402
from server.config import Settings  # noqa: E402
from server.match import Matcher, TextResult  # noqa: E402

BIN = Path(sys.executable).parent
EVAL = ROOT / "tests" / "data" / "match_eval"
WORDS = {
    "en": "the and to of a in is it you that was for on are with as his they be at one have this from or "
    "had by hot but what some we can out other were all there when up use your how said each she which do "
    "their time if will way about many then them would like so these her long make see him two has look "
    "more day could go come did sound no most people my over know water than call first who may down side "
    "been now find today lunch friends weekend great love match game coffee train work home city music",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an "
    "werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben "
    "nur oder aber vor zur bis mehr durch man heute Wetter Freunde Kaffee Arbeit Stadt Spiel Musik",
    "fr": "de la le et les des en un du une que est pour qui dans par plus pas au sur ne se il sont ce "
    "avec elle mais ou comme on tout nous sa aujourd'hui amis café travail ville match musique soirée",
    "es": "de la que el en y a los se del las un por con no una su para es al lo como más pero sus le ya "
    "o este sí porque esta entre cuando muy sin sobre hoy amigos café trabajo ciudad partido música",
    "it": "di e il la che in a per un è non una sono del si con da le al dei ma come anche più gli della "
    "oggi amici caffè lavoro città partita musica sera domani bello grazie",
    "pl": "i w nie na się z do że to jest o jak ale po co tak za od już tylko jego przez czy dziś "
    "przyjaciele kawa praca miasto mecz muzyka wieczór jutro dzięki",
}
EMOJI = [
    "😂",
    "❤️",
    "🔥",
    "👍",
    "🙏",
    "😍",
    "✨",
    "🎉",
    "😊",
    "💪",
    "👀",
    "🙌",
    "😎",
    "🥳",
    "☀️",
    "🌧️",
    "⚽",
    "🎶",
    "📸",
    "❄️",
    "🍕",
    "☕",
]
TAGS = [
    "#tbt",
    "#love",
    "#weekend",
    "#photooftheday",
    "#fitness",
    "#travel",
    "#food",
    "#music",
    "#mood",
    "#friday",
]


def corpus(megabytes: float, seed: int = 6) -> list[str]:
    """Posts of 20 to 280 characters, ``megabytes`` of UTF-8 in all."""
    rng = random.Random(seed)
    benign = [
        line.split("\t", 1)[1]
        for line in (EVAL / "benign.tsv").read_text(encoding="utf-8").splitlines()[4:]
        if "\t" in line
    ]
    positive = [json.loads(line)["text"] for line in (EVAL / "positive.jsonl").read_text().splitlines()]
    vocabulary = {lang: words.split() for lang, words in WORDS.items()}
    posts: list[str] = []
    size, limit = 0, int(megabytes * 1_000_000)
    while size < limit:
        roll = rng.random()
        if roll < 0.04:
            post = rng.choice(positive)
        elif roll < 0.12:
            post = rng.choice(benign)
        else:
            words = vocabulary[rng.choice(list(vocabulary))]
            parts = [rng.choice(words) for _ in range(rng.randint(4, 40))]
            if rng.random() < 0.5:
                parts.insert(rng.randrange(len(parts) + 1), rng.choice(EMOJI))
            if rng.random() < 0.2:
                parts.append(rng.choice(TAGS))
            if rng.random() < 0.1:
                parts.insert(0, f"@user{rng.randint(1, 9999)}")
            if rng.random() < 0.05:
                parts.append(f"{rng.randint(2, 99)}€")
            post = " ".join(parts)
            post = post[0].upper() + post[1:280]
        posts.append(post)
        size += len(post.encode("utf-8"))
    return posts


def naive_pattern(matcher: Matcher) -> re.Pattern[str]:
    forms = sorted({c.entry.form for c in matcher.labels}, key=len, reverse=True)
    parts = []
    for form in forms:
        left = r"\b" if form[0].isalnum() else ""
        right = r"\b" if form[-1].isalnum() else ""
        parts.append(left + re.escape(form) + right)
    return re.compile("|".join(parts), re.IGNORECASE)


def rate(seconds: float, posts: list[str]) -> float:
    return sum(len(p.encode("utf-8")) for p in posts) / 1e6 / seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def api_latency(store: Path, requests: int) -> tuple[float, float]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "kp"), "serve", "--port", str(port), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/match"
    post = ("Fresh c0ke and ❄️ tonight, DM me on telegram for prices, fast delivery in town 🚗 " * 4)[:280]
    try:
        with httpx.Client(timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:  # wait for the server, then for its matcher
                try:
                    if client.post(url, json={"texts": [post]}).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("kp serve did not answer")
                time.sleep(0.3)
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                assert client.post(url, json={"texts": [post]}).status_code == 200
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        process.terminate()
        process.wait(timeout=20)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description="kp match vs a naive regular expression")
    parser.add_argument("--megabytes", type=float, default=100.0, help="size of the generated corpus")
    parser.add_argument(
        "--baseline-megabytes", type=float, default=2.0, help="corpus prefix for the baseline"
    )
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300, help="API requests for the latency figures")
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--no-cli", action="store_true", help="skip kp match end to end")
    args = parser.parse_args()

    from server.loader import load
    from server.store import EmbeddedStore

    with tempfile.TemporaryDirectory(prefix="kp-bench-match-") as tmp:
        settings = replace(Settings.from_env(), data_root=ROOT, store_path=Path(tmp) / "store")
        store = EmbeddedStore(settings.store_path)
        load(settings, store, validate=False)
        store.close()
        started = time.perf_counter()
        matcher = load_matcher(settings, "tlp-clear")
        compiled = time.perf_counter() - started
        posts = corpus(args.megabytes)
        total = sum(len(p.encode("utf-8")) for p in posts)
        print(
            f"corpus: {len(posts)} posts, {total / 1e6:.1f} MB; {len(matcher)} labels compiled in {compiled:.1f} s"
        )

        gc.freeze()  # (as kp match does: the collector leaves the matcher's objects alone)
        started, cpu = time.perf_counter(), time.process_time()
        found, memo = 0, dict[str, TextResult]()
        for i in range(0, len(posts), args.batch):
            found += sum(bool(r.matches) for r in matcher.scan(posts[i : i + args.batch], memo=memo))
        ours, ours_cpu = rate(time.perf_counter() - started, posts), rate(time.process_time() - cpu, posts)
        cpu = time.process_time()
        for i in range(0, len(posts), args.batch):
            matcher.scan(posts[i : i + args.batch])
        unmemoised_cpu = rate(time.process_time() - cpu, posts)

        prefix, size = [], 0
        for post in posts:
            if size >= args.baseline_megabytes * 1e6:
                break
            prefix.append(post)
            size += len(post.encode("utf-8"))
        pattern = naive_pattern(matcher)
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(prefix), args.batch):
            pattern.findall("\n".join(prefix[i : i + args.batch]))
        naive, naive_cpu = (
            rate(time.perf_counter() - started, prefix),
            rate(time.process_time() - cpu, prefix),
        )

        positives = [json.loads(line) for line in (EVAL / "positive.jsonl").read_text().splitlines()]
        disguised = [p for p in positives if p["kind"] != "exact"]
        ours_found = sum(bool(r.matches) for r in matcher.scan([p["text"] for p in disguised]))
        naive_found = sum(
            any(m.start() < p["end"] and m.end() > p["start"] for m in pattern.finditer(p["text"]))
            for p in disguised
        )

        cli = None
        if not args.no_cli:
            source = Path(tmp) / "posts.jsonl"
            with source.open("w", encoding="utf-8") as handle:
                for post in posts:
                    handle.write(json.dumps({"text": post}, ensure_ascii=False) + "\n")
            started = time.perf_counter()
            subprocess.run(
                [
                    str(BIN / "kp"),
                    "match",
                    "--store",
                    str(settings.store_path),
                    "--quiet",
                    "-o",
                    str(Path(tmp) / "out.jsonl"),
                    str(source),
                ],
                check=True,
            )
            cli = rate(time.perf_counter() - started, posts)
        latency = None if args.no_api else api_latency(settings.store_path, args.requests)

    rows = [
        (
            f"matcher, batches of {args.batch} posts (1 core)",
            f"{ours_cpu:.1f} MB/s CPU time ({ours:.1f} wall)",
        ),
        ("matcher, each repeated post looked at closely again", f"{unmemoised_cpu:.1f} MB/s CPU time"),
        (
            f"naive re alternation (first {size / 1e6:.1f} MB)",
            f"{naive_cpu:.3f} MB/s CPU time ({naive:.3f} wall)",
        ),
        ("ratio matcher / naive", f"{ours_cpu / naive_cpu:.0f}x"),
        ("kp match end to end (JSONL in and out)", f"{cli:.1f} MB/s (incl. start-up)" if cli else "skipped"),
        ("posts with a match in the corpus", f"{found} of {len(posts)}"),
        ("disguised positives found: matcher", f"{ours_found} of {len(disguised)}"),
        ("disguised positives found: naive", f"{naive_found} of {len(disguised)}"),
    ]
    if latency:
        rows.append(
            (
                f"API, one 280-character post, p50 / p99 ({args.requests} requests)",
                f"{latency[0]:.1f} / {latency[1]:.1f} ms",
            )
        )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
