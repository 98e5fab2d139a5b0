"""``kp match``'s output lines (server/match_output.py) are exactly what ``json.dumps`` of
:meth:`Matcher.as_data` writes, for every kind of result and post id."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server import lexicon
from server.match import NOTHING, Matcher
from server.match_output import Lines
from server.store import EmbeddedStore

EVAL = Path(__file__).parent / "data" / "match_eval"
IDS: list[Any] = [7, "p-1", 2.5, True, None, 'ünï"cödé\\', {"nested": [1]}]


@pytest.fixture(scope="module")
def matcher(level_reader: Callable[[str], EmbeddedStore]) -> Matcher:
    return Matcher(lexicon.build(level_reader("tlp-clear"), "tlp-clear"))


def posts() -> list[str]:
    positives = [json.loads(line)["text"] for line in (EVAL / "positive.jsonl").read_text().splitlines()]
    benign = [line.split("\t", 1)[1] for line in (EVAL / "benign.tsv").read_text().splitlines()[4:]]
    far = "Let it snow " + "and then " * 50 + "DM me for prices"  # a weak label, a seller word far off
    return positives + benign + ["", "hello", "❄️❄️ 50€ DM", 'say "c0ke" \\ n\u2028ow', far]


@pytest.mark.parametrize(
    ("lang", "min_confidence", "signals_only"), [("en", 0.5, True), ("de", 0.5, False), ("fr", 0.0, False)]
)
def test_lines_are_json_dumps_of_as_data(
    matcher: Matcher, lang: str, min_confidence: float, signals_only: bool
) -> None:
    texts = posts()
    results = matcher.scan(texts, [lang] if lang != "en" else None, min_confidence)
    assert sum(1 for r in results if r.matches) > 100  # (many of the positives)
    # (a post with seller signals but no match at the threshold: "matches" empty, "signals" not)
    assert any(r is not NOTHING and not r.matches and r.signals for r in results) == signals_only
    lines = Lines(matcher, lang)
    for number, result in enumerate(results):
        for post_id in (IDS[number % len(IDS)], IDS[(number + 1) % len(IDS)]):  # (a result twice)
            expected = json.dumps({"id": post_id, **matcher.as_data(result, lang)}, ensure_ascii=False)
            assert lines.line(post_id, result) == expected + "\n"
