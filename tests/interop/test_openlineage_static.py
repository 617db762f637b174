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
