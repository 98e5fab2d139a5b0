"""The seed vocabulary: generated files up to date, and the counts issue #2 asks for."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from server import rdfio
from server.loader import expand
from server.namespaces import CORE_LANGUAGES, KP, SKOSXL

ROOT = Path(__file__).resolve().parents[1]
SCHEME = "https://w3id.org/drugkp/scheme/"


@pytest.fixture(scope="module")
def seed() -> Graph:
    graph = Graph()
    for path in expand([ROOT / "vocab"]):
        rdfio.to_rdflib(rdfio.parse_path(path), graph)
    return graph


def test_generated_files_are_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_seed.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_substances_named_in_all_26_languages(seed: Graph) -> None:
    substances = set(seed.subjects(RDF.type, KP.Substance))
    assert len(substances) >= 60
    for substance in substances:
        languages = {label.language for label in seed.objects(substance, SKOS.prefLabel)}  # type: ignore[union-attr]
        assert languages >= set(CORE_LANGUAGES), (substance, set(CORE_LANGUAGES) - languages)
        definitions = [d for d in seed.objects(substance, SKOS.definition) if d.language == "en"]  # type: ignore[union-attr]
        assert definitions, substance
        is_top = (substance, SKOS.topConceptOf, URIRef(SCHEME + "substances")) in seed
        assert is_top or seed.value(substance, SKOS.broader) is not None, substance


def test_substances_have_identifiers_and_schedules(seed: Graph) -> None:
    mapped = set(seed.subjects(SKOS.exactMatch, None)) | set(seed.subjects(SKOS.closeMatch, None))
    scheduled = set(seed.subjects(KP.controlSchedule, None))
    assert len(mapped) >= 30
    assert len(scheduled) >= 40


def test_term_and_label_counts(seed: Graph) -> None:
    terms = set(seed.subjects(RDF.type, KP.DrugTerm))
    labels = set(seed.subjects(RDF.type, SKOSXL.Label))
    forms = [seed.value(label, SKOSXL.literalForm) for label in labels]
    languages = Counter(form.language for form in forms if isinstance(form, Literal))
    types = Counter(str(seed.value(label, KP.termType)).rsplit("/", 1)[-1] for label in labels)
    assert len(terms) >= 400
    assert len(labels) >= 1500
    assert len([lang for lang in languages if lang != "zxx"]) >= 20, languages
    assert types["emoji"] + types["emoji-sequence"] >= 60, types
    assert types["hashtag"] >= 40, types
    assert types["misspelling"] + types["obfuscation"] >= 50, types
    assert len(list(seed.subject_objects(SKOS.hiddenLabel))) >= 50


def test_every_label_has_source_and_is_mirrored(seed: Graph) -> None:
    for label in seed.subjects(RDF.type, SKOSXL.Label):
        assert seed.value(label, URIRef("http://purl.org/dc/terms/source")) is not None, label
    plain = sum(1 for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel) for s, _ in seed.subject_objects(p)
                if (s, RDF.type, KP.DrugTerm) in seed)  # fmt: skip
    assert plain == len(set(seed.subjects(RDF.type, SKOSXL.Label)))


def test_published_sources_are_cited_and_general_knowledge_says_so(seed: Graph) -> None:
    cited = Counter(
        str(o).rsplit("/", 1)[-1] for o in seed.objects(None, URIRef("http://purl.org/dc/terms/source"))
    )
    assert cited["dea-2018-slang"] > 0
    assert cited["dea-2021-emoji"] > 0
    assert cited["general-knowledge"] > cited["dea-2018-slang"]
    review = URIRef(SCHEME + "review-status/editorial-sample")
    assert all((t, KP.reviewStatus, review) in seed for t in seed.subjects(RDF.type, KP.DrugTerm))


def test_green_material_lives_in_its_own_folder() -> None:
    green = list((ROOT / "vocab" / "green").rglob("*.ttl"))
    assert green
    for path in green:
        text = path.read_text(encoding="utf-8")
        assert "handling/tlp-clear" not in text and "handling/tlp-amber" not in text, path
