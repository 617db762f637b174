"""Two real ``modelctx serve`` processes on one Neo4j behave as one service (docs/guide/neo4j.md, a team deployment).

Each process has a MODELCTX_HOME of its own (``tests/serve_pair.py``), so
whatever they agree on they share through the store: tokens made or revoked
through one are honoured by the other, a node written through one is read
through the other, and lineage and audit answers are the same through both.
(Search through the other process is tested beside the Neo4j search index.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.graph.store import open_store
from tests.api.world import CHURN_V1, CUSTOMERS, CUSTOMERS_V1, CUSTOMERS_V2, TRAIN_RUN, build_world
from tests.serve_pair import Served, serve_processes

pytestmark = pytest.mark.neo4j


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def first_admin_token(store_uri: str, home: Path) -> str:
    """The first admin token, made as an operator would: ``modelctx token create`` against the team's store."""
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("modelctx")), "--store", store_uri, "token", "create",
         "--name", "admin", "--role", "admin", "--json"],
        capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "MODELCTX_HOME": str(home)},
    )
    assert done.returncode == 0, done.stderr
    secret: str = json.loads(done.stdout)["secret"]
    return secret


@dataclass
class Team:
    a: httpx.Client
    b: httpx.Client
    admin: dict[str, str]
    processes: list[Served]


@pytest.fixture
def team(neo4j_uri: str, tmp_path: Path) -> Iterator[Team]:
    store = open_store(neo4j_uri)
    try:
        build_world(store)  # the small two-project world of the API tests
    finally:
        store.close()
    admin = bearer(first_admin_token(neo4j_uri, tmp_path / "operator"))
    with serve_processes(neo4j_uri, tmp_path, count=2, extra_args=["--require-tokens"]) as served, \
            httpx.Client(base_url=served[0].url, timeout=60) as a, \
            httpx.Client(base_url=served[1].url, timeout=60) as b:
        # what the proxy probes (deploy/Caddyfile): no token, and the store is reachable
        assert [c.get("/healthz").json() for c in (a, b)] == [{"status": "ok"}] * 2
        yield Team(a, b, admin, served)


def _same(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    assert a.headers["content-type"] == b.headers["content-type"]
    assert a.content == b.content


def test_a_token_made_through_one_process_works_through_the_other_until_revoked_through_it(team: Team) -> None:
    assert team.a.get("/api/v1/whoami", headers=team.admin).json()["actor"] == "token:admin"
    made = team.a.post("/api/v1/tokens", json={"name": "ci", "role": "writer", "project": "churn"},
                       headers=team.admin)
    assert made.status_code == 201, made.text
    ci = bearer(made.json()["secret"])
    expected = {"actor": "token:ci", "role": "writer", "project": "churn", "can_write": True}
    assert team.b.get("/api/v1/whoami", headers=ci).json() == expected
    assert team.a.get("/api/v1/whoami", headers=ci).json() == expected
    listed_a = team.a.get("/api/v1/tokens", headers=team.admin).json()
    assert listed_a == team.b.get("/api/v1/tokens", headers=team.admin).json()
    assert [(t["name"], t["revoked"]) for t in listed_a["tokens"]] == [("admin", False), ("ci", False)]
    # the name is taken for both processes
    again = team.b.post("/api/v1/tokens", json={"name": "ci", "role": "reader"}, headers=team.admin)
    assert again.status_code == 409
    assert again.json()["detail"] == "an active token named 'ci' exists; revoke it or pick another name"

    revoked = team.b.delete("/api/v1/tokens/ci", headers=team.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    refused = team.a.get("/api/v1/whoami", headers=ci)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "unknown or revoked token"
    assert team.b.get("/api/v1/whoami", headers=ci).status_code == 401
    assert team.a.delete("/api/v1/tokens/ci", headers=team.admin).status_code == 404


def test_two_processes_racing_for_one_token_name_make_one_token(team: Team) -> None:
    def create(client: httpx.Client) -> int:
        return client.post("/api/v1/tokens", json={"name": "deploy-bot", "role": "reader"},
                           headers=team.admin).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(create, [team.a, team.b] * 4))
    assert sorted(codes) == [201] + [409] * 7
    tokens = team.b.get("/api/v1/tokens", headers=team.admin).json()["tokens"]
    assert [t["name"] for t in tokens if not t["revoked"]] == ["admin", "deploy-bot"]


def test_a_node_written_through_one_process_is_read_through_the_other(team: Team) -> None:
    writer = bearer(team.a.post("/api/v1/tokens", json={"name": "w", "role": "writer"},
                                headers=team.admin).json()["secret"])
    body = {"nodes": [{"id": "dataset_version:customers/v3", "kind": "dataset_version",
                       "properties": {"project": "churn", "name": "customers v3", "rows": 1300}}],
            "edges": [{"source": "dataset_version:customers/v3", "target": CUSTOMERS_V2, "type": "DERIVED_FROM"}]}
    written = team.a.post("/api/v1/nodes", json=body, headers=writer)
    assert written.status_code == 200, written.text
    assert written.json()["actor"] == "token:w"
    read = team.b.get("/api/v1/nodes/dataset_version:customers/v3", headers=writer)
    assert read.status_code == 200
    assert read.json()["properties"] == {"project": "churn", "name": "customers v3", "rows": 1300}
    _same(read, team.a.get("/api/v1/nodes/dataset_version:customers/v3", headers=writer))
    up = team.b.get("/api/v1/lineage/dataset_version:customers/v3", params={"direction": "up"}, headers=writer)
    ids = [n["id"] for n in up.json()["nodes"]]
    assert ids[:2] == ["dataset_version:customers/v3", CUSTOMERS_V2]
    assert sorted(ids[2:]) == [CUSTOMERS, CUSTOMERS_V1]  # what v2 came from: its dataset and v1


def _audit_without_its_moment(response: httpx.Response) -> dict[str, Any]:
    """An audit report minus when it was generated (each process stamps its own second)."""
    report: dict[str, Any] = response.json()
    report.pop("generated_at")
    checkpoint = report.pop("checkpoint")
    assert checkpoint is not None
    checkpoint.pop("at")
    return {**report, "checkpoint": checkpoint}


@pytest.mark.parametrize("project", [None, "churn"])
def test_lineage_and_audit_answers_are_the_same_through_both_processes(team: Team, project: str | None) -> None:
    made = team.a.post("/api/v1/tokens", json={"name": "reader", "role": "reader", "project": project},
                       headers=team.admin)
    reader = bearer(made.json()["secret"])
    for node, direction in ((CHURN_V1, "up"), (CUSTOMERS_V1, "down"), (TRAIN_RUN, "both")):
        a = team.a.get(f"/api/v1/lineage/{node}", params={"direction": direction}, headers=reader)
        assert a.status_code == 200
        assert a.json()["root"] == node and len(a.json()["nodes"]) > 1
        _same(a, team.b.get(f"/api/v1/lineage/{node}", params={"direction": direction}, headers=reader))
    for node in (CHURN_V1, CUSTOMERS_V2):
        a = team.a.get(f"/api/v1/audit/{node}", headers=reader)
        b = team.b.get(f"/api/v1/audit/{node}", headers=reader)
        assert a.status_code == b.status_code == 200
        assert a.headers["x-report-digest"] == b.headers["x-report-digest"] == a.json()["digest"]
        assert a.headers["x-changelog-ok"] == b.headers["x-changelog-ok"] == "true"
        assert _audit_without_its_moment(a) == _audit_without_its_moment(b)
    missing = "model_version:nope/1"
    _same(team.a.get(f"/api/v1/lineage/{missing}", headers=reader),
          team.b.get(f"/api/v1/lineage/{missing}", headers=reader))
