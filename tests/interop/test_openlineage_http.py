"""POST /api/v1/lineage takes every spec event type, gzip and deflate bodies; the Marquez read API answers.

Events are built and sent by the openlineage-python client where it can (its
HTTP transport with gzip compression included); the bodies a client would not
send (corrupt, too large once decoded) are posted with httpx.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.api.app import create_app
from modelctx.client import Client
from modelctx.config import Limits, Settings
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from tests.interop.ol_shapes import ORDERS, RAW, REPORT, History, event_json, uid, warehouse_history


@pytest.fixture(scope="module")
def history() -> History:
    return warehouse_history()


def server_for(store: GraphStore, tmp_path: Path, serve: Any, limits: Limits | None = None) -> Any:
    return serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="user:ol"), limits=limits))


def post(http: httpx.Client, body: bytes, encoding: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json", **({"content-encoding": encoding} if encoding else {})}
    return http.post("/api/v1/lineage", content=body, headers=headers)


def test_the_client_sends_gzip_bodies_and_every_event_type(store: GraphStore, tmp_path: Path, serve: Any,
                                                            history: History) -> None:
    from openlineage.client import OpenLineageClient
    from openlineage.client.event_v2 import DatasetEvent, InputDataset, Job, JobEvent, OutputDataset, StaticDataset
    from openlineage.client.facet_v2 import documentation_dataset, symlinks_dataset
    from openlineage.client.transport.http import HttpCompression, HttpConfig, HttpTransport

    server = server_for(store, tmp_path, serve)
    ol = OpenLineageClient(transport=HttpTransport(HttpConfig(url=server.url, endpoint="api/v1/lineage",
                                                              compression=HttpCompression.GZIP)))
    for event in history.events:
        ol.emit(event)
    # static lineage: a JobEvent (design-time inputs and outputs) and a DatasetEvent (facets only)
    ol.emit(JobEvent(eventTime="2025-10-02T00:00:00+00:00", producer="https://example.com/catalog",
                     job=Job(namespace="dbt", name="analytics.weekly_revenue"),
                     inputs=[InputDataset(namespace=REPORT[0], name=REPORT[1])],
                     outputs=[OutputDataset(namespace=REPORT[0], name="analytics.public.weekly_revenue")]))
    ol.emit(DatasetEvent(eventTime="2025-10-02T00:00:00+00:00", producer="https://example.com/catalog",
                         dataset=StaticDataset(namespace=ORDERS[0], name=ORDERS[1], facets={
                             "documentation": documentation_dataset.DocumentationDatasetFacet(description="Orders"),
                             "symlinks": symlinks_dataset.SymlinksDatasetFacet(identifiers=[
                                 symlinks_dataset.Identifier(namespace="hive://metastore:9083",
                                                             name="shop.orders", type="TABLE")]),
                         })))
    assert {c.actor for c in store.changes()} == {"user:ol"}
    job = store.get_node(node_id(NodeKind.JOB, "dbt", "analytics.weekly_revenue")).properties
    assert job["openlineage.static_inputs"] == [node_id(NodeKind.DATASET, "postgres://warehouse:5432/"
                                                        "analytics.public.daily_revenue")]
    assert job["openlineage.static_outputs"] == [node_id(NodeKind.DATASET, "postgres://warehouse:5432/"
                                                         "analytics.public.weekly_revenue")]
    orders = node_id(NodeKind.DATASET, "mysql://db1:3306,db2:3306/shop.public.orders")
    assert store.get_node(orders).properties["aliases"] == ["hive://metastore:9083/shop.orders"]
    # the DatasetEvent described the version current at its time: the last MERGE's
    last_merge = node_id(NodeKind.DATASET_VERSION, "mysql://db1:3306,db2:3306/shop.public.orders",
                         f"run-{history.runs['merge'][-1][0]}")
    facets = store.get_node(last_merge).properties["openlineage.facets"]
    assert facets["documentation"]["description"] == "Orders"
    # a later deletion marker removes the facet; an older event arriving after it does not bring it back
    with httpx.Client(base_url=server.url) as http:
        deleted = {"eventTime": "2025-10-03T00:00:00Z", "producer": "p", "schemaURL": "https://openlineage.io/"
                   "spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
                   "dataset": {"namespace": ORDERS[0], "name": ORDERS[1],
                               "facets": {"documentation": {"_deleted": True}}}}
        assert post(http, json.dumps(deleted).encode()).status_code == 201
        older = {**deleted, "eventTime": "2025-10-02T12:00:00Z", "dataset": {
            **deleted["dataset"], "facets": {"documentation": {"description": "Old"}}}}
        assert post(http, json.dumps(older).encode()).status_code == 201
    assert "documentation" not in store.get_node(last_merge).properties["openlineage.facets"]


def test_bodies_are_decoded_within_the_limit(store: GraphStore, tmp_path: Path, serve: Any,
                                             history: History) -> None:
    server = server_for(store, tmp_path, serve, Limits(max_body_bytes=200_000))
    start = event_json(history.events[0]).encode()
    with httpx.Client(base_url=server.url) as http:
        assert post(http, zlib.compress(start), "deflate").status_code == 201
        raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        assert post(http, raw_deflate.compress(start) + raw_deflate.flush(), "deflate").status_code == 201
        # 300 kB of JSON gzip to a few hundred bytes: refused as too large once decoded, nothing written
        seq = store.last_seq()
        padded = json.loads(start)
        padded["producer"] = "p" * 300_000
        response = post(http, gzip.compress(json.dumps(padded).encode()), "gzip")
        assert response.status_code == 413 and "decodes to more than" in response.json()["detail"]
        response = post(http, b"\x1f\x8b not gzip", "gzip")
        assert response.status_code == 400 and "cannot be decoded" in response.json()["detail"]
        assert post(http, start, "br").status_code == 415
        assert store.last_seq() == seq


def test_spec_valid_shapes_are_accepted_and_invalid_ones_name_the_field(store: GraphStore, tmp_path: Path,
                                                                        serve: Any) -> None:
    server = server_for(store, tmp_path, serve)
    run = uid("required-only")
    # Marquez's "required fields only" event: no eventType, no inputs or outputs
    required_only = {"eventTime": "2025-10-01T00:00:00Z", "producer": "https://example.com", "schemaURL":
                     "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
                     "run": {"runId": run}, "job": {"namespace": "Team-A", "name": "job#1"}}
    odd_namespaces = {**required_only, "run": {"runId": uid("odd")}, "eventType": "COMPLETE", "inputs": [
        {"namespace": "database://host:port", "name": "t"},
        {"namespace": "kafka://b1:9092,B2:9092", "name": "orders#v2"},
        {"namespace": "file://etl-host", "name": "/data/x.csv"},
        {"namespace": "Warehouse", "name": "Sales.Orders"},
    ]}
    with httpx.Client(base_url=server.url) as http:
        for body in (required_only, odd_namespaces):
            response = post(http, json.dumps(body).encode())
            assert response.status_code == 201, response.text
        cases = {
            "run.runId": {**required_only, "run": {"runId": "nope"}},
            "eventType": {**required_only, "eventType": "FINISHED"},
            "dataset.namespace": {"eventTime": "2025-10-01T00:00:00Z", "producer": "p", "dataset": {"name": "x"}},
            "job.name": {"eventTime": "2025-10-01T00:00:00Z", "producer": "p", "job": {"namespace": "n"}},
            "inputs.0.facets.schema.fields.0.fields.0.name": {**required_only, "inputs": [
                {"namespace": "n", "name": "x", "facets": {"schema": {"fields": [{"name": "a", "fields": [{}]}]}}}]},
        }
        for field, body in cases.items():
            response = post(http, json.dumps(body).encode())
            assert response.status_code == 400, field
            assert response.json()["field"] == field
    job = store.get_node(node_id(NodeKind.JOB, "Team-A", "job#1"))
    assert job.properties["namespace"] == "Team-A"
    used = {e.target for e in store.get_edges([node_id(NodeKind.RUN, "openlineage", uid("odd"))], "out",
                                              [EdgeType.USED])}
    uris = sorted(str(n.properties["uri"]) for n in store.get_nodes(used).values())
    assert uris == ["Warehouse:Sales.Orders", "database://host:port/t", "file://etl-host/data/x.csv",
                    "kafka://b1:9092,b2:9092/orders#v2"]


def test_marquez_read_api(store: GraphStore, tmp_path: Path, serve: Any, history: History) -> None:
    server = server_for(store, tmp_path, serve)
    with httpx.Client(base_url=server.url) as http:
        for event in history.events:
            assert post(http, event_json(event).encode()).status_code == 201
        names = [n["name"] for n in http.get("/api/v1/namespaces").json()["namespaces"]]
        assert names == ["airflow", "dbt", "mysql://db1:3306,db2:3306", "postgres://warehouse:5432", "s3://lake",
                         "spark"]
        jobs = http.get("/api/v1/namespaces/spark/jobs").json()
        assert jobs["totalCount"] == 2
        merge = next(j for j in jobs["jobs"] if j["name"] == "merge_orders")
        assert merge["id"] == {"namespace": "spark", "name": "merge_orders"}
        assert merge["inputs"] == [{"namespace": ORDERS[0], "name": ORDERS[1]}, {"namespace": RAW[0], "name": RAW[1]}]
        assert merge["outputs"] == [{"namespace": ORDERS[0], "name": ORDERS[1]}]
        assert merge["latestRun"]["id"] == history.runs["merge"][-1][0]
        encoded = "mysql%3A%2F%2Fdb1%3A3306%2Cdb2%3A3306"
        [dataset] = http.get(f"/api/v1/namespaces/{encoded}/datasets").json()["datasets"]
        assert dataset["name"] == ORDERS[1]
        assert [f["name"] for f in dataset["fields"]] == ["order_id", "customer", "amount", "channel"]
        one = http.get(f"/api/v1/namespaces/{encoded}/datasets/shop.public.orders").json()
        assert one == dataset
        assert http.get(f"/api/v1/namespaces/{encoded}/datasets/nothing").status_code == 404
        job = http.get("/api/v1/namespaces/spark/jobs/merge_orders").json()
        assert [r["id"] for r in job["latestRuns"]] == [r[0] for r in reversed(history.runs["merge"])]
        assert http.get("/api/v1/namespaces/spark/jobs/nothing").status_code == 404
        runs = http.get("/api/v1/namespaces/dbt/jobs/analytics.daily_revenue/runs").json()["runs"]
        assert [r["id"] for r in runs] == [r[0] for r in reversed(history.runs["report"])]
        assert runs[0]["state"] == "COMPLETED" and runs[0]["durationMs"] == 1_800_000
        [read] = runs[0]["inputDatasetVersions"]
        assert read["datasetVersionId"]["version"] == node_id(
            NodeKind.DATASET_VERSION, "mysql://db1:3306,db2:3306/shop.public.orders",
            f"run-{history.runs['merge'][-1][0]}")
        graph = http.get("/api/v1/lineage", params={"nodeId": f"dataset:{ORDERS[0]}:{ORDERS[1]}", "depth": 1})
        assert graph.status_code == 200
        edges = {(e["origin"], e["destination"]) for n in graph.json()["graph"] for e in n["outEdges"]}
        orders = f"dataset:{ORDERS[0]}:{ORDERS[1]}"
        assert edges == {("job:spark:merge_orders", orders), (orders, "job:spark:merge_orders"),
                         (orders, "job:dbt:analytics.daily_revenue"), (f"dataset:{RAW[0]}:{RAW[1]}",
                                                                         "job:spark:merge_orders"),
                         ("job:dbt:analytics.daily_revenue", f"dataset:{REPORT[0]}:{REPORT[1]}")}
        assert http.get("/api/v1/lineage", params={"nodeId": "job:spark:nothing"}).status_code == 404
        assert http.get("/api/v1/lineage", params={"nodeId": "run:x"}).status_code == 422
