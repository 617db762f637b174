"""``modelctx serve-model`` as a real process: serves, logs, and retires its deployment on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from modelctx.client import Client
from modelctx.graph.model import NodeKind
from modelctx.serving.predictions import PredictionLog
from tests.lifecycle.conftest import review, train_cancer_model
from tests.serve_pair import free_port


def test_serve_model_command_records_and_retires_its_deployment(
    client: Client, store_uri: str, cancer_csv: Path, tmp_path: Path, breast_cancer: object
) -> None:
    version = train_cancer_model(client, cancer_csv, None)
    review(client, tmp_path, version, "approved", "2026-01-05T10:00:00+00:00")
    port = free_port()
    command = [str(Path(sys.executable).with_name("modelctx")), "--store", store_uri, "serve-model",
               "cancer-clf@candidate", "--port", str(port), "--environment", "staging"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ})
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 120
            while True:
                try:
                    health = http.get("/health")
                    break
                except httpx.TransportError:
                    assert server.poll() is None, server.communicate()[1]
                    assert time.monotonic() < deadline, "serve-model did not start"
                    time.sleep(0.2)
            deployment_id = health.json()["deployment"]
            active = client.store.get_nodes([deployment_id])[deployment_id].properties
            assert active["status"] == "active" and active["environment"] == "staging"
            assert active["endpoint"] == f"http://127.0.0.1:{port}/predict"
            features = {k: float(v) for k, v in breast_cancer.drop(columns="target").iloc[0].items()}  # type: ignore[attr-defined]
            answer = http.post("/predict", json={"instances": [features, features]}).json()
            assert [p["prediction"] for p in answer["predictions"]] == [0, 0]
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert f"serving {version.id} as {deployment_id}" in out
    retired = client.store.get_nodes([deployment_id])[deployment_id].properties
    assert retired["status"] == "retired" and retired["retired_at"] >= retired["deployed_at"]
    logged = PredictionLog(Path(retired["prediction_log"])).read()
    assert len(logged) == 2 and logged[0].features == features
    assert [n.id for n in client.store.find_nodes(NodeKind.DEPLOYMENT)] == [deployment_id]
