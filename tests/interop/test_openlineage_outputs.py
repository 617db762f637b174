"""OpenLineage outputs are a run's products only once it completed; a failed attempt produced nothing.

Events are built by the openlineage-python client (``tests/interop/conftest.py``)
and each is ingested on its own, as events arrive over HTTP.
"""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path
from typing import Any

from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import dataset_name_for_uri, path_uri
from modelctx.ingest.openlineage import EventIngestor, parse_event
from modelctx.ingest.runner import run_ingest
from tests.interop.conftest import COMMIT_SHA, etl_events, event_json

ETL_SHA = COMMIT_SHA.replace("0", "e")
FAILED_SHA = "f" * 40


def bodies(tmp_path: Path, run_id: str) -> dict[str, dict[str, Any]]:
    """START, RUNNING, FAIL, ABORT and COMPLETE of one run reading raw.csv and writing train.csv."""
    start, complete = (json.loads(event_json(e)) for e in etl_events(tmp_path / "raw.csv", tmp_path / "train.csv",
                                                                     run_id=run_id))
    found = {"START": start, "COMPLETE": complete}
    for kind, minute in (("RUNNING", "01"), ("FAIL", "02"), ("ABORT", "02")):
        found[kind] = {**start, "eventType": kind, "eventTime": f"2025-03-01T12:{minute}:00+00:00"}
    return found


def send(store: GraphStore, tmp_path: Path, *events: dict[str, Any]) -> None:
    for body in events:  # one ingest per event
        run_ingest(store, EventIngestor([parse_event(body)], base_dir=tmp_path))


def train_version(store: GraphStore, tmp_path: Path, run: str) -> str:
    """The version of train.csv the run ``run`` wrote (it must exist)."""
    uri = path_uri(tmp_path / "train.csv", tmp_path)
    [version] = [v for v in store.find_nodes(NodeKind.DATASET_VERSION, {"uri": uri})
                 if v.properties.get("written_by") == node_id("run", "openlineage", run)]
    return version.id


def train_versions(store: GraphStore, tmp_path: Path) -> list[str]:
    uri = path_uri(tmp_path / "train.csv", tmp_path)
    return [v.id for v in store.find_nodes(NodeKind.DATASET_VERSION, {"uri": uri})]


def train_dataset(tmp_path: Path) -> str:
    return node_id(NodeKind.DATASET, dataset_name_for_uri(path_uri(tmp_path / "train.csv", tmp_path)))


def producers(store: GraphStore, version_id: str) -> list[str]:
    return sorted(e.target for e in store.get_edges([version_id], "out", [EdgeType.GENERATED_BY]))


def with_commit(body: dict[str, Any], sha: str) -> dict[str, Any]:
    facets = {**body["job"]["facets"], "sourceCodeLocation": {**body["job"]["facets"]["sourceCodeLocation"],
                                                              "version": sha}}
    return {**body, "job": {**body["job"], "facets": facets}}


def test_a_failed_run_keeps_its_outputs_as_attempted_and_produces_nothing(store: GraphStore, tmp_path: Path) -> None:
    for ending in ("FAIL", "ABORT"):
        attempt = str(uuid.uuid4())
        events = bodies(tmp_path, attempt)
        send(store, tmp_path, with_commit(events["START"], FAILED_SHA), with_commit(events[ending], FAILED_SHA))
        run = store.get_node(node_id("run", "openlineage", attempt)).properties
        assert run["status"] == ("FAILED" if ending == "FAIL" else "ABORTED")
        assert run["attempted_outputs"] == [train_dataset(tmp_path)]
        assert train_versions(store, tmp_path) == []  # nothing was written
    success = str(uuid.uuid4())
    send(store, tmp_path, bodies(tmp_path, success)["START"], bodies(tmp_path, success)["COMPLETE"])
    run_id = node_id("run", "openlineage", success)
    train = train_version(store, tmp_path, success)
    assert train_versions(store, tmp_path) == [train]
    assert producers(store, train) == [run_id]
    assert "attempted_outputs" not in store.get_node(run_id).properties
    upstream = store.reachable([train], "up")
    assert node_id("commit", ETL_SHA) in upstream and node_id("commit", FAILED_SHA) not in upstream


def test_outputs_declared_at_start_are_produced_at_complete(store: GraphStore, tmp_path: Path) -> None:
    run = str(uuid.uuid4())
    run_id = node_id("run", "openlineage", run)
    events = bodies(tmp_path, run)
    send(store, tmp_path, events["START"])
    assert store.get_node(run_id).properties["attempted_outputs"] == [train_dataset(tmp_path)]
    assert train_versions(store, tmp_path) == []
    send(store, tmp_path, {**events["COMPLETE"], "outputs": []})
    train = train_version(store, tmp_path, run)
    assert producers(store, train) == [run_id]
    props = store.get_node(train).properties
    assert props["written_at"] == "2025-03-01T12:03:00.000000+00:00" and props["written_by"] == run_id
    # the schema the START declared is the written version's
    assert [c["name"] for c in props["columns"]][-1] == "target"
    assert "attempted_outputs" not in store.get_node(run_id).properties
    # an event arriving after the run is known complete produces its outputs at once
    late = {**events["RUNNING"], "outputs": [{"namespace": "file", "name": str(tmp_path / "eval.csv")}]}
    send(store, tmp_path, late)
    [evaluation] = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(tmp_path / "eval.csv", tmp_path)})
    assert producers(store, evaluation.id) == [run_id]
    assert "attempted_outputs" not in store.get_node(run_id).properties


def test_fail_then_complete_of_one_run_ends_the_same_in_any_order(store: GraphStore, tmp_path: Path) -> None:
    """START 12:00, FAIL 12:02, COMPLETE 12:03 (a retried attempt): completed, outputs produced, nothing attempted."""
    results = []
    for order in itertools.permutations(("START", "FAIL", "COMPLETE")):
        run = str(uuid.uuid4())
        events = bodies(tmp_path, run)
        send(store, tmp_path, *(events[kind] for kind in order))
        run_id = node_id("run", "openlineage", run)
        props = dict(store.get_node(run_id).properties)
        props.pop("source_id")
        assert producers(store, train_version(store, tmp_path, run)) == [run_id], order
        results.append(props)
    assert results[0]["status"] == "COMPLETED" and "attempted_outputs" not in results[0]
    assert results[0]["ended_at"] == "2025-03-01T12:03:00.000000+00:00"
    assert all(r == results[0] for r in results)


def test_a_completion_in_a_later_batch_clears_what_a_failure_left(store: GraphStore, tmp_path: Path) -> None:
    """The FAIL is stored; a RUNNING and the COMPLETE then arrive together (one JSON-lines file, one batch)."""
    run = str(uuid.uuid4())
    run_id = node_id("run", "openlineage", run)
    events = bodies(tmp_path, run)
    send(store, tmp_path, events["START"], events["FAIL"])
    assert store.get_node(run_id).properties["attempted_outputs"] == [train_dataset(tmp_path)]
    later = [parse_event(events["RUNNING"]), parse_event(events["COMPLETE"])]
    run_ingest(store, EventIngestor(later, base_dir=tmp_path))
    assert producers(store, train_version(store, tmp_path, run)) == [run_id]
    assert "attempted_outputs" not in store.get_node(run_id).properties
