"""Compiled matchers kept on disk (server/match_cache.py): reused for the same lexicon
and code only, and never in the way when the folder is unusable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from server import match_cache
from server.lexicon import Entry, Lexicon
from server.match import Matcher

COKE = Entry("coke", "en", "alt", "urn:t:1", "urn:l:1", None, "low", False, "tlp-clear", ("urn:s:1",))
WEED = Entry("weed", "en", "alt", "urn:t:2", "urn:l:2", None, "low", False, "tlp-clear", ("urn:s:2",))
POSTS = ["fresh c0ke, DM me", "some weed tonight", "nothing here", "#coke4sale 50€"]


def found(matcher: Matcher) -> list[list[str]]:
    return [[m.text for m in result.matches] for result in matcher.scan(POSTS)]


def test_the_same_lexicon_reuses_the_compiled_matcher(tmp_path: Path) -> None:
    lexicon = Lexicon("tlp-clear", [COKE])
    first = match_cache.compiled(lexicon, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [match_cache.key(lexicon) + match_cache.SUFFIX]
    again = match_cache.compiled(Lexicon("tlp-clear", [COKE]), tmp_path)
    assert again is not first  # read back from the file
    assert found(again) == found(first) == found(Matcher(lexicon)) == [["c0ke"], [], [], ["coke"]]


@pytest.mark.parametrize(
    "changed",
    [
        Lexicon("tlp-clear", [COKE, WEED]),  # a label more
        Lexicon("tlp-clear", [replace(COKE, deprecated=True), WEED]),  # a label deprecated
        Lexicon("tlp-clear", [replace(COKE, ambiguity="high")]),  # weaker: alone it no longer counts
        Lexicon("tlp-clear", [COKE], {"urn:s:1": {"en": "cocaine"}}),  # a substance name
    ],
)
def test_a_changed_lexicon_does_not_reuse_a_stale_matcher(tmp_path: Path, changed: Lexicon) -> None:
    match_cache.compiled(Lexicon("tlp-clear", [COKE]), tmp_path)
    matcher = match_cache.compiled(changed, tmp_path)
    assert matcher.lexicon == changed
    assert found(matcher) == found(Matcher(changed))
    assert len(list(tmp_path.iterdir())) == 2


def test_other_code_or_libraries_make_another_key(monkeypatch: pytest.MonkeyPatch) -> None:
    lexicon = Lexicon("tlp-clear", [COKE])
    before = match_cache.key(lexicon)
    monkeypatch.setattr(match_cache.metadata, "version", lambda name: "99.0")
    assert match_cache.key(lexicon) != before


def test_an_unreadable_file_is_compiled_again(tmp_path: Path) -> None:
    lexicon = Lexicon("tlp-clear", [COKE])
    path = tmp_path / (match_cache.key(lexicon) + match_cache.SUFFIX)
    path.write_bytes(b"not a pickle")
    assert found(match_cache.compiled(lexicon, tmp_path)) == [["c0ke"], [], [], ["coke"]]
    assert match_cache.compiled(lexicon, tmp_path).lexicon == lexicon  # and written over
    assert path.read_bytes() != b"not a pickle"


def test_a_folder_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder would be")
    assert found(match_cache.compiled(Lexicon("tlp-clear", [COKE]), blocked)) == [["c0ke"], [], [], ["coke"]]


def test_only_the_newest_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(match_cache, "KEEP", 2)
    for number in range(4):
        entry = replace(COKE, form=f"coke{number}")
        match_cache.compiled(Lexicon("tlp-clear", [entry]), tmp_path)
    assert len(list(tmp_path.glob("*" + match_cache.SUFFIX))) == 2
    assert not list(tmp_path.glob("*.part"))
