"""The JSON the web app's pages read: the model catalogue, a node's change history and its as-of view."""

from __future__ import annotations

from fastapi.testclient import TestClient

from modelctx.client import Client
from modelctx.graph.model import Node, NodeKind
from tests.api.world import CHURN_MODEL, CHURN_V1, DEPLOY_LIVE, DEPLOY_RETIRED, FRAUD_MODEL, MONITOR, REVIEW


def test_catalogue_rows_gather_verdict_deployments_and_drift(http: TestClient) -> None:
    body = http.get("/api/v1/catalogue").json()
    assert body["truncated"] is False
    assert [m["id"] for m in body["models"]] == [CHURN_MODEL, FRAUD_MODEL]
    churn = body["models"][0]
    assert (churn["name"], churn["project"], churn["versions_total"]) == ("churn", "churn", 1)
    assert churn["versions"] == [{
        "id": CHURN_V1, "title": "churn v1", "version": None, "aliases": [],
        "verdict": {"state": "approved", "review": REVIEW},
        "deployments": {"prod": [{"id": DEPLOY_LIVE, "active": True, "in_production": True}],
                        "staging": [{"id": DEPLOY_RETIRED, "active": False, "in_production": False}]},
        "drift": {"report": MONITOR, "severity": "low", "deployment": DEPLOY_LIVE},
        "metrics": {}, "flagged": False, "created": None,
    }]
    assert http.get("/api/v1/catalogue/churn").json() == churn
    missing = http.get("/api/v1/catalogue/no-such-model")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no model named 'no-such-model' (the catalogue at /api/v1/catalogue lists them)"
    assert http.get("/api/v1/catalogue", params={"max_models": 1}).json()["truncated"] is True


def test_history_lists_the_writes_of_a_node_and_as_of_shows_it_then(http: TestClient, client: Client) -> None:
    store = client.store
    first_at = list(store.changes(0))[-1].at
    store.write([Node(CHURN_V1, NodeKind.MODEL_VERSION, {"aliases": ["production"]})], [], actor="user:ana")
    history = http.get(f"/api/v1/history/{CHURN_V1}").json()
    assert (history["id"], history["total"], history["truncated"]) == (CHURN_V1, 3, False)
    created, edges, alias = history["entries"]
    assert created["created"] is True and created["actor"] == "test:world"
    assert created["changed"]["name"] == {"from": None, "to": "churn v1"}
    assert {(e["source"], e["type"], e["target"]) for e in edges["edges"]} >= {
        (CHURN_V1, "VERSION_OF", CHURN_MODEL), (REVIEW, "REVIEWS", CHURN_V1)}
    assert alias["actor"] == "user:ana" and alias["changed"] == {"aliases": {"from": None, "to": ["production"]}}
    assert http.get(f"/api/v1/history/{CHURN_V1}", params={"max_entries": 1}).json()["truncated"] is True
    then = http.get(f"/api/v1/as-of/{CHURN_V1}", params={"at": first_at}).json()
    assert "aliases" not in then["properties"] and then["properties"]["name"] == "churn v1"
    now = http.get(f"/api/v1/as-of/{CHURN_V1}").json()
    assert now["properties"]["aliases"] == ["production"] and now["as_of"] is None
    before = http.get(f"/api/v1/as-of/{CHURN_V1}", params={"at": "2000-01-01"})
    assert before.status_code == 404
    bad = http.get(f"/api/v1/as-of/{CHURN_V1}", params={"at": "yesterday-ish"})
    assert bad.status_code == 422


def test_whoami_in_local_mode_is_the_local_admin(http: TestClient) -> None:
    assert http.get("/api/v1/whoami").json() == {"actor": "user:test", "role": "admin", "project": None,
                                                 "can_write": True}
