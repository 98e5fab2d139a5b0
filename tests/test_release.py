"""`kp release`: the files of a release, re-read and checked by outside validators."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pyshacl
import pytest
from openpyxl import load_workbook
from rdflib import Graph, URIRef
from typer.testing import CliRunner

from server import exports, misp, release
from server.cli import app
from server.config import Settings
from server.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).parent / "data" / "reference"
#: The project's shared reference folder, next to the checkout (when there is one).
SHARED = ROOT.parent / "shared" / "reference"
VERSION = "1.0"
runner = CliRunner()


def kp(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def release_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("release-store") / "store"
    code, out, err = kp("load", "--store", str(path), "--no-validate", "--quiet")
    assert code == 0, out + err
    return path


@pytest.fixture(scope="module")
def built(release_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Release 1.0 of the seed, built by the CLI; (release folder, stdout, stderr)."""
    dist = tmp_path_factory.mktemp("dist")
    code, out, err = kp("release", VERSION, "--store", str(release_store), "--out", str(dist))
    assert code == 0, out + err
    return dist / VERSION, out, err


@pytest.fixture(scope="module")
def folder(built: tuple[Path, str, str]) -> Path:
    return built[0]


def canonical(quads: list[ox.Quad]) -> list[str]:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(q) for q in dataset)


def as_default_graph(items: list[ox.Quad] | list[ox.Triple]) -> list[ox.Quad]:
    return [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in items]


# ------------------------------------------------------------------ the folder
def test_release_lists_its_files_and_shows_progress(built: tuple[Path, str, str]) -> None:
    _path, out, err = built
    assert f"released {VERSION}:" in out and "the first release" in out
    assert "public/drugkp.ttl" in out  # the table of files with their sizes
    assert "[1/" in err and "DCAT-AP catalogue record" in err  # progress on stderr


def test_sha256sums_cover_every_file_and_match(folder: Path) -> None:
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert release.verify(release.read_release(folder.parent, VERSION)) == []


def test_release_folder_is_complete_and_read_only(folder: Path) -> None:
    for package in exports.PACKAGES:
        for ext in exports.DUMP_FORMATS:
            assert (folder / package / f"drugkp.{ext}").stat().st_size > 0
        for name in ("misp/machinetag.json", "mappings/drugkp.sssom.tsv", "mappings/drugkp.sssom.yml"):
            assert (folder / package / name).is_file()
        assert (folder / package / "labels" / "en.csv").is_file()
        assert (folder / package / "labels" / "zxx.xlsx").is_file()
        assert (folder / package / "wordlists" / "de.txt").is_file()
    for name in ("ontology.ttl", "shapes.ttl", "context.jsonld", "catalog.ttl", "void.ttl", "CHANGELOG.md"):
        assert (folder / name).is_file()
    assert all(not (p.stat().st_mode & 0o222) for p in folder.rglob("*") if p.is_file())
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no partial folder left


def test_overwriting_a_release_is_refused_and_changes_nothing(release_store: Path, folder: Path) -> None:
    before = (folder / "SHA256SUMS").read_bytes()
    code, _out, err = kp("release", VERSION, "--store", str(release_store), "--out", str(folder.parent))
    assert code == 2
    assert "already exists" in err and "immutable" in err
    assert (folder / "SHA256SUMS").read_bytes() == before


@pytest.mark.parametrize("version", ["latest", "../x", "", "a b", ".hidden", "1/2"])
def test_bad_versions_are_refused(release_store: Path, tmp_path: Path, version: str) -> None:
    code, _out, err = kp("release", version, "--store", str(release_store), "--out", str(tmp_path))
    assert code == 2
    assert "not a release version" in err
    assert not any(tmp_path.iterdir())


def test_an_unknown_previous_release_is_refused(release_store: Path, folder: Path) -> None:
    code, _out, err = kp(
        "release",
        "1.1",
        "--store",
        str(release_store),
        "--out",
        str(folder.parent),
        "--previous",
        "0.9",
        "-q",
    )
    assert code == 2 and "no release '0.9'" in err
    assert not (folder.parent / "1.1").exists()


def test_the_release_folder_is_a_setting() -> None:
    assert Settings.from_env({"KP_DIST": "elsewhere/dist"}).dist_path == Path("elsewhere/dist")
    assert Settings.from_env({}).dist_path == ROOT / "dist"


def test_release_without_a_store_says_so(tmp_path: Path) -> None:
    code, _out, err = kp("release", "9", "--store", str(tmp_path / "none"), "--out", str(tmp_path / "dist"))
    assert code == 2
    assert "no store" in err and "kp load" in err


# ------------------------------------------------------------ RDF round trips
@pytest.mark.parametrize("package", list(exports.PACKAGES))
@pytest.mark.parametrize("ext", list(exports.DUMP_FORMATS))
def test_dumps_reparse_to_the_store_content_at_their_level(
    folder: Path, level_reader: Callable[[str], EmbeddedStore], package: str, ext: str
) -> None:
    level = exports.PACKAGES[package]
    expected = list(level_reader(level).all_quads())
    fmt = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "rdf": ox.RdfFormat.RDF_XML}
    fmt |= {"jsonld": ox.RdfFormat.JSON_LD, "trig": ox.RdfFormat.TRIG}
    parsed = list(ox.parse(path=str(folder / package / f"drugkp.{ext}"), format=fmt[ext]))
    if ext == "trig":  # named graphs kept: the same quads
        assert canonical(parsed) == canonical(expected)
        assert {q.graph_name for q in parsed} == {q.graph_name for q in expected}
    else:  # one graph: the union of the level's graphs
        union = list({ox.Triple(q.subject, q.predicate, q.object) for q in expected})
        assert canonical(as_default_graph(parsed)) == canonical(as_default_graph(union))


def test_packages_hold_exactly_their_levels(folder: Path) -> None:
    handling = "https://w3id.org/drugkp/ontology#handling"
    green = "https://w3id.org/drugkp/scheme/handling/tlp-green"

    def marked_green(package: str) -> int:
        triples = ox.parse(path=str(folder / package / "drugkp.nt"), format=ox.RdfFormat.N_TRIPLES)
        return sum(1 for t in triples if t.predicate.value == handling and t.object.value == green)

    assert marked_green("public") == 0
    assert marked_green("partner") > 0
    assert marked_green("law-enforcement") >= marked_green("partner")


def test_ontology_and_shapes_are_the_source_files(folder: Path) -> None:
    for name, source in (
        ("ontology.ttl", ROOT / "ontology" / "kp.ttl"),
        ("shapes.ttl", ROOT / "shapes" / "kp-shapes.ttl"),
    ):
        written = list(ox.parse(path=str(folder / name)))
        original = list(ox.parse(path=str(source)))
        assert canonical(written) == canonical(original)


def test_context_is_local_and_the_dump_needs_none(folder: Path) -> None:
    context = json.loads((folder / "context.jsonld").read_text())
    assert context["@context"]["skosxl"] == "http://www.w3.org/2008/05/skos-xl#"
    assert all(isinstance(v, str) and v.startswith("http") for v in context["@context"].values())
    # The dump is expanded JSON-LD: nothing to fetch before reading it.
    assert "@context" not in (folder / "public" / "drugkp.jsonld").read_text()


# ------------------------------------------------------------ label tables
@pytest.mark.parametrize("package", list(exports.PACKAGES))
def test_csv_and_xlsx_reread_to_the_rows_of_the_level(
    folder: Path, level_reader: Callable[[str], EmbeddedStore], package: str
) -> None:
    level = exports.PACKAGES[package]
    expected = exports.label_rows(exports.LevelData(level, [], level_reader(level)))
    written = sorted(p.stem for p in (folder / package / "labels").glob("*.csv"))
    assert written == sorted(expected)
    for lang, rows in expected.items():
        assert exports.read_csv(folder / package / "labels" / f"{lang}.csv") == rows, lang
        assert exports.read_xlsx(folder / package / "labels" / f"{lang}.xlsx") == rows, lang
        words = (folder / package / "wordlists" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        assert words == exports.word_list(rows)


def test_label_rows_count_every_term_label_of_the_level(level_reader: Callable[[str], EmbeddedStore]) -> None:
    reader = level_reader("tlp-clear")
    counted = reader.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?c a kp:DrugTerm ; skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel ?l }",
        None,
    )
    rows = exports.label_rows(exports.LevelData("tlp-clear", [], reader))
    assert sum(len(r) for r in rows.values()) == int(counted[0]["n"].value)  # type: ignore[union-attr]
    snow = [r for r in rows["en"] if r["term"] == "snow"]
    assert snow and snow[0]["ambiguity"] == "high" and snow[0]["benign_meaning"]
    assert "cocaine" in snow[0]["substances"]


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_is_neutralised(tmp_path: Path, cell: str) -> None:
    row = dict.fromkeys(exports.COLUMNS, "")
    row |= {"term": cell, "language": "en", "notes": cell}
    exports.write_csv([row], tmp_path / "x.csv")
    exports.write_xlsx([row], tmp_path / "x.xlsx", "en")
    with (tmp_path / "x.csv").open(encoding="utf-8", newline="") as handle:
        raw = list(csv.reader(handle))
    assert raw[1][0] == raw[1][7] == "'" + cell
    sheet = load_workbook(tmp_path / "x.xlsx").worksheets[0]
    # XML turns a carriage return into a line feed: compare what survives.
    survives = ("'" + cell).replace("\r", "\n")
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == survives
    assert exports.read_csv(tmp_path / "x.csv") == [row]
    if "\r" not in cell:
        assert exports.read_xlsx(tmp_path / "x.xlsx") == [row]


def test_harmless_cells_are_left_alone() -> None:
    for cell in ("snow", "❄️", "'quoted'", "4/20", ""):
        assert exports.neutralise(cell) == cell


# ------------------------------------------------------------------- MISP
def test_misp_taxonomies_validate_against_the_misp_schema(folder: Path) -> None:
    schema = json.loads((REFERENCE / "misp" / "schema.json").read_text())
    for package in exports.PACKAGES:
        taxonomy = json.loads((folder / package / "misp" / "machinetag.json").read_text())
        jsonschema.validate(taxonomy, schema)
        values = {v["predicate"]: v["entry"] for v in taxonomy["values"]}
        assert {"substance", "term", "term-type", "ambiguity"} <= set(values)
        fentanyl = next(e for e in values["substance"] if e["value"] == "fentanyl")
        assert 'drugs:organoheterocyclic-compounds="piperidines"' in fentanyl["description"]
        assert any('drug-form:form="crystal-rock"' in e["description"] for e in values["term"])


def test_a_broken_taxonomy_fails_the_schema(folder: Path) -> None:
    """The schema check above can fail: a taxonomy without predicates does."""
    schema = json.loads((REFERENCE / "misp" / "schema.json").read_text())
    taxonomy = json.loads((folder / "public" / "misp" / "machinetag.json").read_text())
    taxonomy["version"] = "1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(taxonomy, schema)


def test_misp_alignment_names_real_misp_values_and_seed_substances(folder: Path) -> None:
    drugs = json.loads((REFERENCE / "misp" / "drugs.machinetag.json").read_text())
    known = {(v["predicate"], e["value"]) for v in drugs["values"] for e in v["entry"]}
    assert set(misp.DRUGS_CLASSES.values()) <= known
    forms = json.loads((REFERENCE / "misp" / "drug-form.machinetag.json").read_text())
    assert set(misp.DRUG_FORMS) == {e["value"] for e in forms["values"][0]["entry"]}
    taxonomy = json.loads((folder / "public" / "misp" / "machinetag.json").read_text())
    names = {
        e["expanded"].casefold()
        for v in taxonomy["values"]
        if v["predicate"] == "substance"
        for e in v["entry"]
    }
    assert set(misp.DRUGS_CLASSES) <= names
    assert set(misp.SUBSTANCE_FORMS) <= names


def test_reference_copies_match_the_shared_folder() -> None:
    if not SHARED.is_dir():
        pytest.skip("no shared reference folder next to this checkout")
    for path in REFERENCE.rglob("*"):
        if path.is_file() and path.name != "README.md":
            assert path.read_bytes() == (SHARED / path.relative_to(REFERENCE)).read_bytes(), path


# ------------------------------------------------------------------ SSSOM
def test_sssom_mapping_set_parses_and_validates_with_sssom_py(
    folder: Path, level_reader: Callable[[str], EmbeddedStore], caplog: pytest.LogCaptureFixture
) -> None:
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    path = folder / "public" / "mappings" / "drugkp.sssom.tsv"
    with caplog.at_level(logging.WARNING):
        msdf = parse_sssom_table(path)
    assert not [r for r in caplog.records if "not a standard SSSOM" in r.getMessage()]
    reports = validate(
        msdf,
        [
            SchemaValidationType.JsonSchema,
            SchemaValidationType.PrefixMapCompleteness,
            SchemaValidationType.StrictCurieFormat,
        ],
        fail_on_error=False,
    )
    for kind, report in reports.items():
        assert not report.results, (kind, report.results[:3])
    counted = level_reader("tlp-clear").select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?o }",
        None,
    )
    assert len(msdf.df) == int(counted[0]["n"].value) > 100  # type: ignore[union-attr]
    assert set(msdf.df["mapping_justification"]) == {"semapv:ManualMappingCuration"}
    assert msdf.df["author_label"].notna().all()


def test_sssom_metadata_file_matches_the_embedded_block(folder: Path) -> None:
    import yaml

    tsv = (folder / "public" / "mappings" / "drugkp.sssom.tsv").read_text()
    embedded = yaml.safe_load("\n".join(line[1:] for line in tsv.splitlines() if line.startswith("#")))
    external = yaml.safe_load((folder / "public" / "mappings" / "drugkp.sssom.yml").read_text())
    assert embedded == external
    assert external["mapping_set_version"] == VERSION
    assert external["license"].startswith("https://creativecommons.org/")


# ---------------------------------------------------------------- DCAT-AP
def _dcat_report(data: Graph) -> tuple[bool, Graph]:
    shapes = Graph().parse(REFERENCE / "dcat-ap-3.0.1" / "dcat-ap-SHACL.ttl", format="turtle")
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    return bool(conforms), report


def test_dcat_record_has_no_violation_against_dcat_ap_3(folder: Path) -> None:
    data = Graph().parse(folder / "catalog.ttl", format="turtle")
    conforms, report = _dcat_report(data)
    violations = list(report.subjects(predicate=None, object=URIRef("http://www.w3.org/ns/shacl#Violation")))
    assert conforms and not violations, report.serialize(format="turtle")[:3000]


def test_dcat_shapes_do_catch_a_broken_record(folder: Path) -> None:
    """The DCAT-AP check can fail: a distribution without an access URL is a violation."""
    data = Graph().parse(folder / "catalog.ttl", format="turtle")
    data.remove((None, URIRef("http://www.w3.org/ns/dcat#accessURL"), None))
    conforms, _report = _dcat_report(data)
    assert not conforms


def test_every_file_is_a_distribution_with_size_checksum_licence_and_date(folder: Path) -> None:
    manifest = json.loads((folder / "release.json").read_text())
    triples = list(ox.parse(path=str(folder / "catalog.ttl")))
    by_subject: dict[str, dict[str, list[str]]] = {}
    for t in triples:
        by_subject.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object.value)
    dcat, dct, spdx = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://spdx.org/rdf/terms#"
    catalogued = [f for f in manifest["files"] if f["path"] != "catalog.ttl"]
    assert len(catalogued) == len(manifest["files"]) - 1
    for info in catalogued:
        node = by_subject[f"https://w3id.org/drugkp/release/{VERSION}/{info['path']}"]
        assert node[dcat + "byteSize"] == [str(info["size"])]
        assert node[dcat + "mediaType"] == [
            "http://www.iana.org/assignments/media-types/" + info["media_type"]
        ]
        assert node[dct + "license"] and node[dct + "issued"]
        checksum = by_subject[node[spdx + "checksum"][0]]
        assert checksum[spdx + "checksumValue"] == [info["sha256"]]
        data = (folder / info["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (info["size"], info["sha256"])


def test_void_counts_the_packages(folder: Path) -> None:
    void = "http://rdfs.org/ns/void#"
    triples = list(ox.parse(path=str(folder / "void.ttl")))
    sizes = {
        t.subject.value.rsplit("/", 1)[-1]: int(t.object.value)
        for t in triples
        if t.predicate.value == void + "triples"
    }
    for package in exports.PACKAGES:
        dump = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=str(folder / package / "drugkp.nt"))
        }
        assert sizes[package] == len(dump)
    assert sizes["public"] < sizes["partner"]


# ------------------------------------------------------------- the diff
def test_a_second_release_after_changes_reports_them(tmp_path: Path, settings: Settings) -> None:
    from dataclasses import replace

    from server.loader import load

    store = EmbeddedStore(tmp_path / "store")
    load(replace(settings, store_path=tmp_path / "store"), store, validate=False)
    dist = tmp_path / "dist"
    first = release.build(settings, store, "1", dist)
    assert first.previous is None
    terms = "https://w3id.org/drugkp/graph/vocab/terms"
    labels = "https://w3id.org/drugkp/graph/vocab/labels/en"
    snow = store.select(
        f'SELECT ?l WHERE {{ GRAPH <{labels}> {{ ?l skosxl:literalForm "snow"@en }} }}', None
    )[0]
    old_term = store.select(
        'SELECT ?c WHERE { ?c a kp:DrugTerm ; skosxl:prefLabel ?l . ?l skosxl:literalForm "acid"@en }', None
    )[0]["c"]
    assert snow["l"] is not None and old_term is not None
    store.update(
        f"""PREFIX kp: <https://w3id.org/drugkp/ontology#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        DELETE {{ GRAPH <{labels}> {{ {snow["l"]} kp:ambiguity ?a }} }}
        INSERT {{ GRAPH <{labels}> {{ {snow["l"]} kp:ambiguity <https://w3id.org/drugkp/scheme/ambiguity/medium> }} }}
        WHERE {{ GRAPH <{labels}> {{ {snow["l"]} kp:ambiguity ?a }} }};
        INSERT DATA {{ GRAPH <{terms}> {{
            <https://w3id.org/drugkp/term/T9999> a skos:Concept, kp:DrugTerm ;
                kp:refersTo <https://w3id.org/drugkp/substance/S0012> ;
                skosxl:prefLabel <https://w3id.org/drugkp/label/Lnew> .
            <https://w3id.org/drugkp/label/Lnew> a skosxl:Label ; skosxl:literalForm "beuh-test"@fr .
            {old_term} owl:deprecated true .
        }} }}"""
    )
    second = release.build(settings, store, "2", dist)
    store.close()
    assert second.previous == "1"
    changes = json.loads((second.path / "public" / "changes.json").read_text())
    assert changes["previous"] == "1" and changes["package"] == "public"
    concepts = changes["concepts"]
    assert [c["iri"] for c in concepts["added"]] == ["https://w3id.org/drugkp/term/T9999"]
    assert [c["iri"] for c in concepts["deprecated"]] == [old_term.value]
    assert concepts["removed"] == []
    changed = {c["iri"]: c["properties"] for c in concepts["changed"]}
    assert changed == {old_term.value: ["owl:deprecated"]}
    labels_fr = changes["labels"]["fr"]
    assert [x["form"] for x in labels_fr["added"]] == ["beuh-test"]
    en = changes["labels"]["en"]
    assert [(x["form"], x["properties"]) for x in en["changed"]] == [("snow", ["kp:ambiguity"])]
    assert "acid" in [x["form"] for x in en["deprecated"]]
    assert changes["summary"]["labels_by_language"]["fr"]["added"] == 1
    log = (second.path / "CHANGELOG.md").read_text()
    assert "Changes since 1." in log and "* beuh-test — <https://w3id.org/drugkp/term/T9999>" in log
    assert "| fr | 1 | 0 | 1 | 0 |" in log  # beuh-test added; acide deprecated with its concept
    # A release that replaces another still passes DCAT-AP (dct:replaces the earlier one).
    record = Graph().parse(second.path / "catalog.ttl", format="turtle")
    assert (
        URIRef("https://w3id.org/drugkp/release/2"),
        URIRef("http://purl.org/dc/terms/replaces"),
        URIRef("https://w3id.org/drugkp/release/1"),
    ) in record
    assert _dcat_report(record)[0]
    # The first release still holds what it held: releases are immutable.
    assert release.verify(first) == []
    assert json.loads((first.path / "public" / "changes.json").read_text())["previous"] is None


def test_datasets_name_their_languages_from_the_eu_authority_table(folder: Path) -> None:
    triples = list(ox.parse(path=str(folder / "catalog.ttl")))
    public = "https://w3id.org/drugkp/release/1.0/public"
    languages = {
        t.object.value
        for t in triples
        if t.subject.value == public and t.predicate.value.endswith("/language")
    }
    authority = "http://publications.europa.eu/resource/authority/language/"
    assert {authority + code for code in ("ENG", "DEU", "ELL", "NOB", "GLE", "MLT", "ISL")} <= languages
    assert all(iri.startswith(authority) and iri[len(authority) :].isupper() for iri in languages)
    assert not [iri for iri in languages if iri.endswith("ZXX")]  # emoji have no language
    csv_de = "https://w3id.org/drugkp/release/1.0/partner/labels/de.csv"
    assert ox.Triple(
        ox.NamedNode(csv_de),
        ox.NamedNode("http://purl.org/dc/terms/language"),
        ox.NamedNode(authority + "DEU"),
    ) in [ox.Triple(t.subject, t.predicate, t.object) for t in triples]
