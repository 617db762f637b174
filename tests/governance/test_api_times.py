"""Times given over HTTP follow the one time rule: bare dates are whole days, bad values name the parameter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelctx.api.app import create_app
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.graph.store import GraphStore
from tests.governance.world import governed_world

VERSION = "model_version:churn/1"


@pytest.fixture
def http(store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    nodes, edges, _ = governed_world()
    store.write(nodes, edges)
    app = create_app(Client(store, Settings(home=tmp_path / "home"), "user:test"))
    with TestClient(app, base_url="http://127.0.0.1") as test_client:  # local mode answers loopback names only
        yield test_client


def test_audit_as_of_a_bare_date_is_the_end_of_that_day(http: TestClient) -> None:
    report = http.get(f"/api/v1/audit/{VERSION}", params={"as_of": "2999-05-01"})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["as_of"] == "2999-05-01T23:59:59.999999+00:00"
    assert body["approval"]["state"] == "approved" and body["approval"]["review"] == "review:rv-1"


@pytest.mark.parametrize(("path", "params", "name"), [
    (f"/api/v1/audit/{VERSION}", {"as_of": "yesterday"}, "as_of"),
    ("/api/v1/search", {"q": "churn", "since": "yesterday"}, "since"),
    ("/api/v1/search", {"q": "churn", "until": "yesterday"}, "until"),
])
def test_a_bad_time_is_a_422_naming_the_parameter(http: TestClient, path: str, params: dict[str, str],
                                                  name: str) -> None:
    response = http.get(path, params=params)
    assert response.status_code == 422
    assert response.json() == {"error": "ValidationError", "detail": f"{name}: 'yesterday' is not an ISO 8601 time "
                                                                     "(e.g. 2024-05-01 or 2024-05-01T12:00:00Z)"}
