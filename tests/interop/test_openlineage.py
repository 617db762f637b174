"""OpenLineage events, built by the openlineage-python client, from a JSONL file and over real HTTP."""

from __future__ import annotations

import itertools
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from modelctx.client import Client
from modelctx.config import Settings
from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import file_dataset_version, path_uri
from modelctx.ingest.openlineage import EventIngestor, OpenLineageIngestor, parse_event
from modelctx.ingest.runner import run_ingest
from tests.interop.conftest import COMMIT_SHA, etl_events, event_json

ETL_SHA = COMMIT_SHA.replace("0", "e")


def write_jsonl(path: Path, events: list[Any]) -> Path:
    path.write_text("".join(event_json(e) + "\n" for e in events), encoding="utf-8")
    return path


def ingest_file(store: GraphStore, path: Path, base_dir: Path) -> Any:
    return run_ingest(store, OpenLineageIngestor(path, base_dir=base_dir), actor="test")


def test_jsonl_events_make_jobs_runs_and_datasets(store: GraphStore, tmp_path: Path) -> None:
    raw, train = tmp_path / "raw.csv", tmp_path / "train.csv"
    events = etl_events(raw, train)
    ingest_file(store, write_jsonl(tmp_path / "events.jsonl", events), tmp_path)
    run_id = node_id("run", "openlineage", events[0].run.runId)
    run = store.get_node(run_id).properties
    assert run["status"] == "COMPLETED"
    assert run["started_at"] == "2025-03-01T12:00:00.000000+00:00"
    assert run["ended_at"] == "2025-03-01T12:03:00.000000+00:00"
    job = store.get_node(node_id("job", "etl", "prepare_train")).properties
    assert job["description"] == "Samples the first 120 iris rows"
    edges = store.get_edges([run_id], "out")
    by_type = {(e.type, e.target): e for e in edges}
    assert (EdgeType.INSTANCE_OF, node_id("job", "etl", "prepare_train")) in by_type
    parent = node_id("run", "openlineage", "5f0b7a52-8c1c-4f39-9c2c-0d4d7c5a3a10")
    assert (EdgeType.CHILD_OF, parent) in by_type
    assert by_type[(EdgeType.USED, node_id("commit", ETL_SHA))].properties == {"role": "code"}
    [raw_version] = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(raw, tmp_path)})
    [train_version] = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path_uri(train, tmp_path)})
    assert by_type[(EdgeType.USED, raw_version.id)].properties == {"role": "input"}
    generated = store.get_edges([train_version.id], "out", [EdgeType.GENERATED_BY])
    assert [e.target for e in generated] == [run_id]
    assert [c["name"] for c in train_version.properties["columns"]][-1] == "target"
    [derived] = store.get_edges([train_version.id], "out", [EdgeType.DERIVED_FROM])
    assert derived.target == raw_version.id
    assert derived.properties["columns"]["target"] == ["target"]
    assert derived.properties["transformations"]["target"] == "copied"
    # the same file again changes nothing
    again = ingest_file(store, tmp_path / "events.jsonl", tmp_path)
    assert (again.write.nodes_created, again.write.nodes_updated, again.write.edges_created) == (0, 0, 0)


def test_out_of_order_events_end_in_the_same_graph(store: GraphStore, tmp_path: Path) -> None:
    raw, train = tmp_path / "raw.csv", tmp_path / "train.csv"
    template = etl_events(raw, train)
    running = json.loads(event_json(template[0]))
    running["eventType"] = "RUNNING"
    running["eventTime"] = "2025-03-01T12:01:00+00:00"
    bodies = [json.loads(event_json(template[0])), running, json.loads(event_json(template[1]))]
    results = []
    for order in itertools.permutations(range(3)):
        run = str(uuid.uuid4())
        for i in order:  # one ingest per event: each arrives on its own, as over HTTP
            body = dict(bodies[i], run={**bodies[i]["run"], "runId": run})
            run_ingest(store, EventIngestor([parse_event(body)], base_dir=tmp_path))
        props = dict(store.get_node(node_id("run", "openlineage", run)).properties)
        props.pop("source_id")
        edges = sorted((e.type.value, e.target) for e in store.get_edges([node_id("run", "openlineage", run)], "out"))
        results.append((props, edges))
    first = results[0]
    assert first[0]["status"] == "COMPLETED" and first[0]["started_at"].startswith("2025-03-01T12:00:00")
    assert all(r == first for r in results)


def test_a_bad_line_writes_nothing_and_names_line_and_field(store: GraphStore, tmp_path: Path) -> None:
    good = etl_events(tmp_path / "raw.csv", tmp_path / "train.csv")
    broken = json.loads(event_json(good[1]))
    del broken["job"]["name"]
    path = tmp_path / "events.jsonl"
    path.write_text(event_json(good[0]) + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"events\.jsonl:2: field 'job\.name'"):
        ingest_file(store, path, tmp_path)
    assert store.last_seq() == 0


def test_file_namespace_relative_names_resolve_against_base_dir(store: GraphStore, tmp_path: Path) -> None:
    """A file ingested from disk and an OpenLineage dataset named relative to --base-dir are one node."""
    (tmp_path / "data").mkdir()
    match = file_dataset_version(tmp_path / "data" / "raw.csv", "raw", "cd" * 32, tmp_path)
    store.write(match.nodes, match.edges)
    events = etl_events(Path("data/raw.csv"), Path("data/train.csv"))
    ingest_file(store, write_jsonl(tmp_path / "events.jsonl", events), tmp_path)
    run_id = node_id("run", "openlineage", events[0].run.runId)
    inputs = [e.target for e in store.get_edges([run_id], "out", [EdgeType.USED]) if e.properties["role"] == "input"]
    assert inputs == [match.version_id]
    version = store.get_node(match.version_id).properties
    assert version["source"] == "file" and version["digest"] == "sha256:" + "cd" * 32
    assert "columns" not in version and version["openlineage.columns"][0]["name"] == "sepal length (cm)"
    assert len(store.find_nodes(NodeKind.DATASET_VERSION, {"uri": match.nodes[-1].properties["uri"]})) == 1


def test_client_sends_events_over_http(store: GraphStore, tmp_path: Path, serve: Any) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import HttpConfig, HttpTransport

    from modelctx.api.app import create_app

    client = Client(store, Settings(home=tmp_path / "home"), actor="user:etl-bot")
    server = serve(create_app(client))
    ol = OpenLineageClient(transport=HttpTransport(HttpConfig(url=server.url, endpoint="api/v1/lineage")))
    events = etl_events(tmp_path / "raw.csv", tmp_path / "train.csv")
    for event in reversed(events):  # COMPLETE first: order must not matter
        ol.emit(event)
    run = store.get_node(node_id("run", "openlineage", events[0].run.runId)).properties
    assert run["status"] == "COMPLETED" and run["started_at"].startswith("2025-03-01T12:00:00")
    assert {c.actor for c in store.changes()} == {"user:etl-bot"}


def test_malformed_event_gets_400_naming_the_field(store: GraphStore, tmp_path: Path, serve: Any) -> None:
    import httpx

    from modelctx.api.app import create_app

    server = serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="test")))
    good = json.loads(event_json(etl_events(tmp_path / "raw.csv", tmp_path / "train.csv")[0]))
    cases = {
        "run.runId": {**good, "run": {"runId": "not-a-uuid"}},
        "eventTime": {k: v for k, v in good.items() if k != "eventTime"},
        "eventType": {**good, "eventType": "FINISHED"},
        "outputs.0.facets.schema.fields": {**good, "outputs": [
            {"namespace": "file", "name": "/x.csv", "facets": {"schema": {"fields": "id"}}}]},
    }
    with httpx.Client(base_url=server.url) as http:
        for field, body in cases.items():
            response = http.post("/api/v1/lineage", json=body)
            assert response.status_code == 400, field
            assert response.json()["field"] == field
            assert field in response.json()["detail"]
        response = http.post("/api/v1/lineage", content=b"{not json", headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert store.last_seq() == 0
        response = http.post("/api/v1/lineage", json=good)
        assert response.status_code == 201
        assert response.json()["run"] == f"run:openlineage/{good['run']['runId']}"
    assert store.last_seq() > 0


def test_concurrent_shuffled_events_over_http(store: GraphStore, tmp_path: Path, serve: Any) -> None:
    """Many runs' events, shuffled and sent by parallel clients, end as if sent in order."""
    import random
    import threading

    import httpx

    from modelctx.api.app import create_app

    server = serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="test")))
    template = json.loads(event_json(etl_events(tmp_path / "raw.csv", tmp_path / "train.csv")[0]))
    bodies = []
    for i in range(20):
        run = {"runId": str(uuid.uuid4())}
        for kind, minute in (("START", 0), ("RUNNING", 1), ("COMPLETE" if i % 2 else "FAIL", 2)):
            bodies.append({**template, "run": run, "eventType": kind,
                           "eventTime": f"2025-03-01T12:{minute:02d}:00+00:00"})
    random.Random(7).shuffle(bodies)
    statuses: list[int] = []

    def send(part: list[dict[str, Any]]) -> None:
        with httpx.Client(base_url=server.url) as http:
            statuses.extend(http.post("/api/v1/lineage", json=b).status_code for b in part)

    threads = [threading.Thread(target=send, args=(bodies[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * len(bodies)
    runs = {b["run"]["runId"] for b in bodies}
    for number, run_id in enumerate(sorted(runs)):
        props = store.get_node(node_id("run", "openlineage", run_id)).properties
        assert props["started_at"] == "2025-03-01T12:00:00.000000+00:00", number
        assert props["ended_at"] == "2025-03-01T12:02:00.000000+00:00"
        assert props["status"] in ("COMPLETED", "FAILED")
        assert props["openlineage.event_types"] == sorted(["START", "RUNNING", "COMPLETE" if props["status"] ==
                                                           "COMPLETED" else "FAIL"])


def test_cli_dry_run_and_errors(store: GraphStore, backend: Any, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from modelctx.cli import main

    uri = backend.uri(tmp_path)
    path = write_jsonl(tmp_path / "events.jsonl", etl_events(tmp_path / "raw.csv", tmp_path / "train.csv"))
    runner = CliRunner()
    result = runner.invoke(main, ["--store", uri, "ingest", "openlineage", str(path), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dry_run"] and report["nodes"]["run"] == 3 and report["edges"]["DERIVED_FROM"] == 1
    assert store.last_seq() == 0
    path.write_text('{"eventType": "START"}\n', encoding="utf-8")
    result = runner.invoke(main, ["--store", uri, "ingest", "openlineage", str(path)])
    assert result.exit_code == 6  # IngestError
    assert "events.jsonl:1: field 'eventTime'" in result.output
    assert store.last_seq() == 0
    port_closed = f"http://127.0.0.1:{_closed_port()}"
    result = runner.invoke(main, ["--store", uri, "ingest", "mlflow", "--tracking-uri", port_closed])
    assert result.exit_code == 6 and f"MLflow tracking server {port_closed} is unreachable" in result.output


def _closed_port() -> int:
    from tests.serve_pair import free_port

    return free_port()
