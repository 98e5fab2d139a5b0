"""The Skosmos-compatible REST API under ``/rest/v1/`` (read subset).

Each route parses its parameters, calls one function of :mod:`server.skosmos_browse`,
:mod:`server.skosmos_search` or :mod:`server.skosmos_data` over the caller's
handling level, and returns JSON(-LD). Required parameters are checked by the
domain code (400, as Skosmos answers), unknown vocabularies and concepts are 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from server import formats, search, skosmos, skosmos_browse, skosmos_data, skosmos_search
from server.errors import BadRequest
from server.routers import deps
from server.store import EmbeddedStore

router = APIRouter(prefix="/rest/v1", tags=["skosmos"])
CATALOGUE = "skosmos"
JSON_TYPES = ["application/json", "application/ld+json"]

LANG = Query(None, description="Language of the labels returned (BCP 47, e.g. en, pl; default en).")
URI = Query(None, description="URI of the concept (required).")
VOCID = "Vocabulary id: terms, substances, term-types, ambiguity, handling, platforms, review-status, control-schedules."


def _level(request: Request) -> str:
    """The caller's handling level, authenticated once per request."""
    level: str | None = getattr(request.state, "handling_level", None)
    if level is None:
        level = request.state.handling_level = deps.caller(request).level
    return level


def _catalogue(request: Request) -> skosmos.Catalogue:
    """The catalogue of the caller's handling level (built once per store version)."""
    derived = request.app.state.derived
    # Registering is idempotent; doing it here keeps the app factory untouched.
    derived.register(CATALOGUE, lambda _derived, reader, level: skosmos.build(reader, level))
    catalogue: skosmos.Catalogue = derived.get(CATALOGUE, _level(request))
    return catalogue


def _index(request: Request) -> search.Index:
    index: search.Index = deps.derived(request, "search", _level(request))
    return index


def _reader(request: Request) -> EmbeddedStore:
    return deps.reader(request, _level(request))


def _json(request: Request, body: dict[str, Any]) -> JSONResponse:
    media = formats.negotiate(request.headers.get("accept"), JSON_TYPES) or JSON_TYPES[0]
    return JSONResponse(body, media_type=media, headers={"Vary": "Accept, Authorization, Cookie"})


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} parameter is invalid") from None


# ------------------------------------------------------------------ global
@router.get("/vocabularies", summary="The vocabularies (concept schemes) served")
def vocabularies(
    request: Request, lang: str | None = Query(None, description="Language of the titles (required).")
) -> JSONResponse:
    return _json(request, skosmos_browse.vocabularies(_catalogue(request), lang))


SEARCH_DOC = (
    "Concepts by any of their labels. Without `*` the label must equal the query, ignoring case, accents "
    "and emoji variants (falling back to labels a typo or two away); `abc*` finds labels starting with abc, "
    "`*abc`, `*abc*` and `a*c` match patterns; `*` alone lists every concept."
)


def _search(
    request: Request,
    vocid: str | None,
    query: str | None,
    lang: str | None,
    labellang: str | None,
    vocab: str | None,
    type_: str | None,
    maxhits: str | None,
    offset: str | None,
) -> JSONResponse:
    body = skosmos_search.search_concepts(
        _catalogue(request),
        _index(request),
        query,
        lang=lang,
        labellang=labellang,
        vocab=vocab,
        vocid=vocid,
        type_=type_,
        maxhits=_int(maxhits, "maxhits"),
        offset=_int(offset, "offset"),
    )
    return _json(request, body)


QUERY = Query(None, description="What to find (required); `*` is a wildcard.")
SEARCH_LANG = Query(None, description="Only match labels in this language (default: any).")
LABELLANG = Query(
    None, description="Language of the prefLabels shown (default: lang, else the matched label's)."
)
TYPE = Query(None, description="Only concepts of this type (CURIE or URI, e.g. kp:DrugTerm, kp:Substance).")
MAXHITS = Query(
    None,
    description=f"At most this many results (1-{skosmos_search.MAX_HITS}, default {skosmos_search.DEFAULT_HITS}).",
)
OFFSET = Query(None, description="Results to skip.")


@router.get("/search", summary="Search concepts in every vocabulary", description=SEARCH_DOC)
def search_all(
    request: Request,
    query: str | None = QUERY,
    lang: str | None = SEARCH_LANG,
    labellang: str | None = LABELLANG,
    vocab: str | None = Query(
        None, description="Vocabulary ids to search, separated by spaces (default: all)."
    ),
    type: str | None = TYPE,
    maxhits: str | None = MAXHITS,
    offset: str | None = OFFSET,
) -> JSONResponse:
    return _search(request, None, query, lang, labellang, vocab, type, maxhits, offset)


@router.get("/label", summary="The labels of a concept in one language")
def label_any(request: Request, uri: str | None = URI, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.labels(_catalogue(request), uri, lang))


FORMAT = Query(
    None,
    description="Media type: application/rdf+xml (default), text/turtle, application/ld+json, application/json.",
)


def _data(request: Request, vocid: str | None, uri: str | None, format: str | None) -> Response:
    media = skosmos_data.choose_format(format, request.headers.get("accept"))
    body = skosmos_data.data(_catalogue(request), _reader(request), uri, vocid, media)
    return Response(body, media_type=media, headers={"Vary": "Accept, Authorization, Cookie"})


@router.get("/data", summary="A concept's RDF (the same triples as its URI dereferences to)")
def data_any(request: Request, uri: str | None = URI, format: str | None = FORMAT) -> Response:
    return _data(request, None, uri, format)


LABEL = Query(None, description="The label to look up (required).")
LOOKUP_LANG = Query(None, description="Only labels in this language (default: any).")


@router.get("/lookup", summary="Concepts by an exact label, in every vocabulary")
def lookup_any(request: Request, label: str | None = LABEL, lang: str | None = LOOKUP_LANG) -> JSONResponse:
    return _json(request, skosmos_search.lookup(_catalogue(request), _index(request), label, lang))


# -------------------------------------------------------------- vocabulary
@router.get("/{vocid}/", summary="About a vocabulary", description=VOCID)
def vocabulary(request: Request, vocid: str, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.vocabulary_info(_catalogue(request), vocid, lang))


@router.get("/{vocid}/topConcepts", summary="The top concepts of a vocabulary", description=VOCID)
def top_concepts(
    request: Request,
    vocid: str,
    lang: str | None = LANG,
    scheme: str | None = Query(None, description="Concept scheme URI (default: the vocabulary's)."),
) -> JSONResponse:
    return _json(request, skosmos_browse.top_concepts(_catalogue(request), vocid, lang, scheme))


@router.get("/{vocid}/broader", summary="The broader concepts of a concept", description=VOCID)
def broader(request: Request, vocid: str, uri: str | None = URI, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.relatives(_catalogue(request), vocid, uri, lang, "broader"))


@router.get("/{vocid}/narrower", summary="The narrower concepts of a concept", description=VOCID)
def narrower(request: Request, vocid: str, uri: str | None = URI, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.relatives(_catalogue(request), vocid, uri, lang, "narrower"))


LIMIT = Query(None, description="At most this many concepts (default 1000).")


@router.get("/{vocid}/broaderTransitive", summary="All the broader concepts of a concept", description=VOCID)
def broader_transitive(
    request: Request, vocid: str, uri: str | None = URI, lang: str | None = LANG, limit: str | None = LIMIT
) -> JSONResponse:
    body = skosmos_browse.transitive(_catalogue(request), vocid, uri, lang, "broader", _int(limit, "limit"))
    return _json(request, body)


@router.get(
    "/{vocid}/narrowerTransitive", summary="All the narrower concepts of a concept", description=VOCID
)
def narrower_transitive(
    request: Request, vocid: str, uri: str | None = URI, lang: str | None = LANG, limit: str | None = LIMIT
) -> JSONResponse:
    body = skosmos_browse.transitive(_catalogue(request), vocid, uri, lang, "narrower", _int(limit, "limit"))
    return _json(request, body)


@router.get("/{vocid}/index/", summary="The letters of the alphabetical index", description=VOCID)
def index_letters(request: Request, vocid: str, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.index_letters(_catalogue(request), vocid, lang))


@router.get(
    "/{vocid}/index/{letter}",
    summary="Concepts filed under a letter of the alphabetical index",
    description=VOCID + " Letter: a letter, `0-9`, `!*` (emoji and signs) or `*` (all).",
)
def index_concepts(
    request: Request,
    vocid: str,
    letter: str,
    lang: str | None = LANG,
    limit: str | None = Query(None, description="At most this many concepts (default: all)."),
    offset: str | None = OFFSET,
) -> JSONResponse:
    body = skosmos_browse.index_concepts(
        _catalogue(request), vocid, letter, lang, _int(limit, "limit"), _int(offset, "offset") or 0
    )
    return _json(request, body)


@router.get(
    "/{vocid}/mappings", summary="A concept's mappings to other vocabularies (JSKOS)", description=VOCID
)
def mappings(request: Request, vocid: str, uri: str | None = URI, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_data.mappings(_catalogue(request), _reader(request), vocid, uri, lang))


@router.get("/{vocid}/vocabularyStatistics", summary="Counts of concepts by type", description=VOCID)
def vocabulary_statistics(request: Request, vocid: str, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.vocabulary_statistics(_catalogue(request), vocid, lang))


@router.get("/{vocid}/labelStatistics", summary="Counts of labels by language and kind", description=VOCID)
def label_statistics(request: Request, vocid: str, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.label_statistics(_catalogue(request), vocid, lang))


@router.get("/{vocid}/search", summary="Search concepts in one vocabulary", description=SEARCH_DOC)
def search_vocabulary(
    request: Request,
    vocid: str,
    query: str | None = QUERY,
    lang: str | None = SEARCH_LANG,
    labellang: str | None = LABELLANG,
    type: str | None = TYPE,
    maxhits: str | None = MAXHITS,
    offset: str | None = OFFSET,
) -> JSONResponse:
    return _search(request, vocid, query, lang, labellang, None, type, maxhits, offset)


@router.get("/{vocid}/label", summary="The labels of a concept in one language", description=VOCID)
def label(request: Request, vocid: str, uri: str | None = URI, lang: str | None = LANG) -> JSONResponse:
    return _json(request, skosmos_browse.labels(_catalogue(request), uri, lang, vocid))


@router.get("/{vocid}/data", summary="A concept's RDF", description=VOCID)
def data(request: Request, vocid: str, uri: str | None = URI, format: str | None = FORMAT) -> Response:
    return _data(request, vocid, uri, format)


@router.get("/{vocid}/lookup", summary="Concepts by an exact label, in one vocabulary", description=VOCID)
def lookup(
    request: Request, vocid: str, label: str | None = LABEL, lang: str | None = LOOKUP_LANG
) -> JSONResponse:
    return _json(request, skosmos_search.lookup(_catalogue(request), _index(request), label, lang, vocid))
