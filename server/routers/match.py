"""``POST /api/v1/match``: the vocabulary's terms found in posts."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from server.errors import InvalidData, TooLarge, UnsupportedMedia
from server.match import DEFAULT_MIN_CONFIDENCE, Matcher
from server.routers import deps

router = APIRouter(prefix="/api/v1", tags=["match"])

MAX_TEXTS = 1000
MAX_TEXT_CHARS = 20_000
MAX_BODY_BYTES = 4 * 1024 * 1024
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


class MatchRequest(BaseModel):
    """Posts to scan. Offsets in the answer count Unicode code points of each text."""

    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(
        description=f"Up to {MAX_TEXTS} texts of up to {MAX_TEXT_CHARS} characters each."
    )
    languages: list[str] | None = Field(
        default=None,
        max_length=40,
        description="Only labels in these languages (BCP 47), plus emoji; default all.",
        examples=[["en", "de"]],
    )
    min_confidence: float = Field(
        default=DEFAULT_MIN_CONFIDENCE, ge=0.0, le=1.0, description="Leave out weaker matches."
    )


class SubstanceRef(BaseModel):
    uri: str
    label: str


class SubstanceFound(SubstanceRef):
    confidence: float


class MatchOut(BaseModel):
    start: int = Field(description="Offset of the first character in the original text.")
    end: int = Field(description="Offset after the last character.")
    text: str = Field(description="The matched text as written.")
    label: str = Field(description="The vocabulary's label it matched.")
    lang: str
    label_uri: str | None = Field(description="SKOS-XL label; null for a substance's own name.")
    concept: str
    substances: list[SubstanceRef]
    term_type: str
    ambiguity: str | None
    confidence: float
    reason: str = Field(description="exact | normalised | obfuscated | emoji")


class TextOut(BaseModel):
    matches: list[MatchOut]
    substances: list[SubstanceFound] = Field(description="Substances implicated, strongest first.")
    signals: list[str] = Field(
        description="Seller signals (contact, price, delivery) seen in a text with candidate terms."
    )


class MatchResponse(BaseModel):
    level: str = Field(description="Handling level of the labels matched (the caller's).")
    min_confidence: float
    results: list[TextOut] = Field(description="One per text, in order.")


def parse(body: bytes) -> MatchRequest:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidData(f"the body is not JSON: {exc}", None) from None
    if isinstance(data, dict) and isinstance(data.get("texts"), list) and len(data["texts"]) > MAX_TEXTS:
        raise TooLarge(f"{len(data['texts'])} texts; send at most {MAX_TEXTS} per request")
    try:
        request = MatchRequest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InvalidData(f"invalid request: {problems}", None) from None
    for i, text in enumerate(request.texts):
        if len(text) > MAX_TEXT_CHARS:
            raise TooLarge(f"text {i} has {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
        if "\x00" in text:
            raise InvalidData(f"text {i} contains a NUL character", None)
    for lang in request.languages or []:
        if not LANGUAGE_TAG.match(lang):
            raise InvalidData(f"not a language tag: {lang!r}", None)
    return request


@router.post(
    "/match",
    response_model=MatchResponse,
    summary="Find the vocabulary's terms in texts",
    description=(
        "Finds every label the caller may see (anonymous: TLP:CLEAR; partners: also TLP:GREEN) in each "
        "text, also when cased, accented, widened, leetspoken, split by separators, stretched, written "
        "with look-alike letters, inside hashtags and user names, or as emoji with or without variation "
        "selectors and skin tones. Highly ambiguous labels count fully only next to another term or a "
        "seller signal (contact, price, delivery)."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": MatchRequest.model_json_schema()}},
        }
    },
    responses={413: {"description": "Too many or too long texts"}, 422: {"description": "Invalid request"}},
)
async def match_texts(request: Request) -> dict[str, Any]:
    caller = deps.caller(request)
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media not in ("application/json", ""):
        raise UnsupportedMedia(f"send application/json, not {media}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge(f"the body is over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge(f"the body is over {MAX_BODY_BYTES} bytes")
    parsed = parse(bytes(body))

    def run() -> list[dict[str, Any]]:
        matcher: Matcher = deps.derived(request, "matcher", caller.level)
        return matcher.report(parsed.texts, parsed.languages, parsed.min_confidence)

    results = await run_in_threadpool(run)
    return {"level": caller.level, "min_confidence": parsed.min_confidence, "results": results}
