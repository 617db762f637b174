"""``modelctx copy``: a whole graph with its change log, verified, between SQLite and Neo4j."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.errors import BackendError, ConflictError
from modelctx.graph.backends.sqlite import SqliteGraphStore
from modelctx.graph.checkpoint import Checkpoint
from modelctx.graph.copy import copy_graph
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.backends import SqliteHarness
from tests.contract.graphs import E, e, lineage_world

pytestmark = pytest.mark.neo4j


def _history(store: GraphStore) -> None:
    """Several writes with updates and removals, so the final state differs from any one entry."""
    nodes, edges, w = lineage_world()
    store.write(nodes[:8], [], actor="user:ana")
    store.write(nodes[8:], edges, actor="user:bo")
    store.upsert_nodes([Node(w["model"].id, NodeKind.MODEL, {"owner": "ana", "name": None})], actor="user:cy")
    store.upsert_edges([e(w["run"], E.USED, w["clean_a"], role="training", rows=10)])
    store.upsert_nodes([Node(f"model:m{i}", NodeKind.MODEL, {"i": i}) for i in range(1200)])


def _same_graph(a: GraphStore, b: GraphStore) -> None:
    assert a.counts() == b.counts()
    ids = [n.id for n in a.find_nodes(limit=10_000)]
    assert ids == [n.id for n in b.find_nodes(limit=10_000)]
    assert a.get_nodes(ids) == b.get_nodes(ids)
    assert a.get_edges(ids) == b.get_edges(ids)
    assert [c.hash for c in a.changes()] == [c.hash for c in b.changes()]


@pytest.fixture
def sqlite_source(tmp_path: Path) -> GraphStore:
    store = open_store(f"sqlite:///{tmp_path / 'source.db'}")
    _history(store)
    return store


def test_sqlite_to_neo4j_copies_graph_and_log_verbatim(sqlite_source: GraphStore, neo4j_uri: str) -> None:
    target = open_store(neo4j_uri)
    try:
        phases: list[str] = []
        report = copy_graph(sqlite_source, target, progress=lambda phase, n, total: phases.append(phase),
                            records_per_transaction=500)
        assert (report.nodes, report.edges, report.entries) == (1215, 17, 7)
        assert report.head_hash == sqlite_source.verify().head_hash == target.verify().head_hash
        assert phases[0] == "reading" and phases[-1] == "log" and "writing" in phases
        _same_graph(sqlite_source, target)
        assert target.get_node("model:churn").properties == {"owner": "ana"}
        assert target.reachable(["deployment:d1"], "up") == sqlite_source.reachable(["deployment:d1"], "up")
        # The copy's tables are what its (copied) log says, and a checkpoint of the source holds in it.
        verified = target.verify_integrity(checkpoint=Checkpoint.of(7, report.head_hash, store=None, key=None))
        assert verified.ok and verified.tables is not None and (verified.tables.nodes, verified.tables.edges) == (
            1215, 17)
        # The copy keeps working as a store: the next write continues the copied chain.
        target.upsert_nodes([Node("model:after", NodeKind.MODEL, {})])
        assert target.verify().ok and target.last_seq() == 8 and target.verify_integrity().ok
    finally:
        target.close()
        sqlite_source.close()


def test_copy_refuses_a_target_that_is_not_empty(sqlite_source: GraphStore, neo4j_uri: str) -> None:
    target = open_store(neo4j_uri)
    try:
        target.upsert_nodes([Node("model:there", NodeKind.MODEL, {})])
        with pytest.raises(ConflictError, match="not empty"):
            copy_graph(sqlite_source, target)
        assert target.counts()["nodes"] == {"model": 1}
    finally:
        target.close()
        sqlite_source.close()


def test_copy_refuses_a_source_whose_chain_is_broken(sqlite_source: GraphStore, neo4j_uri: str) -> None:
    SqliteHarness("sqlite").tamper_change(sqlite_source, 2)
    target = open_store(neo4j_uri)
    try:
        with pytest.raises(BackendError, match="entry 2 was altered"):
            copy_graph(sqlite_source, target)
        assert target.counts() == {"nodes": {}, "edges": {}}
    finally:
        target.close()
        sqlite_source.close()


@pytest.mark.skipif(not hasattr(SqliteGraphStore, "append_verbatim"),
                    reason="the SQLite backend cannot be a copy target yet (no append_verbatim)")
def test_neo4j_to_sqlite_round_trip(sqlite_source: GraphStore, neo4j_uri: str, tmp_path: Path) -> None:
    middle = open_store(neo4j_uri)
    back = open_store(f"sqlite:///{tmp_path / 'back.db'}")
    try:
        copy_graph(sqlite_source, middle)
        copy_graph(middle, back)
        _same_graph(sqlite_source, back)
    finally:
        for store in (middle, back, sqlite_source):
            store.close()


def test_cli_copy_stats_and_lineage_on_neo4j(tmp_path: Path, neo4j_uri: str) -> None:
    source_uri = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_store(source_uri)
    _history(source)
    source.close()
    runner = CliRunner()
    result = runner.invoke(main, ["copy", "--from", source_uri, "--to", neo4j_uri, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["nodes"] == 1215 and report["entries"] == 7
    assert ":***@" in report["target"]
    stats = runner.invoke(main, ["--store", neo4j_uri, "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    counts = json.loads(stats.output)
    assert counts["nodes"]["model"] == 1201 and counts["edges"][EdgeType.USED.value] == 3
    assert counts["last_seq"] == 7
    lineage = runner.invoke(main, ["--store", neo4j_uri, "lineage", "deployment:d1"])
    assert lineage.exit_code == 0, lineage.output
    assert "churn v1" in lineage.output and "raw v0" in lineage.output
    verify = runner.invoke(main, ["--store", neo4j_uri, "verify", "--json"])
    assert verify.exit_code == 0 and json.loads(verify.output)["ok"] is True
