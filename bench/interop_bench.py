"""Benchmarks for the MLflow and OpenLineage ingestors, each against a baseline measured in the same run.

- mlflow: MLflow logs N runs (params, per-step metrics, tags, a dataset input)
  into a SQLite tracking store; modelctx then imports them into a fresh SQLite
  graph. Ratio = import time / logging time. Target: < 1.
- openlineage: the API is served by uvicorn on 127.0.0.1 in a child process;
  a bounded load (E events, C concurrent keep-alive clients) is POSTed to
  ``/api/v1/lineage``. Target: >= 500 events/s. Baselines in the same run: the
  same load rejected with 400 before any write (the HTTP floor of this machine)
  and the same events ingested in-process without HTTP.

    .venv/bin/python bench/interop_bench.py                      # 200 runs, 2000 events
    .venv/bin/python bench/interop_bench.py --runs 50 --events 500 --skip-mlflow

Prints one JSON document; nothing here is a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def bench_mlflow(root: Path, runs: int) -> dict[str, Any]:
    import mlflow
    import pandas as pd

    from modelctx.graph.store import open_store
    from modelctx.ingest.mlflow import MlflowConfig, MlflowIngestor
    from modelctx.ingest.runner import run_ingest

    warnings.filterwarnings("ignore", module=r"mlflow\.")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    frame = pd.DataFrame({"x": range(100), "y": [i * 0.5 for i in range(100)]})
    frame.to_csv(root / "train.csv", index=False)
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.create_experiment("bench", artifact_location=(root / "artifacts").as_uri())
    dataset = mlflow.data.from_pandas(frame, source=str(root / "train.csv"), name="train")
    mlflow.search_runs([experiment])  # warm MLflow's store (schema migration) outside the timing
    start = time.perf_counter()
    for i in range(runs):
        with mlflow.start_run(experiment_id=experiment, run_name=f"run-{i}"):
            mlflow.log_params({"lr": 0.01 * (i % 7 + 1), "depth": i % 5, "seed": i})
            mlflow.set_tags({"team": "bench", "mlflow.source.git.commit": f"{i:040x}"})
            mlflow.log_input(dataset, context="training")
            for step in range(10):
                mlflow.log_metric("loss", 1.0 / (step + 1 + i % 3), step=step)
                mlflow.log_metric("accuracy", step / 10, step=step)
    logged = time.perf_counter() - start

    store = open_store(f"sqlite:///{root / 'graph.db'}")
    try:
        config = MlflowConfig(tracking_uri=uri, base_dir=root, registry=False)
        start = time.perf_counter()
        report = run_ingest(store, MlflowIngestor(config, store))
        imported = time.perf_counter() - start
        start = time.perf_counter()
        again = run_ingest(store, MlflowIngestor(config, store))
        reimported = time.perf_counter() - start
    finally:
        store.close()
    return {
        "runs": runs,
        "mlflow_log_s": round(logged, 3),
        "import_s": round(imported, 3),
        "ratio_import_to_log": round(imported / logged, 3),
        "target_ratio": "< 1",
        "reimport_s": round(reimported, 3),
        "reimport_unchanged_nodes": again.write.nodes_unchanged,
        "nodes": dict(report.nodes_by_kind),
    }


def make_events(count: int, root: Path) -> list[dict[str, Any]]:
    """START and COMPLETE pairs of ETL runs, each reading one file and writing another."""
    events = []
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(count // 2):
        run_id = str(uuid.uuid4())
        for state, offset in (("START", 0), ("COMPLETE", 60)):
            events.append({
                "eventType": state, "eventTime": (t0 + timedelta(seconds=i * 120 + offset)).isoformat(),
                "producer": "https://example.com/bench", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
                "run": {"runId": run_id}, "job": {"namespace": "bench", "name": f"job-{i % 50}"},
                "inputs": [{"namespace": "file", "name": str(root / f"in-{i % 100}.csv")}],
                "outputs": [{"namespace": "file", "name": str(root / f"out-{i % 100}.csv"), "facets": {
                    "schema": {"fields": [{"name": "a", "type": "INT"}, {"name": "b", "type": "STRING"}]}}}],
            })
    return events


SERVER = """
import sys, uvicorn
from modelctx.api.app import create_app
from modelctx.client import Client
client = Client.open(sys.argv[1], actor="bench")
uvicorn.run(create_app(client), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_openlineage(root: Path, count: int, concurrency: int) -> dict[str, Any]:
    import httpx

    from modelctx.graph.store import open_store
    from modelctx.ingest.openlineage import EventIngestor, parse_event
    from modelctx.ingest.runner import run_ingest

    events = make_events(count, root)
    # Baseline: the same events ingested in-process, one transaction each, no HTTP.
    store = open_store(f"sqlite:///{root / 'baseline.db'}")
    try:
        start = time.perf_counter()
        for event in events:
            run_ingest(store, EventIngestor([parse_event(event)], base_dir=root))
        direct = time.perf_counter() - start
    finally:
        store.close()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, f"sqlite:///{root / 'served.db'}", str(port)],
                              env={**os.environ, "MODELCTX_HOME": str(root / "home")})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.post(f"{url}/api/v1/lineage", json={}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the API server did not start") from None
                time.sleep(0.2)
        # Events of one run stay on one client, in order, as one producer would send them.
        lanes: list[list[dict[str, Any]]] = [[] for _ in range(concurrency)]
        for i in range(0, len(events), 2):
            lanes[(i // 2) % concurrency].extend(events[i:i + 2])
        failures: list[str] = []

        def post_all(lane: list[dict[str, Any]], failures: list[str]) -> None:
            # A light load generator (stdlib http.client, one keep-alive connection per lane), so the
            # client's own cost does not hide the endpoint's.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"content-type": "application/json"}
            try:
                for body in lane:
                    connection.request("POST", "/api/v1/lineage", body=json.dumps(body), headers=headers)
                    response = connection.getresponse()
                    text = response.read()
                    if response.status not in (200, 201):
                        failures.append(f"{response.status} {text[:200]!r}")
            finally:
                connection.close()

        def send(lane: list[dict[str, Any]]) -> None:
            post_all(lane, failures)

        def load(target: Any, work: list[list[dict[str, Any]]]) -> float:
            threads = [threading.Thread(target=target, args=(lane,)) for lane in work]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return time.perf_counter() - start

        def send_invalid(lane: list[dict[str, Any]]) -> None:
            ignored: list[str] = []
            post_all([{**event, "eventType": "NOT-A-TYPE"} for event in lane], ignored)

        # The HTTP floor: the same load answered with 400 before any write (parse, validate, respond).
        floor = load(send_invalid, lanes)
        served = load(send, lanes)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "events": len(events),
        "concurrency": concurrency,
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
        "http_s": round(served, 3),
        "http_events_per_s": round(len(events) / served, 1),
        "target_events_per_s": 500,
        "ratio_to_target": round(len(events) / served / 500, 2),
        "http_floor_events_per_s": round(len(events) / floor, 1),
        "ratio_to_http_floor": round(floor / served, 3),
        "in_process_events_per_s": round(len(events) / direct, 1),
        "ratio_http_to_in_process": round(direct / served, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="MLflow runs to log and import")
    parser.add_argument("--events", type=int, default=2000, help="OpenLineage events to POST")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument("--skip-mlflow", action="store_true")
    parser.add_argument("--skip-openlineage", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="interop-bench-") as tmp:
        root = Path(tmp)
        if not args.skip_mlflow:
            (root / "mlflow").mkdir()
            result["mlflow"] = bench_mlflow(root / "mlflow", args.runs)
        if not args.skip_openlineage:
            (root / "ol").mkdir()
            result["openlineage"] = bench_openlineage(root / "ol", args.events, args.concurrency)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
