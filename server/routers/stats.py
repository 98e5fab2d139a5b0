"""Statistics: the page (SVG charts, each with its table) and ``GET /api/v1/stats``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from server.lexicon import Lexicon
from server.routers import deps
from server.stats_page import sections

router = APIRouter()


class LanguageRow(BaseModel):
    lang: str = Field(description="BCP 47 tag (zxx: emoji).")
    labels: int
    terms: int


class TermTypeRow(BaseModel):
    type: str = Field(description="IRI of the term type.")
    typeLabel: str | None
    labels: int
    terms: int


class HandlingRow(BaseModel):
    level: str = Field(description="IRI of the handling level.")
    levelLabel: str | None
    labels: int
    terms: int


class SubstanceRow(BaseModel):
    substance: str = Field(description="IRI of the substance.")
    substanceLabel: str | None = Field(description="Its English name.")
    terms: int
    labels: int


class CountryRow(BaseModel):
    country: str | None = Field(
        description="EU authority-table IRI of the country (dct:spatial); null: not stated."
    )
    code: str | None = Field(description="Its ISO 3166-1 alpha-3 code.")
    labels: int
    terms: int


class GrowthRow(BaseModel):
    month: str = Field(description="YYYY-MM of dct:created; every month from the first to the last.")
    labels: int = Field(description="Labels created that month.")
    terms: int = Field(description="Terms created that month.")
    cumulative_labels: int
    cumulative_terms: int


class Statistics(BaseModel):
    level: str = Field(description="The handling level counted: the caller's.")
    graphs: int
    terms: int
    labels: int
    languages: int
    substances: int
    substance_groups: int
    by_language: list[LanguageRow]
    by_term_type: list[TermTypeRow]
    by_handling: list[HandlingRow]
    by_substance: list[SubstanceRow]
    by_country: list[CountryRow]
    growth: list[GrowthRow]


@router.get(
    "/api/v1/stats",
    response_model=Statistics,
    tags=["statistics"],
    summary="Counts of what the caller may see: by language, term type, substance, handling level, country, month",
)
def api_stats(request: Request, response: Response) -> dict[str, Any]:
    response.headers["Vary"] = "Authorization, Cookie"  # the numbers depend on the caller's level
    return deps.statistics(request, deps.caller(request).level)


@router.get(
    "/stats", response_class=HTMLResponse, tags=["pages"], summary="Statistics page (SVG charts and tables)"
)
def stats_page(request: Request) -> HTMLResponse:
    level = deps.caller(request).level
    numbers = deps.statistics(request, level)
    lexicon: Lexicon = deps.derived(request, "lexicon", level)
    context = deps.page_context(request)
    context.update(
        level=level, stats=numbers, sections=sections(numbers, lexicon, context["lang"], context["t"])
    )
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "stats.html", context, headers={"Vary": "Authorization, Cookie, Accept-Language"}
    )
    return response
