"""MCP over streamable HTTP at ``/mcp`` of a real uvicorn server: the REST API's tokens, roles and project scopes.

The world is the two-project world of ``tests/api/scope_world.py``: alpha's nodes meet only through bravo's,
and every string of bravo's is listed in ``B_SECRETS``. A token scoped to alpha calls every tool and resource;
no answer may hold a bravo string, a bravo id must read exactly like a missing one, and the same calls with
an unscoped admin token show that bravo was there to leak. A reader's writes are refused and store nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from modelctx.api.app import create_app
from modelctx.api.tokens import create_token
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.graph.store import GraphStore
from tests.api import scope_world as w
from tests.api.live import running_server
from tests.mcp.harness import CALL_SECONDS, TOOLS, Answer, Session, http_session, run

NEEDS_WRITER = "error: this needs the writer role; the token has reader"
#: Bravo's nodes by id, by natural key and by id prefix, and an id nobody has: all must read alike to alpha.
BRAVO_REFS = (w.B_V1, w.B_FEAT_V1, w.B_REVIEW, w.B_SHARED_NOTE, "bravo-fraud/1", "model_version:bravo",
              "model_version:no-such/1")


@dataclass
class Served:
    url: str
    store: GraphStore
    tokens: dict[str, str]


@pytest.fixture
def served(store: GraphStore, tmp_path: Path) -> Iterator[Served]:
    """The scope world behind ``modelctx serve``'s app with tokens on, served by uvicorn on a free loopback port."""
    w.build_scope_world(store)
    client = Client(store, Settings(home=tmp_path / "home"), "user:test")
    tokens = {name: create_token(client, name, role, project)[1] for name, role, project in (
        ("alpha-reader", "reader", "alpha"), ("alpha-writer", "writer", "alpha"), ("admin", "admin", None))}
    with running_server(create_app(client, require_tokens=True)) as base:
        yield Served(f"{base}/mcp", store, tokens)


def as_(served: Served, who: str, body: Any) -> Any:
    return run(lambda: http_session(served.url, served.tokens[who]), body)


def leaks(text: str) -> list[str]:
    """Bravo's strings in ``text``."""
    found = [secret for secret in w.B_SECRETS if secret in text]
    return found + ([w.B_MARKER] if w.B_MARKER in text.lower() else [])


async def wait_indexed(session: Session) -> None:
    """Poll the search tool until the server's background catch-up covers the change log (it loads the model)."""
    with anyio.fail_after(CALL_SECONDS):
        while (await session.call("search", query="alpha", limit=1)).json["pending_changes"]:
            await anyio.sleep(0.1)


def test_a_token_is_required(served: Served) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "t", "version": "0"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    bare = httpx.post(served.url, json=initialize, headers=accept)
    assert (bare.status_code, bare.json()) == (401, {"error": "AuthenticationError",
                                                     "detail": "missing bearer token (Authorization: Bearer <token>)"})
    assert bare.headers["www-authenticate"] == "Bearer"
    forged = httpx.post(served.url, json=initialize, headers={**accept, "Authorization": "Bearer mctx_forged"})
    assert (forged.status_code, forged.json()["detail"]) == (401, "unknown or revoked token")
    good = httpx.post(served.url, json=initialize, headers={**accept,
                                                           "Authorization": f"Bearer {served.tokens['alpha-reader']}"})
    assert good.status_code == 200 and good.json()["result"]["serverInfo"]["name"] == "modelctx"
    # with tokens on, the server answers by any name (a team's server behind its own host name)
    named = httpx.post(served.url, json=initialize, headers={**accept, "Host": "modelctx.example.com",
                                                            "Authorization": f"Bearer {served.tokens['admin']}"})
    assert named.status_code == 200 and named.json()["result"]["serverInfo"]["name"] == "modelctx"


async def _sweep(session: Session) -> dict[str, Any]:
    """Every tool and resource, on alpha's nodes and on bravo's."""
    await wait_indexed(session)
    got: dict[str, Any] = {
        "tools": sorted(t.name for t in (await session.raw.list_tools()).tools),
        "search": await session.call("search", query="bravo fraud model transfers", limit=50),
        "search_keyword": await session.call("search", query="bravo", mode="keyword", limit=50),
        "show": await session.call("show", id=w.A_V1, edges_limit=500),
        "show_trainer": await session.call("show", id=w.A_TRAINER, edges_limit=500),
        "lineage_up": await session.call("lineage", id=w.A_V1, direction="up", depth=20, max_nodes=1000,
                                         properties=True),
        "lineage_clean": await session.call("lineage", id=w.A_CLEAN_V1, direction="both", depth=20, max_nodes=1000),
        "impact": await session.call("impact", id=w.A_RAW_V1, limit=500),
        "audit_json": await session.call("audit", id=w.A_V1, format="json", max_rows=500),
        "audit_md": await session.call("audit", id=w.A_V1, format="md", max_rows=500),
        "audit_data": await session.call("audit", id=w.A_CLEAN_V1, format="json", max_rows=500),
        "policy": await session.call("policy_check", limit=500),
        "diff": await session.call("diff", a=w.A_V1, b=w.A_V1),
        "node_resource": await session.read(f"modelctx://node/{w.A_V1}"),
        "audit_resource": await session.read(f"modelctx://audit/{w.A_V1}"),
    }
    for ident in BRAVO_REFS:
        got[f"show {ident}"] = await session.call("show", id=ident)
        got[f"lineage {ident}"] = await session.call("lineage", id=ident)
        got[f"impact {ident}"] = await session.call("impact", id=ident)
        got[f"audit {ident}"] = await session.call("audit", id=ident)
        got[f"diff {ident}"] = await session.call("diff", a=w.A_V1, b=ident)
        try:
            got[f"resource {ident}"] = await session.read(f"modelctx://node/{ident}")
        except MCPError as exc:
            got[f"resource {ident}"] = exc
    return got


def _ids(answer: Answer, key: str = "nodes") -> set[str]:
    return {n["id"] for n in answer.json[key]}


def test_a_project_token_never_sees_another_projects_nodes(served: Served) -> None:
    alpha = as_(served, "alpha-reader", _sweep)
    admin = as_(served, "admin", _sweep)

    # nothing of bravo's in any answer to alpha, while the admin's answers hold it
    # (the caller's own words are left out: the search queries, and the bravo ids it asked for, checked below)
    texts = {key: json.dumps(value.json["hits"]) if key.startswith("search") else
             value.text if isinstance(value, Answer) else str(value)
             for key, value in alpha.items() if " " not in key}
    assert {key: leaks(text) for key, text in texts.items() if leaks(text)} == {}
    assert leaks(admin["search_keyword"].text) and leaks(admin["policy"].text) and leaks(admin["impact"].text)

    assert alpha["tools"] == sorted(TOOLS)
    assert alpha["diff"].json["a"]["id"] == alpha["diff"].json["b"]["id"] == w.A_V1
    assert w.B_V1 in admin[f"diff {w.B_V1}"].text
    # search: only alpha's view ranks
    assert all(h["id"] in w.A_VISIBLE for h in alpha["search"].json["hits"])
    assert alpha["search_keyword"].json["hits"] == []
    assert w.B_MODEL in {h["id"] for h in admin["search_keyword"].json["hits"]}
    # show: edges to bravo's nodes (alice trains for both teams) are gone
    assert {e["source"] for e in alpha["show_trainer"].json["edges"]} <= w.A_VISIBLE
    assert w.B_TRAIN in {e["source"] for e in admin["show_trainer"].json["edges"]}
    assert json.loads(alpha["node_resource"]) == alpha["show"].json
    # lineage: walks stop at bravo's nodes, whatever the depth
    assert _ids(alpha["lineage_up"]) <= w.A_VISIBLE and w.A_CLEAN_V1 in _ids(alpha["lineage_up"])
    assert w.B_FEAT_V1 in _ids(admin["lineage_up"])
    assert _ids(alpha["lineage_clean"]) <= w.A_VISIBLE and w.A_RAW_V1 not in _ids(alpha["lineage_clean"])
    assert {w.A_RAW_V1, w.B_MID_V1} <= _ids(admin["lineage_clean"])
    # impact: alpha-raw reaches alpha's model only through bravo
    assert alpha["impact"].json["model_versions"] == {"items": [], "total": 0, "truncated": False}
    assert {v["id"] for v in admin["impact"].json["model_versions"]["items"]} == {w.A_V1, w.B_V1}
    # audit and policies: from alpha's view only
    assert alpha["audit_json"].json["subject"]["id"] == w.A_V1 and not alpha["audit_json"].is_error
    assert alpha["audit_md"].text.startswith("# ") and alpha["audit_resource"].startswith("# ")
    assert not alpha["audit_data"].is_error
    alpha_rules = {f["rule"] for f in alpha["policy"].json["findings"]}
    assert "deployed_without_approval" not in alpha_rules
    assert "deployed_without_approval" in {f["rule"] for f in admin["policy"].json["findings"]}
    # a bravo id reads exactly like a missing one, through every tool and resource
    for ident in BRAVO_REFS:
        for tool in ("show", "lineage", "impact", "audit", "diff"):
            answer = alpha[f"{tool} {ident}"]
            assert answer.is_error and answer.text.startswith(f"error: no node with id {ident!r}"), (tool, ident)
            assert answer.data["error"] == "NotFoundError"
            # what alpha is offered instead ("did you mean") is its own
            assert leaks(answer.text.removeprefix(f"error: no node with id {ident!r}")) == [], (tool, ident)
        assert str(alpha[f"resource {ident}"]) == alpha[f"show {ident}"].text
    for ident in (w.B_V1, "bravo-fraud/1", "model_version:bravo"):
        assert not admin[f"show {ident}"].is_error and admin[f"show {ident}"].json["id"] == w.B_V1


def test_a_reader_cannot_write(served: Served) -> None:
    before = served.store.last_seq()

    async def body(session: Session) -> Any:
        return (await session.call("note", id=w.A_V1, text="a reader's note"),
                await session.call("flag", id=w.A_CLEAN_V1, reason="a reader's flag"))

    note, flag = as_(served, "alpha-reader", body)
    assert note.is_error and note.text == NEEDS_WRITER
    assert note.data == {"error": "PermissionDeniedError", "detail": NEEDS_WRITER.removeprefix("error: ")}
    assert flag.is_error and flag.text == NEEDS_WRITER
    assert served.store.last_seq() == before


def test_a_writer_writes_as_its_token_within_its_project(served: Served) -> None:
    before = served.store.last_seq()

    async def body(session: Session) -> Any:
        return (await session.call("note", id=w.A_V1, text="checked by the assistant"),
                await session.call("note", id=w.B_V1, text="reaching into bravo"),
                await session.call("flag", id=w.B_FEAT_V1, reason="reaching into bravo"),
                await session.call("flag", id=w.A_CLEAN_V1, reason="late rows"))

    noted, note_bravo, flag_bravo, flagged = as_(served, "alpha-writer", body)
    assert not noted.is_error and noted.json["properties"]["author"] == "token:alpha-writer"
    assert served.store.get_node(noted.json["id"]).properties["text"] == "checked by the assistant"
    for refused, ident in ((note_bravo, w.B_V1), (flag_bravo, w.B_FEAT_V1)):
        assert refused.is_error and refused.text.startswith(f"error: no node with id {ident!r}")
    assert flagged.json["node"]["properties"]["flagged_by"] == "token:alpha-writer"
    assert flagged.json["impact"]["model_versions"]["items"] == [
        {"id": w.A_V1, "kind": "model_version", "title": "alpha churn v1"}]  # bravo's model is not listed
    changes = list(served.store.changes(before))
    assert len(changes) == 3 and {c.actor for c in changes} == {"token:alpha-writer"}
    assert served.store.get_node(w.B_FEAT_V1).properties["flag_reason"] == w.B_FLAG_REASON


def test_local_mode_on_loopback_needs_no_token(store: GraphStore, tmp_path: Path) -> None:
    w.build_scope_world(store)
    client = Client(store, Settings(home=tmp_path / "home"), "user:local")
    with running_server(create_app(client)) as base:

        async def body(session: Session) -> Any:
            return (await session.call("show", id=w.B_V1),
                    await session.call("note", id=w.B_V1, text="local note"))

        shown, noted = run(lambda: http_session(f"{base}/mcp"), body)
        port = base.rsplit(":", 1)[1]
        tools_list = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        accept = {"Accept": "application/json, text/event-stream"}
        by_name = httpx.post(f"{base}/mcp", json=tools_list, headers={**accept, "Host": f"localhost:{port}"})
        rebound = httpx.post(f"{base}/mcp", json=tools_list, headers={**accept, "Host": f"evil.example:{port}"})
        cross_site = httpx.post(f"{base}/mcp", json=tools_list, headers={**accept, "Origin": "http://evil.example"})
    assert shown.json["id"] == w.B_V1
    assert noted.json["properties"]["author"] == "user:local"
    # local mode: the app's guard (api/guard.py) decides which names and origins may call, for /mcp as for routes
    assert by_name.status_code == 200 and len(by_name.json()["result"]["tools"]) >= 8
    assert (rebound.status_code, rebound.json()["error"]) == (421, "HostNotAllowedError")
    assert (cross_site.status_code, cross_site.json()["error"]) == (403, "CrossSiteRequestError")
