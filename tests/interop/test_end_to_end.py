"""Done when: a registered model version's upstream shows its run, commit, datasets and, through
OpenLineage ETL events, the raw data those came from — every one a single node."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelctx.cli import main
from modelctx.graph.ids import node_id
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import file_dataset_version, path_uri
from tests.backends import BackendHarness
from tests.interop.conftest import COMMIT_SHA, MLFLOW_SQLALCHEMY_WARNING, MlflowWorld, etl_events, event_json

pytestmark = pytest.mark.filterwarnings(f"ignore:{MLFLOW_SQLALCHEMY_WARNING}")
HAS_FILE_INGESTOR = importlib.util.find_spec("modelctx.ingest.dataset") is not None


def cli(uri: str, *args: str) -> Result:
    result = CliRunner().invoke(main, ["--store", uri, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def ingest_file_from_disk(store: GraphStore, uri: str, path: Path, name: str) -> str:
    """The file ingestor's node (issue 4's command when present, else the same record via the identity rule)."""
    if HAS_FILE_INGESTOR:
        cli(uri, "ingest", "dataset", str(path), "--name", name, "--json")
        [version] = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(path, Path("/"))})
        return version.id
    match = file_dataset_version(path, name, hashlib.sha256(path.read_bytes()).hexdigest(), path.parent)
    store.write(match.nodes, match.edges)
    return match.version_id


@pytest.mark.parametrize("train_from_disk", ["first", "never", "last"],
                         ids=["train-file-ingested", "train-from-lineage-only", "train-file-ingested-last"])
def test_model_version_lineage_reaches_raw_data(
    store: GraphStore, backend: BackendHarness, mlflow_world: MlflowWorld, tmp_path: Path, train_from_disk: str,
) -> None:
    uri = backend.uri(tmp_path)
    base = mlflow_world.base_dir
    raw_path, train_path = base / "data" / "raw.csv", base / "data" / "train.csv"
    raw_version = ingest_file_from_disk(store, uri, raw_path, "iris-raw")
    train_version = ingest_file_from_disk(store, uri, train_path, "iris-train") if train_from_disk == "first" else None

    events = etl_events(Path("data/raw.csv"), Path("data/train.csv"))  # relative, as the job recorded them
    jsonl = tmp_path / "etl.jsonl"
    jsonl.write_text("".join(event_json(e) + "\n" for e in events), encoding="utf-8")
    cli(uri, "ingest", "openlineage", str(jsonl), "--base-dir", str(base), "--json")
    cli(uri, "ingest", "mlflow", "--tracking-uri", mlflow_world.tracking_uri, "--base-dir", str(base), "--json")
    if train_from_disk == "last":  # the order does not matter: the file lands on the node the others made
        train_version = ingest_file_from_disk(store, uri, train_path, "iris-train")
        [train_node] = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(train_path, Path("/"))})
        assert train_node.properties["rows"] == 120 and train_node.properties["digest"].startswith("sha256:")

    result = cli(uri, "lineage", "model_version:churn/1", "--direction", "up", "--json")
    graph = json.loads(result.output)
    ids = [n["id"] for n in graph["nodes"]]
    assert len(ids) == len(set(ids))
    etl_run = node_id("run", "openlineage", events[0].run.runId)
    expected = {
        node_id("run", "mlflow", mlflow_world.parent_run),
        node_id("commit", COMMIT_SHA),
        etl_run,
        raw_version,
    }
    assert expected <= set(ids)
    # exactly one node per location: the file, the ETL output and the MLflow input are one
    train_uri = path_uri(train_path, Path("/"))
    [train_node] = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": train_uri})
    assert train_version is None or train_node.id == train_version
    assert train_node.id in ids
    assert len(store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(raw_path, Path("/"))})) == 1
    uris = Counter(n["properties"].get("uri") for n in graph["nodes"] if n["kind"] == "dataset_version")
    assert set(uris.values()) == {1}
    edges = {(e["source"], e["type"], e["target"]) for e in graph["edges"]}
    assert (train_node.id, "GENERATED_BY", etl_run) in edges
    assert (etl_run, "USED", raw_version) in edges
    assert (train_node.id, "DERIVED_FROM", raw_version) in edges

    text = cli(uri, "lineage", "model_version:churn/1", "--direction", "up").output
    for shown in ("train-parent", "prepare_train", COMMIT_SHA, raw_version):
        assert shown in text
