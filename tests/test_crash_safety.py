"""Approval survives a crash: SIGKILL the server in the middle of approving a
5,000-row contribution, restart it, and find the contribution either fully
published or still pending — never half. Repeated at several kill points."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import threading
import time
from pathlib import Path

import httpx

from server.tokens import TokenStore, auth_path
from tests.server_fixture import ADMIN_TOKEN, LiveServer, run_server

API = "/api/v1/contributions"
ROWS = 5_000
#: Seconds between sending the approval and killing the server.
KILL_POINTS = (0.0, 0.05, 0.2, 0.6)


def big_table() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["term", "language", "term_type", "substances", "ambiguity", "handling"])
    for i in range(ROWS):
        writer.writerow([f"zzcrash{i}", ("en", "de", "pl", "fr")[i % 4], "slang", "cocaine", "low",
                         ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER")[i % 3]])  # fmt: skip
    return buffer.getvalue().encode()


def published(server: LiveServer) -> int:
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?l <http://www.w3.org/2008/05/skos-xl#literalForm> ?f "
        'FILTER STRSTARTS(STR(?f), "zzcrash") }'
    )
    response = httpx.get(server.url + "/sparql", params={"query": query},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "text/csv"}, timeout=30)  # fmt: skip
    return int(response.text.splitlines()[1])


def status(server: LiveServer, cid: str) -> str:
    response = httpx.get(f"{server.url}{API}/{cid}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    value: str = response.json()["status"]
    return value


def test_approval_is_all_or_nothing_across_a_kill(tmp_path: Path) -> None:
    store = tmp_path / "store"
    tokens = TokenStore(auth_path(store))
    contributor = tokens.create("contributor", "PL expert", "PL")[1]
    reviewer = tokens.create("reviewer", "EU reviewer")[1]
    body = big_table()
    cid: str | None = None
    outcomes = []
    for delay in KILL_POINTS:
        runs = run_server(store)
        server = next(runs)
        try:
            if cid is None or status(server, cid) != "submitted":
                response = httpx.post(server.url + API, content=body, timeout=300, headers={
                    "Authorization": f"Bearer {contributor}", "Content-Type": "text/csv"})  # fmt: skip
                assert response.status_code == 202, response.text[:2000]
                cid = response.json()["id"]
            baseline = published(server)

            def approve(url: str = server.url, contribution: str = cid) -> None:
                with contextlib.suppress(httpx.HTTPError):  # the server dies under it
                    httpx.post(f"{url}{API}/{contribution}/approve", timeout=60,
                               headers={"Authorization": f"Bearer {reviewer}"})  # fmt: skip

            thread = threading.Thread(target=approve)
            thread.start()
            time.sleep(delay)
            os.kill(server.pid, signal.SIGKILL)
            thread.join()
        finally:
            runs.close()
        restarted_runs = run_server(store)
        restarted = next(restarted_runs)
        try:
            state, count = status(restarted, cid), published(restarted) - baseline
            outcomes.append((delay, state, count))
            if state == "approved":
                assert count == ROWS, outcomes
            else:
                assert state == "submitted" and count == 0, outcomes
        finally:
            restarted_runs.close()
    print("kill point (s), status after restart, labels published:", outcomes)
