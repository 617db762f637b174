"""The MLflow ingestor against a tracking store MLflow itself wrote in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import path_uri
from modelctx.ingest.mlflow import MlflowConfig, MlflowIngestor
from modelctx.ingest.runner import IngestReport, run_ingest
from tests.interop.conftest import COMMIT_SHA, MLFLOW_SQLALCHEMY_WARNING, MlflowWorld
from tests.serve_pair import free_port

pytestmark = pytest.mark.filterwarnings(f"ignore:{MLFLOW_SQLALCHEMY_WARNING}")


def import_mlflow(store: GraphStore, world: MlflowWorld, **options: object) -> IngestReport:
    config = MlflowConfig(tracking_uri=world.tracking_uri, base_dir=world.base_dir, **options)  # type: ignore[arg-type]
    return run_ingest(store, MlflowIngestor(config, store), actor="test")


def out_edges(store: GraphStore, node: str, etype: EdgeType) -> list[Edge]:
    return [e for e in store.get_edges([node], "out", [etype]) if e.source == node]


def test_runs_experiments_and_people(store: GraphStore, mlflow_world: MlflowWorld) -> None:
    import_mlflow(store, mlflow_world)
    parent = store.get_node(node_id("run", "mlflow", mlflow_world.parent_run))
    props = parent.properties
    assert props["name"] == "train-parent"
    assert props["status"] == "COMPLETED" and props["mlflow.status"] == "FINISHED"
    assert props["started_at"] <= props["ended_at"]
    assert props["params"] == {"C": "1.0", "max_iter": "200"}
    assert props["metrics"] == {"accuracy": 0.84, "loss": 0.45}
    loss = props["mlflow.metric_history"]["loss"]
    assert (loss["steps"], loss["last_step"], loss["best"], loss["goal"]) == (4, 3, 0.4, "min")
    accuracy = props["mlflow.metric_history"]["accuracy"]
    assert (accuracy["best"], accuracy["goal"]) == (0.85, "max")
    assert props["text"] == "Baseline logistic regression on the iris sample"
    assert props["mlflow.tags"]["team"] == "retail"
    assert "mlflow.note.content" not in props["mlflow.tags"]

    experiment = node_id("experiment", "churn")
    assert store.get_node(experiment).properties["description"] == "Churn models for the retail team"
    for run in (mlflow_world.parent_run, mlflow_world.child_run, mlflow_world.second_run):
        assert [e.target for e in out_edges(store, node_id("run", "mlflow", run), EdgeType.PART_OF)] == [experiment]
    child = node_id("run", "mlflow", mlflow_world.child_run)
    assert [e.target for e in out_edges(store, child, EdgeType.CHILD_OF)] == [parent.id]
    # the MLflow user is a handle no known email has: a handle person (modelctx/ingest/people.py), shared by projects
    user = props["user"]
    assert [e.target for e in out_edges(store, parent.id, EdgeType.ATTRIBUTED_TO)] == [f"person:{user.lower()}"]
    assert store.get_node(f"person:{user.lower()}").properties == {"name": user, "source": "mlflow",
                                                                  "source_id": user.lower()}


def test_commit_and_dataset_inputs(store: GraphStore, mlflow_world: MlflowWorld) -> None:
    import_mlflow(store, mlflow_world)
    parent = node_id("run", "mlflow", mlflow_world.parent_run)
    used = {e.target: e for e in out_edges(store, parent, EdgeType.USED)}
    commit = node_id("commit", COMMIT_SHA)
    assert used[commit].properties == {"role": "code"}
    assert store.get_node(commit).properties["source"] == "mlflow"
    versions = store.get_nodes([t for t in used if t != commit])
    by_role = {used[v].properties["role"]: versions[v] for v in versions}
    assert set(by_role) == {"training", "evaluation"}
    train = by_role["training"]
    # the relative source path resolved against --base-dir
    assert train.properties["uri"] == path_uri(mlflow_world.base_dir / "data" / "train.csv", Path("/"))
    assert {c["name"] for c in train.properties["columns"]} >= {"target", "sepal length (cm)"}
    assert train.properties["rows"] == 120
    assert used[train.id].properties["mlflow.dataset"]["name"] == "train"
    assert by_role["evaluation"].properties["uri"].endswith("/project/data/eval.csv")
    # the second run logged the same dataset: the same node, not a copy
    second = node_id("run", "mlflow", mlflow_world.second_run)
    assert [e.target for e in out_edges(store, second, EdgeType.USED)] == [train.id]
    assert len(store.find_nodes(NodeKind.DATASET_VERSION)) == 2


def test_model_registry(store: GraphStore, mlflow_world: MlflowWorld) -> None:
    import_mlflow(store, mlflow_world)
    model = store.get_node(node_id("model", "churn"))
    assert model.properties["description"] == "Predicts which customers leave"
    assert model.properties["aliases"] == {"champion": "2"} or model.properties["aliases"] == {"champion": 2}
    expected_runs = {"1": mlflow_world.parent_run, "2": mlflow_world.second_run}
    for version, run in expected_runs.items():
        mv = node_id("model_version", "churn", version)
        assert [e.target for e in out_edges(store, mv, EdgeType.GENERATED_BY)] == [node_id("run", "mlflow", run)]
        assert [e.target for e in out_edges(store, mv, EdgeType.VERSION_OF)] == [model.id]
    v2 = store.get_node(node_id("model_version", "churn", "2")).properties
    assert v2["aliases"] == ["champion"] and v2["description"] == "Stronger regularisation"
    assert v2["mlflow.tags"] == {"validated": "yes"}
    assert v2["mlflow.model_id"].startswith("m-")
    assert store.get_node(node_id("model_version", "churn", "1")).properties["aliases"] == []
    # a logged model never registered stays on its run
    lone = store.get_node(node_id("run", "mlflow", mlflow_world.unregistered_run)).properties
    [logged] = lone["mlflow.logged_models"]
    assert logged["model_id"] == mlflow_world.unregistered_model_id and logged["name"] == "scratch"
    assert logged["artifact_location"]
    assert len(store.find_nodes(NodeKind.MODEL_VERSION)) == 2


def test_second_import_changes_only_what_changed(store: GraphStore, mlflow_world: MlflowWorld,
                                                tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    world = mlflow_world.copy(tmp_path)
    first = import_mlflow(store, world)
    assert first.write.nodes_created > 0
    again = import_mlflow(store, world)
    assert (again.write.nodes_created, again.write.nodes_updated, again.write.edges_created) == (0, 0, 0)
    MlflowClient(world.tracking_uri).set_tag(world.child_run, "reviewed", "true")
    third = import_mlflow(store, world)
    assert (third.write.nodes_created, third.write.nodes_updated, third.write.edges_created) == (0, 1, 0)
    child = store.get_node(node_id("run", "mlflow", world.child_run))
    assert child.properties["mlflow.tags"]["reviewed"] == "true"


def test_existing_commit_and_file_version_are_reused(store: GraphStore, mlflow_world: MlflowWorld) -> None:
    """A commit from git and a file ingested from disk are the nodes MLflow's run points at."""
    from modelctx.ingest.identity import file_dataset_version

    commit = node_id("commit", COMMIT_SHA)
    store.write([Node(commit, NodeKind.COMMIT, {"sha": COMMIT_SHA, "source": "git", "message": "train"})], [])
    match = file_dataset_version(mlflow_world.base_dir / "data" / "train.csv", "iris-train", "ab" * 32,
                                 mlflow_world.base_dir)
    store.write(match.nodes, match.edges)
    import_mlflow(store, mlflow_world)
    assert store.get_node(commit).properties["source"] == "git"
    parent = node_id("run", "mlflow", mlflow_world.parent_run)
    training = [e.target for e in out_edges(store, parent, EdgeType.USED) if e.properties["role"] == "training"]
    assert training == [match.version_id]
    assert store.get_node(match.version_id).properties["digest"] == "sha256:" + "ab" * 32
    assert not store.has_node(node_id("dataset", "train"))


def test_experiment_filter_and_project(store: GraphStore, mlflow_world: MlflowWorld) -> None:
    import_mlflow(store, mlflow_world, experiments=["churn"], project="retail")
    run = store.get_node(node_id("run", "mlflow", mlflow_world.parent_run))
    assert run.properties["project"] == "retail"
    assert [e.target for e in out_edges(store, run.id, EdgeType.IN_PROJECT)] == [node_id("project", "retail")]
    [person] = store.find_nodes(NodeKind.PERSON)  # people belong to no project
    assert "project" not in person.properties and out_edges(store, person.id, EdgeType.IN_PROJECT) == []
    with pytest.raises(IngestError, match="no experiment 'nope'; known: .*churn"):
        import_mlflow(store, mlflow_world, experiments=["nope"])


def test_unreachable_tracking_uri_is_a_clear_error(store: GraphStore, tmp_path: Path) -> None:
    port = free_port()
    world = MlflowWorld(tmp_path, tmp_path, f"http://127.0.0.1:{port}", "", "", "", "", "")
    with pytest.raises(IngestError, match=f"MLflow tracking server http://127.0.0.1:{port} is unreachable"):
        import_mlflow(store, world)
    missing = MlflowWorld(tmp_path, tmp_path, f"sqlite:///{tmp_path / 'nope.db'}", "", "", "", "", "")
    with pytest.raises(IngestError, match="nope.db does not exist"):
        import_mlflow(store, missing)
    assert not (tmp_path / "nope.db").exists()
    assert store.last_seq() == 0


@pytest.mark.slow
def test_http_tracking_server(store: GraphStore, mlflow_world: MlflowWorld) -> None:
    """The same store behind MLflow's own tracking server (``mlflow server``) on loopback."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    mlflow_cli = Path(sys.executable).parent / "mlflow"
    server = subprocess.Popen(
        [str(mlflow_cli), "server", "--backend-store-uri", mlflow_world.tracking_uri, "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--default-artifact-root", str(mlflow_world.root / "artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("mlflow server did not start")
                time.sleep(0.5)
        http_world = MlflowWorld(mlflow_world.root, mlflow_world.base_dir, f"http://127.0.0.1:{port}",
                                 mlflow_world.parent_run, "", "", "", "")
        report = import_mlflow(store, http_world)
    finally:
        # The server runs its workers as children: stop the whole session it leads.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
    assert report.nodes_by_kind["run"] >= 4
    assert store.has_node(node_id("model_version", "churn", "2"))
    assert store.get_node(node_id("run", "mlflow", mlflow_world.parent_run)).properties["metrics"]["loss"] == 0.45


def test_file_tracking_store(store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``file:`` store (MLflow 3 keeps it in maintenance mode) is still read."""
    import warnings

    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"mlflow\.")
        client = MlflowClient(uri)
        experiment = client.create_experiment("files")
        parent = client.create_run(experiment, run_name="outer")
        child = client.create_run(experiment, run_name="inner", tags={"mlflow.parentRunId": parent.info.run_id})
        client.log_metric(child.info.run_id, "rmse", 2.0, step=0)
        client.log_metric(child.info.run_id, "rmse", 1.5, step=1)
        client.set_terminated(child.info.run_id)
    world = MlflowWorld(tmp_path, tmp_path, uri, parent.info.run_id, child.info.run_id, "", "", "")
    import_mlflow(store, world)
    inner = store.get_node(node_id("run", "mlflow", child.info.run_id))
    assert inner.properties["mlflow.metric_history"]["rmse"]["best"] == 1.5
    assert inner.properties["status"] == "COMPLETED"
    assert [e.target for e in out_edges(store, inner.id, EdgeType.CHILD_OF)] == [
        node_id("run", "mlflow", parent.info.run_id)]
