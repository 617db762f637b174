"""Train → approve → serve → shifted traffic → monitor → lineage, on real data, on every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.monitoring.report import monitor_deployment
from modelctx.serving.server import create_model_app, open_service
from tests.lifecycle.conftest import RunningServer, review, train_cancer_model

SHIFTED = {"mean radius": 1.6, "mean texture": 1.5, "worst area": 2.0}


def shifted_rows(frame: Any, n: int) -> list[tuple[dict[str, Any], int]]:
    sample = frame.sample(n=n, random_state=7)
    rows = []
    for _, record in sample.iterrows():
        features = {k: float(v) for k, v in record.items() if k != "target"}
        for name, factor in SHIFTED.items():
            features[name] *= factor
        rows.append((features, int(record["target"])))
    return rows


def test_train_approve_serve_monitor_lineage(
    client: Client, store_uri: str, cancer_csv: Path, code_repo: Path, tmp_path: Path, breast_cancer: Any,
    running_server: type[RunningServer],
) -> None:
    version = train_cancer_model(client, cancer_csv, code_repo)
    review(client, tmp_path, version, "approved", "2026-01-05T10:00:00+00:00", "Calibrated, fair on age bands.")

    service = open_service(client, "cancer-clf@candidate", endpoint="loopback")
    deployment_id = service.deployment.id
    assert client.store.get_nodes([deployment_id])[deployment_id].properties["status"] == "active"
    traffic = shifted_rows(breast_cancer, 160)
    with running_server(create_model_app(service)) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/health").json()["model_version"] == version.id
        ids = []
        for features, _ in traffic:
            response = http.post("/predict", json={"features": features})
            assert response.status_code == 200, response.text
            ids.append(response.json()["id"])
        for pid, (_, label) in zip(ids[:100], traffic[:100], strict=True):
            assert http.post(f"/predictions/{pid}/label", json={"label": label}).status_code == 200
        bad = http.post("/predict", json={"features": {"mean radius": 1.0}})
        assert bad.status_code == 422 and "missing feature" in bad.json()["detail"]
        assert http.post("/predictions/nope/label", json={"label": 1}).status_code == 404
    retired = client.store.get_nodes([deployment_id])[deployment_id]
    assert retired.properties["status"] == "retired" and retired.properties["retired_at"]

    outcome = monitor_deployment(client, deployment_id, window="all")
    report = outcome.report.properties
    assert report["predictions"] == 160
    assert outcome.severity == "critical"
    assert set(SHIFTED) <= set(report["drifted_features"])
    by_feature = {d["feature"]: d for d in report["drift"]}
    assert all(by_feature[name]["psi"] >= 0.25 for name in SHIFTED)
    assert by_feature["mean smoothness"]["severity"] != "critical"
    assert report["performance"]["labelled"] == 100 and 0 <= report["performance"]["accuracy"] <= 1
    assert len(outcome.plots) >= len(SHIFTED)
    for uri in outcome.plots:
        assert Path(uri.removeprefix("file://")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    insight = client.store.get_nodes([outcome.insight_id])[outcome.insight_id]  # type: ignore[list-item]
    assert "Drift detected" in insight.properties["text"] and "mean radius" in insight.properties["text"]
    about = {e.target for e in client.store.get_edges([insight.id], "out", [EdgeType.ABOUT])}
    assert about == {outcome.report.id, deployment_id}

    result = CliRunner().invoke(main, ["--store", store_uri, "lineage", outcome.report.id,
                                       "--direction", "up", "--json"])
    assert result.exit_code == 0, result.output
    reached = {n["id"]: n for n in json.loads(result.output)["nodes"]}
    kinds = {n["kind"] for n in reached.values()}
    assert {"deployment", "model_version", "run", "dataset_version", "commit", "environment"} <= kinds
    assert deployment_id in reached and version.id in reached
    training_runs = [n for n in reached.values() if n["kind"] == "run" and n["properties"]["kind"] == "training"]
    assert len(training_runs) == 1 and training_runs[0]["properties"]["status"] == "COMPLETED"
    commit = next(n for n in reached.values() if n["kind"] == "commit")
    assert commit["properties"]["message"] == "Add the training script"
    dataset = next(n for n in reached.values() if n["kind"] == "dataset_version")
    assert dataset["properties"]["uri"] == cancer_csv.resolve().as_uri()


def test_monitor_command_on_unshifted_traffic_is_ok(
    client: Client, store_uri: str, cancer_csv: Path, code_repo: Path, tmp_path: Path, breast_cancer: Any,
) -> None:
    version = train_cancer_model(client, cancer_csv, code_repo)
    review(client, tmp_path, version, "approved", "2026-01-05T10:00:00+00:00")
    service = open_service(client, f"cancer-clf@{version.properties['version']}")
    rows = [{k: float(v) for k, v in r.items() if k != "target"}
            for _, r in breast_cancer.sample(n=300, random_state=1).iterrows()]
    service.predict(rows)
    service.close()
    result = CliRunner().invoke(main, ["--store", store_uri, "monitor", service.deployment.id,
                                       "--window", "all", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["severity"] == "ok" and data["drifted_features"] == [] and data["insight"] is None
    assert client.store.find_nodes(NodeKind.MONITORING_REPORT, {"deployment": service.deployment.id})
