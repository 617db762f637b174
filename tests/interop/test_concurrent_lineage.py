"""Many processes, one store: START and COMPLETE of each run reach different writers, and no run is corrupted.

Two ``modelctx serve`` processes and one ``modelctx ingest openlineage`` process
share one store (the docs' "more replicas behind a load balancer"). Each of
300 runs has its START sent to one of them and its COMPLETE to another, at
the same time. Run state is merged inside the write transaction
(``GraphStore.transact``), so every run must end COMPLETED with the START's
start time, both event types and its output produced — whatever order the
writers committed in.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness
from tests.interop.conftest import event_json
from tests.serve_pair import free_port

RUNS = 300
START = "2026-02-01T10:00:00.000000+00:00"
END = "2026-02-01T10:05:00.000000+00:00"


def _events(run_id: str, index: int) -> tuple[Any, Any]:
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState

    job = Job(namespace="etl", name=f"load_{index % 7}")
    run = Run(runId=run_id)
    inputs = [InputDataset(namespace="s3://lake", name=f"raw/{index % 11}")]
    outputs = [OutputDataset(namespace="s3://lake", name=f"clean/{index}")]
    start = RunEvent(eventType=RunState.START, eventTime=START, run=run, job=job, producer="https://test/producer",
                     inputs=inputs, outputs=outputs)
    complete = RunEvent(eventType=RunState.COMPLETE, eventTime=END, run=run, job=job,
                        producer="https://test/producer", inputs=inputs, outputs=outputs)
    return start, complete


@contextmanager
def _serving(uri: str, home: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "modelctx", "--store", uri, "serve", "--port", str(port)]
    env = {**os.environ, "MODELCTX_HOME": str(home)}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/api/v1/nodes", params={"limit": 1}, timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "modelctx serve did not start"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=60)


@pytest.mark.slow
def test_two_api_processes_and_a_cli_ingest_corrupt_no_run(
    store: GraphStore, backend: BackendHarness, tmp_path: Path
) -> None:
    uri = backend.uri(tmp_path)
    rng = random.Random(7)
    runs = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(RUNS)]
    to_api: list[list[str]] = [[], []]
    to_cli: list[str] = []
    for index, run_id in enumerate(runs):
        start, complete = _events(run_id, index)
        first, second = rng.sample(["api0", "api1", "cli"], 2)
        for target, event in ((first, start), (second, complete)):
            text = event_json(event)
            (to_cli if target == "cli" else to_api[int(target[-1])]).append(text)
    for queue in (*to_api, to_cli):
        rng.shuffle(queue)
    events_file = tmp_path / "events.jsonl"
    events_file.write_text("".join(line + "\n" for line in to_cli), encoding="utf-8")

    with ExitStack() as stack:
        bases = [stack.enter_context(_serving(uri, tmp_path / f"home{i}")) for i in range(2)]
        cli = subprocess.Popen(
            [sys.executable, "-m", "modelctx", "--store", uri, "ingest", "openlineage", str(events_file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "MODELCTX_HOME": str(tmp_path / "cli-home")},
        )

        def post(args: tuple[str, str]) -> int:
            base, body = args
            answer = httpx.post(f"{base}/api/v1/lineage", content=body,
                                headers={"Content-Type": "application/json"}, timeout=120)
            return answer.status_code

        jobs = [(bases[i], body) for i in (0, 1) for body in to_api[i]]
        rng.shuffle(jobs)
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(post, jobs))
        out, err = cli.communicate(timeout=300)
    assert cli.returncode == 0, err
    assert statuses == [201] * len(jobs)

    corrupted = []
    run_ids = [node_id(NodeKind.RUN, "openlineage", r) for r in runs]
    nodes = store.get_nodes(run_ids)
    for index, run_id in enumerate(run_ids):
        props = nodes[run_id].properties
        produced = [e.source for e in store.get_edges([run_id], "in", [EdgeType.GENERATED_BY])]
        state = (props.get("status"), props.get("started_at"), props.get("ended_at"),
                 props.get("openlineage.event_types"), len(produced), props.get("attempted_outputs"))
        if state != ("COMPLETED", START, END, ["COMPLETE", "START"], 1, None):
            corrupted.append((index, state))
    assert corrupted == []


def _poisoned(run_id: str) -> str:
    """An event the schema accepts but no store may keep: a facet text holding a lone surrogate (``\\ud800``)."""
    event = json.loads(event_json(_events(run_id, 0)[0]))
    event["run"]["facets"] = {"errorMessage": {"_producer": "https://test/producer", "_schemaURL": "https://x",
                                               "message": "\ud800", "programmingLanguage": "python"}}
    return json.dumps(event)


def test_one_poisoned_event_among_many_fails_alone(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    uri = backend.uri(tmp_path)
    rng = random.Random(11)
    good = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(200)]
    bodies = [event_json(_events(run_id, i)[0]) for i, run_id in enumerate(good)]
    poison_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    bodies.insert(97, _poisoned(poison_id))
    with _serving(uri, tmp_path / "home") as base, ThreadPoolExecutor(max_workers=16) as pool:
        def post(body: str) -> int:
            return httpx.post(f"{base}/api/v1/lineage", content=body, headers={"Content-Type": "application/json"},
                              timeout=120).status_code

        statuses = list(pool.map(post, bodies))
    assert statuses[97] != 201 and 400 <= statuses[97] < 500
    assert statuses[:97] + statuses[98:] == [201] * 200
    stored = store.get_nodes([node_id(NodeKind.RUN, "openlineage", r) for r in [*good, poison_id]])
    assert len(stored) == 200 and node_id(NodeKind.RUN, "openlineage", poison_id) not in stored
