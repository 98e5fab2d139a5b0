"""Browse pages: the alphabetical index per language, the substance tree, and
recently added and changed terms. All of them built from the caller's level."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server import browse, recent, substance_tree
from server.errors import BadRequest, NotFound
from server.lexicon import Lexicon
from server.names import language_name
from server.routers import deps

router = APIRouter(tags=["pages"])
#: Pages differ by who asks (handling level) and in which interface language.
VARY = {"Vary": "Authorization, Cookie, Accept-Language"}


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    context = {**deps.page_context(request), **values}
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status, headers=VARY
    )
    return response


def error_page(request: Request, exc: BadRequest | NotFound) -> HTMLResponse:
    t = deps.page_context(request)["t"]
    bad = isinstance(exc, BadRequest)
    heading = t("browse_bad_request") if bad else t("not_found")
    return render(request, "browse_error.html", 400 if bad else 404, heading=heading, message=str(exc))


def lexicon(request: Request) -> Lexicon:
    found: Lexicon = deps.derived(request, "lexicon", deps.caller(request).level)
    return found


def display_language(tag: str, request: Request) -> str:
    context = deps.page_context(request)
    return str(context["t"]("browse_emoji")) if tag == "zxx" else language_name(tag, context["lang"])


@router.get("/browse", response_class=HTMLResponse, summary="Browse: languages, substances, recent terms")
def languages(request: Request) -> HTMLResponse:
    rows = [(row, display_language(row.lang, request)) for row in browse.languages(lexicon(request))]
    return render(request, "browse_languages.html", languages=rows, level=deps.caller(request).level)


@router.get("/browse/substances", response_class=HTMLResponse, summary="The substance tree with term counts")
def substances(request: Request) -> HTMLResponse:
    caller = deps.caller(request)
    broader, groups = substance_tree.hierarchy(deps.reader(request, caller.level))
    roots = substance_tree.tree(
        broader, groups, lexicon(request), deps.settings(request).base, deps.ui_language(request)
    )
    return render(request, "browse_substances.html", roots=roots, level=caller.level)


@router.get("/browse/recent", response_class=HTMLResponse, summary="Recently added and changed terms")
def recently(request: Request) -> HTMLResponse:
    caller = deps.caller(request)
    found = recent.recent(
        deps.reader(request, caller.level),
        lexicon(request),
        deps.settings(request).base,
        deps.ui_language(request),
    )
    return render(request, "browse_recent.html", recent=found, level=caller.level)


@router.get("/browse/{lang}", response_class=HTMLResponse, summary="Alphabetical index of one language")
def letter_index(request: Request, lang: str, letter: str | None = None) -> HTMLResponse:
    try:
        found = browse.index(
            lexicon(request), lang, deps.settings(request).base, deps.ui_language(request), letter
        )
    except (BadRequest, NotFound) as exc:
        return error_page(request, exc)
    return render(
        request,
        "browse_index.html",
        index=found,
        language=display_language(found.lang, request),
        level=deps.caller(request).level,
    )
