"""The contribution workflow: submit → validate → stage → approve / reject / withdraw.

A valid submission is written at once to its own graphs, one per handling
level (``{base}graph/contribution/{id}/{level}``), but not *recorded* in the
metadata graph, and only recorded graphs are published: they are in no level
snapshot, so no reader can see them. Its record (who, which country, when,
file digest, report, preview) lives in the records graph, written in the same
transaction as the data.

Approval is then one small SPARQL Update, applied by Oxigraph as one
transaction: the graphs' metadata records and the record's new status enter
the store together or not at all, whatever the contribution's size (nothing
is copied). Rejection and withdrawal record the decision first, then drop
the graphs; leftovers of a crash in between are dropped at the next start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from server import contrib_rdf, intake, queries, rdfio, review_updates
from server.access import Caller
from server.config import Settings
from server.errors import BadRequest, Conflict, Forbidden, InvalidData, NotFound, UnsupportedMedia
from server.formats import by_media
from server.lexicon import Lexicon
from server.loader import meta_graph
from server.namespaces import HANDLING_LEVELS, KP, PREFIXES
from server.store import EmbeddedStore, now_iso
from server.validation import Finding, Report, Validator

STATUSES = ("submitted", "approved", "rejected", "withdrawn")
TABLE_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
RDF_TYPES = ("text/turtle", "application/ld+json")
#: Where each template column's problems show up in SHACL paths.
PATH_COLUMNS = {
    "skosxl:literalForm": "term", "skos:prefLabel": "term", "skos:altLabel": "term",
    "skos:hiddenLabel": "term", "kp:termType": "term_type", "kp:ambiguity": "ambiguity",
    "kp:refersTo": "substances", "kp:benignMeaning": "benign_meaning",
    "kp:needsOtherSignal": "needs_other_signal", "kp:platform": "platforms", "dct:spatial": "country",
    "kp:firstSeen": "first_seen", "kp:lastSeen": "last_seen", "dct:source": "source",
    "kp:handling": "handling", "skos:definition": "meaning",
}  # fmt: skip


@dataclass
class Record:
    id: str
    iri: str
    status: str
    submitter: str  # token id
    creator: str  # the token holder's name
    country: str | None
    created: str
    title: str
    media_type: str
    sha256: str
    details: dict[str, Any] = field(default_factory=dict)  # report and preview
    reviewer: str | None = None
    reviewed: str | None = None
    reason: str | None = None

    def summary(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "details"}
        data["labels"] = len(self.details.get("preview", {}).get("labels", []))
        data["warnings"] = self.details.get("report", {}).get("warnings", 0)
        return data


class Contributions:
    """Owns writes of contributions to the store (one writer, serialised by a lock)."""

    def __init__(
        self,
        settings: Settings,
        store: EmbeddedStore,
        lexicon: Callable[[], Lexicon],
        changed: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.store = store
        self.lexicon = lexicon  # everything published (TLP:AMBER)
        self.changed = changed
        self.lock = threading.Lock()
        self._validator: Validator | None = None
        base = settings.base
        self.records_graph = f"{base}graph/contributions"

    @property
    def validator(self) -> Validator:
        if self._validator is None:
            self._validator = Validator(self.settings)
        return self._validator

    def iri(self, cid: str) -> str:
        return f"{self.settings.base}contribution/{cid}"

    def graph(self, cid: str, level: str) -> str:
        """Where a contribution's triples of one level live, pending or published."""
        return f"{self.settings.base}graph/contribution/{cid}/{level}"

    # ------------------------------------------------------------- submit
    def submit(self, caller: Caller, data: bytes, media_type: str, title: str) -> Record:
        """Validate and stage; raises InvalidData (with its report) when invalid."""
        caller.require("contributor", "reviewer", "admin")
        cid = "C" + dt.datetime.now(dt.UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)
        contribution = self.iri(cid)
        lexicon = self.lexicon()
        built, report = self.check(data, media_type, title, contribution, lexicon, caller.country)
        if not report.conforms:
            raise InvalidData(f"{report.count('Violation')} problem(s); nothing was stored", report)
        record = Record(
            id=cid, iri=contribution, status="submitted", submitter=caller.token_id or caller.name,
            creator=caller.name, country=caller.country, created=now_iso(), title=title,
            media_type=media_type, sha256=hashlib.sha256(data).hexdigest(),
            details={"report": report.to_dict(), "preview": contrib_rdf.preview(built, lexicon)},
        )  # fmt: skip
        levels = contrib_rdf.split_levels(built.triples, self._concept_levels(built, lexicon))
        quads = [
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(self.graph(cid, level)))
            for level, triples in levels.items()
            for t in triples
        ]
        quads += self._record_quads(record)
        with self.lock:
            self.store.extend(quads)  # one transaction: staged data and record together
        return record

    def check(
        self,
        data: bytes,
        media_type: str,
        title: str,
        contribution: str,
        lexicon: Lexicon,
        country: str | None,
    ) -> tuple[contrib_rdf.Built, Report]:
        """Read and validate a contribution without storing anything."""
        kind = TABLE_TYPES.get(media_type) or ("rdf" if media_type in RDF_TYPES else None)
        if kind is None:
            raise UnsupportedMedia(
                f"cannot read {media_type or 'an untyped body'}; send text/csv, an .xlsx workbook, "
                "text/turtle or application/ld+json"
            )
        today = dt.datetime.now(dt.UTC).date()
        if kind == "rdf":
            quads = rdfio.parse_bytes(data, by_media(media_type), title)
            known = self.store.existing_subjects(
                {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
            )
            built = contrib_rdf.rdf_to_rdf(quads, self.settings.base, contribution, known, today)
        else:
            table = intake.read_csv(data, title) if kind == "csv" else intake.read_xlsx(data, title)
            checked = intake.check_rows(table, title, intake.substance_index(lexicon), country)
            built = contrib_rdf.rows_to_rdf(checked.rows, self.settings.base, contribution, lexicon, today)
            built.findings[:0] = checked.findings
        return built, self._validate(built, kind)

    def _concept_levels(self, built: contrib_rdf.Built, lexicon: Lexicon) -> dict[str, str]:
        levels: dict[str, str] = {}
        for entry in lexicon.term_entries():
            if entry.concept in built.existing_concepts:
                old = levels.get(entry.concept, "tlp-amber")
                levels[entry.concept] = min(old, entry.handling, key=HANDLING_LEVELS.index)
        return levels

    def _validate(self, built: contrib_rdf.Built, kind: str) -> Report:
        report = Report(findings=list(built.findings), triples=len(built.triples))
        if any(f.severity == "Violation" for f in report.findings) and kind != "rdf" and not built.triples:
            return report
        graph = rdfio.to_rdflib(ox.Quad(t.subject, t.predicate, t.object) for t in built.triples)
        visible = self.store.visible_graphs(meta_graph(self.settings), "tlp-amber")
        for concept in sorted(built.existing_concepts):
            rdfio.to_rdflib(
                (ox.Quad(t.subject, t.predicate, t.object) for t in self.store.describe(ox.NamedNode(concept), visible)),
                graph,
            )  # fmt: skip
        shacl = self.validator.validate(graph, skos_checks=False)
        for finding in shacl.findings:
            row = built.rows.get(finding.focus or "") or built.rows.get(finding.concept or "")
            column = PATH_COLUMNS.get(finding.path or "") if row else None
            report.findings.append(_with(finding, row=row, column=column))
        return report

    def _record_quads(self, record: Record) -> list[ox.Quad]:
        g = ox.NamedNode(self.records_graph)
        s = ox.NamedNode(record.iri)
        dct, xsd = PREFIXES["dct"], PREFIXES["xsd"]
        quads = [
            ox.Quad(s, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(str(KP.Contribution)), g),
            ox.Quad(s, ox.NamedNode(dct + "identifier"), ox.Literal(record.id), g),
            ox.Quad(s, ox.NamedNode(str(KP.reviewStatus)), ox.NamedNode(self._status_iri("submitted")), g),
            ox.Quad(s, ox.NamedNode(str(KP.submittedBy)), ox.Literal(record.submitter), g),
            ox.Quad(s, ox.NamedNode(dct + "creator"), ox.Literal(record.creator), g),
            ox.Quad(s, ox.NamedNode(dct + "created"), ox.Literal(record.created, datatype=ox.NamedNode(xsd + "dateTime")), g),
            ox.Quad(s, ox.NamedNode(dct + "title"), ox.Literal(record.title), g),
            ox.Quad(s, ox.NamedNode(dct + "format"), ox.Literal(record.media_type), g),
            ox.Quad(s, ox.NamedNode(str(KP.sha256)), ox.Literal(record.sha256), g),
            ox.Quad(s, ox.NamedNode(str(KP.validationReport)),
                    ox.Literal(json.dumps(record.details, ensure_ascii=False),
                               datatype=ox.NamedNode(PREFIXES["rdf"] + "JSON")), g),
        ]  # fmt: skip
        if record.country:
            from server.tokens import country_iri

            quads.append(
                ox.Quad(s, ox.NamedNode(dct + "spatial"), ox.NamedNode(country_iri(record.country)), g)
            )
        return quads

    def _status_iri(self, status: str) -> str:
        return f"{self.settings.base}scheme/review-status/{status}"

    # --------------------------------------------------------------- read
    def records(self, caller: Caller, status: str | None = None) -> list[Record]:
        caller.require("contributor", "reviewer", "admin")
        if status is not None and status not in (*STATUSES, "pending"):
            raise BadRequest(f"unknown status {status!r}; use pending, approved, rejected or withdrawn")
        wanted = "submitted" if status == "pending" else status
        found = []
        for row in self.store.select(queries.CONTRIBUTION_RECORDS, [self.records_graph]):
            record = _record(row)
            if wanted and record.status != wanted:
                continue
            if caller.role == "contributor" and record.submitter != caller.token_id:
                continue
            found.append(record)
        return sorted(found, key=lambda r: r.created, reverse=True)

    def get(self, caller: Caller, cid: str) -> Record:
        caller.require("contributor", "reviewer", "admin")
        for record in self.records(caller):
            if record.id == cid:
                return record
        raise NotFound(f"no contribution {cid} that you may see")

    def history(self, caller: Caller, since: str | None, visible: set[str]) -> list[dict[str, Any]]:
        """Decisions since a date, newest first. Readers see approvals and the terms they
        may see (``visible``: the concept IRIs at their level); contributors also see
        their own rejections and withdrawals; reviewers and admins see everything."""
        if since is not None:
            try:
                dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                raise BadRequest(f"since={since!r} is not an ISO date or date-time (2026-12-01)") from None
        entries = []
        for row in self.store.select(queries.CONTRIBUTION_RECORDS, [self.records_graph]):
            record = _record(row)
            if record.status == "submitted" or not record.reviewed or (since and record.reviewed < since):
                continue
            mine = caller.role == "contributor" and record.submitter == caller.token_id
            if record.status != "approved" and not (mine or caller.role in ("reviewer", "admin")):
                continue
            preview = record.details.get("preview", {})
            entry: dict[str, Any] = {
                "contribution": record.iri,
                "status": record.status,
                "decided": record.reviewed,
                "created_terms": [c for c in preview.get("new_terms", []) if c in visible],
                "changed_terms": [
                    c["concept"] for c in preview.get("changed_terms", []) if c["concept"] in visible
                ],
            }
            if caller.role != "anonymous" and caller.role != "partner":
                entry.update(reason=record.reason, country=record.country)
            entries.append(entry)
        return sorted(entries, key=lambda e: e["decided"], reverse=True)

    # ------------------------------------------------------------- decide
    def approve(self, caller: Caller, cid: str) -> Record:
        caller.require("reviewer", "admin")
        with self.lock:
            record = self._pending(caller, cid, deciding=True)
            counts = {lv: self.store.count_graph(self.graph(record.id, lv)) for lv in HANDLING_LEVELS}
            self.store.update(
                review_updates.approval(
                    meta_graph(self.settings), self.records_graph, record.id, record.iri, record.details,
                    {lv: self.graph(record.id, lv) for lv in HANDLING_LEVELS}, counts,
                    self._status_iri("approved"), caller.token_id or caller.name,
                )
            )  # fmt: skip
            self.store.invalidate()
        self.changed()
        return self.get(caller, cid)

    def reject(self, caller: Caller, cid: str, reason: str) -> Record:
        caller.require("reviewer", "admin")
        if not reason.strip():
            raise BadRequest("say why the contribution is rejected (reason)")
        with self.lock:
            record = self._pending(caller, cid, deciding=True)
            self._close(record, caller, "rejected", reason)
        return self.get(caller, cid)

    def withdraw(self, caller: Caller, cid: str) -> Record:
        caller.require("contributor", "reviewer", "admin")
        with self.lock:
            record = self._pending(caller, cid, deciding=False)
            if record.submitter != caller.token_id:
                raise Forbidden("only its contributor may withdraw a contribution")
            self._close(record, caller, "withdrawn", "withdrawn by its contributor")
        return self.get(caller, cid)

    def _pending(self, caller: Caller, cid: str, deciding: bool) -> Record:
        record = self.get(caller, cid)
        if deciding and record.submitter == caller.token_id:
            raise Forbidden("nobody reviews their own contribution; ask another reviewer")
        if record.status != "submitted":
            raise Conflict(f"contribution {cid} is already {record.status}")
        return record

    def _close(self, record: Record, caller: Caller, status: str, reason: str) -> None:
        """Record a rejection or withdrawal, then drop the unpublished graphs."""
        self.store.update(
            review_updates.decision(
                self.records_graph,
                record.iri,
                self._status_iri(status),
                caller.token_id or caller.name,
                reason,
            )
        )
        self.drop_unpublished(record.id)

    def drop_unpublished(self, cid: str) -> None:
        for level in HANDLING_LEVELS:
            self.store.drop_graph(self.graph(cid, level))

    def clean_up(self) -> int:
        """Drop graphs of rejected and withdrawn contributions left by a crash; returns how many."""
        dropped = 0
        for row in self.store.select(queries.CONTRIBUTION_RECORDS, [self.records_graph]):
            record = _record(row)
            if record.status in ("rejected", "withdrawn"):
                for level in HANDLING_LEVELS:
                    if self.store.count_graph(self.graph(record.id, level)):
                        self.store.drop_graph(self.graph(record.id, level))
                        dropped += 1
        return dropped


def _with(finding: Finding, **changes: Any) -> Finding:
    from dataclasses import replace

    return replace(finding, **changes)


def _record(row: dict[str, Any]) -> Record:
    def text(name: str) -> str | None:
        value = row.get(name)
        return value.value if value is not None else None

    country = text("country")
    return Record(
        id=text("id") or "", iri=text("contribution") or "", status=(text("status") or "").rsplit("/", 1)[-1],
        submitter=text("submitter") or "", creator=text("creator") or "",
        country=_alpha2(country) if country else None, created=text("created") or "", title=text("title") or "",
        media_type=text("format") or "", sha256=text("sha256") or "", details=json.loads(text("report") or "{}"),
        reviewer=text("reviewer"), reviewed=text("reviewed"), reason=text("reason"),
    )  # fmt: skip


def _alpha2(iri: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_3=iri.rsplit("/", 1)[-1])
    return country.alpha_2 if country is not None else iri
