"""The lexicon read from level snapshots, and derived structures kept in step with the store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server import lexicon
from server.derived import Derived
from server.namespaces import TERM
from server.store import EmbeddedStore


@pytest.fixture(scope="module")
def lexicons(level_reader: Callable[[str], EmbeddedStore]) -> dict[str, lexicon.Lexicon]:
    return {level: lexicon.build(level_reader(level), level) for level in ("tlp-clear", "tlp-green")}


def test_levels_hide_green_labels_from_anonymous_readers(lexicons: dict[str, lexicon.Lexicon]) -> None:
    clear, green = lexicons["tlp-clear"], lexicons["tlp-green"]
    assert {e.handling for e in clear.entries} == {"tlp-clear"}
    green_only = [e for e in green.entries if e.handling == "tlp-green"]
    assert len(green_only) == 97  # the seed's TLP:GREEN labels
    assert not {e.label for e in green_only} & {e.label for e in clear.entries}


def test_entries_carry_what_the_matcher_needs(lexicons: dict[str, lexicon.Lexicon]) -> None:
    entries = lexicons["tlp-clear"].term_entries()
    assert len({e.label for e in entries}) == len(entries)  # one entry per label
    assert all(e.concept.startswith(str(TERM)) and e.substances for e in entries)
    assert {e.kind for e in entries} == {"pref", "alt", "hidden"}
    assert {e.ambiguity for e in entries} <= {"low", "medium", "high"}
    assert any(e.needs_other_signal for e in entries)
    assert any(e.lang == "zxx" for e in entries)  # emoji


def test_substance_names_fall_back_to_english(lexicons: dict[str, lexicon.Lexicon]) -> None:
    lx = lexicons["tlp-clear"]
    cannabis = "https://w3id.org/drugkp/substance/S0012"
    assert lx.substance_name(cannabis, "pl") != lx.substance_name(cannabis, "en")
    assert lx.substance_name(cannabis, "xx") == lx.substance_name(cannabis, "en")
    assert lx.substance_name("https://w3id.org/drugkp/substance/S9999") == "S9999"


def test_derived_structures_are_never_older_than_the_store(
    level_reader: Callable[[str], EmbeddedStore],
) -> None:
    builds: list[tuple[int, str]] = []
    derived = Derived(level_reader)
    derived.register("probe", lambda d, _reader, level: builds.append((d.version, level)) or len(builds))
    assert derived.get("probe", "tlp-clear") == 1
    assert derived.get("probe", "tlp-clear") == 1  # cached
    derived.reset(1)
    assert derived.get("probe", "tlp-clear") == 2  # rebuilt for the new version
    derived.prebuild()
    assert sorted(level for _, level in builds) == ["tlp-amber", "tlp-clear", "tlp-clear", "tlp-green"]
    with pytest.raises(ValueError):
        derived.get("probe", "tlp-red")
