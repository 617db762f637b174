"""A file ingested from disk after OpenLineage or MLflow named it lands on their node and fills it in.

The dataset identity rule makes the order of ingestion irrelevant: whichever
source names a location first, there is one DatasetVersion per location, and
it carries the file ingestor's digest, rows and columns.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelctx.cli import main
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import path_uri
from tests.backends import BackendHarness
from tests.interop.conftest import MLFLOW_SQLALCHEMY_WARNING, MlflowWorld, etl_events, event_json, write_iris

pytestmark = pytest.mark.filterwarnings(f"ignore:{MLFLOW_SQLALCHEMY_WARNING}")
IRIS_COLUMNS = {"sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)", "target"}


def cli(uri: str, *args: str) -> dict:
    result: Result = CliRunner().invoke(main, ["--store", uri, *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def sha256_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def versions_at(store: GraphStore, path: Path) -> list:
    return store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(path, Path("/"))})


def targets(store: GraphStore, source: str, etype: EdgeType) -> set[str]:
    return {e.target for e in store.get_edges([source], direction="out", types=[etype])}


def test_openlineage_first_then_file_ingest_fills_in_the_same_node(
    store: GraphStore, backend: BackendHarness, tmp_path: Path
) -> None:
    uri = backend.uri(tmp_path)
    write_iris(tmp_path)
    raw, train = (tmp_path / "data" / "raw.csv").resolve(), (tmp_path / "data" / "train.csv").resolve()
    events = etl_events(raw, train)  # namespace "file", name = the absolute path
    jsonl = tmp_path / "etl.jsonl"
    jsonl.write_text("".join(event_json(e) + "\n" for e in events), encoding="utf-8")
    cli(uri, "ingest", "openlineage", str(jsonl))
    [placeholder] = versions_at(store, train)
    assert placeholder.properties["source"] == "openlineage" and "digest" not in placeholder.properties

    report = cli(uri, "ingest", "dataset", str(train), "--name", "iris-train")
    assert report["changes"]["nodes_updated"] >= 1

    [version] = versions_at(store, train)
    assert version.id == placeholder.id
    props = version.properties
    assert props["source"] == "file" and props["dataset"] == "iris-train"
    assert props["digest"] == sha256_of(train) and props["rows"] == 120
    assert {c["name"] for c in props["columns"]} == IRIS_COLUMNS
    assert props["column_stats"]["target"]["null_fraction"] == 0
    # what OpenLineage said stays: its namespaced columns, its run, its column lineage
    assert {c["name"] for c in props["openlineage.columns"]} == IRIS_COLUMNS
    etl_run = node_id(NodeKind.RUN, "openlineage", events[0].run.runId)
    assert targets(store, version.id, EdgeType.GENERATED_BY) == {etl_run}
    assert targets(store, version.id, EdgeType.DERIVED_FROM) == {versions_at(store, raw)[0].id}
    assert node_id(NodeKind.DATASET, "iris-train") in targets(store, version.id, EdgeType.VERSION_OF)

    # later events and ingests in either order leave one node, the file's properties untouched
    cli(uri, "ingest", "openlineage", str(jsonl))
    again = cli(uri, "ingest", "dataset", str(train), "--name", "iris-train")
    assert again["changes"]["nodes_created"] == again["changes"]["nodes_updated"] == 0
    [final] = versions_at(store, train)
    assert final.id == version.id and final.properties["rows"] == 120
    assert final.properties["digest"] == sha256_of(train) and final.properties["source"] == "file"


def test_mlflow_first_then_file_ingest_fills_in_the_same_node(
    store: GraphStore, backend: BackendHarness, mlflow_world: MlflowWorld, tmp_path: Path
) -> None:
    uri = backend.uri(tmp_path)
    base = mlflow_world.base_dir
    train, evaluation = base / "data" / "train.csv", base / "data" / "eval.csv"
    cli(uri, "ingest", "mlflow", "--tracking-uri", mlflow_world.tracking_uri, "--base-dir", str(base))
    [mentioned] = versions_at(store, train)
    mlflow_digest = mentioned.properties["digest"]
    assert mentioned.properties["source"] == "mlflow" and mlflow_digest.startswith("mlflow:")
    before = len(store.find_nodes(NodeKind.DATASET_VERSION, limit=1000))

    cli(uri, "ingest", "dataset", str(train), "--name", "iris-train")
    cli(uri, "ingest", "dataset", str(evaluation), "--name", "iris-eval")

    assert len(store.find_nodes(NodeKind.DATASET_VERSION, limit=1000)) == before
    [version] = versions_at(store, train)
    assert version.id == mentioned.id
    props = version.properties
    assert props["digest"] == sha256_of(train) and props["mlflow.digest"] == mlflow_digest
    assert props["source"] == "file" and props["rows"] == 120
    assert {c["name"] for c in props["columns"]} == IRIS_COLUMNS
    # MLflow logged only five rows of eval as numpy; the file has thirty
    [eval_version] = versions_at(store, evaluation)
    assert eval_version.properties["rows"] == 30 and eval_version.properties["digest"] == sha256_of(evaluation)
    for run in (mlflow_world.parent_run, mlflow_world.second_run):
        assert version.id in targets(store, node_id(NodeKind.RUN, "mlflow", run), EdgeType.USED)

    # a second MLflow import finds the node by its uri and leaves the file's core properties alone
    cli(uri, "ingest", "mlflow", "--tracking-uri", mlflow_world.tracking_uri, "--base-dir", str(base))
    [final] = versions_at(store, train)
    assert final.id == version.id and final.properties["digest"] == sha256_of(train)
    assert final.properties["rows"] == 120 and final.properties["source"] == "file"
