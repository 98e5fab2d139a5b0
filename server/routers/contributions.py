"""Contribution intake and review: /api/v1/contributions (JSON) for people's tools and scripts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from server import deprecation
from server.contributions import TABLE_TYPES, Contributions
from server.errors import BadRequest
from server.loader import meta_graph
from server.routers import deps
from server.template_files import template_csv, template_xlsx

router = APIRouter(prefix="/api/v1/contributions", tags=["contributions"])
history_router = APIRouter(tags=["contributions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BY_EXTENSION = {".csv": "text/csv", ".xlsx": XLSX, ".ttl": "text/turtle", ".jsonld": "application/ld+json"}


class Decision(BaseModel):
    reason: str = Field("", description="Why (required to reject).")


def _workflow(request: Request) -> Contributions:
    value: Contributions = request.app.state.contributions
    return value


@router.get("/template.csv", summary="The contribution template as CSV (UTF-8 with BOM)")
def template_as_csv() -> Response:
    return Response(template_csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kp-contribution-template.csv"'})  # fmt: skip


@router.get("/template.xlsx", summary="The contribution template as an XLSX workbook with drop-down lists")
def template_as_xlsx() -> Response:
    return Response(template_xlsx(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="kp-contribution-template.xlsx"'})  # fmt: skip


@router.post(
    "",
    status_code=202,
    summary="Submit a contribution (CSV, XLSX, Turtle or JSON-LD; raw body or multipart 'file')",
    responses={
        422: {"description": "The validation report: row and column (tables) or concept and property (RDF)"}
    },
)
async def submit(request: Request) -> Response:
    caller = deps.caller(request)
    caller.require("contributor", "reviewer", "admin")  # before reading a large body
    body = await deps.read_body(request, deps.settings(request).max_upload)
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    title = request.headers.get("x-filename") or "upload"
    if media == "multipart/form-data":
        request._body = body  # starlette re-reads the body already received
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadRequest("send the file in a multipart field named 'file'")
        data = await upload.read()
        title = upload.filename or "upload"
        media = (upload.content_type or "").split(";")[0].strip().lower()
        extension = "." + title.rsplit(".", 1)[-1].lower() if "." in title else ""
        if media not in (*TABLE_TYPES, "text/turtle", "application/ld+json"):
            media = BY_EXTENSION.get(extension, media)
    else:
        data = body
    record = await run_in_threadpool(_workflow(request).submit, caller, data, media, title)
    return JSONResponse(record.summary() | {"details": record.details}, status_code=202,
                        headers={"Location": f"/api/v1/contributions/{record.id}"})  # fmt: skip


@history_router.get(
    "/api/v1/history", summary="Approvals, rejections, withdrawals and deprecations since a date"
)
def history(request: Request, since: str | None = None) -> list[dict[str, Any]]:
    caller = deps.caller(request)
    lexicon = deps.derived(request, "lexicon", caller.level)
    visible = {entry.concept for entry in lexicon.entries}
    workflow = _workflow(request)
    entries = workflow.history(caller, since, visible)
    entries += deprecation.history(workflow.store, workflow.records_graph, since, visible)
    return sorted(entries, key=lambda e: e["decided"], reverse=True)


class DeprecationRequest(BaseModel):
    concept: str = Field(..., description="The term to deprecate: its id (T0123) or URI.")
    replaced_by: str = Field(..., description="The term that replaces it: id or URI.")
    reason: str = Field(..., description="Why.")


@history_router.post("/api/v1/deprecations", status_code=201, tags=["contributions"],
                     summary="Deprecate a term in favour of another (reviewers); nothing is deleted")  # fmt: skip
async def deprecate(request: Request, body: DeprecationRequest) -> dict[str, Any]:
    caller = deps.caller(request)
    caller.require("reviewer", "admin")
    workflow = _workflow(request)
    settings = deps.settings(request)
    lexicon = deps.derived(request, "lexicon", "tlp-amber")

    def run() -> deprecation.Deprecation:
        with workflow.lock:
            return deprecation.deprecate(workflow.store, lexicon, settings.base, meta_graph(settings),
                                         workflow.records_graph, caller, body.concept, body.replaced_by,
                                         body.reason)  # fmt: skip

    record = await run_in_threadpool(run)
    await run_in_threadpool(request.app.state.store_changed)
    return record.__dict__


@router.get("", summary="List contributions (contributors see their own)")
def listing(request: Request, status: str | None = None) -> list[dict[str, Any]]:
    records = _workflow(request).records(deps.caller(request), status)
    return [r.summary() for r in records]


@router.get("/{cid}", summary="One contribution: record, validation report, preview of what approval adds")
def one(request: Request, cid: str) -> dict[str, Any]:
    record = _workflow(request).get(deps.caller(request), cid)
    return record.summary() | {"details": record.details}


@router.post("/{cid}/approve", summary="Approve: publish atomically at the handling levels given")
async def approve(request: Request, cid: str) -> dict[str, Any]:
    record = await run_in_threadpool(_workflow(request).approve, deps.caller(request), cid)
    return record.summary()


@router.post("/{cid}/reject", summary="Reject, with a reason")
async def reject(request: Request, cid: str, decision: Decision) -> dict[str, Any]:
    record = await run_in_threadpool(_workflow(request).reject, deps.caller(request), cid, decision.reason)
    return record.summary()


@router.post("/{cid}/withdraw", summary="Withdraw your own pending contribution")
async def withdraw(request: Request, cid: str) -> dict[str, Any]:
    record = await run_in_threadpool(_workflow(request).withdraw, deps.caller(request), cid)
    return record.summary()
