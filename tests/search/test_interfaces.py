"""The CLI commands (search, index, note) and the API routes (GET /search, POST notes) on every backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.graph.model import EdgeType
from modelctx.graph.store import GraphStore, redact_uri
from modelctx.search.hybrid import EXACT_SCORE
from tests.api.indexing import wait_until_indexed
from tests.backends import BackendHarness
from tests.search import world as w


def cli(uri: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--store", uri, *args], catch_exceptions=False)
    # JSON on stdout; status lines (a model loading) go to stderr.
    return result.exit_code, result.stdout if "--json" in args else result.output


def test_cli_index_note_search(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    w.write_world(store)
    uri = backend.uri(tmp_path)
    code, out = cli(uri, "index", "--json")
    assert code == 0, out
    indexed = json.loads(out)
    assert indexed["documents_total"] == 13
    if backend.name.startswith("neo4j"):  # the index lives in Neo4j: nothing under MODELCTX_HOME
        assert indexed["location"] == f"in the store, {redact_uri(uri)}"
    else:
        assert Path(indexed["location"]).name == "search" and Path(indexed["location"]).is_dir()
    code, out = cli(uri, "note", w.ONC_MV, "recall collapsed once the texture column was rescaled", "--json")
    assert code == 0, out
    insight = json.loads(out)
    assert insight["properties"]["project"] == "onc"
    assert [e.target for e in store.get_edges([insight["id"]], "out", [EdgeType.ABOUT])] == [w.ONC_MV]
    code, out = cli(uri, "search", "why did recall fall after rescaling", "--json", "--limit", "3")
    assert code == 0, out
    hits = json.loads(out)["hits"]
    assert {insight["id"], w.ONC_MV} <= {h["id"] for h in hits}
    assert set(hits[0]) >= {"id", "kind", "score", "title", "snippet", "context"}
    code, out = cli(uri, "search", "tumour", "--kind", "model_version", "--mode", "keyword")
    assert code == 0 and "tumour v1" in out and "approval: onc-r2 (approved)" in out
    code, out = cli(uri, "search", "tumour", "--kind", "nonsense")
    assert code == 4 and "unknown node kind" in out
    code, out = cli(uri, "search", "tumour", "--since", "2024-05-01", "--until", "2024-03-01")
    assert code == 4
    assert out.strip() == "error: the time from --since 2024-05-01 to --until 2024-03-01 ends before it starts"


def test_cli_hits_are_never_hard_wrapped(capsys: pytest.CaptureFixture[str]) -> None:
    """Printed to a pipe (rich assumes 80 columns), a hit's line keeps its id whole, for grep and copy."""
    from modelctx.cli.search_commands import _print_hits

    hit_id = "dataset_version:wine/" + "c5" * 32
    snippet = "Dataset wine version 2: csv with 178 rows; " * 5
    _print_hits({"query": "wine", "question": None, "hits": [
        {"id": hit_id, "kind": "dataset_version", "title": "wine@2", "score": 0.6399, "snippet": snippet,
         "context": {"dataset": {"title": "wine"}}}]})
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f" 1. wine@2  dataset_version · {hit_id} · 0.6399", f"    {snippet}", "    dataset: wine"]


def test_cli_note_unknown_node(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    code, out = cli(backend.uri(tmp_path), "note", "model:nope", "text")
    assert code == 3 and "model:nope" in out


@pytest.fixture
def api(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings

    w.write_world(store)
    client = Client.open(backend.uri(tmp_path), actor="user:api", settings=Settings(home=tmp_path / "home"))
    app = create_app(client)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:  # local mode answers loopback names only
        test_client.app_state = app  # type: ignore[attr-defined]
        test_client.modelctx_client = client  # type: ignore[attr-defined]
        yield test_client
    service = getattr(app.state, "search_service", None)
    if service is not None:
        service.close()
    client.close()


def test_api_search_and_notes(api) -> None:  # type: ignore[no-untyped-def]
    response = api.post(f"/api/v1/nodes/{w.CRM_MV}/notes", json={"text": "churn spikes each December"})
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["properties"]["author"] == "user:api" and note["properties"]["project"] == "crm"
    response = api.post("/api/v1/notes", json={"node_id": w.ONC_RUN, "text": "seed 7 was unlucky"})
    assert response.status_code == 201
    assert api.post("/api/v1/notes", json={"node_id": "run:sdk/none", "text": "x"}).status_code == 404
    wait_until_indexed(api)  # the API searches what the background catch-up has indexed
    body = api.get("/api/v1/search", params={"q": "December churn", "limit": 5}).json()
    assert body["pending_changes"] == 0
    assert {note["id"], w.CRM_MV} <= {h["id"] for h in body["hits"]}
    runs = api.get("/api/v1/search", params={"q": "train", "kind": "run", "mode": "keyword"}).json()["hits"]
    assert {h["id"] for h in runs} == {w.ONC_RUN, w.CRM_RUN}
    assert api.get("/api/v1/search", params={"q": ""}).json()["hits"] == []
    assert body["note"] is None
    nothing = api.get("/api/v1/search", params={"q": "xqzv blorf wibble"}).json()
    assert nothing["hits"] == []
    assert nothing["note"] == "no results for 'xqzv blorf wibble': nothing in the graph matches it"
    exact = api.get("/api/v1/search", params={"q": "churn@1"}).json()["hits"]
    assert exact[0]["id"] == w.CRM_MV and exact[0]["score"] == EXACT_SCORE
    assert api.get("/api/v1/search", params={"q": "x", "mode": "fuzzy"}).status_code == 422
    assert api.get("/api/v1/search", params={"q": "x", "since": "last week"}).status_code == 422
    reversed_span = api.get("/api/v1/search", params={"q": "x", "since": "2024-05-01", "until": "2024-03-01"})
    assert reversed_span.status_code == 422
    assert reversed_span.json()["detail"] == "the time from since 2024-05-01 to until 2024-03-01 ends before it starts"
    assert api.get("/api/v1/search", params={"q": "runs between 2024-05 and 2024-03"}).status_code == 422


def test_api_project_scope(api) -> None:  # type: ignore[no-untyped-def]
    from modelctx.api.tokens import create_token

    _, secret = create_token(api.modelctx_client, "onc", "writer", "onc")
    api.headers["Authorization"] = f"Bearer {secret}"
    for query in ("telecom customers churn", "train model", "tumour"):
        for mode in ("hybrid", "vector", "keyword"):
            hits = api.get("/api/v1/search", params={"q": query, "mode": mode, "limit": 50}).json()["hits"]
            assert all(h["project"] == "onc" for h in hits)
            assert all("telecom" not in h["snippet"] for h in hits)
    assert api.get("/api/v1/search", params={"q": "churn", "project": "crm"}).json()["hits"] == []
    assert api.post(f"/api/v1/nodes/{w.CRM_MV}/notes", json={"text": "sneaky"}).status_code == 404
    response = api.post(f"/api/v1/nodes/{w.ONC_MV}/notes", json={"text": "fine"})
    assert response.status_code == 201 and response.json()["properties"]["author"] == "token:onc"
