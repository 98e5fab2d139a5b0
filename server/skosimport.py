"""External SKOS vocabularies: import one into its own graph, propose
mappings to our concepts by multilingual label matching, and publish the
mappings a reviewer accepted.

An imported vocabulary (another Member State's list, a EuroVoc or IATE
extract, a national glossary) lives in ``{base}graph/external/{name}``, of
kind ``external``: it is never edited, not reloaded by ``kp load`` and not
part of the published graphs (nor of releases). Proposals are an SSSOM file
for a reviewer (``semapv:LexicalMatching`` with a confidence); the reviewer
deletes the rows they reject (or marks them ``predicate_modifier: Not``),
and ``kp mappings apply`` copies the rest into ``vocab/mappings/`` and loads
them, validated, like every other vocabulary file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from server import exports, lexicon, queries, rdfio
from server.config import Settings
from server.errors import KpError
from server.loader import meta_graph
from server.mappingset import Curies, MappingSet
from server.namespaces import PREFIXES
from server.store import EmbeddedStore, GraphInfo, now_iso

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PROPOSAL_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "match_string",
    "mapping_tool",
    "author_label",
    "comment",
)
TOOL = "kp import-skos"


@dataclass(frozen=True)
class Imported:
    graph: str
    triples: int
    concepts: int


def normalise(text: str) -> str:
    """Case, accents, spacing and a leading hashtag do not tell labels apart."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().lstrip("#").split())


def external_graph(settings: Settings, name: str) -> str:
    if not NAME.match(name):
        raise KpError(f"{name!r} cannot name a vocabulary: use lower-case letters, digits and hyphens")
    return f"{settings.base}graph/external/{name}"


def import_skos(
    settings: Settings, store: EmbeddedStore, path: Path, name: str, replace: bool = False
) -> tuple[Imported, list[ox.Quad]]:
    """Parse ``path`` and store it in its own graph; refuse a name in use unless ``replace``."""
    graph = external_graph(settings, name)
    quads = rdfio.parse_path(path)
    concept = ox.NamedNode(PREFIXES["skos"] + "Concept")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    concepts = {q.subject for q in quads if q.predicate == rdf_type and q.object == concept}
    if not concepts:
        raise KpError(f"{path}: no skos:Concept found; is it a SKOS vocabulary?")
    ours = settings.base
    if any(isinstance(c, ox.NamedNode) and c.value.startswith(ours) for c in concepts):
        raise KpError(f"{path}: it defines concepts under {ours}; only external vocabularies are imported")
    meta = meta_graph(settings)
    known = {i.iri: i for i in store.graph_infos(meta)}
    if graph in known and not replace:
        raise KpError(f"a vocabulary named {name!r} is already imported; use --replace to load it again")
    if graph in known and known[graph].kind != "external":
        raise KpError(f"{graph} is not an imported vocabulary")
    store.replace_graph(graph, quads)
    info = GraphInfo(graph, f"external/{path.name}", "tlp-clear", len(quads), now_iso(), "external")
    store.record_graph(meta, info)
    store.flush()
    return Imported(graph, len(quads), len(concepts)), quads


def _external_labels(quads: list[ox.Quad]) -> list[tuple[str, ox.Literal, str]]:
    copy = EmbeddedStore(None)
    copy.replace_graph("urn:x-drugkp:external", quads)
    found = []
    for row in copy.select(queries.IMPORT_EXTERNAL_LABELS, None):
        concept, form, kind = row["concept"], row["form"], row["kind"]
        if isinstance(concept, ox.NamedNode) and isinstance(form, ox.Literal) and kind is not None:
            found.append((concept.value, form, kind.value))
    return found


def propose(
    settings: Settings, store: EmbeddedStore, quads: list[ox.Quad], name: str, level: str, issued: str
) -> MappingSet:
    """Candidate mappings from our concepts (as ``level`` sees them) to the external ones."""
    data = exports.level_data(store, meta_graph(settings), level)
    lex = lexicon.build(data.store, level)
    index: dict[str, list[lexicon.Entry]] = defaultdict(list)
    for entry in lex.entries:
        if not entry.deprecated:
            index[normalise(entry.form)].append(entry)
    best: dict[tuple[str, str], dict[str, str]] = {}
    for concept, form, kind in _external_labels(quads):
        key = normalise(form.value)
        for entry in index.get(key, ()):
            same_lang = bool(form.language) and form.language == entry.lang
            if same_lang and kind == "pref" and entry.kind == "pref":
                predicate, confidence = "skos:exactMatch", 0.95
            elif same_lang:
                predicate, confidence = "skos:closeMatch", 0.8
            else:
                predicate, confidence = "skos:closeMatch", 0.6
            note = f"{kind} label {form.value!r}@{form.language or '-'} matches our {entry.kind} label {entry.form!r}@{entry.lang}"
            if entry.ambiguity == "high":
                confidence /= 2
                note += "; our label is highly ambiguous"
            pair = (entry.concept, concept)
            if pair in best and float(best[pair]["confidence"]) >= confidence:
                continue
            best[pair] = {
                "subject_id": entry.concept,
                "subject_label": entry.form,
                "predicate_id": predicate,
                "object_id": concept,
                "object_label": form.value,
                "mapping_justification": "semapv:LexicalMatching",
                "confidence": f"{confidence:.2f}",
                "match_string": key,
                "mapping_tool": TOOL,
                "author_label": f"{TOOL} (automatic proposal, to be reviewed)",
                "comment": note,
            }
    namespaces = Counter(_namespace(o) for _s, o in best)
    prefixes = {**rdfio.SSSOM_BUILTIN_PREFIXES, **{p: PREFIXES[p] for p in ("kpsub", "kpterm")}}
    if namespaces:
        prefixes[name.replace("-", "_")] = namespaces.most_common(1)[0][0]
    curies = Curies(prefixes)
    rows = []
    for _pair, row in sorted(best.items()):
        row["subject_id"] = curies.compact(row["subject_id"])
        row["object_id"] = curies.compact(row["object_id"])
        curies.compact(PREFIXES["skos"] + "exactMatch")
        rows.append(row)
    curies.used.setdefault("semapv", rdfio.SSSOM_BUILTIN_PREFIXES["semapv"])
    curies.used.setdefault("skos", PREFIXES["skos"])
    meta = {
        "curie_map": dict(sorted(curies.used.items())),
        "mapping_set_id": f"{settings.base}mappings/proposed/{name}",
        "mapping_set_title": f"Proposed mappings to {name}",
        "mapping_set_description": f"Candidate mappings from the Drug-term Knowledge Package to the imported "
        f"vocabulary {name!r}, found by multilingual label matching. Review every row: delete the ones "
        "you reject, then run `kp mappings apply` on the file.",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "mapping_date": issued,
    }
    return MappingSet(meta, rows, PROPOSAL_COLUMNS)


def _namespace(iri: str) -> str:
    return iri[: max(iri.rfind("/"), iri.rfind("#")) + 1]


def apply(settings: Settings, store: EmbeddedStore, path: Path, replace: bool = False) -> tuple[Path, int]:
    """Publish the accepted rows of a reviewed SSSOM file: write them to
    ``vocab/mappings/`` and load that file (validated). Returns (file, rows)."""
    if not path.name.lower().endswith(".sssom.tsv"):
        raise KpError(f"{path}: expected an SSSOM TSV file (*.sssom.tsv)")
    table = rdfio.read_sssom_table(path)
    rdfio.read_sssom(path)  # every row's predicate and CURIEs are checked here
    accepted = [r for r in table.rows if (r.get("predicate_modifier") or "").strip() != "Not"]
    if not accepted:
        raise KpError(f"{path}: no accepted mapping (every row is rejected)")
    subjects = {rdfio.expand_curie(r["subject_id"], table.prefixes) for r in accepted}
    values = " ".join(str(ox.NamedNode(iri)) for iri in sorted(subjects))
    found = {
        row["concept"].value
        for row in store.select(queries.KNOWN_CONCEPTS.replace("?conceptIris", values), None)
        if row["concept"] is not None
    }
    unknown = sorted(subjects - found)
    if unknown:
        raise KpError(f"{path}: subject(s) not in the vocabulary: {', '.join(unknown[:10])}")
    stem = path.name[: -len(".sssom.tsv")].removesuffix(".proposed")
    target = settings.vocab_dir / "mappings" / f"{stem}.sssom.tsv"
    if target.exists() and not replace:
        raise KpError(f"{target} exists; use --replace to overwrite it")
    if target.exists() and "Generated by scripts/build_seed.py" in target.read_text(encoding="utf-8")[:2000]:
        raise KpError(f"{target} is generated from vocab/source/; name the reviewed file differently")
    columns = tuple(c for c in (table.rows[0].keys() if table.rows else ()) if c != "predicate_modifier")
    meta = {**table.meta, "curie_map": table.meta.get("curie_map") or {}}
    reviewed = MappingSet(meta, [{c: r.get(c) or "" for c in columns} for r in accepted], columns)
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.read_bytes() if target.exists() else None
    target.write_text(reviewed.tsv(), encoding="utf-8")
    from server.loader import load

    try:
        load(settings, store, paths=[target])
    except KpError:
        if previous is None:
            target.unlink()
        else:
            target.write_bytes(previous)
        raise
    return target, len(accepted)
