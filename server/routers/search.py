"""Search and autocomplete: /api/v1/search, /api/v1/suggest (JSON) and /search (page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from server import search
from server.errors import BadRequest
from server.routers import deps

router = APIRouter()


class Matched(BaseModel):
    text: str
    lang: str
    kind: str
    label: str | None
    termType: str | None


class Substance(BaseModel):
    iri: str
    label: str


class Result(BaseModel):
    concept: str
    type: str
    prefLabel: str
    match: str
    distance: int
    matched: Matched
    ambiguity: str | None
    substances: list[Substance]
    deprecated: bool


class Results(BaseModel):
    query: str
    total: int
    offset: int
    limit: int
    results: list[Result]


class Suggestion(BaseModel):
    text: str
    lang: str
    kind: str
    concept: str
    prefLabel: str
    match: str


def _index(request: Request) -> search.Index:
    caller = deps.caller(request)
    index: search.Index = deps.derived(request, "search", caller.level)
    return index


def _run(request: Request, q: str, lang: str | None, label_lang: str | None, term_type: str | None,
         substance: str | None, scheme: str | None, limit: int, offset: int) -> dict[str, Any]:  # fmt: skip
    return search.search(_index(request), q, lang or deps.ui_language(request), label_lang=label_lang,
                         term_type=term_type, substance=substance, scheme=scheme, limit=limit, offset=offset)  # fmt: skip


@router.get("/api/v1/search", response_model=Results, tags=["search"],
            summary="Find terms and substances by any of their labels")  # fmt: skip
def search_api(
    request: Request,
    q: str = Query(..., description="What was seen: a word (any case, with or without accents, misspelt), a hashtag or emoji."),
    lang: str | None = Query(None, description="Language of the prefLabel shown for each result (fallback English)."),
    label_lang: str | None = Query(None, description="Only labels in this language (BCP 47; zxx for emoji)."),
    term_type: str | None = Query(None, description="Only labels of this term type (slang, emoji, hashtag, ...)."),
    substance: str | None = Query(None, description="Only terms referring to this substance (id or URI)."),
    scheme: str | None = Query(None, description="terms or substances."),
    limit: int = Query(20, description=f"Results per page (1-{search.MAX_LIMIT})."),
    offset: int = Query(0, description="Results to skip."),
) -> dict[str, Any]:  # fmt: skip
    return _run(request, q, lang, label_lang, term_type, substance, scheme, limit, offset)


@router.get("/api/v1/suggest", response_model=list[Suggestion], tags=["search"],
            summary="Autocomplete: labels starting with what was typed")  # fmt: skip
def suggest_api(
    request: Request,
    q: str = Query(..., description="The start of a label."),
    lang: str | None = Query(None, description="Preferred language."),
    limit: int = Query(10, description="At most this many suggestions (1-100)."),
) -> list[dict[str, Any]]:
    return search.suggest(_index(request), q, lang or deps.ui_language(request), limit)


@router.get("/search", response_class=HTMLResponse, summary="Search page", include_in_schema=False)
def search_page(
    request: Request, q: str = "", label_lang: str = "", term_type: str = "", page: int = 1
) -> HTMLResponse:
    context = deps.page_context(request)
    results: dict[str, Any] | None = None
    error = None
    if q.strip():
        try:
            results = _run(request, q, context["lang"], label_lang or None, term_type or None, None, None, 20,
                           max(page - 1, 0) * 20)  # fmt: skip
            for item in results["results"]:
                item["href"] = deps.local_path(request, item["concept"])
        except BadRequest as exc:
            error = str(exc)
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "search.html",
        {**context, "q": q, "label_lang": label_lang, "term_type": term_type, "results": results, "error": error,
         "page": page},
        status_code=400 if error else 200, headers={"Vary": "Accept-Language, Authorization, Cookie"},
    )  # fmt: skip
    return response
