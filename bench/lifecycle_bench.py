"""Lifecycle benchmarks: tracking throughput against MLflow 3, and serving latency.

    .venv/bin/python bench/lifecycle_bench.py [--runs 200] [--steps 1000] [--requests 500]

1. Recording runs (10 params, 10 metrics, 3 tags, one dataset input each):
   ``client.run`` on the embedded SQLite store vs MLflow 3's fluent API on its
   SQLite tracking store, same machine, same process, same data file.
2. 1,000 metric steps in a loop inside one run (run end included for both).
3. Serving: p50/p95 latency of ``POST /predict`` on loopback (uvicorn, keep-alive
   client) vs calling the estimator directly on the same one-row input.

Prints absolute figures and the ratios the issue's targets are stated in.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def params(i: int) -> dict[str, Any]:
    return {f"param_{k}": f"value-{i}-{k}" for k in range(10)}


def metrics(i: int) -> dict[str, float]:
    return {f"metric_{k}": (i * 10 + k) / 7.0 for k in range(10)}


def tags(i: int) -> dict[str, str]:
    return {"team": "bench", "stage": "dev", "seq": str(i)}


def bench_modelctx_runs(root: Path, data: Path, runs: int, steps: int) -> tuple[float, float]:
    from modelctx.client import Client
    from modelctx.config import Settings
    from modelctx.training.tracking import TrackedRun

    client = Client.open(f"sqlite:///{root / 'modelctx.db'}", settings=Settings(home=root), actor="user:bench")
    with TrackedRun(client, project="bench", name="warm-up") as run:  # environment + schema, as MLflow's warm-up
        run.use(data, name="bench-data")
    start = time.perf_counter()
    for i in range(runs):
        with TrackedRun(client, project="bench", name=f"run {i}") as run:
            run.use(data, role="training", name="bench-data")
            run.log_params(params(i))
            run.log_metrics(metrics(i))
            run.set_tags(tags(i))
    per_run = (time.perf_counter() - start) / runs
    start = time.perf_counter()
    with TrackedRun(client, project="bench", name="metric loop") as run:
        for step in range(steps):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
    loop = time.perf_counter() - start
    client.close()
    return per_run, loop


def bench_mlflow_runs(root: Path, data: Path, runs: int, steps: int) -> tuple[float, float]:
    import mlflow
    import pandas as pd

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
    mlflow.set_experiment("bench")
    from_pandas: Any = mlflow.data.from_pandas  # type: ignore[attr-defined]  # present at run time
    dataset = from_pandas(pd.read_csv(data), source=str(data), name="bench-data")
    with mlflow.start_run(run_name="warm-up"):
        mlflow.log_input(dataset, context="training")
    start = time.perf_counter()
    for i in range(runs):
        with mlflow.start_run(run_name=f"run {i}"):
            mlflow.log_input(dataset, context="training")
            mlflow.log_params(params(i))
            mlflow.log_metrics(metrics(i))
            mlflow.set_tags(tags(i))
    per_run = (time.perf_counter() - start) / runs
    start = time.perf_counter()
    with mlflow.start_run(run_name="metric loop"):
        for step in range(steps):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    loop = time.perf_counter() - start
    return per_run, loop


def bench_serving(root: Path, requests: int) -> tuple[list[float], list[float], list[float], list[float]]:
    import httpx
    import pandas as pd
    import yaml
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from modelctx.client import Client
    from modelctx.config import Settings
    from modelctx.ingest.records import RecordsConfig, RecordsIngestor
    from modelctx.ingest.runner import run_ingest
    from modelctx.training.tracking import TrackedRun

    frame = load_breast_cancer(as_frame=True).frame
    x, y = frame.drop(columns="target"), frame["target"]
    client = Client.open(f"sqlite:///{root / 'serve.db'}", settings=Settings(home=root), actor="user:bench")
    with TrackedRun(client, project="bench", name="serve model") as run:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
        version = run.log_model(model, "bench-clf")
    reviews = root / "reviews.yaml"
    reviews.write_text(yaml.safe_dump([{"model": "bench-clf", "version": 1, "reviewer": "bench",
                                        "verdict": "approved", "reviewed_at": "2026-01-01T00:00:00Z",
                                        "comment": "bench"}]))
    ingestor = RecordsIngestor(RecordsConfig(path=reviews, kind="reviews"), client.store)
    run_ingest(client.store, ingestor)  # type: ignore[arg-type]  # its name is a Literal
    rows = [{k: float(v) for k, v in r.items()} for r in x.head(50).to_dict("records")]
    columns = list(x.columns)
    direct: list[float] = []

    client.close()
    # The server runs as the real command in its own process: a server thread sharing the GIL with
    # the client would measure thread switching, not serving.
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [str(Path(sys.executable).with_name("modelctx")), "--store", f"sqlite:///{root / 'serve.db'}",
               "serve-model", version.id, "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "MODELCTX_HOME": str(root)})
    served: list[float] = []
    transport: list[float] = []
    handler: list[float] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"model server did not start (exit {server.poll()})") from None
                    time.sleep(0.1)
            for i in range(20):
                http.post("/predict", json={"features": rows[i % len(rows)]})
            for _ in range(requests):  # the HTTP round trip alone, for reading the figures on a busy machine
                start = time.perf_counter()
                http.get("/health").raise_for_status()
                transport.append(time.perf_counter() - start)
            for i in range(requests):
                # direct and served calls alternate, so a busy machine slows both alike
                start = time.perf_counter()
                model.predict(pd.DataFrame([rows[i % len(rows)]], columns=columns))
                direct.append(time.perf_counter() - start)
                body = {"features": rows[i % len(rows)]}
                start = time.perf_counter()
                response = http.post("/predict", json=body)
                served.append(time.perf_counter() - start)
                response.raise_for_status()
                handler.append(float(response.headers["server-timing"].partition("dur=")[2]) / 1000)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return direct, served, transport, handler


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--serving-only", action="store_true", help="Skip the tracking comparison.")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    with tempfile.TemporaryDirectory(prefix="lifecycle-bench-") as tmp:
        root = Path(tmp)
        from sklearn.datasets import load_wine

        data = root / "wine.csv"
        load_wine(as_frame=True).frame.to_csv(data, index=False)
        (root / "mc").mkdir()
        (root / "ml").mkdir()
        (root / "sv").mkdir()
        if not args.serving_only:
            mc_run, mc_loop = bench_modelctx_runs(root / "mc", data, args.runs, args.steps)
            ml_run, ml_loop = bench_mlflow_runs(root / "ml", data, args.runs, args.steps)
            report_tracking(args, mc_run, mc_loop, ml_run, ml_loop)
        direct, served, transport, handler = bench_serving(root / "sv", args.requests)
    report_serving(args, direct, served, transport, handler)


def report_tracking(args: argparse.Namespace, mc_run: float, mc_loop: float, ml_run: float, ml_loop: float) -> None:
    print(f"tracking: {args.runs} runs, 10 params + 10 metrics + 3 tags + 1 dataset input each")
    print(f"  modelctx client.run      {1 / mc_run:10.1f} runs/s  ({mc_run * 1000:.2f} ms/run)")
    print(f"  MLflow 3 (sqlite store)  {1 / ml_run:10.1f} runs/s  ({ml_run * 1000:.2f} ms/run)")
    print(f"  ratio modelctx/MLflow    {ml_run / mc_run:10.1f}x  (target >= 10x)")
    print(f"metric loop: {args.steps} steps of log_metric in one run (run end included)")
    print(f"  modelctx                 {mc_loop * 1000:10.1f} ms")
    print(f"  MLflow 3                 {ml_loop * 1000:10.1f} ms")
    print(f"  ratio modelctx/MLflow    {ml_loop / mc_loop:10.1f}x  (target >= 10x)")


def report_serving(args: argparse.Namespace, direct: list[float], served: list[float], transport: list[float],
                   handler: list[float]) -> None:
    d50, s50 = pct(direct, 50) * 1000, pct(served, 50) * 1000
    print(f"serving: {args.requests} single-row predictions")
    print(f"  direct estimator.predict p50 {d50:7.3f} ms  p95 {pct(direct, 95) * 1000:7.3f} ms")
    print(f"  POST /predict (loopback) p50 {s50:7.3f} ms  p95 {pct(served, 95) * 1000:7.3f} ms")
    print(f"  inside the server (parse, predict, log, answer) p50 {pct(handler, 50) * 1000:7.3f} ms")
    print(f"  GET /health round trip  p50 {pct(transport, 50) * 1000:7.3f} ms  (HTTP alone, no model)")
    print(f"  added by serving at p50  {s50 - d50:7.3f} ms  (target <= 2 ms)")
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
