"""``kp match``: posts in (JSONL or CSV, file or standard input), one JSON result per post out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from server.cli import app
from server.cli_match import _block_text

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compiled matchers go to a folder of these tests' own (KP_CACHE)."""
    path = tmp_path_factory.mktemp("match-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KP_CACHE", str(path))
        yield path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("match-store") / "kp"
    result = runner.invoke(app, ["load", "--store", str(path), "--quiet", "--no-validate"])
    assert result.exit_code == 0, result.output
    return path


def kp_match(store: Path, *args: str, stdin: str | None = None) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, ["match", "--store", str(store), "--quiet", *args], input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, lines, result.stderr


def test_jsonl_from_standard_input(store: Path) -> None:
    posts = [
        json.dumps({"id": "p1", "text": "got c0c4ine, DM me"}),
        json.dumps("Let it snow"),  # a bare string is a post too
        json.dumps({"id": 7, "text": "#ketamine4sale", "lang": "en"}),
    ]
    code, lines, _ = kp_match(store, stdin="\n".join(posts) + "\n")
    assert code == 0
    assert [line["id"] for line in lines] == ["p1", 2, 7]
    first = lines[0]["matches"]
    assert isinstance(first, list) and first and all(m["text"] == "c0c4ine" for m in first)
    assert lines[1]["matches"] == [] and lines[2]["matches"]


def test_csv_file_and_output_file(store: Path, tmp_path: Path) -> None:
    source = tmp_path / "posts.csv"
    source.write_text('post_id,body\na,"fresh mdma, fast delivery"\nb,hello there\n', encoding="utf-8")
    target = tmp_path / "out.jsonl"
    args = [
        "--format",
        "csv",
        "--text-field",
        "body",
        "--id-field",
        "post_id",
        "-o",
        str(target),
        str(source),
    ]
    code, _, _ = kp_match(store, *args)
    assert code == 0
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["matches"] and not lines[1]["matches"]


def test_unreadable_lines_are_reported_and_the_rest_scanned(store: Path) -> None:
    code, lines, _ = kp_match(store, stdin='not json\n{"txt": "x"}\n{"text": "c0c4ine"}\n')
    assert code == 1
    assert "not JSON" in str(lines[0]["error"]) and "text" in str(lines[1]["error"])
    assert lines[2]["matches"]


def test_lines_that_reach_into_each_other_are_each_an_error(store: Path) -> None:
    # Lines are parsed many at a time; lines that together would make valid JSON (an
    # array opened on one line and closed on the next, a string across lines) must still
    # be errors of their own, and the blank line keeps its number.
    for stdin in ('1,2\n[3\n\n4]\n"c0c4ine, DM me"\n', '1],[2\n"abc\n\ndef"\n"c0c4ine, DM me"\n'):
        code, lines, _ = kp_match(store, "--batch", "100", stdin=stdin)
        assert code == 1
        assert [line["id"] for line in lines] == [1, 2, 4, 5]
        assert all("not JSON" in str(line["error"]) for line in lines[:3])
        assert lines[3]["matches"]


def test_line_ends_blank_lines_and_bytes_that_are_not_utf8(store: Path) -> None:
    # \r\n and a lone \r end a line too; blank lines (Unicode spaces too) keep their
    # numbers; bytes that are not UTF-8 read as U+FFFD, in whole blocks and line by line.
    stdin = b'{"text": "c0c4ine"}\r\n{"text": "x"}\r"snow"\n \xc2\xa0\n\n{"text": "caf\xff c0c4ine"}\n'
    for batch in ("1", "100"):
        result = runner.invoke(
            app, ["match", "--store", str(store), "--quiet", "--batch", batch], input=stdin
        )
        assert result.exit_code == 0, result.output
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert [line["id"] for line in lines] == [1, 2, 3, 6]
        assert lines[0]["matches"] and not lines[1]["matches"]
        assert {(m["start"], m["text"]) for m in lines[3]["matches"]} == {(5, "c0c4ine")}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "tlp-red"], "unknown level"),
        (["--format", "csv"], "no column"),
        (["missing.jsonl"], "no such file"),
    ],
)
def test_usage_errors_exit_2(store: Path, args: list[str], message: str) -> None:
    code, _, err = kp_match(store, *args, stdin="a,b\n1,2\n")
    assert code == 2 and message in err


def test_an_empty_store_asks_for_kp_load(tmp_path: Path) -> None:
    code, _, err = kp_match(tmp_path / "none", stdin="")
    assert code == 2 and "kp load" in err


def test_a_later_run_reuses_the_compiled_matcher(
    store: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = '{"text": "got c0c4ine, DM me"}\n"Let it snow"\n'
    first = kp_match(store, stdin=stdin)
    assert first[0] == 0 and first[1][0]["matches"] and list(cache.glob("*.matcher"))

    def no_compiling(*_args: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr("server.match.Matcher.__init__", no_compiling)
    assert kp_match(store, stdin=stdin) == first
    assert kp_match(store, "--no-cache", stdin=stdin)[0] != 0  # (and without the cache, compiled)


@pytest.mark.parametrize(
    ("ids", "lines"),
    [
        ([1, 2, 3], {}),
        ([1, 2, 3], {0: "first\n"}),
        ([1, 2, 3], {1: "middle\n"}),
        ([4, 5, 6, 7], {0: "a\n", 3: "d\n"}),
        ([1, 2], {0: "a\n", 1: "b\n"}),
        ([True, 2], {}),  # not line numbers: each id encoded
        (["x", None, 2.5], {1: "b\n"}),
    ],
)
def test_block_text_is_one_line_per_post(ids: list[object], lines: dict[int, str]) -> None:
    expected = "".join(
        lines.get(i, json.dumps({"id": post_id, "matches": [], "substances": [], "signals": []}) + "\n")
        for i, post_id in enumerate(ids)
    )
    assert _block_text(ids, lines) == expected


def test_a_nul_character_in_a_post_reads_as_a_space(store: Path) -> None:
    stdin = '{"text": "got\\u0000c0c4ine, DM me"}\n{"text": "c0c4ine"}\n"plain"\n'
    code, lines, _ = kp_match(store, stdin=stdin)
    assert code == 0 and [line["id"] for line in lines] == [1, 2, 3]
    assert {(m["start"], m["text"]) for m in lines[0]["matches"]} == {(4, "c0c4ine")}  # type: ignore[index, union-attr]
    assert lines[1]["matches"] and not lines[2]["matches"]
