"""``POST /api/v1/match`` on a live server: answers, limits, handling levels, and a matcher
that follows the vocabulary without a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from server import lexicon
from server.store import EmbeddedStore
from server.textnorm import fold
from tests.server_fixture import ADMIN_TOKEN, LiveServer

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def match(server: LiveServer, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(server.url + "/api/v1/match", json=body, headers=headers or {}, timeout=120)


def test_answers_each_text_with_offsets_into_it(live_server: LiveServer) -> None:
    texts = ["Fresh c0c4ine, DM me 📲", "Let it snow ❄️", "#ketamine4sale"]
    response = match(live_server, {"texts": texts})
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "tlp-clear" and body["min_confidence"] == 0.5
    first, second, third = body["results"]
    assert first["matches"]  # the substance's own name, and any term labelled the same way
    for found in first["matches"]:
        assert texts[0][found["start"] : found["end"]] == found["text"] == "c0c4ine"
        assert found["reason"] == "obfuscated" and found["confidence"] >= 0.9
        assert {s["label"] for s in found["substances"]} == {"cocaine"}
    assert "https://w3id.org/drugkp/substance/S0019" in {m["concept"] for m in first["matches"]}
    assert first["substances"][0]["label"] == "cocaine" and "contact" in first["signals"]
    assert second["matches"] == []  # weak alone: left out at the default threshold
    assert texts[2][third["matches"][0]["start"] : third["matches"][0]["end"]] == "ketamine"
    weak = match(live_server, {"texts": [texts[1]], "min_confidence": 0}).json()["results"][0]["matches"]
    assert {m["text"] for m in weak} == {"snow", "❄️"} and all(m["confidence"] < 0.5 for m in weak)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"not json", "application/json", 422, "invalid_data"),
        (b"\xff\xfe{}", "application/json", 422, "invalid_data"),
        (b"{}", "application/json", 422, "invalid_data"),
        (b'{"texts": "one"}', "application/json", 422, "invalid_data"),
        (b'{"texts": [1]}', "application/json", 422, "invalid_data"),
        (b'{"texts": ["a"], "min_confidence": 2}', "application/json", 422, "invalid_data"),
        (b'{"texts": ["a"], "languages": ["en;drop"]}', "application/json", 422, "invalid_data"),
        (b'{"texts": ["a"], "colour": "red"}', "application/json", 422, "invalid_data"),
        (b'{"texts": ["a\\u0000b"]}', "application/json", 422, "invalid_data"),
        (json.dumps({"texts": ["a"] * 1001}).encode(), "application/json", 413, "too_large"),
        (json.dumps({"texts": ["a" * 20_001]}).encode(), "application/json", 413, "too_large"),
        (b'{"texts": ["' + b"a" * (5 * 1024 * 1024) + b'"]}', "application/json", 413, "too_large"),
        (b'{"texts": ["a"]}', "text/plain", 415, "unsupported_media_type"),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "no-texts",
        "texts-not-list",
        "text-not-string",
        "confidence-over-1",
        "bad-language",
        "unknown-field",
        "nul",
        "too-many-texts",
        "text-too-long",
        "body-too-large",
        "not-json-media",
    ],
)
def test_bad_requests_get_a_clear_4xx(
    live_server: LiveServer, content: bytes, content_type: str, status: int, code: str
) -> None:
    response = httpx.post(
        live_server.url + "/api/v1/match", content=content, headers={"Content-Type": content_type}, timeout=60
    )
    assert response.status_code == status, response.text
    assert response.json()["error"] == code and response.json()["message"]


def test_a_full_batch_is_answered(live_server: LiveServer) -> None:
    texts = [f"post {i}: c0caine {i}€, DM" for i in range(1000)]
    response = match(live_server, {"texts": texts})
    assert response.status_code == 200
    assert all(r["matches"] for r in response.json()["results"])


def test_anonymous_callers_match_public_labels_only(
    live_server: LiveServer, level_reader: Callable[[str], EmbeddedStore]
) -> None:
    clear = {fold(e.form).strip() for e in lexicon.build(level_reader("tlp-clear"), "tlp-clear").entries}
    green = [
        e
        for e in lexicon.build(level_reader("tlp-green"), "tlp-green").entries
        if e.handling == "tlp-green" and fold(e.form).strip() not in clear and e.ambiguity == "low"
    ]
    assert green
    text = f"{green[0].form}, DM me"
    anonymous = match(live_server, {"texts": [text], "min_confidence": 0}).json()
    assert anonymous["level"] == "tlp-clear" and anonymous["results"][0]["matches"] == []
    admin = match(live_server, {"texts": [text]}, ADMIN).json()
    assert admin["level"] == "tlp-amber"
    assert [m["label_uri"] for m in admin["results"][0]["matches"]] == [green[0].label]


def test_the_matcher_follows_the_vocabulary_without_a_restart(live_server: LiveServer) -> None:
    label = "<https://w3id.org/drugkp/label/Ltestprobe01>"
    triples = f"""<https://w3id.org/drugkp/term/T0015> skosxl:altLabel {label} .
        {label} a skosxl:Label ; skosxl:literalForm "zorblaxium"@en ;
            kp:ambiguity <https://w3id.org/drugkp/scheme/ambiguity/low> ."""
    prefixes = (
        "PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#> PREFIX kp: <https://w3id.org/drugkp/ontology#> "
    )
    graph = "GRAPH <https://w3id.org/drugkp/graph/vocab/labels/en>"
    text = {"texts": ["fresh ZORBL4XIUM, DM me"]}
    assert match(live_server, text).json()["results"][0]["matches"] == []
    insert = f"{prefixes} INSERT DATA {{ {graph} {{ {triples} }} }}"
    assert httpx.post(live_server.url + "/sparql", data={"update": insert}, headers=ADMIN).status_code == 204
    try:
        [found] = match(live_server, text).json()["results"][0]["matches"]
        assert found["label"] == "zorblaxium" and found["text"] == "ZORBL4XIUM"
        assert found["label_uri"] == label.strip("<>") and found["reason"] == "obfuscated"
    finally:
        delete = insert.replace("INSERT DATA", "DELETE DATA")
        assert (
            httpx.post(live_server.url + "/sparql", data={"update": delete}, headers=ADMIN).status_code == 204
        )
    assert match(live_server, text).json()["results"][0]["matches"] == []


def test_the_route_is_documented(live_server: LiveServer) -> None:
    schema = httpx.get(live_server.url + "/openapi.json").json()
    operation = schema["paths"]["/api/v1/match"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"texts", "languages", "min_confidence"} <= set(body["properties"])
    assert {"200", "413", "422"} <= set(operation["responses"])
    assert "MatchOut" in schema["components"]["schemas"]
