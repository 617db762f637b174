"""Governance over HTTP: audit reports, policy findings, flags and the portfolio, with project scope."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from modelctx.api.app import ROUTERS, create_app
from modelctx.api.tokens import create_token
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from tests.governance.world import e, governed_world, n

FRAUD_VERSION = "model_version:fraud/1"


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Client:
    nodes, edges, _ = governed_world()
    fraud_model = n(NodeKind.MODEL, "fraud", name="fraud", project="fraud")
    fraud_version = n(NodeKind.MODEL_VERSION, "fraud", "1", name="fraud v1", project="fraud")
    store.write([*nodes, fraud_model, fraud_version], [*edges, e(fraud_version, EdgeType.VERSION_OF, fraud_model)])
    return Client(store, Settings(home=tmp_path / "home"), "user:test")


@pytest.fixture
def secure_http(client: Client) -> Iterator[TestClient]:
    app = create_app(client, require_tokens=True)
    if "portfolio_page" not in ROUTERS:  # until the lead registers the page module
        from modelctx.api.routes import portfolio_page

        app.include_router(portfolio_page.router)
    with TestClient(app) as test_client:
        yield test_client


_names = itertools.count()


def bearer(client: Client, role: str, project: str | None = None) -> dict[str, str]:
    _, secret = create_token(client, f"{role}-{project or 'all'}-{next(_names)}", role, project)
    return {"Authorization": f"Bearer {secret}"}


def test_audit_report_formats(secure_http: TestClient, client: Client) -> None:
    headers = bearer(client, "reader")
    report = secure_http.get("/api/v1/audit/model_version:churn/1", headers=headers)
    assert report.status_code == 200
    body = report.json()
    assert body["reviews"][0]["reviewer"] == "bob@example.org"
    assert report.headers["x-report-digest"] == body["digest"]
    pdf = secure_http.get("/api/v1/audit/model_version:churn/1?format=pdf", headers=headers)
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "bob@example.org" in text and "customers-clean@bbb" in text
    page = secure_http.get("/api/v1/audit/model_version:churn/1?format=html", headers=headers)
    assert page.headers["content-type"].startswith("text/html") and "data:image/png" in page.text
    assert secure_http.get("/api/v1/audit/model_version:churn/1?format=docx", headers=headers).status_code == 422
    assert secure_http.get("/api/v1/audit/model_version:nope/1", headers=headers).status_code == 404


def test_a_scoped_caller_cannot_audit_another_project(secure_http: TestClient, client: Client) -> None:
    churn = bearer(client, "reader", "churn")
    assert secure_http.get("/api/v1/audit/model_version:churn/1", headers=churn).status_code == 200
    hidden = secure_http.get(f"/api/v1/audit/{FRAUD_VERSION}", headers=churn)
    assert hidden.status_code == 404 and "fraud v1" not in hidden.text
    assert secure_http.get("/api/v1/audit/model_version:churn/1").status_code == 401


def test_flags_need_a_writer_and_show_in_findings(secure_http: TestClient, client: Client) -> None:
    raw = "dataset_version:customers/sha256-aaa"
    denied = secure_http.post(f"/api/v1/flags/{raw}", json={"reason": "pii"}, headers=bearer(client, "reader"))
    assert denied.status_code == 403
    _, secret = create_token(client, "flagger", "writer")
    writer = {"Authorization": f"Bearer {secret}"}
    flagged = secure_http.post(f"/api/v1/flags/{raw}", json={"reason": "pii in export"}, headers=writer)
    assert flagged.status_code == 200
    assert flagged.json()["node"]["properties"]["flagged_by"] == "token:flagger"
    assert [d["id"] for d in flagged.json()["impact"]["active_deployments"]] == ["deployment:prod-churn-1"]
    assert secure_http.post(f"/api/v1/flags/{raw}", json={}, headers=writer).status_code == 422
    findings = secure_http.get("/api/v1/policy/findings", headers=bearer(client, "reader")).json()["findings"]
    assert {f["nodes"][0] for f in findings if f["rule"] == "trained_on_flagged_data"} == {
        "model_version:churn/1", "deployment:prod-churn-1"}
    fraud_only = secure_http.get("/api/v1/policy/findings", headers=bearer(client, "reader", "fraud")).json()
    assert [(f["rule"], f["nodes"]) for f in fraud_only["findings"]] == [("no_owner", ["model:fraud"])]
    cleared = secure_http.delete(f"/api/v1/flags/{raw}", headers=writer).json()
    assert "flagged" not in cleared["node"]["properties"]


def test_portfolio_json_and_page(secure_http: TestClient, client: Client) -> None:
    data = secure_http.get("/api/v1/portfolio", headers=bearer(client, "reader")).json()
    assert [p["project"] for p in data["projects"]] == ["churn", "fraud"]
    assert data["totals"]["runs"] == 1 and data["totals"]["compute_hours"] == 2.5
    scoped = secure_http.get("/api/v1/portfolio", headers=bearer(client, "reader", "fraud")).json()
    assert [p["project"] for p in scoped["projects"]] == ["fraud"] and scoped["totals"]["runs"] == 0
    page = secure_http.get("/portfolio/report", headers=bearer(client, "reader"))  # the printable report
    assert page.status_code == 200 and "model_version:churn/1" in page.text
    assert page.text.count("data:image/png;base64,") == 2
