"""Contributions through the real server: intake, validation reports, review, and bad input.

Every bad-input case must answer a 4xx that says what is wrong and where, and
leave the store exactly as it was (compared by a digest of every graph's size
and of the contribution records before and after).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.tokens import TokenStore, auth_path
from tests.server_fixture import ADMIN_TOKEN, LiveServer, run_server

HEADER = "term,language,term_type,substances,meaning,ambiguity,benign_meaning,needs_other_signal,platforms,country,first_seen,last_seen,source,handling,notes"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
API = "/api/v1/contributions"


@dataclass(frozen=True)
class Tokens:
    contributor: str  # PL
    other_contributor: str  # DE
    reviewer: str
    partner: str
    revoked: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = tmp_path_factory.mktemp("contrib") / "store"
    yield from run_server(store, KP_MAX_UPLOAD="300000")


@pytest.fixture(scope="module")
def tokens(server: LiveServer) -> Tokens:
    made = TokenStore(auth_path(server.store))
    revoked, revoked_token = made.create("contributor", "gone", "PL")
    made.revoke(revoked.id)
    return Tokens(
        contributor=made.create("contributor", "PL expert", "PL")[1],
        other_contributor=made.create("contributor", "DE expert", "DE")[1],
        reviewer=made.create("reviewer", "EU reviewer")[1],
        partner=made.create("partner", "A platform")[1],
        revoked=revoked_token,
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def digest(server: LiveServer) -> str:
    """Every published graph's size (as an administrator sees it) and every contribution record."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    sizes = httpx.get(server.url + "/sparql", params={"query": query},
                      headers={**auth(ADMIN_TOKEN), "Accept": "text/csv"}).text  # fmt: skip
    records = httpx.get(server.url + API, headers=auth(ADMIN_TOKEN)).json()
    return sizes + json.dumps(records, sort_keys=True)


def submit(server: LiveServer, body: bytes, media: str, token: str | None) -> httpx.Response:
    headers = {"Content-Type": media, **(auth(token) if token else {})}
    return httpx.post(server.url + API, content=body, headers=headers, timeout=60)


def csv_body(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def row(term: str = "zzqfrost", **cells: str) -> str:
    values = {"term": term, "language": "en", "term_type": "slang", "substances": "cocaine",
              "ambiguity": "low", "handling": "TLP:CLEAR", **cells}  # fmt: skip
    return ",".join(values.get(c, "") for c in HEADER.split(","))


def xlsx(rows: list[list[str]], extra: Callable[[zipfile.ZipFile], None] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    if extra is None:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        extra(dst)
    return out.getvalue()


def bomb(dst: zipfile.ZipFile) -> None:
    dst.writestr(
        zipfile.ZipInfo("xl/media/padding.xml"), b"\0" * 150_000_000, compress_type=zipfile.ZIP_DEFLATED
    )


def macros(dst: zipfile.ZipFile) -> None:
    dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really a macro")


def external(dst: zipfile.ZipFile) -> None:
    dst.writestr("xl/externalLinks/externalLink1.xml", b"<externalLink/>")


def formula_book() -> bytes:
    header = HEADER.split(",")
    return xlsx([header, ['=HYPERLINK("http://evil","x")', "en", "slang", "cocaine"]])


TTL_PREFIXES = (
    "@prefix kp: <https://w3id.org/drugkp/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> . "
    "@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
)

# (case, media type, body, token, status, words the message must contain, row, column)
BAD: list[tuple[str, str, Callable[[], bytes], str | None, int, str, int | None, str | None]] = [
    ("anonymous", "text/csv", lambda: csv_body(row()), None, 401, "token", None, None),
    ("revoked token", "text/csv", lambda: csv_body(row()), "revoked", 401, "revoked", None, None),
    ("partner cannot submit", "text/csv", lambda: csv_body(row()), "partner", 403, "contributor", None, None),
    ("unsupported type", "application/pdf", lambda: b"%PDF-1.4", "contributor", 415, "text/csv", None, None),
    ("empty body", "text/csv", lambda: b"", "contributor", 400, "empty", None, None),
    ("header only", "text/csv", lambda: csv_body(), "contributor", 400, "no rows", None, None),
    (
        "missing column",
        "text/csv",
        lambda: b"term,language\nx,en\n",
        "contributor",
        400,
        "missing column",
        None,
        None,
    ),
    (
        "unknown column",
        "text/csv",
        lambda: csv_body().replace(b"notes", b"remarks"),
        "contributor",
        400,
        "unknown column",
        None,
        None,
    ),
    (
        "broken csv quoting",
        "text/csv",
        lambda: csv_body('"unclosed,en,slang,cocaine'),
        "contributor",
        400,
        "CSV",
        None,
        None,
    ),
    (
        "bad language tag",
        "text/csv",
        lambda: csv_body(row(language="english")),
        "contributor",
        422,
        "BCP 47",
        2,
        "language",
    ),
    (
        "unknown substance",
        "text/csv",
        lambda: csv_body(row(substances="unobtainium")),
        "contributor",
        422,
        "unknown substance",
        2,
        "substances",
    ),
    (
        "bad term type",
        "text/csv",
        lambda: csv_body(row(term_type="verb")),
        "contributor",
        422,
        "term type",
        2,
        "term_type",
    ),
    (
        "bad ambiguity",
        "text/csv",
        lambda: csv_body(row(ambiguity="sometimes")),
        "contributor",
        422,
        "low, medium or high",
        2,
        "ambiguity",
    ),
    (
        "invalid date",
        "text/csv",
        lambda: csv_body(row(first_seen="2026-13-45")),
        "contributor",
        422,
        "not a date",
        2,
        "first_seen",
    ),
    (
        "future date",
        "text/csv",
        lambda: csv_body(row(last_seen="2999-01-01")),
        "contributor",
        422,
        "future",
        2,
        "last_seen",
    ),
    (
        "first after last",
        "text/csv",
        lambda: csv_body(row(first_seen="2026-05-01", last_seen="2026-01-01")),
        "contributor",
        422,
        "after",
        2,
        "first_seen",
    ),
    (
        "bad handling",
        "text/csv",
        lambda: csv_body(row(handling="TLP:RED")),
        "contributor",
        422,
        "TLP:AMBER",
        2,
        "handling",
    ),
    (
        "bad platform",
        "text/csv",
        lambda: csv_body(row(platforms="myspace")),
        "contributor",
        422,
        "unknown platform",
        2,
        "platforms",
    ),
    (
        "bad country",
        "text/csv",
        lambda: csv_body(row(country="XX")),
        "contributor",
        422,
        "country code",
        2,
        "country",
    ),
    (
        "other country",
        "text/csv",
        lambda: csv_body(row(country="DE")),
        "contributor",
        422,
        "your token is for PL",
        2,
        "country",
    ),
    (
        "duplicate of a published label",
        "text/csv",
        lambda: csv_body(row("snow", substances="cocaine")),
        "contributor",
        422,
        "already published",
        2,
        "term",
    ),
    (
        "duplicate inside the upload",
        "text/csv",
        lambda: csv_body(row(), row()),
        "contributor",
        422,
        "also appears in row 2",
        3,
        "term",
    ),
    (
        "hashtag without #",
        "text/csv",
        lambda: csv_body(row("coke4sale", term_type="hashtag")),
        "contributor",
        422,
        "must start with '#'",
        2,
        "term",
    ),
    (
        "emoji with letters",
        "text/csv",
        lambda: csv_body(row("abc", term_type="emoji", language="zxx")),
        "contributor",
        422,
        "Latin letters",
        2,
        "term",
    ),
    (
        "second row bad",
        "text/csv",
        lambda: csv_body(row(), row("zzqother", language="")),
        "contributor",
        422,
        "BCP 47",
        3,
        "language",
    ),
    (
        "invalid UTF-8",
        "text/csv",
        lambda: csv_body(row()) + b"\xff\xfe\xfa",
        "contributor",
        400,
        "UTF-8",
        None,
        None,
    ),
    (
        "UTF-16 file",
        "text/csv",
        lambda: csv_body(row()).decode().encode("utf-16"),
        "contributor",
        400,
        "UTF-16",
        None,
        None,
    ),
    (
        "over the size limit",
        "text/csv",
        lambda: csv_body(*[row(f"zz{i}") for i in range(8000)]),
        "contributor",
        413,
        "bytes",
        None,
        None,
    ),
    ("xlsx not a zip", XLSX, lambda: b"PK but not a zip", "contributor", 400, "zip", None, None),
    (
        "xlsx zip bomb",
        XLSX,
        lambda: xlsx([HEADER.split(",")], bomb),
        "contributor",
        413,
        "zip bomb",
        None,
        None,
    ),
    (
        "xlsx with macros",
        XLSX,
        lambda: xlsx([HEADER.split(",")], macros),
        "contributor",
        400,
        "macros",
        None,
        None,
    ),
    (
        "xlsx with external links",
        XLSX,
        lambda: xlsx([HEADER.split(",")], external),
        "contributor",
        400,
        "external links",
        None,
        None,
    ),
    ("xlsx with a formula", XLSX, formula_book, "contributor", 400, "formulas", None, None),
    (
        "unparseable turtle",
        "text/turtle",
        lambda: (
            b"@prefix kp: <https://w3id.org/drugkp/ontology#> .\n<https://a> <https://b> <https://c> <https://d> ."
        ),
        "contributor",
        400,
        ":2:",
        None,
        None,
    ),
    (
        "json-ld remote context",
        "application/ld+json",
        lambda: (
            b'{"@context": "https://example.org/context.jsonld", "@id": "https://w3id.org/drugkp/term/new", "name": "x"}'
        ),
        "contributor",
        400,
        "context",
        None,
        None,
    ),
    (
        "owl:imports",
        "text/turtle",
        lambda: (
            TTL_PREFIXES
            + "<https://w3id.org/drugkp/term/new> a kp:DrugTerm ; owl:imports <https://example.org/evil.ttl> ."
        ).encode(),
        "contributor",
        422,
        "owl:imports",
        None,
        None,
    ),
    (
        "statements about an existing term",
        "text/turtle",
        lambda: (TTL_PREFIXES + '<https://w3id.org/drugkp/term/T0001> skos:prefLabel "hijack"@en .').encode(),
        "contributor",
        422,
        "existing resource",
        None,
        None,
    ),
    (
        "statements about the ontology",
        "text/turtle",
        lambda: (TTL_PREFIXES + 'kp:DrugTerm rdfs:label "renamed"@en .').encode(),
        "contributor",
        422,
        "existing resource",
        None,
        None,
    ),
    (
        "statements about the shapes",
        "text/turtle",
        lambda: (
            TTL_PREFIXES + '<https://w3id.org/drugkp/shapes#UniquePrefLabelShape> rdfs:label "off"@en .'
        ).encode(),
        "contributor",
        422,
        "existing resource",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("case", "media", "body", "who", "status", "words", "line", "column"), BAD,
                         ids=[c[0] for c in BAD])  # fmt: skip
def test_bad_input_is_refused_clearly_and_changes_nothing(
    server: LiveServer, tokens: Tokens, case: str, media: str, body: Callable[[], bytes],
    who: str | None, status: int, words: str, line: int | None, column: str | None,
) -> None:  # fmt: skip
    before = digest(server)
    response = submit(server, body(), media, getattr(tokens, who) if who else None)
    assert response.status_code == status, response.text
    text = response.text
    assert words.lower() in text.lower(), text
    if line is not None:
        findings = response.json()["report"]["findings"]
        assert any(f["row"] == line and f["column"] == column for f in findings), findings
    assert digest(server) == before


def test_a_national_expert_round_trip(server: LiveServer, tokens: Tokens) -> None:
    """Download the template, fill it in, submit, see it pending and invisible, get it approved."""
    template = httpx.get(server.url + API + "/template.xlsx")
    assert template.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template.content))
    sheet = book["terms"]
    assert [c.value for c in sheet[1]] == HEADER.split(",")
    assert sheet.data_validations.dataValidation  # drop-down lists for the controlled columns
    values = {"term": "zzqśnieżka", "language": "pl", "term_type": "code-word", "substances": "S0012",
              "ambiguity": "high", "needs_other_signal": "yes", "first_seen": "2026-02-01",
              "handling": "TLP:CLEAR", "notes": "<script>alert(1)</script>"}  # fmt: skip
    sheet.append([values.get(c, "") for c in HEADER.split(",")])
    hidden = {**values, "term": "zzqsniezka-tajna", "term_type": "misspelling", "handling": "TLP:AMBER"}
    sheet.append([hidden.get(c, "") for c in HEADER.split(",")])
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("pl-2026.xlsx", buffer.getvalue(), XLSX)}
    response = httpx.post(server.url + API, files=files, headers=auth(tokens.contributor), timeout=60)
    assert response.status_code == 202, response.text
    cid = response.json()["id"]
    assert response.headers["location"].endswith(cid)
    assert {label["text"] for label in response.json()["details"]["preview"]["labels"]} == {
        "zzqśnieżka", "zzqsniezka-tajna"}  # fmt: skip

    def visible(token: str | None, text: str) -> bool:
        query = f'ASK {{ ?l <http://www.w3.org/2008/05/skos-xl#literalForm> "{text}"@pl }}'
        headers = {"Accept": "application/sparql-results+json", **(auth(token) if token else {})}
        return bool(
            httpx.get(server.url + "/sparql", params={"query": query}, headers=headers).json()["boolean"]
        )

    assert not visible(ADMIN_TOKEN, "zzqśnieżka")  # pending: invisible to every reader
    listing = httpx.get(
        server.url + API, params={"status": "pending"}, headers=auth(tokens.other_contributor)
    )
    assert cid not in {r["id"] for r in listing.json()}  # contributors see only their own
    assert httpx.get(server.url + f"{API}/{cid}", headers=auth(tokens.other_contributor)).status_code == 404
    mine = httpx.get(server.url + f"{API}/{cid}", headers=auth(tokens.contributor)).json()
    assert mine["status"] == "submitted" and mine["country"] == "PL" and mine["title"] == "pl-2026.xlsx"

    before = digest(server)
    refused = httpx.post(server.url + f"{API}/{cid}/approve", headers=auth(tokens.contributor))
    assert refused.status_code == 403
    assert digest(server) == before
    approved = httpx.post(server.url + f"{API}/{cid}/approve", headers=auth(tokens.reviewer))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    again = httpx.post(server.url + f"{API}/{cid}/approve", headers=auth(tokens.reviewer))
    assert again.status_code == 409

    assert visible(None, "zzqśnieżka")  # TLP:CLEAR label: public at once, no restart
    found = httpx.get(server.url + "/api/v1/search", params={"q": "zzqsniezka"}).json()  # search sees it
    assert [r["matched"]["text"] for r in found["results"]] == ["zzqśnieżka"]  # ... but not the AMBER one
    matched = httpx.post(server.url + "/api/v1/match", json={"texts": ["selling zzqśnieżka cheap"]}).json()
    assert "zzqśnieżka" in str(matched)  # and so does the matcher
    assert not visible(None, "zzqsniezka-tajna") and not visible(tokens.partner, "zzqsniezka-tajna")
    assert visible(tokens.reviewer, "zzqsniezka-tajna")  # TLP:AMBER: law enforcement only
    term = httpx.get(server.url + "/sparql", headers={"Accept": "text/csv"}, params={
        "query": 'SELECT ?t WHERE { ?t <http://www.w3.org/2004/02/skos/core#prefLabel> "zzqśnieżka"@pl }'})  # fmt: skip
    path = term.text.splitlines()[1].strip().replace("https://w3id.org/drugkp", "")
    page = httpx.get(server.url + path + ".html")
    assert page.status_code == 200 and "zzqśnieżka" in page.text
    assert "<script>alert" not in page.text
    assert "zzqsniezka-tajna" not in httpx.get(server.url + path + ".ttl").text


def test_reject_and_withdraw(server: LiveServer, tokens: Tokens) -> None:
    first = submit(server, csv_body(row("zzqreject-me")), "text/csv", tokens.contributor).json()["id"]
    second = submit(server, csv_body(row("zzqwithdraw-me")), "text/csv", tokens.contributor).json()["id"]
    no_reason = httpx.post(
        server.url + f"{API}/{first}/reject", json={"reason": " "}, headers=auth(tokens.reviewer)
    )
    assert no_reason.status_code == 400
    rejected = httpx.post(server.url + f"{API}/{first}/reject", json={"reason": "not a drug term"},
                          headers=auth(tokens.reviewer))  # fmt: skip
    assert rejected.status_code == 200 and rejected.json()["reason"] == "not a drug term"
    assert httpx.post(server.url + f"{API}/{first}/approve", headers=auth(tokens.reviewer)).status_code == 409
    other = httpx.post(server.url + f"{API}/{second}/withdraw", headers=auth(tokens.other_contributor))
    assert other.status_code == 404  # another contributor cannot even see it
    withdrawn = httpx.post(server.url + f"{API}/{second}/withdraw", headers=auth(tokens.contributor))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    statuses = {
        r["id"]: r["status"] for r in httpx.get(server.url + API, headers=auth(tokens.reviewer)).json()
    }
    assert statuses[first] == "rejected" and statuses[second] == "withdrawn"


def test_reviewers_do_not_approve_their_own(server: LiveServer, tokens: Tokens) -> None:
    response = submit(server, csv_body(row("zzqown-work")), "text/csv", tokens.reviewer)
    assert response.status_code == 202
    cid = response.json()["id"]
    assert httpx.post(server.url + f"{API}/{cid}/approve", headers=auth(tokens.reviewer)).status_code == 403


def test_a_term_known_in_another_language_gains_a_label(server: LiveServer, tokens: Tokens) -> None:
    response = submit(server, csv_body(row("snow", language="sv", substances="cocaine")), "text/csv",
                      tokens.contributor)  # fmt: skip
    assert response.status_code == 202, response.text
    preview = response.json()["details"]["preview"]
    assert preview["new_terms"] == [] and len(preview["changed_terms"]) == 1
    concept = preview["changed_terms"][0]["concept"]
    cid = response.json()["id"]
    approved = httpx.post(server.url + f"{API}/{cid}/approve", headers=auth(tokens.reviewer))
    assert approved.status_code == 200
    page = httpx.get(server.url + concept.replace("https://w3id.org/drugkp", "") + ".html").text
    assert f"Labels added by contribution {cid}" in page and "snow" in page
    history = httpx.get(server.url + "/api/v1/history", params={"since": "2026-01-01"}).json()
    assert {"contribution": approved.json()["iri"], "changed_terms": [concept]}.items() <= next(
        e for e in history if e["contribution"].endswith(cid)).items()  # fmt: skip
    assert all(e["status"] == "approved" for e in history)  # readers see approvals only
    assert httpx.get(server.url + "/api/v1/history", params={"since": "last week"}).status_code == 400


def test_templates(server: LiveServer) -> None:
    response = httpx.get(server.url + API + "/template.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf" + HEADER.encode())


def test_cli_token_lifecycle(tmp_path: Path) -> None:
    import subprocess
    import sys

    kp = [sys.executable, "-m", "server.cli"]
    store = ["--store", str(tmp_path / "store")]
    made = subprocess.run([*kp, "token", "create", "--role", "partner", "--name", "X", "-f", "json", *store],
                          capture_output=True, text=True, check=True)  # fmt: skip
    created = json.loads(made.stdout)
    assert created["token"].startswith("kp_") and created["role"] == "partner"
    listed = subprocess.run(
        [*kp, "token", "list", "-f", "json", *store], capture_output=True, text=True, check=True
    )
    assert created["token"] not in listed.stdout and created["id"] in listed.stdout
    subprocess.run([*kp, "token", "revoke", created["id"], *store], check=True, capture_output=True)
    assert TokenStore(auth_path(tmp_path / "store")).verify(created["token"]) is None
    bad = subprocess.run(
        [*kp, "token", "create", "--role", "contributor", *store], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "country" in bad.stderr


def test_kp_contribute_and_kp_validate(server: LiveServer, tokens: Tokens, tmp_path: Path) -> None:
    import subprocess
    import sys

    kp = [sys.executable, "-m", "server.cli"]
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_body(row("zzqcli-term")))
    bad.write_bytes(csv_body(row("zzqcli-bad", language="english")))
    checked = subprocess.run([*kp, "validate", str(bad)], capture_output=True, text=True)
    assert checked.returncode == 1 and "row 2, column language" in checked.stdout
    assert subprocess.run([*kp, "validate", str(good)], capture_output=True).returncode == 0
    refused = subprocess.run([*kp, "contribute", str(bad), "--server", server.url, "--token", tokens.contributor],
                             capture_output=True, text=True)  # fmt: skip
    assert refused.returncode == 1 and "row 2, column language" in refused.stdout
    sent = subprocess.run([*kp, "contribute", str(good), "--server", server.url, "--token", tokens.contributor],
                          capture_output=True, text=True)  # fmt: skip
    assert sent.returncode == 0 and "pending review" in sent.stdout, sent.stdout + sent.stderr
    anonymous = subprocess.run([*kp, "contribute", str(good), "--server", server.url, "--token", "kp_x_y"],
                               capture_output=True, text=True)  # fmt: skip
    assert anonymous.returncode == 2 and "401" in anonymous.stderr


def test_review_pages_sign_in_decide_and_refuse_forged_forms(server: LiveServer, tokens: Tokens) -> None:
    import re

    cid = submit(server, csv_body(row("zzqby-the-page")), "text/csv", tokens.contributor).json()["id"]
    with httpx.Client(base_url=server.url) as browser:
        assert browser.get("/review").status_code == 303  # to the sign-in page
        wrong = browser.post("/review/login", data={"token": "kp_nope_nope"})
        assert wrong.status_code == 401 and "unknown or revoked token" in wrong.text
        assert browser.post("/review/login", data={"token": tokens.partner}).status_code == 403
        signed_in = browser.post("/review/login", data={"token": tokens.reviewer})
        assert signed_in.status_code == 303
        cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        queue = browser.get("/review", params={"status": "pending"})
        assert queue.status_code == 200 and cid in queue.text
        page = browser.get(f"/review/{cid}")
        assert "zzqby-the-page" in page.text and "Approve and publish" in page.text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert csrf
        forged = browser.post(f"/review/{cid}/approve", data={"csrf": "0" * 64})
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert browser.post(f"/review/{cid}/approve", data={}).status_code == 403
        # The session cookie alone authorises no write elsewhere (no bearer header, no CSRF token).
        update = browser.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
        assert update.status_code == 401
        done = browser.post(f"/review/{cid}/approve", data={"csrf": csrf.group(1)})
        assert done.status_code == 303
        assert "approved" in browser.get(f"/review/{cid}").text
    with httpx.Client(base_url=server.url) as stranger:  # no session: a cross-site form gets nothing
        assert (
            stranger.post(f"/review/{cid}/reject", data={"csrf": csrf.group(1), "reason": "x"}).status_code
            == 401
        )


def test_deprecation_replaces_without_deleting(server: LiveServer, tokens: Tokens) -> None:
    url = server.url + "/api/v1/deprecations"
    body = {"concept": "T0002", "replaced_by": "T0001", "reason": "merged with the number code"}
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers=auth(tokens.contributor)).status_code == 403
    assert (
        httpx.post(url, json={**body, "concept": "T9999"}, headers=auth(tokens.reviewer)).status_code == 404
    )
    assert (
        httpx.post(url, json={**body, "replaced_by": "T0002"}, headers=auth(tokens.reviewer)).status_code
        == 400
    )
    done = httpx.post(url, json=body, headers=auth(tokens.reviewer))
    assert done.status_code == 201, done.text
    assert httpx.post(url, json=body, headers=auth(tokens.reviewer)).status_code == 409
    document = httpx.get(server.url + "/term/T0002.nt").text
    assert "<http://www.w3.org/2002/07/owl#deprecated>" in document
    assert "<http://purl.org/dc/terms/isReplacedBy> <https://w3id.org/drugkp/term/T0001>" in document
    assert httpx.get(server.url + "/term/T0002.html").status_code == 200  # still resolves, with a banner
    history = httpx.get(server.url + "/api/v1/history").json()
    assert any(e.get("concept", "").endswith("/T0002") and e["status"] == "deprecated" for e in history)


@pytest.mark.parametrize(("accept", "media", "needle"), [
    ("text/plain", "text/plain", "Violation: row 2, column language:"),
    ("text/html", "text/html", "<td>row 2, language</td>"),
    ("application/json", "application/json", '"column":"language"'),
    ("*/*", "application/json", '"column":"language"'),
])  # fmt: skip
def test_reports_for_people_and_machines(server: LiveServer, tokens: Tokens, accept: str, media: str,
                                         needle: str) -> None:  # fmt: skip
    body = csv_body(row("zzqreport", language="english", notes="<b>bold</b>"))
    response = httpx.post(server.url + API, content=body, timeout=60, headers={
        "Content-Type": "text/csv", "Accept": accept, **auth(tokens.contributor)})  # fmt: skip
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(media)
    assert needle in response.text.replace(" ", " ")
    if media == "text/html":
        assert "'english'" in response.text or "&#39;english&#39;" in response.text
