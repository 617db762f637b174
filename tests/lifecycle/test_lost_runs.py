"""A tracked run whose process died reads LOST once its lease expires, never RUNNING forever.

The lease is ``lease_until`` on the Run node (``modelctx/training/tracking.py``),
renewed by the run's writes and its heartbeat thread; ``run_status`` in
``modelctx/vocabulary.py`` is the one reading rule. The process test kills a
real child process with SIGKILL in the middle of its run, with a short lease.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelctx.client import Client
from modelctx.governance.portfolio import build_portfolio
from modelctx.graph.store import GraphStore
from modelctx.times import read_stored
from modelctx.training.tracking import start_run
from modelctx.vocabulary import RunStatus, run_status

#: A training process: start a run with a short lease, log many metrics (kept in memory), then a long
#: "fit" during which only the heartbeat renews the lease.
DOOMED = """
import pathlib, sys, time
from modelctx.client import Client

uri, started, lease = sys.argv[1], pathlib.Path(sys.argv[2]), float(sys.argv[3])
client = Client.open(uri, actor="user:doomed")
run = client.run(name="doomed", project="lost-and-found", capture_code=False, capture_environment=False,
                 lease_seconds=lease)
run.start()
for step in range(1000):
    run.log_metric("loss", 1.0 / (step + 1), step=step)
started.write_text(run.id)
time.sleep(600)
"""

LEASE = 2.0


def _show(store_uri: str, run_id: str, cwd: Path) -> dict:
    env = {**os.environ, "MODELCTX_HOME": str(cwd / "home")}
    env.pop("MODELCTX_STORE", None)
    done = subprocess.run([sys.executable, "-m", "modelctx", "--store", store_uri, "show", run_id, "--json"],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_killed_training_process_leaves_a_lost_run(store: GraphStore, store_uri: str, tmp_path: Path) -> None:
    started = tmp_path / "started"
    child = subprocess.Popen([sys.executable, "-c", DOOMED, store_uri, str(started), str(LEASE)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never started its run"
            time.sleep(0.05)
        run_id = started.read_text()
        seq_at_start = store.last_seq()
        first_lease = read_stored(store.get_node(run_id).properties["lease_until"])
        # Alive for twice the lease, logging nothing: the heartbeat keeps it RUNNING.
        time.sleep(2 * LEASE)
        alive = store.get_node(run_id)
        beats = store.last_seq() - seq_at_start
        assert run_status(alive.properties) is RunStatus.RUNNING
        assert read_stored(alive.properties["lease_until"]) > first_lease
        assert _show(store_uri, run_id, tmp_path)["properties"]["status"] == "RUNNING"
        # A heartbeat is one small write per third of the lease (about 6 in two leases), never one per metric:
        # 1000 were logged. The bound counts writes, not seconds, so a slow machine cannot make it flaky.
        assert 1 <= beats <= 30
        assert not alive.properties.get("metrics")  # still in the child's memory
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate(timeout=30)
    dead = store.get_node(run_id)
    expiry = read_stored(dead.properties["lease_until"])
    assert expiry is not None
    while datetime.now(UTC) <= expiry:  # at most one lease
        time.sleep(0.1)
    assert dead.properties["status"] == "RUNNING"  # nothing was written after the kill...
    assert run_status(dead.properties) is RunStatus.LOST  # ...and that reads LOST
    assert run_status(dead.properties, expiry - timedelta(seconds=0.01)) is RunStatus.RUNNING  # as of before
    shown = _show(store_uri, run_id, tmp_path)
    assert shown["properties"]["status"] == "LOST" and shown["properties"]["lease_until"] == dead.properties[
        "lease_until"]
    [project] = build_portfolio(store)["projects"]
    assert project["project"] == "lost-and-found" and project["runs"] == 1 and project["runs_lost"] == 1
    heartbeat = read_stored(dead.properties["heartbeat_at"])
    started_at = read_stored(dead.properties["started_at"])
    assert heartbeat is not None and started_at is not None
    assert project["compute_hours"] == round((heartbeat - started_at).total_seconds() / 3600, 3)


def test_an_ended_run_holds_no_lease_and_reads_its_end(client: Client) -> None:
    with start_run(client, name="fine", capture_code=False, capture_environment=False, lease_seconds=60) as run:
        during = client.store.get_node(run.id).properties
        lease = read_stored(during["lease_until"])
        assert lease is not None and timedelta(seconds=55) < lease - datetime.now(UTC) <= timedelta(seconds=60)
    ended = client.store.get_node(run.id).properties
    assert ended["status"] == "COMPLETED" and "lease_until" not in ended and "heartbeat_at" not in ended
    assert run_status(ended, datetime.now(UTC) + timedelta(days=1)) is RunStatus.COMPLETED


@pytest.mark.parametrize(("properties", "status"), [
    ({"status": "RUNNING", "lease_until": "2024-05-01T12:00:00+00:00"}, RunStatus.LOST),
    ({"status": "RUNNING", "lease_until": "2024-05-01T12:00:02+00:00"}, RunStatus.RUNNING),
    ({"status": "RUNNING"}, RunStatus.RUNNING),  # no lease (MLflow, OpenLineage, older SDK runs): nothing says it died
    ({"status": "FINISHED", "lease_until": "2024-05-01T12:00:00+00:00"}, RunStatus.COMPLETED),
    ({"status": "start", "lease_until": "2024-05-01T11:00:00Z"}, RunStatus.LOST),  # synonyms read first
    ({"status": "RUNNING", "lease_until": "not a time"}, RunStatus.RUNNING),
    ({}, None),
])
def test_run_status_reads_an_expired_lease_as_lost(properties: dict, status: RunStatus | None) -> None:
    now = datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)
    assert run_status(properties, now) is status
    assert run_status(properties, now.replace(tzinfo=None)) is status  # a naive time is UTC


def test_lost_is_read_never_an_end(client: Client) -> None:
    from modelctx.errors import ValidationError

    assert not RunStatus.LOST.is_final and RunStatus.parse("lost") is RunStatus.LOST
    run = start_run(client, capture_code=False, capture_environment=False)
    run.start()
    with pytest.raises(ValidationError, match="a run ends COMPLETED, FAILED, ABORTED, not 'LOST'"):
        run.end("LOST")
    run.end("FAILED", error="gave up")
    with pytest.raises(ValidationError, match="lease_seconds must be a positive number"):
        start_run(client, lease_seconds=0)
