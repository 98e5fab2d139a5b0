"""The `kp` command through its public surface: exit codes, reports, the store."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from server.cli import app

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
INVALID = Path(__file__).parent / "shapes" / "invalid"
runner = CliRunner()


def kp(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def store_digest(path: Path, skip_meta: bool = False) -> str:
    """A digest of every quad, to prove a refused command changed nothing.

    With ``skip_meta`` the metadata graph (whose dct:modified changes on every
    load) is left out."""
    store = ox.Store.read_only(str(path))
    meta = ox.NamedNode("https://w3id.org/drugkp/graph/meta")
    dataset = ox.Dataset(q for q in store if not (skip_meta and q.graph_name == meta))
    del store
    # Blank nodes get new identifiers on every parse: compare canonical forms.
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    lines = sorted(str(q) for q in dataset)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest() + f"/{len(lines)}"


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "kp"
    code, out, err = kp("load", "--store", str(path), "--quiet")
    assert code == 0, out + err
    return path


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of ontology/, vocab/ and shapes/ to break on purpose."""
    for folder in ("ontology", "vocab", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("source"))
    return tmp_path


def test_validate_seed_is_valid() -> None:
    code, out, _ = kp("validate", str(ROOT / "vocab"))
    assert code == 0, out
    assert "valid: 0 violation(s)" in out


def test_validate_invalid_file_reports_concept_path_message_and_shape() -> None:
    code, out, _ = kp("validate", str(INVALID / "14_unknown_ambiguity.ttl"))
    assert code == 1
    assert "A label needs exactly one ambiguity level (kp:ambiguity): low, medium or high." in out
    assert "path kp:ambiguity" in out
    assert "label fixtureflake@en" in out
    assert "shapes:Label-ambiguity" in out
    assert "INVALID: 1 violation(s)" in out


def test_validate_json_for_machines() -> None:
    code, out, _ = kp("validate", "--format", "json", str(INVALID / "03_no_refersTo.ttl"))
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    (finding,) = [f for f in report["findings"] if f["severity"] == "Violation"]
    assert finding["shape"] == "https://w3id.org/drugkp/shapes#DrugTerm-refersTo"
    assert finding["path"] == "kp:refersTo"
    assert finding["concept"] == "https://w3id.org/drugkp/term/F1"


@pytest.mark.parametrize("output", ["text", "json"])
def test_validate_unparseable_exits_2_with_line_and_column(output: str) -> None:
    code, out, err = kp("validate", "--format", output, str(DATA / "broken.ttl"))
    assert code == 2
    if output == "json":
        (error,) = json.loads(out)["parse_errors"]
        assert error["line"] == 4 and error["column"] is not None
    else:
        assert "broken.ttl:4:" in err


def test_validate_reports_skosify_checks(tmp_path: Path) -> None:
    path = tmp_path / "overlap.ttl"
    path.write_text(
        (INVALID.parent / "valid" / "01_full_term.ttl").read_text()
        + '\nkpterm:V1 skos:altLabel "fixtureflake"@en .\n'
    )
    _, out, _ = kp("validate", "--format", "json", str(path))
    report = json.loads(out)
    skosify = [f for f in report["findings"] if f["check"] == "skosify"]
    assert any("as both prefLabel and altLabel" in f["message"] for f in skosify), skosify


def test_load_then_stats(loaded_store: Path) -> None:
    code, out, _ = kp("stats", "--store", str(loaded_store), "--format", "json")
    assert code == 0
    stats = json.loads(out)
    assert stats["terms"] >= 400
    assert stats["labels"] >= 1500
    assert stats["languages"] >= 21  # 20 languages and zxx for emoji
    assert stats["substances"] >= 60
    assert {row["levelLabel"] for row in stats["by_handling"]} == {"TLP:CLEAR", "TLP:GREEN"}
    cocaine = [row for row in stats["by_substance"] if row["substanceLabel"] == "cocaine"]
    assert cocaine and cocaine[0]["terms"] >= 10
    code, text, _ = kp("stats", "--store", str(loaded_store))
    assert "Labels by language" in text and "Terms by substance" in text
    assert "Labels by country" in text and "by month created" in text
    assert stats["growth"][-1]["cumulative_labels"] == stats["labels"]


def test_stats_at_clear_level_hides_green(loaded_store: Path) -> None:
    _, everything, _ = kp("stats", "--store", str(loaded_store), "--format", "json")
    _, public, _ = kp("stats", "--store", str(loaded_store), "--format", "json", "--level", "tlp-clear")
    assert json.loads(public)["labels"] < json.loads(everything)["labels"]
    assert {row["levelLabel"] for row in json.loads(public)["by_handling"]} == {"TLP:CLEAR"}


def test_load_is_idempotent(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert kp("load", "--store", str(store), "--quiet")[0] == 0
    first = store_digest(store, skip_meta=True)
    assert kp("load", "--store", str(store), "--quiet")[0] == 0
    assert store_digest(store, skip_meta=True) == first


def test_load_refuses_invalid_vocabulary_and_changes_nothing(data_copy: Path, tmp_path: Path) -> None:
    env = {"KP_DATA": str(data_copy)}
    store = tmp_path / "store"
    assert kp("load", "--store", str(store), "--quiet", env=env)[0] == 0
    before = store_digest(store)
    shutil.copy(INVALID / "12_unknown_term_type.ttl", data_copy / "vocab" / "broken-contribution.ttl")
    code, _, err = kp("load", "--store", str(store), "--quiet", env=env)
    assert code == 1
    assert "A label needs exactly one term type (kp:termType)" in err
    assert "nothing was loaded" in err
    assert store_digest(store) == before


def test_load_refuses_unparseable_file_and_changes_nothing(data_copy: Path, tmp_path: Path) -> None:
    env = {"KP_DATA": str(data_copy)}
    store = tmp_path / "store"
    assert kp("load", "--store", str(store), "--quiet", env=env)[0] == 0
    before = store_digest(store)
    shutil.copy(DATA / "broken.ttl", data_copy / "vocab" / "broken.ttl")
    code, _, err = kp("load", "--store", str(store), "--quiet", env=env)
    assert code == 2
    assert "broken.ttl:4" in err
    assert store_digest(store) == before


def test_label_above_its_files_level_is_refused(data_copy: Path, tmp_path: Path) -> None:
    green = next((data_copy / "vocab" / "green" / "labels").glob("*.ttl"))
    shutil.move(green, data_copy / "vocab" / "labels" / ("leaked-" + green.name))
    code, _, err = kp("load", "--store", str(tmp_path / "store"), "--quiet", env={"KP_DATA": str(data_copy)})
    assert code == 1
    assert "marked tlp-green but stored in a tlp-clear file" in err


def test_removed_file_drops_its_graph(data_copy: Path, tmp_path: Path) -> None:
    env = {"KP_DATA": str(data_copy)}
    store = tmp_path / "store"
    assert kp("load", "--store", str(store), "--quiet", env=env)[0] == 0
    (data_copy / "vocab" / "sources.ttl").unlink()
    code, out, _ = kp("load", "--store", str(store), "--quiet", env=env)
    assert code == 0
    assert "dropped 1 graph(s)" in out
    reader = ox.Store.read_only(str(store))
    assert ox.NamedNode("https://w3id.org/drugkp/graph/vocab/sources") not in set(reader.named_graphs())


def test_kp_console_script_runs_for_real(tmp_path: Path) -> None:
    """The installed `kp` entry point, as a user runs it."""
    kp_bin = Path(shutil.which("kp") or ROOT / ".venv" / "bin" / "kp")
    proc = subprocess.run(
        [str(kp_bin), "validate", str(INVALID.parent / "valid")], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [str(kp_bin), "stats", "--store", str(tmp_path / "none")], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "run `kp load` first" in proc.stderr


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".nt", ox.RdfFormat.N_TRIPLES), (".rdf", ox.RdfFormat.RDF_XML), (".jsonld", ox.RdfFormat.JSON_LD)],
)
@pytest.mark.parametrize(
    ("fixture", "code"), [("valid/01_full_term.ttl", 0), ("invalid/14_unknown_ambiguity.ttl", 1)]
)
def test_validate_reads_every_rdf_format(
    tmp_path: Path, suffix: str, fmt: ox.RdfFormat, fixture: str, code: int
) -> None:
    source = INVALID.parent / fixture
    target = tmp_path / (source.stem + suffix)
    target.write_bytes(ox.serialize(ox.parse(path=str(source)), format=fmt) or b"")
    exit_code, out, _ = kp("validate", str(target))
    assert exit_code == code, out
