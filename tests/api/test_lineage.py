"""Lineage and impact over HTTP agree with the package functions and reject bad parameters clearly."""

from __future__ import annotations

from fastapi.testclient import TestClient

from modelctx.client import Client
from modelctx.graph.lineage import lineage
from tests.api.world import (
    CHURN_MODEL,
    CHURN_V1,
    COMMIT,
    CUSTOMERS,
    CUSTOMERS_V1,
    CUSTOMERS_V2,
    DEPLOY_LIVE,
    DEPLOY_RETIRED,
    ENV,
    FRAUD_DEPLOY,
    FRAUD_RUN,
    FRAUD_V1,
    MONITOR,
    REVIEW,
    TRAIN_RUN,
)


def ids(body: dict) -> set[str]:
    return {n["id"] for n in body["nodes"]}


def test_upstream_of_a_model_version(http: TestClient, client: Client) -> None:
    body = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"direction": "up"}).json()
    assert ids(body) == {CHURN_V1, TRAIN_RUN, CHURN_MODEL, CUSTOMERS_V2, CUSTOMERS_V1, CUSTOMERS, COMMIT, ENV}
    expected = lineage(client.store, CHURN_V1, "up").to_json()["edges"]
    assert body["edges"] == expected
    assert body["root"] == CHURN_V1 and body["truncated"] is False
    assert {n["title"] for n in body["nodes"]} >= {"churn v1", "customers v2"}


def test_depth_edge_types_and_both_directions(http: TestClient) -> None:
    one = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"direction": "up", "depth": 1}).json()
    assert ids(one) == {CHURN_V1, TRAIN_RUN, CHURN_MODEL}
    only_version = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"edge_type": ["VERSION_OF"]}).json()
    assert ids(only_version) == {CHURN_V1, CHURN_MODEL}
    both = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"direction": "both", "depth": 1}).json()
    assert ids(both) == {CHURN_V1, TRAIN_RUN, CHURN_MODEL, REVIEW, DEPLOY_LIVE, DEPLOY_RETIRED}
    bare = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"depth": 1, "properties": False}).json()
    assert all("properties" not in n for n in bare["nodes"])


def test_downstream_of_a_dataset_version_crosses_projects_when_unscoped(http: TestClient) -> None:
    body = http.get(f"/api/v1/lineage/{CUSTOMERS_V2}", params={"direction": "down"}).json()
    assert ids(body) >= {CUSTOMERS_V2, TRAIN_RUN, CHURN_V1, REVIEW, DEPLOY_LIVE, MONITOR, FRAUD_RUN, FRAUD_V1}


def test_truncation_keeps_the_root(http: TestClient) -> None:
    body = http.get(f"/api/v1/lineage/{CUSTOMERS_V2}", params={"direction": "down", "max_nodes": 2}).json()
    assert body["truncated"] is True and len(body["nodes"]) == 2 and body["nodes"][0]["id"] == CUSTOMERS_V2
    assert all(e["source"] in ids(body) and e["target"] in ids(body) for e in body["edges"])


def test_impact(http: TestClient) -> None:
    body = http.get(f"/api/v1/impact/{CUSTOMERS_V1}").json()
    assert body["node"]["id"] == CUSTOMERS_V1
    assert {n["id"] for n in body["model_versions"]} == {CHURN_V1, FRAUD_V1}
    assert {n["id"] for n in body["active_deployments"]} == {DEPLOY_LIVE, FRAUD_DEPLOY}


def test_lineage_errors(http: TestClient) -> None:
    missing = http.get("/api/v1/lineage/run:nope/1")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    bad_type = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"edge_type": "USES"})
    assert bad_type.status_code == 422 and "unknown edge type 'USES'" in bad_type.json()["detail"]
    assert http.get(f"/api/v1/lineage/{CHURN_V1}", params={"direction": "sideways"}).status_code == 422
    assert http.get(f"/api/v1/lineage/{CHURN_V1}", params={"depth": -1}).status_code == 422
    assert http.get("/api/v1/impact/dataset:none").status_code == 404


def test_a_run_whose_lease_expired_reads_lost_in_lineage_as_everywhere(http: TestClient, client: Client) -> None:
    from modelctx.graph.lineage import walk_lineage
    from modelctx.graph.model import Node, NodeKind
    from modelctx.vocabulary import LEASE_PROPERTY

    client.store.write([Node(TRAIN_RUN, NodeKind.RUN, {"status": "RUNNING",
                                                       LEASE_PROPERTY: "2020-01-01T00:00:00+00:00"})], [])
    body = http.get(f"/api/v1/lineage/{CHURN_V1}", params={"direction": "up", "depth": 1}).json()
    run = next(n for n in body["nodes"] if n["id"] == TRAIN_RUN)
    assert run["properties"]["status"] == "LOST"
    assert client.store.get_node(TRAIN_RUN).properties["status"] == "RUNNING"  # the record is unchanged
    assert body == walk_lineage(client.store, CHURN_V1, "up", depth=1, max_nodes=5000).to_json("up")
