"""Recording a review over HTTP (the web app's "record a review"): built as a reviews file builds it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from modelctx.api.tokens import create_token
from modelctx.client import Client
from modelctx.governance.approval import approval_of
from modelctx.graph.model import EdgeType, NodeKind
from tests.api.world import CHURN_V1, CUSTOMERS_V2, REVIEW


def _bearer(client: Client, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(client, f'rev-{role}', role)[1]}"}


def test_a_writer_records_a_review_and_the_verdict_in_force_follows(secure_http: TestClient, client: Client) -> None:
    writer = _bearer(client, "writer")
    got = secure_http.post(f"/api/v1/reviews/{CHURN_V1}", headers=writer,
                           json={"verdict": "rejected", "comment": "Recall on new customers is too low",
                                 "reviewer": "Grace Hopper", "reviewer_email": "grace@example.com"})
    assert got.status_code == 201, got.text
    body = got.json()
    review = body["review"]
    assert review["kind"] == "review" and review["id"] != REVIEW
    props = review["properties"]
    assert (props["verdict"], props["comment"], props["reviewer"], props["reviewer_email"]) == (
        "rejected", "Recall on new customers is too low", "Grace Hopper", "grace@example.com")
    assert props["project"] == "churn" and props["source"] == "file"
    assert body["approval"]["state"] == "rejected" and body["approval"]["review"] == review["id"]
    store = client.store
    edges = store.get_edges([review["id"]], "out")
    assert (review["id"], EdgeType.REVIEWS, CHURN_V1) in {(e.source, e.type, e.target) for e in edges}
    people = [e.target for e in edges if e.type is EdgeType.ATTRIBUTED_TO]
    assert len(people) == 1 and store.get_node(people[0]).kind is NodeKind.PERSON
    assert approval_of(store, CHURN_V1).state == "rejected"


def test_a_reader_is_refused_and_bad_input_is_named(secure_http: TestClient, client: Client) -> None:
    head = client.store.last_seq()
    reader = _bearer(client, "reader")
    refused = secure_http.post(f"/api/v1/reviews/{CHURN_V1}", headers=reader,
                               json={"verdict": "approved", "comment": "fine"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this needs the writer role; the token has reader"
    writer = _bearer(client, "writer")
    not_a_version = secure_http.post(f"/api/v1/reviews/{CUSTOMERS_V2}", headers=writer,
                                     json={"verdict": "approved", "comment": "fine"})
    assert not_a_version.status_code == 422
    assert not_a_version.json()["detail"] == f"{CUSTOMERS_V2}: only a model version is reviewed, not a dataset_version"
    bad_verdict = secure_http.post(f"/api/v1/reviews/{CHURN_V1}", headers=writer,
                                   json={"verdict": "maybe", "comment": "fine"})
    assert bad_verdict.status_code == 422
    missing = secure_http.post("/api/v1/reviews/model_version:churn/9", headers=writer,
                               json={"verdict": "approved", "comment": "fine"})
    assert missing.status_code == 404
    assert client.store.last_seq() == head
