"""``modelctx mcp`` over stdio, driven by the SDK's real client: every tool on a small world, checked against the CLI.

The world is the two-project world of the scope tests (``tests/api/scope_world.py``); over stdio the caller is
the local user with the whole store, exactly as at the CLI, so each answer must equal the CLI's ``--json`` for
the same question (bounded as the tool says), and each error must be the CLI's one line.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from modelctx.graph.store import GraphStore
from tests.api import scope_world as w
from tests.backends import BackendHarness
from tests.mcp.harness import TOOLS, Session, cli, cli_json, env_for, run, stdio_session


@pytest.fixture
def env(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> dict[str, str]:
    """The scope world in ``store``, and the environment of a process on the same store (no MODELCTX_ACTOR)."""
    w.build_scope_world(store)
    return env_for(backend.uri(tmp_path), str(tmp_path / "home"))


def stdio(env: dict[str, str], body: Any) -> Any:
    return run(lambda: stdio_session(env), body)


def test_tools_are_listed_with_their_bounds(env: dict[str, str]) -> None:
    async def body(session: Session) -> Any:
        return (await session.raw.list_tools()).tools, (await session.raw.list_resource_templates()).resource_templates

    tools, templates = stdio(env, body)
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == TOOLS
    props = {name: tool.input_schema["properties"] for name, tool in by_name.items()}
    assert (props["search"]["limit"]["maximum"], props["search"]["limit"]["default"]) == (50, 10)
    assert (props["lineage"]["depth"]["maximum"], props["lineage"]["depth"]["default"]) == (20, 3)
    assert (props["lineage"]["max_nodes"]["maximum"], props["lineage"]["max_nodes"]["default"]) == (1000, 100)
    assert props["show"]["edges_limit"]["maximum"] == 500
    assert props["impact"]["limit"]["maximum"] == 500
    assert (props["audit"]["max_rows"]["maximum"], props["audit"]["format"]["enum"]) == (500, ["json", "md"])
    assert props["policy_check"]["limit"]["maximum"] == 500
    assert by_name["note"].input_schema["required"] == ["id", "text"]
    for name, tool in by_name.items():
        assert tool.description and len(tool.description) > 80, name
        assert tool.annotations is not None and tool.annotations.read_only_hint is (name not in {"note", "flag"})
    assert sorted(t.uri_template for t in templates) == ["modelctx://audit/{+id}", "modelctx://node/{+id}"]


def test_reads_answer_what_the_cli_answers(env: dict[str, str]) -> None:
    async def body(session: Session) -> dict[str, Any]:
        got: dict[str, Any] = {}
        got["show"] = await session.call("show", id=w.A_V1)
        got["show_capped"] = await session.call("show", id=w.A_V1, edges_limit=2)
        got["lineage"] = await session.call("lineage", id=w.A_V1, direction="up", depth=3, max_nodes=1000)
        got["lineage_capped"] = await session.call("lineage", id=w.A_V1, direction="up", depth=3, max_nodes=4)
        got["impact"] = await session.call("impact", id=w.A_RAW_V1)
        got["impact_capped"] = await session.call("impact", id=w.A_RAW_V1, limit=1)
        got["audit_json"] = await session.call("audit", id=w.A_V1, format="json", max_rows=7)
        got["audit_md"] = await session.call("audit", id=w.A_V1)
        got["diff"] = await session.call("diff", a=w.A_V1, b=w.B_V1)
        got["policy"] = await session.call("policy_check", limit=500)
        got["policy_capped"] = await session.call("policy_check", limit=1)
        got["node_resource"] = await session.read(f"modelctx://node/{w.A_V1}")
        got["audit_resource"] = await session.read(f"modelctx://audit/{w.A_V1}")
        return got

    got = stdio(env, body)
    assert not any(answer.is_error for answer in got.values() if not isinstance(answer, str))

    shown = cli_json(env, "show", w.A_V1, "--json")
    mine = got["show"].json
    assert {k: mine[k] for k in ("id", "kind", "properties")} == {k: shown[k] for k in ("id", "kind", "properties")}
    assert mine["edges"] == shown["edges"] and mine["edges_total"] == len(shown["edges"]) == 7
    assert (mine["title"], mine["truncated"]) == ("alpha churn v1", False)
    assert got["show"].data == mine  # the structured content is the same JSON
    capped = got["show_capped"].json
    assert (capped["edges"], capped["edges_total"], capped["truncated"]) == (shown["edges"][:2], 7, True)
    assert json.loads(got["node_resource"]) == mine

    walked = cli_json(env, "lineage", w.A_V1, "--direction", "up", "--depth", "3", "--json")
    mine = got["lineage"].json
    # one answer shape (graph/lineage.py Walk.to_json): MCP leaves out properties unless asked
    assert mine == {**walked, "nodes": [{k: v for k, v in n.items() if k != "properties"} for n in walked["nodes"]]}
    assert mine["nodes"][0] == {"id": w.A_V1, "kind": "model_version", "title": "alpha churn v1"}
    assert (mine["root"], mine["depth"], mine["truncated"], mine["truncated_by"]) == (w.A_V1, 3, True, "depth")
    capped = got["lineage_capped"].json
    assert [n["id"] for n in capped["nodes"]] == [n["id"] for n in walked["nodes"]][:4]
    assert (capped["truncated"], capped["found"] > 4) == (True, True)

    affected = cli_json(env, "impact", w.A_RAW_V1, "--json")
    mine = got["impact"].json
    assert [v["id"] for v in mine["model_versions"]["items"]] == [v["id"] for v in affected["model_versions"]]
    assert [d["id"] for d in mine["active_deployments"]["items"]] == [d["id"] for d in affected["active_deployments"]]
    assert sorted(v["id"] for v in affected["model_versions"]) == sorted([w.A_V1, w.B_V1])
    capped = got["impact_capped"].json["model_versions"]
    assert (len(capped["items"]), capped["total"], capped["truncated"]) == (1, 2, True)

    report = json.loads(cli(env | {"MODELCTX_AUDIT_MAX_ROWS": "7"}, "audit", w.A_V1, "--format", "json").stdout)
    mine = got["audit_json"].json
    assert mine["digest"] == report["digest"]
    volatile = ("generated_at", "checkpoint")
    assert {k: v for k, v in mine.items() if k not in volatile} == {k: v for k, v in report.items()
                                                                       if k not in volatile}
    markdown = got["audit_md"].text
    assert got["audit_md"].data is None
    assert markdown.startswith("# ") and w.A_V1 in markdown and "deployed_without_approval" not in markdown
    assert got["audit_resource"].startswith("# ") and w.A_V1 in got["audit_resource"]

    compared = cli_json(env, "diff", w.A_V1, w.B_V1, "--json")
    assert got["diff"].json == compared
    assert (compared["a"]["id"], compared["b"]["id"], compared["kind"]) == (w.A_V1, w.B_V1, "model_version")

    findings = cli_json(env, "policy", "check", "--json")
    mine = got["policy"].json
    assert (mine["findings"], mine["count"], mine["truncated"]) == (findings["findings"], findings["count"], False)
    assert findings["count"] >= 2
    capped = got["policy_capped"].json
    assert (capped["findings"], capped["count"], capped["truncated"]) == (findings["findings"][:1],
                                                                           findings["count"], True)


@pytest.mark.slow
def test_search_answers_what_the_cli_answers(env: dict[str, str]) -> None:
    """The CLI builds the index first (the server then finds it current); both rank the same hits."""
    searched = cli_json(env, "search", "alpha churn model", "--limit", "5", "--json")

    async def body(session: Session) -> Any:
        return (await session.call("search", query="alpha churn model", limit=5),
                await session.call("search", query="alpha churn model", limit=5, kind="model"),
                await session.call("search", query="calibration", mode="keyword", limit=3))

    hits, models, keyword = stdio(env, body)
    assert hits.json == {**searched, "pending_changes": 0}
    assert len(hits.json["hits"]) == 5 and hits.json["hits"][0]["id"] in (w.A_MODEL, w.A_V1)
    assert {h["kind"] for h in models.json["hits"]} == {"model"}
    assert keyword.json["mode"] == "keyword" and keyword.json["hits"]
    assert all("calibration" in (h["snippet"] + h["title"]).lower() for h in keyword.json["hits"])


def test_writes_are_the_os_users_and_reach_the_change_log(env: dict[str, str], store: GraphStore) -> None:
    actor = f"user:{getpass.getuser()}"  # the CLI's actor without MODELCTX_ACTOR (config.default_actor)
    before = store.last_seq()

    async def body(session: Session) -> Any:
        return (await session.call("note", id=w.A_V1, text="calibration re-checked by the assistant"),
                await session.call("flag", id=w.A_CLEAN_V1, reason="late rows"),
                await session.call("flag", id=w.A_CLEAN_V1, clear=True))

    noted, flagged, cleared = stdio(env, body)
    insight = noted.json
    assert (insight["about"], insight["kind"], insight["properties"]["author"]) == (w.A_V1, "insight", actor)
    assert insight["properties"]["project"] == "alpha"
    assert cli_json(env, "show", insight["id"], "--json")["properties"] == insight["properties"]
    assert flagged.json["node"]["properties"]["flag_reason"] == "late rows"
    assert flagged.json["node"]["properties"]["flagged_by"] == actor
    assert sorted(v["id"] for v in flagged.json["impact"]["model_versions"]["items"]) == [w.A_V1, w.B_V1]
    assert cleared.json["node"]["properties"].get("flagged") is None
    changes = list(store.changes(before))
    # the note writes its node and its edges, each flag write its node: every entry is the OS user's
    assert [c.op for c in changes] == ["upsert_nodes", "upsert_edges", "upsert_nodes", "upsert_nodes"]
    assert {c.actor for c in changes} == {actor}


def test_errors_are_the_cli_line(env: dict[str, str], store: GraphStore) -> None:
    missing = "model_version:no-such/1"
    before = store.last_seq()

    async def body(session: Session) -> Any:
        answers = [await session.call("show", id=missing),
                   await session.call("flag", id=w.PROJECT_A, reason="x"),
                   await session.call("flag", id=w.A_CLEAN_V1),
                   await session.call("audit", id=w.A_MODEL),
                   await session.call("lineage", id=w.A_V1, depth=500)]
        try:
            await session.read(f"modelctx://node/{missing}")
        except MCPError as exc:
            answers.append(exc)
        answers.append(await session.call("show", id=w.A_V1))  # the server still answers
        return answers

    show, flag_project, flag_no_reason, audit_model, too_deep, resource, after = stdio(env, body)
    for answer, args in ((show, ["show", missing]), (flag_project, ["flag", w.PROJECT_A, "--reason", "x"]),
                         (flag_no_reason, ["flag", w.A_CLEAN_V1]), (audit_model, ["audit", w.A_MODEL])):
        done = cli(env, *args)
        assert done.returncode in (3, 4)
        assert answer.is_error and answer.text == done.stderr.strip(), args
        assert "\n" not in answer.text and "Traceback" not in answer.text
    assert show.text.startswith(f"error: no node with id {missing!r}")
    assert (show.data["error"], show.data["detail"]) == ("NotFoundError", show.text.removeprefix("error: "))
    assert flag_no_reason.data["error"] == "ValidationError"
    assert too_deep.is_error
    assert too_deep.text == "error: lineage: argument depth: Input should be less than or equal to 20"
    assert isinstance(resource, MCPError) and str(resource) == show.text
    assert not after.is_error and after.json["id"] == w.A_V1
    assert store.last_seq() == before


def test_ids_may_be_given_in_any_human_form_the_cli_takes(env: dict[str, str]) -> None:
    async def body(session: Session) -> Any:
        return (await session.call("show", id="alpha-churn/1"),
                await session.call("impact", id="alpha-raw/v1"),
                await session.call("show", id="model_version:alpha-ch"),
                await session.read("modelctx://node/alpha-churn/1"))

    by_key, impact, by_prefix, resource = stdio(env, body)
    shown = cli_json(env, "show", "alpha-churn/1", "--json")
    assert by_key.json["id"] == shown["id"] == w.A_V1 and by_key.json["edges"] == shown["edges"]
    assert by_prefix.json == by_key.json and json.loads(resource) == by_key.json
    assert impact.json["node"]["id"] == w.A_RAW_V1
