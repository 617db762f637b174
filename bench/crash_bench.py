"""The kill -9 campaign: writers killed at random lose nothing they acknowledged and leave a store that verifies.

Three kinds of trial, each on the store the earlier trials left behind:

- ``api``: ``modelctx serve`` takes OpenLineage events from a client (each
  acknowledged by a 201) and is killed with SIGKILL after a random delay;
- ``ingest``: ``modelctx ingest openlineage`` on a file of events, killed mid-way;
  then run again to completion (ingests are idempotent and resume);
- ``tracked``: a Python process recording a tracked run (``client.run``) that
  logs metrics in a loop, killed mid-run.

After every kill the store is reopened: every acknowledged event must be
stored (its run present with its status), the change log and the tables must
verify, and the killed tracked runs must exist. The table printed at the end
counts trials, acknowledged writes, losses and verification failures.

    .venv/bin/python bench/crash_bench.py                  # 100 trials (40 api, 40 ingest, 20 tracked)
    .venv/bin/python bench/crash_bench.py --trials 12      # a quick campaign

Loopback only; every trial is bounded in time. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelctx.graph.ids import node_id  # noqa: E402
from modelctx.graph.model import NodeKind  # noqa: E402
from modelctx.graph.store import open_store  # noqa: E402

TRIAL_SECONDS = 30.0


@dataclass
class Tally:
    trials: int = 0
    acknowledged: int = 0
    lost: int = 0
    verify_failures: int = 0
    notes: list[str] = field(default_factory=list)


def _event(run_id: str, state: str, index: int) -> str:
    return json.dumps({
        "eventType": state,
        "eventTime": "2026-03-01T10:00:00+00:00" if state == "START" else "2026-03-01T10:01:00+00:00",
        "run": {"runId": run_id}, "job": {"namespace": "crash", "name": f"job_{index % 5}"},
        "producer": "https://modelctx.dev/crash-bench",
        "inputs": [{"namespace": "s3://lake", "name": f"raw/{index % 13}"}],
        "outputs": [{"namespace": "s3://lake", "name": f"out/{index}"}],
    })


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "MODELCTX_HOME": str(home), "HF_HUB_OFFLINE": "1"}


def _check(uri: str, expected_runs: list[str], tally: Tally, what: str) -> None:
    store = open_store(uri)
    try:
        found = store.get_nodes([node_id(NodeKind.RUN, "openlineage", r) for r in expected_runs])
        missing = len(expected_runs) - len(found)
        tally.lost += missing
        if missing:
            tally.notes.append(f"{what}: {missing} acknowledged run(s) missing")
        result = store.verify_integrity(tables=True)  # the chain, and the tables against the log
        if not result.ok:
            tally.verify_failures += 1
            tally.notes.append(f"{what}: verify failed: {result.to_json()}")
    finally:
        store.close()


def trial_api(uri: str, home: Path, rng: random.Random, tally: Tally) -> None:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "modelctx", "--store", uri, "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(home))
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    deadline = time.monotonic() + TRIAL_SECONDS
    try:
        while True:
            try:
                httpx.get(f"{base}/api/v1/nodes", params={"limit": 1}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    tally.notes.append("api: server did not start")
                    return
                time.sleep(0.1)
        stop = threading.Event()

        def client() -> None:
            index = 0
            with httpx.Client(base_url=base, timeout=5) as http:
                while not stop.is_set():
                    run_id = str(uuid.uuid4())
                    try:
                        for state in ("START", "COMPLETE"):
                            answer = http.post("/api/v1/lineage", content=_event(run_id, state, index),
                                               headers={"Content-Type": "application/json"})
                            if answer.status_code == 201 and state == "START":
                                acknowledged.append(run_id)
                    except httpx.TransportError:
                        return
                    index += 1

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        time.sleep(rng.uniform(0.3, 2.0))
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        stop.set()
        thread.join(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    tally.trials += 1
    tally.acknowledged += len(acknowledged)
    _check(uri, acknowledged, tally, "api")


def trial_ingest(uri: str, home: Path, work: Path, rng: random.Random, tally: Tally) -> None:
    runs = [str(uuid.uuid4()) for _ in range(rng.randint(200, 600))]
    path = work / f"events-{uuid.uuid4().hex[:8]}.jsonl"
    path.write_text("".join(_event(r, s, i) + "\n" for i, r in enumerate(runs) for s in ("START", "COMPLETE")))
    command = [sys.executable, "-m", "modelctx", "--store", uri, "ingest", "openlineage", str(path)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(home))
    time.sleep(rng.uniform(0.5, 3.0))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    _check(uri, [], tally, "ingest (killed)")
    again = subprocess.run(command, capture_output=True, text=True, env=_env(home), timeout=TRIAL_SECONDS * 4,
                           check=False)
    tally.trials += 1
    if again.returncode != 0:
        tally.notes.append(f"ingest: the second run failed: {again.stderr.strip()[:200]}")
        tally.lost += len(runs)
        return
    tally.acknowledged += len(runs)
    _check(uri, runs, tally, "ingest (rerun)")


TRACKED = """
import sys, time, modelctx
client = modelctx.connect(sys.argv[1])
with client.run(project="crash", name="killed", capture_code=False, capture_environment=False) as run:
    print(run.id, flush=True)
    for step in range(10**7):
        run.log_metric("loss", 1.0 / (step + 1), step=step)
        if step % 500 == 0:
            run.flush()
        time.sleep(0.0005)
"""


def trial_tracked(uri: str, home: Path, rng: random.Random, tally: Tally) -> None:
    child = subprocess.Popen([sys.executable, "-c", TRACKED, uri], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=_env(home))
    assert child.stdout is not None
    run_id = child.stdout.readline().strip()
    time.sleep(rng.uniform(0.2, 2.0))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    tally.trials += 1
    store = open_store(uri)
    try:
        if not run_id or run_id not in store.get_nodes([run_id]):
            tally.lost += 1
            tally.notes.append(f"tracked: run {run_id or '?'} missing")
        else:
            tally.acknowledged += 1
        if not store.verify_integrity(tables=True).ok:
            tally.verify_failures += 1
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261129)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    plan = ["api"] * round(args.trials * 0.4) + ["ingest"] * round(args.trials * 0.4)
    plan += ["tracked"] * (args.trials - len(plan))
    rng.shuffle(plan)
    tallies = {kind: Tally() for kind in ("api", "ingest", "tracked")}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crash-bench-") as tmp:
        work = Path(tmp)
        uri = f"sqlite:///{work / 'crash.db'}"
        home = work / "home"
        for number, kind in enumerate(plan, start=1):
            if kind == "api":
                trial_api(uri, home, rng, tallies[kind])
            elif kind == "ingest":
                trial_ingest(uri, home, work, rng, tallies[kind])
            else:
                trial_tracked(uri, home, rng, tallies[kind])
            print(f"trial {number}/{len(plan)} ({kind}) done", file=sys.stderr, flush=True)
    rows: list[dict[str, Any]] = []
    for kind, tally in tallies.items():
        rows.append({"kind": kind, "trials": tally.trials, "acknowledged": tally.acknowledged, "lost": tally.lost,
                     "verify_failures": tally.verify_failures, "notes": tally.notes[:5]})
    total = {k: sum(r[k] for r in rows) for k in ("trials", "acknowledged", "lost", "verify_failures")}
    print(f"{'kind':<10}{'trials':>8}{'acknowledged':>14}{'lost':>6}{'verify failures':>17}")
    for row in rows:
        print(f"{row['kind']:<10}{row['trials']:>8}{row['acknowledged']:>14}{row['lost']:>6}{row['verify_failures']:>17}")
    print(f"{'all':<10}{total['trials']:>8}{total['acknowledged']:>14}{total['lost']:>6}{total['verify_failures']:>17}")
    print(json.dumps({"rows": rows, "total": total, "seconds": round(time.perf_counter() - started, 1)}, indent=2))


if __name__ == "__main__":
    main()
