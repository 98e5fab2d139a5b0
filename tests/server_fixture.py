"""A real `kp serve` on loopback, started by the tests themselves."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = "test-admin-token"


@dataclass(frozen=True)
class LiveServer:
    url: str
    store: Path
    pid: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_server(store: Path, **env: str) -> Iterator[LiveServer]:
    port = free_port()
    environment = {**os.environ, "KP_ADMIN_TOKENS": ADMIN_TOKEN, **env}
    kp = ROOT / ".venv" / "bin" / "kp"
    process = subprocess.Popen(
        [str(kp), "serve", "--port", str(port), "--store", str(store)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"kp serve exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(url + "/sparql", headers={"Accept": "text/turtle"}, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("kp serve did not answer within 120 s")
    try:
        yield LiveServer(url, store, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
