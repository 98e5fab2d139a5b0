"""Build an immutable release folder ``dist/VERSION/`` from the store, and
read the releases that exist.

A release is written into a hidden temporary folder next to its final place
and renamed when complete, so a folder named after a version is always a
whole release; an existing one is never overwritten. Files are made
read-only. See ``docs/interoperability.md`` for what each file is for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server import changes, dcat, exports, formats, lexicon, mappingset, misp, queries
from server.config import Settings
from server.dcat import FileInfo
from server.errors import KpError, NotFound
from server.loader import meta_graph
from server.store import VISIBLE_LEVELS, EmbeddedStore

VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$")
RESERVED = {"latest"}
MANIFEST = "release.json"
SUMS = "SHA256SUMS"
DUMP = "drugkp"

MEDIA_TYPES: dict[str, str] = {
    **{ext: fmt.media_type for fmt in formats.FORMATS for ext in fmt.extensions if ext != ".json"},
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".json": "application/json",
    ".tsv": "text/tab-separated-values",
    ".yml": "application/yaml",
    ".md": "text/markdown",
}

Progress = Callable[[str, int, int], None]


class ReleaseError(KpError):
    """A release that cannot be built (bad version, already there, no data)."""

    code = "release_error"


@dataclass(frozen=True)
class Release:
    version: str
    issued: str  # xsd:dateTime, UTC
    previous: str | None
    files: list[FileInfo]
    path: Path

    def file(self, relpath: str) -> FileInfo:
        for info in self.files:
            if info.path == relpath:
                return info
        raise NotFound(f"release {self.version} has no file {relpath!r}")


def check_version(version: str) -> str:
    # A version ending like a document (".ttl") would clash with /release/{version}.ttl.
    document = version.rpartition(".")[2] in ("html", "ttl", "jsonld", "rdf", "nt")
    if not VERSION.match(version) or version in RESERVED or ".." in version or document:
        raise ReleaseError(
            f"{version!r} is not a release version: use letters, digits, '.', '-', '+' or '_' "
            "(at most 64, starting with a letter or digit), e.g. 2026.12 or 1.0.0"
        )
    return version


def visible_to(package: str | None, level: str) -> bool:
    """Whether a reader of ``level`` may download a file of ``package`` (None: shared files)."""
    return package is None or exports.PACKAGES[package] in VISIBLE_LEVELS[level]


def media_type(path: str) -> str:
    if path.endswith(SUMS):
        return "text/plain"
    return MEDIA_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")


def file_info(root: Path, relpath: str, package: str | None, title: str) -> FileInfo:
    data = (root / relpath).read_bytes()
    return FileInfo(relpath, media_type(relpath), len(data), hashlib.sha256(data).hexdigest(), package, title)


# ------------------------------------------------------------------ reading
def read_release(dist: Path, version: str) -> Release:
    """A release by version (``latest``: the newest)."""
    if version == "latest":
        found = releases(dist)
        if not found:
            raise NotFound("there is no release yet")
        return found[0]
    if not VERSION.match(version) or ".." in version:
        raise NotFound(f"no release {version!r}")
    path = dist / version / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(f"no release {version!r}") from None
    files = [FileInfo(**f) for f in manifest["files"]]
    return Release(manifest["version"], manifest["issued"], manifest.get("previous"), files, dist / version)


def releases(dist: Path) -> list[Release]:
    """Every complete release in ``dist``, newest first."""
    if not dist.is_dir():
        return []
    found = []
    for child in dist.iterdir():
        if child.is_dir() and not child.name.startswith(".") and (child / MANIFEST).is_file():
            try:
                found.append(read_release(dist, child.name))
            except NotFound:
                continue
    return sorted(found, key=lambda r: (r.issued, r.version), reverse=True)


def load_dataset(path: Path) -> EmbeddedStore:
    """A package dataset (TriG) of an earlier release, in memory."""
    grouped: dict[str, list[ox.Quad]] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else "urn:x-drugkp:default"
        grouped.setdefault(name, []).append(quad)
    store = EmbeddedStore(None)
    for name, quads in grouped.items():
        store.replace_graph(name, quads)
    return store


# ------------------------------------------------------------------ writing
def build(
    settings: Settings,
    store: EmbeddedStore,
    version: str,
    dist: Path,
    previous: str | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> Release:
    """Write ``dist/VERSION/``; refuse when it exists. ``previous`` defaults to the newest release."""
    check_version(version)
    final = dist / version
    if final.exists():
        raise ReleaseError(f"release {version} already exists at {final}; releases are immutable")
    earlier = releases(dist)
    if previous is not None:
        before: Release | None = read_release(dist, check_version(previous))
    else:
        before = earlier[0] if earlier else None
    issued_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    issued = issued_at.isoformat().replace("+00:00", "Z")
    day = issued_at.date().isoformat()
    dist.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f".{version}.partial-", dir=dist))
    job = _Job(settings, version, issued_at, root, before, progress, steps=4 + 6 * len(exports.PACKAGES))
    files, add, step = job.files, job.add, job.step

    try:
        meta = meta_graph(settings)
        exports.write_triples(exports.graph_data(store, meta, "ontology"), root / "ontology.ttl")
        add("ontology.ttl", None, "The Knowledge Package ontology (OWL, Turtle)")
        exports.write_triples(exports.graph_data(store, meta, "shapes"), root / "shapes.ttl")
        add("shapes.ttl", None, "SHACL shapes every contribution is validated against (Turtle)")
        (root / "context.jsonld").write_bytes(exports.json_bytes(exports.context_document()))
        add("context.jsonld", None, "JSON-LD context with the vocabulary's prefixes")
        step("ontology, shapes and context")

        stats: dict[str, dcat.VoidStats] = {}
        languages: dict[str | None, list[str]] = {}
        public_log = ""
        for package, level in exports.PACKAGES.items():
            data = exports.level_data(store, meta, level)
            written = _write_package(job, package, data)
            stats[package], languages[package] = written.stats, written.languages
            if package == "public":
                public_log = written.changelog

        (root / "CHANGELOG.md").write_text(public_log, encoding="utf-8")
        add("CHANGELOG.md", None, "Changelog (public package)")
        exports.write_triples(dcat.void(settings.base, version, stats, files), root / "void.ttl")
        add("void.ttl", None, "VoID description of the packages")
        step("VoID description")
        previous_version = job.previous
        with (root / "catalog.ttl").open("wb") as output:
            ox.serialize(
                dcat.catalogue(
                    settings.base,
                    version,
                    day,
                    files,
                    previous_version,
                    {**languages, None: languages["public"]},
                ),
                output,
                ox.RdfFormat.TURTLE,
                prefixes=dcat.DCAT_PREFIXES,
            )
        add("catalog.ttl", None, "DCAT-AP 3 catalogue record of this release")
        step("DCAT-AP catalogue record")
        manifest = {
            "version": version,
            "issued": issued,
            "previous": previous_version,
            "base": settings.base,
            "packages": exports.PACKAGES,
            "files": [asdict(f) for f in files],
        }
        (root / MANIFEST).write_bytes(exports.json_bytes(manifest))
        sums = sorted([*files, file_info(root, MANIFEST, None, "Release manifest")], key=lambda f: f.path)
        (root / SUMS).write_text("".join(f"{f.sha256}  {f.path}\n" for f in sums), encoding="utf-8")
        step("manifest and SHA256SUMS")
        for path in root.rglob("*"):
            if path.is_file():
                path.chmod(0o444)
        root.chmod(0o755)  # mkdtemp made it private
        try:
            os.rename(root, final)  # fails if another run created it meanwhile
        except OSError:
            raise ReleaseError(
                f"release {version} already exists at {final}; releases are immutable"
            ) from None
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return read_release(dist, version)


@dataclass
class _Job:
    """One release being written: where, what so far, and progress."""

    settings: Settings
    version: str
    issued_at: dt.datetime
    root: Path
    before: Release | None
    progress: Progress | None
    steps: int
    done: int = 0
    files: list[FileInfo] = field(default_factory=list)

    @property
    def day(self) -> str:
        return self.issued_at.date().isoformat()

    @property
    def previous(self) -> str | None:
        return self.before.version if self.before is not None else None

    def add(self, relpath: str, package: str | None, title: str) -> None:
        self.files.append(file_info(self.root, relpath, package, title))

    def step(self, what: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(what, self.done, self.steps)


@dataclass(frozen=True)
class _Written:
    stats: dcat.VoidStats
    languages: list[str]
    changelog: str


def _write_package(job: _Job, package: str, data: exports.LevelData) -> _Written:
    """Every file of one audience package, from the data its level may see."""
    folder = job.root / package
    folder.mkdir()
    for ext in exports.DUMP_FORMATS:
        exports.write_dump(data, ext, folder / f"{DUMP}.{ext}")
        job.add(f"{package}/{DUMP}.{ext}", package, f"Dataset ({package}), {exports.DUMP_FORMATS[ext]}")
    job.step(f"{package}: RDF dumps")

    rows = exports.label_rows(data)
    for sub in ("labels", "wordlists"):
        (folder / sub).mkdir()
    for lang, found in rows.items():
        stem = exports.language_file_stem(lang)
        exports.write_csv(found, folder / "labels" / f"{stem}.csv")
        job.add(f"{package}/labels/{stem}.csv", package, f"Labels in {lang} ({package}), CSV")
        exports.write_xlsx(found, folder / "labels" / f"{stem}.xlsx", lang)
        job.add(f"{package}/labels/{stem}.xlsx", package, f"Labels in {lang} ({package}), spreadsheet")
        exports.write_word_list(found, folder / "wordlists" / f"{stem}.txt")
        job.add(f"{package}/wordlists/{stem}.txt", package, f"Word list in {lang} ({package})")
    job.step(f"{package}: label tables and word lists")

    lex = lexicon.build(data.store, data.level)
    (folder / "misp").mkdir()
    minutes = int(job.issued_at.timestamp()) // 60  # MISP wants a growing integer version
    taxonomy = misp.taxonomy(data, lex, minutes, f" Release {job.version}, {package} package.")
    (folder / "misp" / "machinetag.json").write_bytes(exports.json_bytes(taxonomy))
    job.add(f"{package}/misp/machinetag.json", package, f"MISP taxonomy ({package})")
    job.step(f"{package}: MISP taxonomy")

    mappings = mappingset.build(
        data.store,
        data.graphs,
        job.settings.data_root,
        mapping_set_id=f"{dcat.release_iri(job.settings.base, job.version, package)}/mappings/{DUMP}.sssom.tsv",
        version=job.version,
        issued=job.day,
        description=f"Mappings of the Drug-term Knowledge Package {job.version} ({package} package) "
        "to Wikidata, ChEBI, PubChem, CAS RN and other vocabularies.",
    )
    (folder / "mappings").mkdir()
    (folder / "mappings" / f"{DUMP}.sssom.tsv").write_text(mappings.tsv(), encoding="utf-8")
    job.add(f"{package}/mappings/{DUMP}.sssom.tsv", package, f"SSSOM mapping set ({package})")
    (folder / "mappings" / f"{DUMP}.sssom.yml").write_text(mappings.yaml(), encoding="utf-8")
    job.add(f"{package}/mappings/{DUMP}.sssom.yml", package, f"SSSOM mapping set metadata ({package})")
    job.step(f"{package}: SSSOM mapping set")

    diff = changes.diff(
        _earlier_snapshot(job.before, package, data.level), changes.snapshot(data.triples(), lex)
    )
    document = {
        "version": job.version,
        "previous": job.previous,
        "package": package,
        "level": data.level,
        **diff,
    }
    (folder / "changes.json").write_bytes(exports.json_bytes(document))
    job.add(f"{package}/changes.json", package, f"Changes since the previous release ({package}), JSON")
    log = changes.changelog(job.version, job.previous, job.day, package, diff)
    (folder / "CHANGELOG.md").write_text(log, encoding="utf-8")
    job.add(f"{package}/CHANGELOG.md", package, f"Changelog ({package})")
    job.step(f"{package}: changes since {job.previous or 'nothing (first release)'}")

    stats = _void_stats(data)
    job.step(f"{package}: statistics")
    return _Written(stats, sorted(rows), log)


def _earlier_snapshot(before: Release | None, package: str, level: str) -> changes.Snapshot | None:
    """The same package of the previous release, as the diff compares it (None: nothing to compare)."""
    if before is None or not (before.path / package / f"{DUMP}.trig").is_file():
        return None
    old_store = load_dataset(before.path / package / f"{DUMP}.trig")
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in old_store.all_quads()]
    return changes.snapshot(triples, lexicon.build(old_store, level))


def _void_stats(data: exports.LevelData) -> dcat.VoidStats:
    counts = data.store.select(queries.EXPORT_VOID_COUNTS, None)[0]
    return dcat.VoidStats(
        triples=len(data.triples()),
        subjects=_int(counts["subjects"]),
        properties=_int(counts["properties"]),
        objects=_int(counts["objects"]),
        classes={
            str(r["class"].value): _int(r["entities"])
            for r in data.store.select(queries.EXPORT_CLASS_COUNTS, None)
            if isinstance(r["class"], ox.NamedNode)
        },
    )


def _int(term: Any) -> int:
    return int(term.value) if term is not None else 0


def verify(release: Release) -> list[str]:
    """Files whose size or checksum no longer matches the manifest (empty: intact)."""
    problems = []
    for info in release.files:
        path = release.path / info.path
        if not path.is_file():
            problems.append(f"{info.path}: missing")
            continue
        data = path.read_bytes()
        if len(data) != info.size or hashlib.sha256(data).hexdigest() != info.sha256:
            problems.append(f"{info.path}: changed since the release was built")
    return problems
