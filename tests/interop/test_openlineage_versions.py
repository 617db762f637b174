"""Dataset versions per write, jobs in lineage and column lineage, from a Spark/dbt/Airflow-shaped history.

The events are built by the openlineage-python client (``tests/interop/ol_shapes.py``);
every run's start and end are known, so the version each run read is known exactly.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.graph.column_lineage import column_lineage
from modelctx.graph.ids import node_id
from modelctx.graph.lineage import walk_lineage
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore, open_store
from modelctx.ingest.identity import openlineage_uri
from modelctx.ingest.openlineage import EventIngestor, OpenLineageIngestor, parse_event
from modelctx.ingest.runner import run_ingest
from tests.interop.ol_shapes import DAYS, ORDERS, RAW, REPORT, History, event_json, warehouse_history


@pytest.fixture(scope="module")
def history() -> History:
    return warehouse_history()


def dataset_id(ns_name: tuple[str, str]) -> str:
    return node_id(NodeKind.DATASET, openlineage_uri(ns_name[0], ns_name[1], Path("/")))


def run_node(run: str) -> str:
    return node_id(NodeKind.RUN, "openlineage", run)


def written_by(store: GraphStore, ns_name: tuple[str, str], run: str) -> str:
    """The version of ``ns_name`` the run wrote."""
    uri = openlineage_uri(ns_name[0], ns_name[1], Path("/"))
    [version] = [v.id for v in store.find_nodes(NodeKind.DATASET_VERSION, {"uri": uri}, limit=1000)
                 if v.properties.get("written_by") == run_node(run)]
    return version


def used(store: GraphStore, run: str, ns_name: tuple[str, str]) -> list[str]:
    uri = openlineage_uri(ns_name[0], ns_name[1], Path("/"))
    targets = [e.target for e in store.get_edges([run_node(run)], "out", [EdgeType.USED])]
    return sorted(t for t, n in store.get_nodes(targets).items() if n.properties.get("uri") == uri)


def ingest_jsonl(store: GraphStore, path: Path, events: list[Any]) -> None:
    path.write_text("".join(event_json(e) + "\n" for e in events), encoding="utf-8")
    run_ingest(store, OpenLineageIngestor(path, base_dir=path.parent), actor="test")


def graph_state(store: GraphStore) -> tuple[list[Any], list[Any]]:
    nodes = sorted((n.id, json.dumps(n.properties, sort_keys=True)) for n in store.iter_nodes())
    edges = sorted((e.key, json.dumps(e.properties, sort_keys=True))
                   for e in store.get_edges([i for i, _ in nodes], "out"))
    return nodes, edges


def test_every_run_reads_the_version_current_when_it_started(store: GraphStore, tmp_path: Path,
                                                              history: History) -> None:
    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    loads, merges, reports = history.runs["load_raw"], history.runs["merge"], history.runs["report"]
    for day in range(DAYS):
        merge, report = merges[day][0], reports[day][0]
        orders_k = written_by(store, ORDERS, merge)
        # the MERGE read the raw data loaded that day and the orders the previous MERGE wrote
        assert used(store, merge, RAW) == [written_by(store, RAW, loads[day][0])]
        previous = (written_by(store, ORDERS, merges[day - 1][0]) if day else
                    node_id(NodeKind.DATASET_VERSION, "mysql://db1:3306,db2:3306/shop.public.orders",
                            f"uri-{_uri_key(ORDERS)}"))
        assert used(store, merge, ORDERS) == [previous]
        assert orders_k != previous
        # the report read that day's orders, not a later or earlier write
        assert used(store, report, ORDERS) == [orders_k]
        version = store.get_node(orders_k).properties
        assert version["written_by"] == run_node(merge)
        assert version["written_at"] == merges[day][2].strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
        # version-aware upstream: exactly one orders version and one raw version per report
        report_version = written_by(store, REPORT, report)
        up = walk_lineage(store, report_version, "up", depth=None).subgraph
        orders_up = sorted(n.id for n in up.nodes if n.properties.get("uri") == "mysql://db1:3306,db2:3306/"
                           "shop.public.orders")
        base = node_id(NodeKind.DATASET_VERSION, "mysql://db1:3306,db2:3306/shop.public.orders",
                       f"uri-{_uri_key(ORDERS)}")
        chain = {orders_k, base, *[written_by(store, ORDERS, m[0]) for m in merges[:day]]}
        assert orders_up == sorted(chain)  # the MERGE chain back to the first, nothing later
        later = {written_by(store, ORDERS, m[0]) for m in merges[day + 1:]}
        assert not later & {n.id for n in up.nodes}


def _uri_key(ns_name: tuple[str, str]) -> str:
    import hashlib

    return hashlib.sha256(openlineage_uri(*ns_name, Path("/")).encode()).hexdigest()[:16]


def test_schema_history_is_kept_per_version(store: GraphStore, tmp_path: Path, history: History) -> None:
    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    merges = history.runs["merge"]
    columns = [[c["name"] for c in store.get_node(written_by(store, ORDERS, m[0])).properties["columns"]]
               for m in merges]
    assert columns == [["order_id", "customer", "amount"]] * 2 + [["order_id", "customer", "amount", "channel"]]
    # a later event with an empty schema wipes nothing
    late = json.loads(event_json(history.events[-1]))
    merge_complete = next(json.loads(event_json(e)) for e in history.events
                          if e.run.runId == merges[2][0] and str(e.eventType.value) == "COMPLETE")
    merge_complete["outputs"][0]["facets"]["schema"]["fields"] = []
    run_ingest(store, EventIngestor([parse_event(merge_complete)]), actor="test")
    after = store.get_node(written_by(store, ORDERS, merges[2][0])).properties["columns"]
    assert [c["name"] for c in after] == ["order_id", "customer", "amount", "channel"]
    assert late["eventType"] == "COMPLETE"


#: Shuffles of the history the arrival-order test replays (fixed, so a failure names its seed).
SEEDS = (1, 2, 3, 4)


def arrive(store: GraphStore, uri: str, folder: Path, events: list[Any], serve: Any) -> None:
    """Deliver events in the order given: runs of three one by one to ``POST /api/v1/lineage`` of a real server,
    the others as files through ``modelctx ingest openlineage`` (a file's lines in time order)."""
    import httpx

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings

    folder.mkdir(parents=True, exist_ok=True)
    server = serve(create_app(Client(store, Settings(home=folder / "home"), actor="test")))
    http = httpx.Client(base_url=server.url)
    for start in range(0, len(events), 5):
        chunk = events[start:start + 5]
        for event in chunk[:3]:
            response = http.post("/api/v1/lineage", content=event_json(event),
                                 headers={"content-type": "application/json"})
            assert response.status_code == 201, response.text
        if chunk[3:]:
            path = folder / f"events-{start}.jsonl"
            path.write_text("".join(event_json(e) + "\n" for e in chunk[3:]), encoding="utf-8")
            result = CliRunner().invoke(main, ["--store", uri, "ingest", "openlineage", str(path),
                                               "--base-dir", str(folder)], catch_exceptions=False)
            assert result.exit_code == 0, result.output
    http.close()


def test_any_arrival_order_gives_the_same_graph(store: GraphStore, backend: Any, tmp_path: Path,
                                                history: History, serve: Any) -> None:
    in_order = sorted(history.events, key=lambda e: e.eventTime)
    arrive(store, backend.uri(tmp_path), tmp_path / "in-order", in_order, serve)
    expected = graph_state(store)
    # 4 jobs, 12 runs (3 DAG runs), 3 datasets, 11 versions (3 per dataset and the ones before raw and orders)
    assert len(expected[0]) == 30
    merges = history.runs["merge"]
    for day in (1, 2):  # and it is right: each MERGE read the orders the one before wrote
        assert used(store, merges[day][0], ORDERS) == [written_by(store, ORDERS, merges[day - 1][0])]
    for seed in SEEDS:
        events = list(history.events)
        random.Random(seed).shuffle(events)
        place = tmp_path / f"seed-{seed}"
        place.mkdir()
        uri = backend.uri(place)
        shuffled = open_store(uri)
        try:
            arrive(shuffled, uri, place, events, serve)
            nodes, edges = graph_state(shuffled)
        finally:
            shuffled.close()
        assert nodes == expected[0], f"seed {seed}: nodes differ"
        assert edges == expected[1], f"seed {seed}: edges differ"


def test_http_and_cli_build_the_same_graph(tmp_path: Path, history: History, serve: Any) -> None:
    import httpx

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings

    cli_store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    http_store = open_store(f"sqlite:///{tmp_path / 'http.db'}")
    try:
        ingest_jsonl(cli_store, tmp_path / "events.jsonl", history.events)
        server = serve(create_app(Client(http_store, Settings(home=tmp_path / "home"), actor="test")))
        with httpx.Client(base_url=server.url) as http:
            for event in sorted(history.events, key=lambda e: e.eventTime):
                response = http.post("/api/v1/lineage", content=event_json(event),
                                     headers={"content-type": "application/json"})
                assert response.status_code == 201, response.text
        assert graph_state(http_store) == graph_state(cli_store)
    finally:
        cli_store.close()
        http_store.close()


def test_jobs_take_part_in_lineage_both_ways(store: GraphStore, tmp_path: Path, history: History) -> None:
    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    merge_job = node_id(NodeKind.JOB, "spark", "merge_orders")
    up = {n.id for n in walk_lineage(store, merge_job, "up", depth=None).subgraph.nodes}
    assert {run_node(r[0]) for r in history.runs["merge"]} <= up
    assert {written_by(store, RAW, r[0]) for r in history.runs["load_raw"]} <= up
    assert node_id(NodeKind.JOB, "spark", "load_raw_orders") in up
    assert node_id(NodeKind.JOB, "dbt", "analytics.daily_revenue") not in up
    down = {n.id for n in walk_lineage(store, merge_job, "down", depth=None).subgraph.nodes}
    assert node_id(NodeKind.JOB, "dbt", "analytics.daily_revenue") in down
    assert {written_by(store, REPORT, r[0]) for r in history.runs["report"]} <= down
    # a dataset's downstream answer shows the jobs of the runs that read it
    raw_0 = written_by(store, RAW, history.runs["load_raw"][0][0])
    down_raw = {n.id for n in walk_lineage(store, raw_0, "down", depth=None).subgraph.nodes}
    assert {merge_job, node_id(NodeKind.JOB, "dbt", "analytics.daily_revenue")} <= down_raw
    # the CLI says the same
    result = CliRunner().invoke(main, ["--store", store.uri, "lineage", merge_job, "--direction", "up", "--json"],
                                catch_exceptions=False) if store.uri.startswith("sqlite") else None
    if result is not None:
        assert result.exit_code == 0, result.output
        assert {n["id"] for n in json.loads(result.output)["nodes"]} == up


def test_job_versions_follow_the_sql(store: GraphStore, tmp_path: Path, history: History) -> None:
    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    versions = [store.get_node(run_node(r[0])).properties["job_version"] for r in history.runs["report"]]
    assert versions[1] == versions[2] != versions[0]
    job = store.get_node(node_id(NodeKind.JOB, "dbt", "analytics.daily_revenue")).properties
    assert job["job_version"] == versions[2]
    assert "job_version" not in store.get_node(run_node(history.runs["merge"][0][0])).properties


def test_column_lineage_keeps_transformations(store: GraphStore, tmp_path: Path, history: History) -> None:
    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    report = written_by(store, REPORT, history.runs["report"][1][0])
    orders = written_by(store, ORDERS, history.runs["merge"][1][0])
    raw = written_by(store, RAW, history.runs["load_raw"][1][0])
    [edge] = store.get_edges([report], "out", [EdgeType.DERIVED_FROM])
    assert edge.target == orders
    assert edge.properties["columns"] == {"amount": ["amount"], "customer": ["customer"]}
    assert edge.properties["column_transformations"]["amount"] == {"amount": [{"type": "DIRECT",
                                                                               "subtype": "AGGREGATION"}]}
    assert edge.properties["dataset_dependencies"] == [
        {"field": "order_id", "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}]}]
    up = column_lineage(store, report, "amount", "up")
    assert [(h["node"], h["column"], h["depth"], h["transformations"]) for h in up["columns"]] == [
        (orders, "amount", 1, [{"type": "DIRECT", "subtype": "AGGREGATION"}]),
        (raw, "amount", 2, [{"type": "DIRECT", "subtype": "IDENTITY"}]),
    ]
    down = column_lineage(store, raw, "customer", "down")
    assert [(h["node"], h["column"]) for h in down["columns"]] == [(orders, "customer"), (report, "customer")]
    if store.uri.startswith("sqlite"):
        result = CliRunner().invoke(main, ["--store", store.uri, "lineage", "--column", f"{raw}:customer",
                                           "--direction", "down", "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["columns"] == down["columns"]


def test_parent_hierarchy_keeps_parent_and_root(store: GraphStore, tmp_path: Path, history: History) -> None:
    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    from tests.interop.ol_shapes import uid

    report = run_node(history.runs["report"][0][0])
    dag_run = run_node(uid("dag-0"))
    assert [e.target for e in store.get_edges([report], "out", [EdgeType.CHILD_OF])] == [dag_run]
    assert store.get_node(report).properties["openlineage.root_run"] == dag_run
    assert store.get_node(dag_run).properties["status"] == "COMPLETED"


def test_column_lineage_takes_a_human_reference(store: GraphStore, backend: Any, tmp_path: Path, history: History,
                                                serve: Any) -> None:
    import httpx

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings

    ingest_jsonl(store, tmp_path / "events.jsonl", history.events)
    report = openlineage_uri(*REPORT, Path("/"))  # the dataset's name: a reference resolve_ref takes
    expected = column_lineage(store, dataset_id(REPORT), "amount", "up")
    assert {h["column"] for h in expected["columns"]} == {"amount"} and len(expected["columns"]) >= 2

    def cli(*args: str) -> Any:
        return CliRunner().invoke(main, ["--store", backend.uri(tmp_path), "lineage", *args], catch_exceptions=False)

    answer = cli("--column", f"{report}:amount", "--json")
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.stdout)["columns"] == expected["columns"]
    version = written_by(store, REPORT, history.runs["report"][1][0])
    prefix = version[: version.rindex("/run-") + 9]  # a unique prefix of the version's id
    by_prefix = cli("--column", f"{prefix}:amount", "--json")
    assert json.loads(by_prefix.stdout)["root"] == {"node": version, "column": "amount"}
    missed = cli("--column", f"{report.replace('revenue', 'revenve')}:amount")  # a typo
    assert missed.exit_code == 3 and "did you mean" in missed.output and report in missed.output
    not_data = cli("--column", "dbt/analytics.daily_revenue:amount")
    assert not_data.exit_code == 4 and "starts at a dataset or dataset version" in not_data.output

    server = serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="test")))
    with httpx.Client(base_url=server.url) as http:
        found = http.get("/api/v1/columns/lineage", params={"column": f"{report}:amount"})
        assert found.status_code == 200 and found.json()["columns"] == expected["columns"]
        miss = http.get("/api/v1/columns/lineage", params={"column": f"{report.replace('revenue', 'revenve')}:amount"})
        assert miss.status_code == 404 and report in json.dumps(miss.json())
        assert http.get("/api/v1/columns/lineage", params={"column": "no-colon"}).status_code == 422
