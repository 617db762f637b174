"""What a tracked run reads and makes is one node per real thing: a file's bytes, a model version number."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.training.artifacts import load_artifact, path_from_uri
from modelctx.training.datasets import describe_file
from modelctx.training.tracking import start_run


def customers(tmp_path: Path, breast_cancer: Any) -> Path:
    """``data/customers/`` with two versions of one table, as a team keeps its exports."""
    folder = tmp_path / "data" / "customers"
    folder.mkdir(parents=True)
    breast_cancer.iloc[:300].to_csv(folder / "customers_v1.csv", index=False)
    breast_cancer.to_csv(folder / "customers_v2.csv", index=False)
    return folder


def test_use_of_an_ingested_file_is_its_version_not_a_twin(
    client: Client, store_uri: str, tmp_path: Path, breast_cancer: Any
) -> None:
    from sklearn.dummy import DummyClassifier

    folder = customers(tmp_path, breast_cancer)
    file = folder / "customers_v2.csv"
    # A description made before the ingest (a new "customers_v2") must not outlive it.
    assert describe_file(file, name=None, lookup=client.store).version_id.startswith("dataset_version:customers_v2/")
    result = CliRunner().invoke(main, ["--store", store_uri, "ingest", "dataset", str(folder), "--name", "customers"])
    assert result.exit_code == 0, result.output
    [stored] = client.store.find_nodes(NodeKind.DATASET_VERSION, {"dataset": "customers", "version": "2"})
    with start_run(client, name="reads v2", capture_code=False, capture_environment=False) as run:
        assert run.use(file) == stored.id
        version = run.log_model(DummyClassifier().fit([[0], [1]], [0, 1]), "churn")
    with start_run(client, name="names it", capture_code=False, capture_environment=False) as named:
        assert named.use(str(file), role="evaluation", name="customers-2024") == stored.id
    assert {e.target: e.properties for e in client.store.get_edges([run.id], "out", [EdgeType.USED])} == {
        stored.id: {"role": "training"}}
    assert [e.properties for e in client.store.get_edges([named.id], "out", [EdgeType.USED])] == [
        {"role": "evaluation", "requested_name": "customers-2024"}]
    assert [n.id for n in client.store.find_nodes(NodeKind.DATASET)] == ["dataset:customers"]
    assert len(client.store.find_nodes(NodeKind.DATASET_VERSION)) == 2
    # impact and flags on the real dataset now reach the model
    assert version.id in client.store.reachable([stored.id], "down")


def test_use_of_a_new_file_names_it_by_its_stem(client: Client, tmp_path: Path, breast_cancer: Any) -> None:
    file = customers(tmp_path, breast_cancer) / "customers_v1.csv"
    with start_run(client, capture_code=False, capture_environment=False) as first:
        used = first.use(file)
    assert used.startswith("dataset_version:customers_v1/")
    with start_run(client, capture_code=False, capture_environment=False) as second:
        assert second.use(file, name="customers") == used  # the bytes are stored: their version wins
    assert [e.properties for e in client.store.get_edges([second.id], "out", [EdgeType.USED])] == [
        {"role": "training", "requested_name": "customers"}]
    assert [n.id for n in client.store.find_nodes(NodeKind.DATASET)] == ["dataset:customers_v1"]


#: One process of the race: open the store, wait for the start signal, log COUNT versions of one model
#: (a plain object, saved with joblib: the race is about numbering, not about scikit-learn).
RACER = """
import pathlib, sys, time
from modelctx.client import Client

uri, ready, go, count = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]), int(sys.argv[4])
with Client.open(uri, actor="user:racer") as client:
    with client.run(name=ready.name, capture_code=False, capture_environment=False) as run:
        ready.touch()
        while not go.exists():
            time.sleep(0.001)
        for _ in range(count):
            print(run.log_model({"racer": ready.name}, "race").properties["version"], flush=True)
    print(run.id)
"""


def test_concurrent_runs_claim_distinct_versions(client: Client, store_uri: str, tmp_path: Path) -> None:
    processes, each = 4, 3
    go = tmp_path / "go"
    racers = []
    for number in range(processes):
        ready = tmp_path / f"racer-{number}"
        racers.append((ready, subprocess.Popen(
            [sys.executable, "-c", RACER, store_uri, str(ready), str(go), str(each)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ})))
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _ in racers):
        assert all(p.poll() is None for _, p in racers), [p.communicate() for _, p in racers if p.poll() is not None]
        assert time.monotonic() < deadline, "the racing processes did not start"
        time.sleep(0.02)
    go.touch()  # all of them log their versions from this moment on
    claimed: dict[str, list[int]] = {}
    for _, process in racers:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        *versions, run_id = out.split()
        claimed[run_id] = [int(v) for v in versions]
    numbers = sorted(v for versions in claimed.values() for v in versions)
    assert numbers == list(range(1, processes * each + 1))  # every log a version of its own: none merged
    store = client.store
    for run_id, versions in claimed.items():
        made = sorted(e.source for e in store.get_edges([run_id], "in", [EdgeType.GENERATED_BY]))
        assert made == sorted(node_id(NodeKind.MODEL_VERSION, "race", v) for v in versions)
    nodes = store.find_nodes(NodeKind.MODEL_VERSION, {"model": "race"}, limit=100)
    assert len(nodes) == processes * each
    for node in nodes:
        [maker] = store.get_edges([node.id], "out", [EdgeType.GENERATED_BY])
        assert node.id in {node_id(NodeKind.MODEL_VERSION, "race", v) for v in claimed[maker.target]}
        run_name = store.get_node(maker.target).properties["name"]  # the racer's own model, in place
        assert load_artifact(node.properties["artifact_uri"], node.properties["digest"]) == {"racer": run_name}
    model_dir = path_from_uri(nodes[0].properties["artifact_uri"]).parent.parent
    assert sorted(p.name for p in model_dir.iterdir()) == sorted(str(v) for v in numbers)  # no staging left
