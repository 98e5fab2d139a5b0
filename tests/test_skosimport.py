"""`kp import-skos` and `kp mappings apply`: an external glossary, proposals, review, publication."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from server.cli import app
from server.skosimport import normalise

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
GLOSSARY = DATA / "external-glossary.ttl"
EX = "https://glossary.example.org/drugs/"
runner = CliRunner()


def kp(*args: str, data: Path) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"KP_DATA": str(data)}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of ontology/, vocab/ and shapes/ (apply writes into vocab/mappings/) and a loaded store."""
    for folder in ("ontology", "vocab", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("source"))
    code, out, err = kp("load", "--store", str(tmp_path / "store"), "--no-validate", "-q", data=tmp_path)
    assert code == 0, out + err
    return tmp_path


def rows(path: Path) -> list[dict[str, str]]:
    from server import rdfio

    return rdfio.read_sssom_table(path).rows


def proposals(checkout: Path) -> Path:
    out = checkout / "example.proposed.sssom.tsv"
    code, stdout, err = kp(
        "import-skos", str(GLOSSARY), "--as", "example", "--store", str(checkout / "store"), "--out", str(out),
        data=checkout,
    )  # fmt: skip
    assert code == 0, stdout + err
    assert "4 concept(s)" in stdout
    return out


def test_normalise_ignores_case_accents_spacing_and_hashtags() -> None:
    assert normalise("  HÉROÏNE ") == normalise("heroine") == "heroine"
    assert normalise("#Snow  White") == "snow white"
    assert normalise("Koks") != normalise("Kokain")


def test_import_proposes_mappings_by_multilingual_labels(checkout: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    found = rows(proposals(checkout))
    pairs = {(r["subject_id"], r["object_id"], r["predicate_id"]): r for r in found}
    # cocaine (S0019) and heroin (S0034): preferred labels equal in one language, case aside
    assert ("kpsub:S0019", "example:c1", "skos:exactMatch") in pairs
    assert ("kpsub:S0034", "example:c2", "skos:exactMatch") in pairs
    # their altLabel "Koks"@de is our German term's prefLabel: close, not exact
    assert pairs[("kpterm:T0055", "example:c1", "skos:closeMatch")]["confidence"] == "0.80"
    snow = pairs[("kpterm:T0622", "example:c3", "skos:exactMatch")]
    assert float(snow["confidence"]) < 0.5 and "ambiguous" in snow["comment"]
    assert not [r for r in found if r["object_id"] == "example:c4"]
    assert {r["mapping_justification"] for r in found} == {"semapv:LexicalMatching"}
    msdf = parse_sssom_table(checkout / "example.proposed.sssom.tsv")
    for kind, report in validate(msdf, fail_on_error=False).items():
        assert not getattr(report, "results", []), kind


def test_imported_vocabulary_has_its_own_unpublished_graph(checkout: Path) -> None:
    from server.loader import meta_graph
    from server.snapshots import Snapshots
    from server.store import EmbeddedStore

    proposals(checkout)
    from server.config import Settings

    settings = Settings(data_root=checkout, store_path=checkout / "store")
    store = EmbeddedStore(checkout / "store")
    infos = {i.iri: i for i in store.graph_infos(meta_graph(settings))}
    graph = f"{settings.base}graph/external/example"
    assert infos[graph].kind == "external" and infos[graph].triples > 10
    snapshot = Snapshots(store, checkout / "snapshots", meta_graph(settings)).take()
    store.close()
    public = ox.Store.read_only(str(snapshot.levels["tlp-amber"]))
    assert not list(public.quads_for_pattern(ox.NamedNode(EX + "c1"), None, None))


def test_importing_twice_needs_replace_and_bad_input_is_refused(checkout: Path, tmp_path: Path) -> None:
    proposals(checkout)
    store = str(checkout / "store")
    code, _out, err = kp("import-skos", str(GLOSSARY), "--as", "example", "--store", store, data=checkout)
    assert code == 2 and "already imported" in err and "--replace" in err
    code, _out, err = kp("import-skos", str(GLOSSARY), "--as", "Bad Name", "--store", store, data=checkout)
    assert code == 2 and "cannot name a vocabulary" in err
    code, _out, err = kp(
        "import-skos", str(DATA / "typed.ttl"), "--as", "typed", "--store", store, data=checkout
    )
    assert code == 2 and "no skos:Concept" in err


def test_apply_publishes_the_accepted_rows_only(checkout: Path) -> None:
    proposed = proposals(checkout)
    lines = proposed.read_text().splitlines()
    reviewed = checkout / "example.sssom.tsv"
    reviewed.write_text("\n".join(line for line in lines if "\tsnow\t" not in line) + "\n")
    code, out, err = kp("mappings", "apply", str(reviewed), "--store", str(checkout / "store"), data=checkout)
    assert code == 0, out + err
    published = checkout / "vocab" / "mappings" / "example.sssom.tsv"
    assert published.is_file() and "\tsnow\t" not in published.read_text()
    store = ox.Store.read_only(str(checkout / "store"))
    graph = ox.NamedNode("https://w3id.org/drugkp/graph/vocab/mappings/example")
    objects = {q.object.value for q in store.quads_for_pattern(None, None, None, graph)}
    del store
    assert EX + "c1" in objects and EX + "c3" not in objects
    # A new release carries the published mappings with the reviewer's justification.
    code, out, err = kp(
        "release",
        "1",
        "--store",
        str(checkout / "store"),
        "--out",
        str(checkout / "dist"),
        "-q",
        data=checkout,
    )
    assert code == 0, out + err
    mapping_rows = rows(checkout / "dist" / "1" / "public" / "mappings" / "drugkp.sssom.tsv")
    lexical = [r for r in mapping_rows if r["mapping_justification"] == "semapv:LexicalMatching"]
    assert lexical and all(r["object_id"].startswith("example:") for r in lexical)
    assert all(0 < float(r["confidence"]) <= 1 and r["object_label"] for r in lexical)
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(checkout / "dist" / "1" / "public" / "mappings" / "drugkp.sssom.tsv")
    for kind, report in validate(msdf, fail_on_error=False).items():
        assert not getattr(report, "results", []), kind


def test_apply_refuses_unknown_subjects_and_changes_nothing(checkout: Path) -> None:
    bad = checkout / "bad.sssom.tsv"
    bad.write_text(
        "#curie_map:\n#  kpsub: https://w3id.org/drugkp/substance/\n#  ex: https://glossary.example.org/drugs/\n"
        "#mapping_set_id: https://example.org/bad\n#license: https://creativecommons.org/licenses/by/4.0/\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
        "kpsub:S9999\tskos:exactMatch\tex:c1\tsemapv:ManualMappingCuration\n"
    )
    code, _out, err = kp("mappings", "apply", str(bad), "--store", str(checkout / "store"), data=checkout)
    assert code == 2 and "not in the vocabulary" in err and "S9999" in err
    assert not (checkout / "vocab" / "mappings" / "bad.sssom.tsv").exists()


def test_apply_never_overwrites_the_generated_mapping_set(checkout: Path) -> None:
    generated = checkout / "vocab" / "mappings" / "substances.sssom.tsv"
    before = generated.read_bytes()
    reviewed = checkout / "substances.sssom.tsv"
    reviewed.write_text(
        "#curie_map:\n#  kpsub: https://w3id.org/drugkp/substance/\n#  ex: https://glossary.example.org/drugs/\n"
        "#mapping_set_id: https://example.org/reviewed\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
        "kpsub:S0019\tskos:exactMatch\tex:c1\tsemapv:ManualMappingCuration\n"
    )
    store = str(checkout / "store")
    code, _out, err = kp("mappings", "apply", str(reviewed), "--store", store, "--replace", data=checkout)
    assert code == 2 and "generated from vocab/source" in err
    assert generated.read_bytes() == before
