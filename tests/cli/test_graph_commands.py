"""The graph commands through the CLI, on every backend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.graph.model import Node, kind_of_id
from modelctx.graph.store import open_store
from tests.backends import SqliteHarness
from tests.contract.graphs import lineage_world


@pytest.fixture
def world_uri(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A SQLite store with the contract world (the CLI is backend-independent; the contract suite covers backends)."""
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    store = open_store(uri)
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    store.close()
    return uri, {k: v.id for k, v in w.items()}


def test_stats_and_show_json(world_uri: tuple[str, dict[str, str]]) -> None:
    uri, w = world_uri
    runner = CliRunner()
    result = runner.invoke(main, ["--store", uri, "stats", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["nodes"]["dataset_version"] == 5 and counts["edges"]["USED"] == 3
    result = runner.invoke(main, ["--store", uri, "show", w["run"], "--json"])
    shown = json.loads(result.stdout)
    assert shown["id"] == w["run"] and shown["kind"] == "run"
    assert shown["properties"] == {"name": "train", "status": "FINISHED"}
    assert {(e["target"], e["type"]) for e in shown["edges"] if e["source"] == w["run"]} >= {
        (w["clean_a"], "USED"), (w["commit"], "USED")}
    human = runner.invoke(main, ["--store", uri, "stats"]).stdout
    assert "dataset_version" in human and "change log entries: 2" in human


def test_nodes_lists_by_kind_with_filters(world_uri: tuple[str, dict[str, str]]) -> None:
    uri, w = world_uri
    result = CliRunner().invoke(main, ["--store", uri, "nodes", "--kind", "dataset_version", "--where", "rows=100",
                                       "--json"])
    assert [n["id"] for n in json.loads(result.stdout)["nodes"]] == [w["raw"]]


def test_lineage_tree_is_readable_and_json_is_a_subgraph(world_uri: tuple[str, dict[str, str]]) -> None:
    uri, ids = world_uri
    w = {k: Node(v, kind_of_id(v)) for k, v in ids.items()}
    runner = CliRunner()
    result = runner.invoke(main, ["--store", uri, "lineage", w["deployment"].id, "--direction", "up"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Deployment d1  [deployment:d1]"
    assert "└─ DEPLOYS → ModelVersion churn v1  [model_version:churn/1]" in lines[1]
    assert any("USED (training) → DatasetVersion clean a" in line for line in lines)
    # The diamond's shared parent is printed in full once, then referred back to.
    assert sum("DatasetVersion raw v0" in line for line in lines) == 2
    assert sum("(shown above)" in line for line in lines) >= 1
    result = runner.invoke(
        main, ["--store", uri, "lineage", w["raw"].id, "--direction", "down", "--depth", "1", "--json"]
    )
    sub = json.loads(result.stdout)
    assert {n["id"] for n in sub["nodes"]} == {w["raw"].id, w["clean_a"].id, w["clean_b"].id}
    assert all(set(e) == {"source", "target", "type", "properties"} for e in sub["edges"])


def test_errors_are_one_clear_line_with_an_exit_status(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    runner = CliRunner()
    result = runner.invoke(main, ["--store", uri, "show", "model_version:nope/1"])
    assert result.exit_code == 3
    assert "no node with id 'model_version:nope/1'" in result.stderr
    result = runner.invoke(main, ["--store", "mysql://x", "stats"])
    assert result.exit_code == 9
    assert "valid schemes: sqlite://" in result.stderr
    result = runner.invoke(main, ["--store", uri, "nodes", "--kind", "modle"])
    assert result.exit_code == 4 and "unknown node kind 'modle'" in result.stderr


def test_verify_names_the_broken_entry(tmp_path: Path) -> None:
    harness = SqliteHarness("sqlite")
    uri = harness.uri(tmp_path)
    store = open_store(uri)
    for node in lineage_world()[0][:4]:
        store.upsert_nodes([node])
    runner = CliRunner()
    ok = runner.invoke(main, ["--store", uri, "verify", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["checked"] == 4
    harness.tamper_change(store, 2)
    store.close()
    broken = runner.invoke(main, ["--store", uri, "verify"])
    assert broken.exit_code == 10
    assert broken.stdout == ""
    assert broken.stderr == (
        "error: change log BROKEN at entry 2: entry 2 was altered: its content does not match its hash\n")


def test_stats_does_not_import_heavy_packages(tmp_path: Path) -> None:
    code = (
        "import sys; from modelctx.cli import main\n"
        "try:\n    main.main(['--store', sys.argv[1], 'stats'], standalone_mode=False)\n"
        "finally:\n    heavy = [m for m in ('torch', 'pandas', 'sentence_transformers', 'mlflow', 'numpy',"
        " 'fastapi', 'pydantic_settings')"
        " if m in sys.modules]\n    print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, f"sqlite:///{tmp_path / 'g.db'}"],
                         capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_json_is_accepted_before_the_command_too(world_uri: tuple[str, dict[str, str]]) -> None:
    uri, w = world_uri
    runner = CliRunner()
    before = runner.invoke(main, ["--store", uri, "--json", "stats"])
    after = runner.invoke(main, ["--store", uri, "stats", "--json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert json.loads(runner.invoke(main, ["--json", "--store", uri, "show", w["run"]]).stdout)["id"] == w["run"]
    refused = runner.invoke(main, ["--store", uri, "--json", "export", "prov", w["run"]])
    assert refused.exit_code == 2
    assert refused.stderr == "error: --json: 'main export prov' has no JSON output (see main --help)\n"


def test_nodes_says_when_it_cut_the_list_and_how_to_page(world_uri: tuple[str, dict[str, str]]) -> None:
    uri, _w = world_uri
    runner = CliRunner()
    args = ["--store", uri, "nodes", "--kind", "dataset_version"]  # 5 of them
    first = runner.invoke(main, [*args, "--limit", "2"])
    assert first.exit_code == 0 and len(first.stdout.splitlines()) == 2
    assert first.stderr == ("(listed 2 from offset 0; more follow: add --offset 2 for the next page, "
                            "or raise --limit)\n")
    last = runner.invoke(main, [*args, "--limit", "2", "--offset", "4"])
    assert len(last.stdout.splitlines()) == 1 and last.stderr == ""
    pages = [json.loads(runner.invoke(main, [*args, "--limit", "2", "--offset", str(o), "--json"]).stdout)
             for o in (0, 2, 4)]
    assert [(p["offset"], p["next_offset"], len(p["nodes"])) for p in pages] == [(0, 2, 2), (2, 4, 2), (4, None, 1)]
    assert len({n["id"] for p in pages for n in p["nodes"]}) == 5
    beyond = runner.invoke(main, [*args, "--offset", "9"])
    assert beyond.stdout == "no dataset_version nodes after offset 9\n"


def test_ingest_prints_the_ids_it_created(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    data = tmp_path / "scores.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    runner = CliRunner()
    text = runner.invoke(main, ["--store", uri, "ingest", "dataset", str(data), "--name", "scores"])
    assert text.exit_code == 0, text.output
    created = [line.split()[1] for line in text.stdout.splitlines() if line.startswith("  created ")]
    assert created[0] == "dataset:scores" and created[1].startswith("dataset_version:scores/")
    assert len(created) == 2
    other = tmp_path / "more.csv"
    other.write_text("a,b\n5,6\n")
    as_json = runner.invoke(main, ["--store", uri, "--json", "ingest", "dataset", str(other), "--name", "scores"])
    changes = json.loads(as_json.stdout)["changes"]
    assert changes["nodes_created"] == 1 and len(changes["created_ids"]) == 1
    assert changes["created_ids"][0].startswith("dataset_version:scores/") and changes["created_ids"][0] != created[1]
    again = runner.invoke(main, ["--store", uri, "ingest", "dataset", str(other), "--name", "scores", "--json"])
    assert json.loads(again.stdout)["changes"]["created_ids"] == []
