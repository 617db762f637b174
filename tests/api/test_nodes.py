"""Nodes over HTTP: get, list with filters and pages, batch writes, the side-panel context, errors as JSON."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from modelctx.client import Client
from tests.api.world import (
    CHURN_MODEL,
    CHURN_V1,
    CUSTOMERS_V1,
    CUSTOMERS_V2,
    DEPLOY_LIVE,
    DEPLOY_RETIRED,
    FRAUD_NOTE,
    FRAUD_RUN,
    MONITOR,
    NOTE,
    REVIEW,
    TRAIN_RUN,
)


def test_get_node_with_slashes_and_colons_in_its_id(http: TestClient) -> None:
    response = http.get(f"/api/v1/nodes/{CHURN_V1}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == CHURN_V1
    assert body["kind"] == "model_version"
    assert body["title"] == "churn v1"
    assert body["properties"]["framework"] == "sklearn"
    encoded = http.get(f"/api/v1/nodes/{quote(CHURN_V1, safe='')}")
    assert encoded.status_code == 200 and encoded.json()["id"] == CHURN_V1


def test_missing_node_is_a_json_404_naming_the_id(http: TestClient) -> None:
    response = http.get("/api/v1/nodes/model_version:nope/9")
    assert response.status_code == 404
    assert response.json() == {"error": "NotFoundError", "detail": "no node with id 'model_version:nope/9'"}


def test_list_by_kind_with_filters_and_pages(http: TestClient) -> None:
    versions = http.get("/api/v1/nodes", params={"kind": "dataset_version"}).json()
    assert {n["id"] for n in versions["nodes"]} >= {CUSTOMERS_V1, CUSTOMERS_V2}
    filtered = http.get("/api/v1/nodes", params={"kind": "dataset_version", "where": ["rows:1200"]}).json()
    assert [n["id"] for n in filtered["nodes"]] == [CUSTOMERS_V2]
    both = http.get("/api/v1/nodes", params={"kind": "deployment", "where": ["project=churn", "environment:prod"]})
    assert [n["id"] for n in both.json()["nodes"]] == [DEPLOY_LIVE]
    first = http.get("/api/v1/nodes", params={"kind": "dataset_version", "limit": 1}).json()
    assert len(first["nodes"]) == 1 and first["next_offset"] == 1
    second = http.get("/api/v1/nodes", params={"kind": "dataset_version", "limit": 1, "offset": 1}).json()
    assert second["nodes"][0]["id"] != first["nodes"][0]["id"]
    assert http.get("/api/v1/nodes", params={"kind": "dataset_version", "limit": 10}).json()["next_offset"] is None


def test_list_errors_name_the_problem(http: TestClient) -> None:
    bad_kind = http.get("/api/v1/nodes", params={"kind": "modle"})
    assert bad_kind.status_code == 422
    assert "unknown node kind 'modle'" in bad_kind.json()["detail"]
    bad_where = http.get("/api/v1/nodes", params={"kind": "model", "where": ["novalue"]})
    assert bad_where.status_code == 422 and "where='novalue'" in bad_where.json()["detail"]
    assert http.get("/api/v1/nodes", params={"limit": 0}).status_code == 422


def test_write_records_the_actor_and_is_idempotent(http: TestClient, client: Client) -> None:
    body = {
        "nodes": [
            {"id": "insight:api-1", "kind": "insight", "properties": {"text": "from the API", "project": "churn"}},
        ],
        "edges": [{"source": "insight:api-1", "target": CHURN_V1, "type": "ABOUT"}],
    }
    first = http.post("/api/v1/nodes", json=body)
    assert first.status_code == 200, first.text
    assert first.json()["result"]["nodes_created"] == 1
    last = list(client.store.changes(client.store.last_seq() - 1))[-1]
    assert last.actor == "user:test"
    again = http.post("/api/v1/nodes", json=body).json()["result"]
    assert again["nodes_created"] == 0 and again["edges_created"] == 0
    assert http.get("/api/v1/nodes/insight:api-1").json()["properties"]["text"] == "from the API"


def test_bad_writes_are_422_and_store_nothing(http: TestClient, client: Client) -> None:
    before = client.store.last_seq()
    wrong_edge = http.post("/api/v1/nodes", json={
        "nodes": [{"id": "insight:x", "kind": "insight", "properties": {}}],
        "edges": [{"source": "insight:x", "target": CHURN_V1, "type": "DEPLOYS"}],
    })
    assert wrong_edge.status_code == 422
    assert "DEPLOYS" in wrong_edge.json()["detail"]
    mismatched = http.post("/api/v1/nodes", json={"nodes": [{"id": "run:x", "kind": "model", "properties": {}}]})
    assert mismatched.status_code == 422 and "does not match its kind" in mismatched.json()["detail"]
    assert client.store.last_seq() == before
    assert http.get("/api/v1/nodes/insight:x").status_code == 404


def test_context_of_a_model_version(http: TestClient) -> None:
    ctx = http.get(f"/api/v1/context/{CHURN_V1}").json()
    assert ctx["node"]["id"] == CHURN_V1
    assert [r["id"] for r in ctx["reviews"]["items"]] == [REVIEW]
    assert ctx["reviews"]["items"][0]["properties"]["verdict"] == "approved"
    assert {d["id"] for d in ctx["deployments"]["items"]} == {DEPLOY_LIVE, DEPLOY_RETIRED}
    assert [n["id"] for n in ctx["notes"]["items"]] == [NOTE]
    assert {u["id"] for u in ctx["upstream"]["items"]} == {TRAIN_RUN, CHURN_MODEL}
    # reviews and deployments have their own sections and are not repeated as downstream neighbours
    assert ctx["downstream"]["items"] == []
    assert ctx["links"]["lineage"] == f"/api/v1/lineage/{CHURN_V1}"


def test_context_of_a_model_gathers_its_versions_reviews(http: TestClient) -> None:
    ctx = http.get(f"/api/v1/context/{CHURN_MODEL}").json()
    assert [r["id"] for r in ctx["reviews"]["items"]] == [REVIEW]
    assert {d["id"] for d in ctx["deployments"]["items"]} == {DEPLOY_LIVE, DEPLOY_RETIRED}
    assert [n["id"] for n in ctx["notes"]["items"]] == [NOTE]


def test_context_lists_monitoring_and_notes_from_any_project_when_unscoped(http: TestClient) -> None:
    assert [m["id"] for m in http.get(f"/api/v1/context/{DEPLOY_LIVE}").json()["monitoring"]["items"]] == [MONITOR]
    ctx = http.get(f"/api/v1/context/{CUSTOMERS_V2}").json()
    assert [n["id"] for n in ctx["notes"]["items"]] == [FRAUD_NOTE]
    assert {d["id"] for d in ctx["downstream"]["items"]} == {TRAIN_RUN, FRAUD_RUN}


def test_page_and_vendored_static_files(http: TestClient) -> None:
    page = http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/vendor/cytoscape.min.js">' in page.text
    script = http.get("/static/vendor/cytoscape.min.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "Cytoscape Consortium" in script.text[:400]
    assert http.get("/static/vendor/LICENSE.cytoscape").status_code == 200
    assert http.get("/static/../routes/pages.py").status_code == 404
    assert http.get("/static/nothing.js").status_code == 404
    assert "/api/v1/nodes/{node_id}" in http.get("/openapi.json").json()["paths"]
