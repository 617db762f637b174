"""Several real ``modelctx serve`` processes on one store: the team deployment as tests see it.

Each process gets a MODELCTX_HOME of its own, so nothing one process keeps on
its local disk can be seen by another: whatever they share, they share through
the store. Used with the Neo4j store (``tests/neo4j_harness.py``), where any
number of API processes must behave as one service (docs/guide/neo4j.md).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

#: Seconds a process may take to answer its first HTTP request (loading the app and opening Neo4j).
START_TIMEOUT = 120.0


def free_port() -> int:
    """A loopback port free right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Served:
    """One running ``modelctx serve``: its base URL and its own MODELCTX_HOME."""

    url: str
    home: Path
    process: subprocess.Popen[str]


def _wait_until_up(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(base_url=served.url, timeout=5) as http:
        while True:
            try:
                http.get("/favicon.ico")  # any answer at all means the app is up (tokens may refuse the rest)
                return
            except httpx.TransportError:
                pass
            if served.process.poll() is not None:
                raise RuntimeError(f"modelctx serve at {served.url} exited: {served.process.communicate()[1][-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"modelctx serve at {served.url} did not answer in {START_TIMEOUT:.0f} s")
            time.sleep(0.2)


def _stop(served: Served) -> None:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGTERM)
        try:
            served.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            served.process.kill()
            served.process.communicate(timeout=10)


@contextmanager
def serve_processes(
    store_uri: str, tmp_path: Path, count: int = 2, extra_args: Sequence[str] = (), env: dict[str, str] | None = None
) -> Iterator[list[Served]]:
    """Start ``count`` ``modelctx --store STORE_URI serve`` processes on loopback ports; stop them afterwards."""
    executable = str(Path(sys.executable).with_name("modelctx"))
    started: list[Served] = []
    try:
        for number in range(count):
            home = tmp_path / f"serve-{number}"
            home.mkdir(parents=True, exist_ok=True)
            port = free_port()
            process = subprocess.Popen(
                [executable, "--store", store_uri, "serve", "--port", str(port), *extra_args],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={**os.environ, **(env or {}), "MODELCTX_HOME": str(home)},
            )
            started.append(Served(f"http://127.0.0.1:{port}", home, process))
        for served in started:
            _wait_until_up(served)
        yield started
    finally:
        for served in started:
            _stop(served)
