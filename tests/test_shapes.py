"""SHACL shapes: each invalid fixture is caught by the shape it targets, and only by it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SKOS

from server.config import Settings
from server.namespaces import SH, SUPPORTED_LANGUAGES
from server.validation import Report, Validator, check_shapes, load_graph, shapes_graph

HERE = Path(__file__).parent / "shapes"
SHAPES = "https://w3id.org/drugkp/shapes#"

# fixture -> the (shape, path, constraint component) of every violation it must raise, and no others.
INVALID: list[tuple[str, set[tuple[str, str | None, str]]]] = [
    ("01_no_preflabel", {("DrugTerm-prefLabel", "skos:prefLabel", "MinCount")}),
    ("02_two_preflabels_same_language", {("DrugTerm-prefLabel", "skos:prefLabel", "UniqueLang")}),
    ("03_no_refersTo", {("DrugTerm-refersTo", "kp:refersTo", "MinCount")}),
    ("04_refersTo_not_a_substance", {("DrugTerm-refersTo", "kp:refersTo", "Class")}),
    ("05_unsupported_language", {("Label-literalForm", "skosxl:literalForm", "LanguageIn")}),
    (
        "06_label_without_language",
        {
            ("Label-literalForm", "skosxl:literalForm", "Datatype"),
            ("Label-literalForm", "skosxl:literalForm", "LanguageIn"),
        },
    ),
    ("07_not_in_terms_scheme", {("DrugTerm-inScheme", "skos:inScheme", "HasValue")}),
    ("08_preflabel_clash_in_scheme", {("UniquePrefLabelShape", "skos:prefLabel", "SPARQL")}),
    (
        "09_no_skosxl_labels",
        {
            ("DrugTerm-xlLabel", "skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel", "MinCount"),
            ("DrugTerm-mirror-pref", "skosxl:prefLabel/skosxl:literalForm", "Equals"),
        },
    ),
    (
        "10_xl_link_to_untyped_resource",
        {("DrugTerm-xlLabel", "skosxl:prefLabel|skosxl:altLabel|skosxl:hiddenLabel", "Class")},
    ),
    ("11_missing_term_type", {("Label-termType", "kp:termType", "MinCount")}),
    ("12_unknown_term_type", {("Label-termType", "kp:termType", "In")}),
    ("13_missing_ambiguity", {("Label-ambiguity", "kp:ambiguity", "MinCount")}),
    ("14_unknown_ambiguity", {("Label-ambiguity", "kp:ambiguity", "In")}),
    ("15_missing_handling", {("Label-handling", "kp:handling", "MinCount")}),
    ("16_unknown_handling", {("Label-handling", "kp:handling", "In")}),
    ("17_missing_source", {("Label-source", "dct:source", "MinCount")}),
    ("18_first_seen_after_last_seen", {("Label-seen-order", "kp:firstSeen", "LessThanOrEquals")}),
    ("19_first_seen_in_future", {("LabelDateShape", "kp:firstSeen", "SPARQL")}),
    ("20_last_seen_not_a_date", {("Label-lastSeen", "kp:lastSeen", "Datatype")}),
    ("21_two_literal_forms", {("Label-literalForm", "skosxl:literalForm", "MaxCount")}),
    ("22_label_without_text", {("Label-literalForm", "skosxl:literalForm", "MinCount")}),
    ("23_needs_signal_not_boolean", {("Label-needsOtherSignal", "kp:needsOtherSignal", "Datatype")}),
    ("24_unknown_platform", {("Label-platform-in", "kp:platform", "In")}),
    ("25_country_not_eu_authority", {("Label-country", "dct:spatial", "Pattern")}),
    ("26_hashtag_without_hash", {("Hashtag-literalForm", "skosxl:literalForm", "Pattern")}),
    (
        "27_orphan_label",
        {("Label-concept", "^skosxl:prefLabel|^skosxl:altLabel|^skosxl:hiddenLabel", "MinCount")},
    ),
    (
        "28_label_in_two_terms",
        {("Label-concept", "^skosxl:prefLabel|^skosxl:altLabel|^skosxl:hiddenLabel", "MaxCount")},
    ),
    ("29_plain_label_without_xl", {("DrugTerm-mirror-alt", "skosxl:altLabel/skosxl:literalForm", "Equals")}),
    ("30_broader_cycle", {("BroaderCycleShape", "skos:broader", "SPARQL")}),
    ("31_substance_without_preflabel", {("Substance-prefLabel", "skos:prefLabel", "MinCount")}),
    ("32_substance_not_placed", {("SubstancePlacementShape", None, "Or")}),
    ("33_substance_broader_not_group", {("Substance-broader-class", "skos:broader", "Class")}),
    ("34_unknown_schedule", {("Substance-controlSchedule", "kp:controlSchedule", "In")}),
    ("35_benign_meaning_without_language", {("Label-benignMeaning", "kp:benignMeaning", "Datatype")}),
    (
        "36_substance_without_english_definition",
        {("Substance-definition-en", "skos:definition", "QualifiedMinCount")},
    ),
    ("37_substance_two_english_names", {("Substance-prefLabel", "skos:prefLabel", "UniqueLang")}),
    ("38_emoji_with_letters", {("Emoji-literalForm", "skosxl:literalForm", "Pattern")}),
    ("39_unknown_review_status", {("DrugTerm-reviewStatus", "kp:reviewStatus", "In")}),
    ("40_replaced_by_not_a_term", {("DrugTerm-isReplacedBy", "dct:isReplacedBy", "Class")}),
    ("41_two_term_types", {("Label-termType", "kp:termType", "MaxCount")}),
    ("42_deprecated_not_boolean", {("DrugTerm-deprecated", "owl:deprecated", "Datatype")}),
]


def check(validator: Validator, path: Path) -> Report:
    return validator.validate(load_graph([path]), sources=[path.name], skos_checks=False)


def fired(report: Report) -> set[tuple[str, str | None, str]]:
    return {
        (
            (f.shape or "").removeprefix(SHAPES),
            f.path,
            (f.component or "").removesuffix("ConstraintComponent"),
        )
        for f in report.findings
        if f.severity == "Violation"
    }


@pytest.mark.parametrize("path", sorted((HERE / "valid").glob("*.ttl")), ids=lambda p: p.stem)
def test_valid_fixture_conforms(validator: Validator, path: Path) -> None:
    report = check(validator, path)
    assert report.findings == [], report.findings


@pytest.mark.parametrize(("name", "expected"), INVALID, ids=[name for name, _ in INVALID])
def test_invalid_fixture_fires_its_shape(
    validator: Validator, name: str, expected: set[tuple[str, str | None, str]]
) -> None:
    report = check(validator, HERE / "invalid" / f"{name}.ttl")
    assert not report.conforms
    assert fired(report) == expected


def test_every_invalid_fixture_is_in_the_table() -> None:
    files = {p.stem for p in (HERE / "invalid").glob("*.ttl")}
    assert files == {name for name, _ in INVALID}
    assert len(files) >= 30


def test_every_fixture_says_what_it_exercises() -> None:
    for path in sorted(HERE.rglob("*.ttl")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(("# Valid: ", "# Invalid: ")), path


def test_shapes_pass_the_meta_shapes_and_have_messages(settings: Settings) -> None:
    assert check_shapes(shapes_graph(settings)) == []


def test_meta_check_catches_a_typo_in_a_shape() -> None:
    typo = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <https://example.org/> .
        ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:minCount 1 ; sh:message: "oops" .
        """,
        format="turtle",
    )
    problems = check_shapes(typo)
    assert any("sh:message:" in p or "message:>" in p for p in problems)
    assert any("no sh:message" in p for p in problems)


def _scheme_members(settings: Settings, scheme: str) -> set[URIRef]:
    graph = load_graph([settings.vocab_dir / "schemes" / f"{scheme}.ttl"])
    return {c for c in graph.subjects(SKOS.inScheme, URIRef(f"https://w3id.org/drugkp/scheme/{scheme}"))}


@pytest.mark.parametrize(
    ("shape", "scheme"),
    [
        ("Label-termType", "term-types"),
        ("Label-ambiguity", "ambiguity"),
        ("Label-handling", "handling"),
        ("Label-platform-in", "platforms"),
        ("DrugTerm-reviewStatus", "review-status"),
        ("Substance-controlSchedule", "control-schedules"),
    ],
)
def test_controlled_lists_match_the_schemes(settings: Settings, shape: str, scheme: str) -> None:
    shapes = shapes_graph(settings)
    listed = set(Collection(shapes, shapes.value(URIRef(SHAPES + shape), SH["in"])))  # type: ignore[arg-type]
    assert listed == _scheme_members(settings, scheme)


@pytest.mark.parametrize("shape", ["Label-literalForm", "Substance-prefLabel-language"])
def test_language_lists_match_the_supported_languages(settings: Settings, shape: str) -> None:
    shapes = shapes_graph(settings)
    listed = [str(x) for x in Collection(shapes, shapes.value(URIRef(SHAPES + shape), SH.languageIn))]  # type: ignore[arg-type]
    assert listed == list(SUPPORTED_LANGUAGES)


def test_every_shape_is_typed(settings: Settings) -> None:
    shapes = shapes_graph(settings)
    for subject in set(shapes.subjects()):
        if isinstance(subject, URIRef) and str(subject).startswith(SHAPES):
            assert shapes.value(subject, RDF.type) is not None, subject
