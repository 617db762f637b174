"""A JobEvent's declared (static) inputs and outputs appear in lineage answers, marked as declared, not observed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from modelctx.api.app import create_app
from modelctx.cli import main
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.graph.ids import node_id
from modelctx.graph.lineage import walk_lineage
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import openlineage_uri
from modelctx.ingest.openlineage import EventIngestor, parse_event
from modelctx.ingest.runner import run_ingest
from tests.interop.ol_shapes import REPORT, event_json, warehouse_history

WEEKLY = ("postgres://warehouse:5432", "analytics.public.weekly_revenue")
WEEKLY_JOB = node_id(NodeKind.JOB, "dbt", "analytics.weekly_revenue")


def dataset(ns_name: tuple[str, str]) -> str:
    return node_id(NodeKind.DATASET, openlineage_uri(*ns_name, Path("/")))


def ingest(store: GraphStore) -> None:
    from openlineage.client.event_v2 import InputDataset, Job, JobEvent, OutputDataset

    static = JobEvent(eventTime="2025-10-02T00:00:00+00:00", producer="https://example.com/catalog",
                      job=Job(namespace="dbt", name="analytics.weekly_revenue"),
                      inputs=[InputDataset(namespace=REPORT[0], name=REPORT[1])],
                      outputs=[OutputDataset(namespace=WEEKLY[0], name=WEEKLY[1])])
    events = [*warehouse_history().events, static]
    run_ingest(store, EventIngestor([parse_event(json.loads(event_json(e))) for e in events]), actor="test")


def test_job_and_dataset_answers_show_declared_lineage(store: GraphStore, backend: Any, tmp_path: Path,
                                                       serve: Any) -> None:
    ingest(store)
    report, weekly = dataset(REPORT), dataset(WEEKLY)
    up = walk_lineage(store, WEEKLY_JOB, "up", depth=None)
    assert [n.id for n in up.subgraph.nodes] == [WEEKLY_JOB]  # no run observed it
    assert up.declared.edges == [(WEEKLY_JOB, report, "input")]
    assert [n.id for n in up.declared.nodes] == [report]
    down = walk_lineage(store, WEEKLY_JOB, "down", depth=None)
    assert down.declared.edges == [(WEEKLY_JOB, weekly, "output")]
    # a dataset answer: what read the daily report includes the job that declares reading it
    [written] = [e.source for e in store.get_edges([report], "in", [EdgeType.VERSION_OF])
                 if store.get_node(e.source).properties.get("written_at", "").startswith("2025-10-01")]
    from_report = walk_lineage(store, written, "down", depth=None)
    assert from_report.declared.edges == [(WEEKLY_JOB, report, "input")]
    assert WEEKLY_JOB in {n.id for n in from_report.declared.nodes}
    assert WEEKLY_JOB not in {n.id for n in from_report.subgraph.nodes}
    # and the weekly table came from the job that declares writing it
    [weekly_version] = [e.source for e in store.get_edges([weekly], "in", [EdgeType.VERSION_OF])]
    assert walk_lineage(store, weekly_version, "up", depth=None).declared.edges == [(WEEKLY_JOB, weekly, "output")]
    assert walk_lineage(store, WEEKLY_JOB, "both", depth=0).declared.edges == []

    result = CliRunner().invoke(main, ["--store", backend.uri(tmp_path), "lineage", "dbt/analytics.weekly_revenue",
                                       "--direction", "up", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["declared"]["edges"] == [{"job": WEEKLY_JOB, "dataset": report, "role": "input", "declared": True}]
    assert [n["id"] for n in answer["nodes"]] == [WEEKLY_JOB]
    text = CliRunner().invoke(main, ["--store", backend.uri(tmp_path), "lineage", WEEKLY_JOB, "--direction",
                                     "down"], catch_exceptions=False)
    assert f"  {WEEKLY_JOB} writes {weekly}" in text.stdout and "declared by JobEvents" in text.stdout

    server = serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="test")))
    with httpx.Client(base_url=server.url) as http:
        body = http.get(f"/api/v1/lineage/{WEEKLY_JOB}", params={"direction": "down"}).json()
    assert body["declared"]["edges"] == [{"job": WEEKLY_JOB, "dataset": weekly, "role": "output", "declared": True}]
    assert [n["id"] for n in body["declared"]["nodes"]] == [weekly]


HIVE = ("hive://metastore:9083", "shop.orders")


def test_a_symlink_name_is_the_same_dataset_in_ingest_and_reads(store: GraphStore, backend: Any, tmp_path: Path,
                                                                serve: Any) -> None:
    from openlineage.client.event_v2 import DatasetEvent, InputDataset, Job, Run, RunEvent, RunState, StaticDataset
    from openlineage.client.facet_v2 import symlinks_dataset

    from modelctx.graph.refs import resolve_ref
    from tests.interop.ol_shapes import ORDERS, uid

    ingest(store)
    symlinked = DatasetEvent(eventTime="2025-10-02T00:00:00+00:00", producer="https://example.com/catalog",
                             dataset=StaticDataset(namespace=ORDERS[0], name=ORDERS[1], facets={
                                 "symlinks": symlinks_dataset.SymlinksDatasetFacet(identifiers=[
                                     symlinks_dataset.Identifier(namespace=HIVE[0], name=HIVE[1], type="TABLE")])}))
    reader = uid("hive-reader")
    read_by_alias = [RunEvent(eventType=state, eventTime=at, run=Run(runId=reader),
                              job=Job(namespace="trino", name="orders_report"), producer="https://example.com/trino",
                              inputs=[InputDataset(namespace=HIVE[0], name=HIVE[1])], outputs=[])
                     for state, at in ((RunState.START, "2025-10-03T00:00:00+00:00"),
                                       (RunState.COMPLETE, "2025-10-03T00:10:00+00:00"))]
    for event in (symlinked, *read_by_alias):
        run_ingest(store, EventIngestor([parse_event(json.loads(event_json(event)))]), actor="test")

    orders, alias = dataset(ORDERS), dataset(HIVE)
    assert store.get_node(orders).properties["aliases"] == ["hive://metastore:9083/shop.orders"]
    assert store.get_node(alias).properties["alias_of"] == orders
    # the run that named the symlink read the orders' current version, and no version of another dataset exists
    [read] = [e.target for e in store.get_edges([node_id(NodeKind.RUN, "openlineage", reader)], "out",
                                                [EdgeType.USED])]
    assert [e.target for e in store.get_edges([read], "out", [EdgeType.VERSION_OF])] == [orders]
    assert store.get_node(read).properties["written_by"] == node_id(
        NodeKind.RUN, "openlineage", warehouse_history().runs["merge"][-1][0])
    assert store.get_edges([alias], "in", [EdgeType.VERSION_OF]) == []
    assert store.get_node(orders).properties["openlineage.namespace"] == ORDERS[0]
    # reads: a reference, the CLI and the Marquez API all land on the orders dataset
    assert resolve_ref(store, alias).id == orders
    result = CliRunner().invoke(main, ["--store", backend.uri(tmp_path), "lineage", alias, "--depth", "0", "--json"],
                                catch_exceptions=False)
    assert [n["id"] for n in json.loads(result.stdout)["nodes"]] == [orders]
    server = serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="test")))
    with httpx.Client(base_url=server.url) as http:
        found = http.get("/api/v1/namespaces/hive%3A%2F%2Fmetastore%3A9083/datasets/shop.orders")
        assert found.status_code == 200 and found.json()["name"] == ORDERS[1]
        names = [d["name"] for d in http.get("/api/v1/namespaces/hive%3A%2F%2Fmetastore%3A9083/datasets").json()[
            "datasets"]]
        assert names == []
