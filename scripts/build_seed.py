"""Generate the seed vocabulary's Turtle and SSSOM files from vocab/source/.

The tab-separated tables in ``vocab/source/`` are where editors review and
change the seed (see its README). This script turns them into:

* ``vocab/schemes/*.ttl``      controlled schemes (term types, handling, ...)
* ``vocab/sources.ttl``        the references cited by ``dct:source``
* ``vocab/substances.ttl``     substances and groups, names in 26 languages, EUDA drug
  profiles as ``rdfs:seeAlso`` (``substance-links.tsv``)
* ``vocab/terms.ttl``          drug-term concepts (``kp:DrugTerm``)
* ``vocab/labels/*.ttl``       SKOS-XL labels, mirrored as plain SKOS labels
* ``vocab/green/...``          the same for TLP:GREEN material (its own graph)
* ``vocab/mappings/*.sssom.tsv`` mappings to external identifiers

Run ``python scripts/build_seed.py`` after editing; ``--check`` exits 1 when
the generated files are out of date (the tests run it). Opaque identifiers are
assigned once in ``vocab/source/ids.tsv`` and never reused.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.namespaces import (  # noqa: E402
    EU_COUNTRY,
    KP,
    LABEL,
    PREFIXES,
    SCHEME,
    SKOSXL,
    SUBSTANCE,
    SUPPORTED_LANGUAGES,
    TERM,
)

SOURCE = ROOT / "vocab" / "source"
VOCAB = ROOT / "vocab"
SEED_DATE = Literal("2026-12-04", datatype=XSD.date)

SCHEME_CLASSES = {
    "ambiguity": KP.AmbiguityLevel,
    "control-schedules": KP.ControlSchedule,
    "handling": KP.HandlingLevel,
    "platforms": KP.Platform,
    "review-status": KP.ReviewStatus,
    "term-types": KP.TermType,
}
SCHEME_TITLES = {
    "ambiguity": "Ambiguity levels",
    "control-schedules": "UN drug-control schedules",
    "handling": "Handling levels (Traffic Light Protocol)",
    "platforms": "Platforms",
    "review-status": "Review status",
    "term-types": "Term types",
    "sources": "Sources",
    "substances": "Substances",
    "terms": "Drug-advertising terms",
}
LEVEL_CODES = {"clear": "tlp-clear", "green": "tlp-green", "amber": "tlp-amber"}
LEVEL_ORDER = ["clear", "green", "amber"]
KIND_PROPS = {
    "pref": (SKOS.prefLabel, SKOSXL.prefLabel),
    "alt": (SKOS.altLabel, SKOSXL.altLabel),
    "hidden": (SKOS.hiddenLabel, SKOSXL.hiddenLabel),
}
# ISO 3166-1 alpha-2 -> EU Publications Office country authority code.
COUNTRIES = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CY": "CYP", "CZ": "CZE", "DE": "DEU",
    "DK": "DNK", "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GR": "GRC",
    "HR": "HRV", "HU": "HUN", "IE": "IRL", "IT": "ITA", "LT": "LTU", "LU": "LUX",
    "LV": "LVA", "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU",
    "SE": "SWE", "SI": "SVN", "SK": "SVK", "NO": "NOR", "IS": "ISL", "CH": "CHE",
    "GB": "GBR", "US": "USA", "CA": "CAN", "BR": "BRA", "CO": "COL", "MX": "MEX",
    "AR": "ARG", "AU": "AUS", "RU": "RUS", "UA": "UKR", "RS": "SRB", "BA": "BIH",
    "ME": "MNE", "MK": "MKD", "AL": "ALB", "TR": "TUR", "MA": "MAR",
}  # fmt: skip
SSSOM_PREFIXES = {
    "wikidata": ("wikidata", "http://www.wikidata.org/entity/"),
    "chebi": ("CHEBI", "http://purl.obolibrary.org/obo/CHEBI_"),
    "pubchem": ("pubchem.compound", "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID"),
    "cas": ("cas", "https://commonchemistry.cas.org/detail?cas_rn="),
}


class SourceError(Exception):
    """A problem in the source tables, with file and line."""


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    cells: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells[key]

    def where(self) -> str:
        return f"{self.file}:{self.line}"


def read_table(path: Path) -> list[Row]:
    """Read a TSV with a header; fail with file and line on a bad row."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise SourceError(
                    f"{path.relative_to(ROOT)}:{number}: {len(cells)} cells, header has {len(header)}"
                )
            rows.append(
                Row(
                    str(path.relative_to(ROOT)),
                    number,
                    {h: c.strip() for h, c in zip(header, cells, strict=True)},
                )
            )
    return rows


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


class Ids:
    """The append-only registry of opaque identifiers (``ids.tsv``)."""

    PREFIX: ClassVar[dict[str, str]] = {"substance": "S", "term": "T"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids: dict[tuple[str, str], str] = {}
        if path.exists():
            for row in read_table(path):
                self.ids[(row["kind"], row["key"])] = row["id"]
        self.added = False

    def get(self, kind: str, key: str) -> str:
        found = self.ids.get((kind, key))
        if found is None:
            used = [int(v[1:]) for (k, _), v in self.ids.items() if k == kind]
            found = f"{self.PREFIX[kind]}{(max(used, default=0) + 1):04d}"
            self.ids[(kind, key)] = found
            self.added = True
        return found

    def text(self) -> str:
        lines = ["kind\tkey\tid"]
        for (kind, key), value in sorted(self.ids.items(), key=lambda kv: (kv[0][0], kv[1])):
            lines.append(f"{kind}\t{key}\t{value}")
        return "\n".join(lines) + "\n"


def label_id(term_id: str, lang: str, text: str) -> str:
    """A SKOS-XL label's identifier: stable for the same form of the same term."""
    digest = hashlib.sha256(f"{term_id}\x1f{lang}\x1f{text}".encode()).hexdigest()
    return "L" + digest[:12]


def new_graph() -> Graph:
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def sorted_turtle(graph: Graph, header: str) -> str:
    """Turtle with one block per subject, subjects sorted, so diffs read well.

    Each block is written by rdflib's ``longturtle`` serializer; only the
    order of the blocks is ours. Blank nodes stay inside their subject's block.
    """
    prefix_lines = [f"PREFIX {p}: <{iri}>" for p, iri in sorted(PREFIXES.items())]
    blocks: list[str] = []
    subjects = sorted({s for s in graph.subjects() if not isinstance(s, BNode)}, key=str)
    for subject in subjects:
        part = new_graph()
        stack: list[object] = [subject]
        seen: set[object] = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            for p, o in graph.predicate_objects(node):  # type: ignore[arg-type]
                part.add((node, p, o))  # type: ignore[arg-type]
                if isinstance(o, BNode):
                    stack.append(o)
        text = part.serialize(format="longturtle")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("PREFIX "))
        blocks.append(body.strip())
    comment = "".join(f"# {line}\n" for line in header.strip().splitlines())
    return comment + "\n".join(prefix_lines) + "\n\n" + "\n\n".join(blocks) + "\n"


class Builder:
    def __init__(self) -> None:
        self.ids = Ids(SOURCE / "ids.tsv")
        self.files: dict[Path, str] = {}
        self.errors: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    # -- schemes ---------------------------------------------------------
    def schemes(self) -> dict[str, set[str]]:
        codes: dict[str, set[str]] = defaultdict(set)
        graphs: dict[str, Graph] = {}
        for row in read_table(SOURCE / "schemes.tsv"):
            name, code = row["scheme"], row["code"]
            if name not in SCHEME_CLASSES:
                self.fail(row.where(), f"unknown scheme {name!r}")
                continue
            codes[name].add(code)
            graph = graphs.setdefault(name, new_graph())
            scheme = SCHEME[name]
            concept = URIRef(f"{scheme}/{code}")
            graph.add((scheme, RDF.type, SKOS.ConceptScheme))
            graph.add((scheme, SKOS.prefLabel, Literal(SCHEME_TITLES[name], lang="en")))
            graph.add((scheme, DCTERMS.title, Literal(SCHEME_TITLES[name], lang="en")))
            graph.add((scheme, SKOS.hasTopConcept, concept))
            graph.add((concept, RDF.type, SKOS_CONCEPT))
            graph.add((concept, RDF.type, SCHEME_CLASSES[name]))
            graph.add((concept, SKOS.prefLabel, Literal(row["label_en"], lang="en")))
            graph.add((concept, SKOS.definition, Literal(row["definition_en"], lang="en")))
            graph.add((concept, SKOS.notation, Literal(code)))
            graph.add((concept, SKOS.inScheme, scheme))
            graph.add((concept, SKOS.topConceptOf, scheme))
        labels_path = SOURCE / "scheme-labels.tsv"
        for row in read_table(labels_path) if labels_path.exists() else []:
            name, code, lang = row["scheme"], row["code"], row["lang"]
            if code not in codes.get(name, set()):
                self.fail(row.where(), f"unknown code {name}/{code}")
                continue
            if lang not in SUPPORTED_LANGUAGES or not row["label"]:
                self.fail(row.where(), f"unsupported language {lang!r} or empty label")
                continue
            graphs[name].add(
                (URIRef(f"{SCHEME[name]}/{code}"), SKOS.prefLabel, Literal(row["label"], lang=lang))
            )
        for name, graph in graphs.items():
            self.files[VOCAB / "schemes" / f"{name}.ttl"] = sorted_turtle(
                graph,
                f"Controlled scheme: {SCHEME_TITLES[name]}.\nGenerated by scripts/build_seed.py from vocab/source/schemes.tsv and scheme-labels.tsv.",
            )
        return codes

    # -- sources ---------------------------------------------------------
    def sources(self) -> set[str]:
        graph = new_graph()
        keys: set[str] = set()
        scheme = SCHEME["sources"]
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, SKOS.prefLabel, Literal(SCHEME_TITLES["sources"], lang="en")))
        for row in read_table(SOURCE / "sources.tsv"):
            keys.add(row["key"])
            node = URIRef(f"{scheme}/{row['key']}")
            graph.add((node, RDF.type, DCTERMS.BibliographicResource))
            graph.add((node, SKOS.inScheme, scheme))
            graph.add((node, DCTERMS.title, Literal(row["title"], lang="en")))
            graph.add((node, RDFS.label, Literal(row["title"], lang="en")))
            graph.add((node, DCTERMS.creator, Literal(row["creator"])))
            if row["issued"]:
                datatype = XSD.gYearMonth if len(row["issued"]) == 7 else XSD.date
                graph.add((node, DCTERMS.issued, Literal(row["issued"], datatype=datatype)))
            if row["identifier"]:
                graph.add((node, DCTERMS.identifier, Literal(row["identifier"])))
            if row["note"]:
                graph.add((node, RDFS.comment, Literal(row["note"], lang="en")))
        self.files[VOCAB / "sources.ttl"] = sorted_turtle(
            graph,
            "References cited by dct:source.\nGenerated by scripts/build_seed.py from vocab/source/sources.tsv.",
        )
        return keys

    # -- substances ------------------------------------------------------
    def substances(self, schedules: set[str]) -> dict[str, str]:
        graph = new_graph()
        scheme = SCHEME["substances"]
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, SKOS.prefLabel, Literal(SCHEME_TITLES["substances"], lang="en")))
        graph.add((scheme, DCTERMS.title, Literal(SCHEME_TITLES["substances"], lang="en")))
        rows = read_table(SOURCE / "substances.tsv")
        keys = {row["key"]: self.ids.get("substance", row["key"]) for row in rows}
        for row in rows:
            node = SUBSTANCE[keys[row["key"]]]
            graph.add((node, RDF.type, SKOS_CONCEPT))
            graph.add((node, RDF.type, KP.Substance))
            if row["kind"] == "group":
                graph.add((node, RDF.type, KP.SubstanceGroup))
            elif row["kind"] != "substance":
                self.fail(row.where(), f"kind must be substance or group, not {row['kind']!r}")
            graph.add((node, SKOS.inScheme, scheme))
            graph.add((node, SKOS.definition, Literal(row["definition_en"], lang="en")))
            graph.add((node, KP.reviewStatus, URIRef(f"{SCHEME}review-status/editorial-sample")))
            graph.add((node, DCTERMS.created, SEED_DATE))
            graph.add((node, DCTERMS.source, URIRef(f"{SCHEME}sources/general-knowledge")))
            broader = split(row["broader"])
            if not broader:
                graph.add((node, SKOS.topConceptOf, scheme))
                graph.add((scheme, SKOS.hasTopConcept, node))
            for parent in broader:
                if parent not in keys:
                    self.fail(row.where(), f"broader {parent!r} is not a substance key")
                    continue
                graph.add((node, SKOS.broader, SUBSTANCE[keys[parent]]))
                graph.add((SUBSTANCE[keys[parent]], SKOS.narrower, node))
            for code in split(row["schedules"]):
                if code not in schedules:
                    self.fail(row.where(), f"unknown schedule {code!r}")
                    continue
                graph.add((node, KP.controlSchedule, URIRef(f"{SCHEME}control-schedules/{code}")))
        for row in read_table(SOURCE / "substance-links.tsv"):
            if row["key"] not in keys:
                self.fail(row.where(), f"unknown substance {row['key']!r}")
                continue
            if not row["url"].startswith("https://"):
                self.fail(row.where(), "a link must be an https URL")
                continue
            graph.add((SUBSTANCE[keys[row["key"]]], RDFS.seeAlso, URIRef(row["url"])))
        for row in read_table(SOURCE / "substance-names.tsv"):
            if row["key"] not in keys:
                self.fail(row.where(), f"unknown substance {row['key']!r}")
                continue
            if row["lang"] not in SUPPORTED_LANGUAGES:
                self.fail(row.where(), f"unsupported language {row['lang']!r}")
            prop = {"pref": SKOS.prefLabel, "alt": SKOS.altLabel}.get(row["kind"])
            if prop is None or not row["text"]:
                self.fail(row.where(), "kind must be pref or alt, with a name")
                continue
            graph.add((SUBSTANCE[keys[row["key"]]], prop, Literal(row["text"], lang=row["lang"])))
        self.files[VOCAB / "substances.ttl"] = sorted_turtle(
            graph,
            "Substances and substance groups, named in 26 languages.\n"
            "Editorial sample awaiting expert review.\n"
            "Generated by scripts/build_seed.py from vocab/source/substances.tsv, substance-names.tsv\n"
            "and substance-links.tsv.",
        )
        return keys

    def mappings(self, substances: dict[str, str]) -> None:
        lines: list[str] = []
        for row in read_table(SOURCE / "substance-identifiers.tsv"):
            if row["key"] not in substances:
                self.fail(row.where(), f"unknown substance {row['key']!r}")
                continue
            if row["scheme"] not in SSSOM_PREFIXES or row["match"] not in ("exact", "close"):
                self.fail(row.where(), "scheme or match not recognised")
                continue
            prefix = SSSOM_PREFIXES[row["scheme"]][0]
            value = row["value"].removeprefix("CHEBI:")
            predicate = "skos:exactMatch" if row["match"] == "exact" else "skos:closeMatch"
            comment = row["comment"].replace("\t", " ")
            lines.append(
                "\t".join(
                    [
                        f"kpsub:{substances[row['key']]}",
                        row["key"],
                        predicate,
                        f"{prefix}:{value}",
                        "semapv:ManualMappingCuration",
                        "Drug-term Knowledge Package editors",
                        comment,
                    ]
                )
            )
        curie_map = {"kpsub": str(SUBSTANCE), "skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"}
        curie_map.update({p: iri for p, iri in SSSOM_PREFIXES.values()})
        header = [
            "#mapping_set_id: https://w3id.org/drugkp/mappings/substances.sssom.tsv",
            "#mapping_set_description: Substances of the Drug-term Knowledge Package mapped to external identifiers. Generated by scripts/build_seed.py from vocab/source/substance-identifiers.tsv.",
            "#license: https://creativecommons.org/licenses/by/4.0/",
            "#mapping_date: 2026-12-04",
            "#curie_map:",
            *[f"#  {p}: {iri}" for p, iri in sorted(curie_map.items())],
        ]
        columns = (
            "subject_id\tsubject_label\tpredicate_id\tobject_id\tmapping_justification\tauthor_label\tcomment"
        )
        self.files[VOCAB / "mappings" / "substances.sssom.tsv"] = (
            "\n".join(header) + "\n" + columns + "\n" + "\n".join(sorted(lines)) + "\n"
        )

    # -- terms and labels -----------------------------------------------
    def terms(self, substances: dict[str, str], codes: dict[str, set[str]], sources: set[str]) -> None:
        term_rows: dict[str, Row] = {}
        for path in sorted((SOURCE / "terms").glob("*.tsv")):
            for row in read_table(path):
                if row["key"] in term_rows:
                    self.fail(
                        row.where(), f"term key {row['key']!r} already in {term_rows[row['key']].where()}"
                    )
                    continue
                term_rows[row["key"]] = row
        label_rows: list[tuple[str, Row]] = []
        for path in sorted((SOURCE / "labels").glob("*.tsv")):
            label_rows.extend((path.stem, row) for row in read_table(path))

        # The level of a term's concept statements is the least restrictive
        # level among its labels: the concept is visible wherever a label is.
        term_level: dict[str, str] = {}
        for _, row in label_rows:
            level = row["handling"]
            if level not in LEVEL_CODES:
                self.fail(row.where(), f"handling must be clear, green or amber, not {level!r}")
                continue
            current = term_level.get(row["term"])
            if current is None or LEVEL_ORDER.index(level) < LEVEL_ORDER.index(current):
                term_level[row["term"]] = level

        term_graphs: dict[str, Graph] = defaultdict(new_graph)
        scheme = SCHEME["terms"]
        term_graphs["clear"].add((scheme, RDF.type, SKOS.ConceptScheme))
        term_graphs["clear"].add((scheme, SKOS.prefLabel, Literal(SCHEME_TITLES["terms"], lang="en")))
        term_graphs["clear"].add((scheme, DCTERMS.title, Literal(SCHEME_TITLES["terms"], lang="en")))
        term_ids: dict[str, str] = {}
        for key, row in sorted(term_rows.items()):
            if key not in term_level:
                self.fail(row.where(), f"term {key!r} has no label")
                continue
            term_id = self.ids.get("term", key)
            term_ids[key] = term_id
            graph = term_graphs[term_level[key]]
            node = TERM[term_id]
            graph.add((node, RDF.type, SKOS_CONCEPT))
            graph.add((node, RDF.type, KP.DrugTerm))
            graph.add((node, SKOS.inScheme, scheme))
            graph.add((node, SKOS.definition, Literal(row["meaning_en"], lang="en")))
            graph.add((node, KP.reviewStatus, URIRef(f"{SCHEME}review-status/editorial-sample")))
            graph.add((node, DCTERMS.created, SEED_DATE))
            refs = split(row["substances"])
            if not refs:
                self.fail(row.where(), "a term refers to at least one substance")
            for ref in refs:
                if ref not in substances:
                    self.fail(row.where(), f"unknown substance {ref!r}")
                    continue
                graph.add((node, KP.refersTo, SUBSTANCE[substances[ref]]))

        label_graphs: dict[tuple[str, str], Graph] = defaultdict(new_graph)
        seen: dict[tuple[str, str, str], str] = {}
        prefs: dict[tuple[str, str], str] = {}
        pref_text: dict[tuple[str, str], str] = {}
        for group, row in label_rows:
            term, lang, kind, text = row["term"], row["lang"], row["kind"], row["text"]
            where = row.where()
            if term not in term_ids:
                if term not in term_rows:
                    self.fail(where, f"unknown term {term!r}")
                continue
            if lang not in SUPPORTED_LANGUAGES:
                self.fail(where, f"unsupported language {lang!r}")
                continue
            if kind not in KIND_PROPS or not text:
                self.fail(where, "kind must be pref, alt or hidden, with a text")
                continue
            if (term, lang, text) in seen:
                self.fail(where, f"{text!r}@{lang} repeats {seen[(term, lang, text)]}")
                continue
            seen[(term, lang, text)] = where
            if kind == "pref":
                if (term, lang) in prefs:
                    self.fail(where, f"second pref in {lang} for {term!r} (first at {prefs[(term, lang)]})")
                    continue
                if (lang, text) in pref_text:
                    self.fail(where, f"{text!r}@{lang} is already the pref of {pref_text[(lang, text)]!r}")
                    continue
                prefs[(term, lang)] = where
                pref_text[(lang, text)] = term
            checks = {
                "term-types": row["type"],
                "ambiguity": row["ambiguity"],
            }
            bad = [f"{name} {value!r}" for name, value in checks.items() if value not in codes[name]]
            if row["needs_signal"] not in ("yes", "no"):
                bad.append(f"needs_signal {row['needs_signal']!r}")
            if row["source"] not in sources:
                bad.append(f"source {row['source']!r}")
            platforms = split(row["platforms"])
            bad += [f"platform {p!r}" for p in platforms if p not in codes["platforms"]]
            if row["country"] and row["country"] not in COUNTRIES:
                bad.append(f"country {row['country']!r}")
            if row["handling"] not in LEVEL_CODES:
                continue  # already reported
            if bad:
                self.fail(where, "unknown " + ", ".join(bad))
                continue
            level = row["handling"]
            graph = label_graphs[(level, group)]
            concept = TERM[term_ids[term]]
            label = LABEL[label_id(term_ids[term], lang, text)]
            literal = Literal(text, lang=lang)
            plain, xl = KIND_PROPS[kind]
            graph.add((concept, plain, literal))
            graph.add((concept, xl, label))
            graph.add((label, RDF.type, SKOSXL.Label))
            graph.add((label, SKOSXL.literalForm, literal))
            graph.add((label, KP.termType, URIRef(f"{SCHEME}term-types/{row['type']}")))
            graph.add((label, KP.ambiguity, URIRef(f"{SCHEME}ambiguity/{row['ambiguity']}")))
            graph.add((label, KP.needsOtherSignal, Literal(row["needs_signal"] == "yes")))
            graph.add((label, KP.handling, URIRef(f"{SCHEME}handling/{LEVEL_CODES[level]}")))
            graph.add((label, DCTERMS.source, URIRef(f"{SCHEME}sources/{row['source']}")))
            graph.add((label, DCTERMS.created, SEED_DATE))
            for meaning in split(row["benign"]):
                graph.add((label, KP.benignMeaning, Literal(meaning, lang="en")))
            for platform in platforms:
                graph.add((label, KP.platform, URIRef(f"{SCHEME}platforms/{platform}")))
            if row["country"]:
                graph.add((label, DCTERMS.spatial, EU_COUNTRY[COUNTRIES[row["country"]]]))

        for key in sorted(term_ids):
            if not any(t == key for t, _ in prefs):
                self.fail(term_rows[key].where(), f"term {key!r} has no pref label in any language")

        for level, graph in term_graphs.items():
            self.files[level_dir(level) / "terms.ttl"] = sorted_turtle(
                graph,
                f"Drug-term concepts whose least restricted label is TLP:{level.upper()}.\n"
                "Editorial sample awaiting expert review.\n"
                "Generated by scripts/build_seed.py from vocab/source/terms/.",
            )
        for (level, group), graph in label_graphs.items():
            self.files[level_dir(level) / "labels" / f"{group}.ttl"] = sorted_turtle(
                graph,
                f"SKOS-XL labels ({group}), TLP:{level.upper()}, mirrored as skos:prefLabel/altLabel/hiddenLabel.\n"
                "Editorial sample awaiting expert review.\n"
                f"Generated by scripts/build_seed.py from vocab/source/labels/{group}.tsv.",
            )

    def build(self) -> dict[Path, str]:
        codes = self.schemes()
        sources = self.sources()
        substances = self.substances(codes["control-schedules"])
        self.mappings(substances)
        self.terms(substances, codes, sources)
        if self.errors:
            raise SourceError("\n".join(self.errors))
        self.files[SOURCE / "ids.tsv"] = self.ids.text()
        return self.files


SKOS_CONCEPT = SKOS.Concept


def level_dir(level: str) -> Path:
    """TLP:CLEAR material lives in vocab/, the others in vocab/<level>/."""
    return VOCAB if level == "clear" else VOCAB / level


def generated_paths() -> Iterable[Path]:
    """Every file this script owns, so that stale ones can be removed."""
    for pattern in ("schemes/*.ttl", "sources.ttl", "substances.ttl", "terms.ttl", "labels/*.ttl",
                    "green/**/*.ttl", "amber/**/*.ttl", "mappings/substances.sssom.tsv"):  # fmt: skip
        yield from VOCAB.glob(pattern)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the generated files are out of date")
    args = parser.parse_args(argv)
    try:
        files = Builder().build()
    except SourceError as exc:
        print(f"vocab/source has errors:\n{exc}", file=sys.stderr)
        return 2
    stale = [p for p in generated_paths() if p not in files]
    changed = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for path in changed + stale:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if changed or stale else 0
    for path in stale:
        path.unlink()
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
    print(f"{len(changed)} file(s) written, {len(stale)} removed, {len(files) - len(changed)} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
