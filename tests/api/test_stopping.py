"""Work stops when nobody waits for it: a client that leaves, a server shutting down, SIGTERM to ``modelctx serve``.

Long work runs in a worker thread under a budget it checks between steps
(``modelctx/api/work.py``). The first two tests drive that with a route that
works until its budget stops it, on a real uvicorn server; the last starts a
real ``modelctx serve`` process and stops it with a request still in flight.
Times are sanity bounds, not performance claims.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI, Request

from modelctx.api.work import run_bounded
from modelctx.budget import Budget
from modelctx.errors import TimeBudgetError
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import open_store
from tests.api.live import running_server

#: Seconds within which stopped work must have ended (it checks its budget every 10 ms).
STOP_SECONDS = 10.0


def endless_app() -> tuple[FastAPI, queue.Queue[str]]:
    """An app whose one route works until its budget is stopped; each ending is reported on the queue."""
    app = FastAPI()
    endings: queue.Queue[str] = queue.Queue()

    @app.get("/work")
    async def work(request: Request) -> dict[str, str]:
        budget = Budget(None)

        def forever() -> dict[str, str]:
            try:
                while True:
                    budget.check("endless work")
                    time.sleep(0.01)
            except TimeBudgetError as exc:
                endings.put(str(exc))
                raise

        return await run_bounded(request, forever, budget, "endless work")

    return app, endings


def send_request(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"GET /work HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    return sock


def test_work_stops_when_the_client_disconnects() -> None:
    app, endings = endless_app()
    with running_server(app) as url:
        port = httpx.URL(url).port
        assert port is not None
        sock = send_request(port)
        time.sleep(0.3)  # the work is running
        assert endings.empty()
        sock.close()
        assert endings.get(timeout=STOP_SECONDS) == "endless work stopped: the client disconnected"


def test_work_stops_when_the_server_shuts_down() -> None:
    app, endings = endless_app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    sock = send_request(server.servers[0].sockets[0].getsockname()[1])
    try:
        time.sleep(0.3)
        server.should_exit = True  # what SIGTERM does
        assert endings.get(timeout=STOP_SECONDS) == (
            "endless work stopped: the request was cancelled (the server is stopping)")
        thread.join(STOP_SECONDS)
        assert not thread.is_alive()
    finally:
        sock.close()


def test_sigterm_stops_modelctx_serve_within_seconds(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'served.db'}"
    store = open_store(uri)
    store.write([Node("model:churn", NodeKind.MODEL, {"name": "churn"})], [])
    store.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).with_name("modelctx")), "--store", uri, "serve", "--port", str(port),
               "--allow-host", "models.internal"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "MODELCTX_HOME": str(tmp_path / "home")})
    in_flight: socket.socket | None = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 120
            while True:
                try:
                    ready = http.get("/api/v1/nodes/model:churn")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.communicate()[1]
                    assert time.monotonic() < deadline, "modelctx serve did not start"
                    time.sleep(0.2)
            assert ready.status_code == 200
            # --allow-host: that name is answered, others are not (local mode).
            assert http.get("/api/v1/nodes/model:churn", headers={"Host": "models.internal"}).status_code == 200
            assert http.get("/api/v1/nodes/model:churn", headers={"Host": "evil.example"}).status_code == 421
        # A request in flight that will never finish on its own: its body is announced and never sent.
        in_flight = socket.create_connection(("127.0.0.1", port), timeout=30)
        in_flight.sendall((f"POST /api/v1/nodes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").encode())
        time.sleep(0.5)
        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
        stopped_after = time.monotonic() - started
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
        if in_flight is not None:
            in_flight.close()
    # uvicorn waits shutdown_seconds (3) for the request, cancels it, then re-raises SIGTERM as it exits.
    assert stopped_after < 20, f"modelctx serve took {stopped_after:.1f} s to stop"
    assert server.returncode == -signal.SIGTERM, (server.returncode, err)
    assert f"modelctx serving {uri} at http://127.0.0.1:{port}/" in out
    assert "Cancel 1 running task(s), timeout graceful shutdown exceeded" in err, err
