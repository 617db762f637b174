"""SQLite-specific behaviour: schema migrations, indexes, URIs and file settings."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from modelctx.errors import ConfigError
from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.sqlite import SqliteGraphStore
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import open_store


def test_new_store_is_wal_at_current_schema(tmp_path: Path) -> None:
    store = SqliteGraphStore(tmp_path / "g.db")
    store.close()
    with sqlite3.connect(tmp_path / "g.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            sql.SCHEMA_VERSION)


def test_v1_store_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    store.upsert_nodes([Node("dataset_version:d/1", NodeKind.DATASET_VERSION, {"uri": "file:///x.csv"})])
    store.close()
    with sqlite3.connect(path) as conn:  # make it look like a store written by schema version 1
        for name in ("nodes_by_uri", "nodes_by_digest", "nodes_by_name", "nodes_by_project"):
            conn.execute(f"DROP INDEX {name}")
        conn.execute("DROP TABLE api_tokens")  # migration 3: the API tokens (sqlite_tokens.py)
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    store = SqliteGraphStore(path)
    found = store.find_nodes(NodeKind.DATASET_VERSION, {"uri": "file:///x.csv"})
    assert [n.id for n in found] == ["dataset_version:d/1"]
    assert store.verify().ok
    store.close()
    with sqlite3.connect(path) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"nodes_by_uri", "nodes_by_digest", "api_tokens_active_name"} <= indexes
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            sql.SCHEMA_VERSION)
        assert conn.execute("SELECT count(*) FROM api_tokens").fetchone()[0] == 0


def test_identity_lookups_use_the_expression_index(tmp_path: Path) -> None:
    store = SqliteGraphStore(tmp_path / "g.db")
    store.close()
    with sqlite3.connect(tmp_path / "g.db") as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN " + sql.FIND_NODES.format(
                where=f"WHERE {sql.WHERE_KIND} AND {sql.INDEXED_PROPERTIES['uri']} = ?"),
            (NodeKind.DATASET_VERSION.code, "file:///x", 10, 0),
        ).fetchall()
    assert any("nodes_by_uri" in row[-1] for row in plan), plan


def test_store_from_a_newer_modelctx_is_refused(tmp_path: Path) -> None:
    SqliteGraphStore(tmp_path / "g.db").close()
    with sqlite3.connect(tmp_path / "g.db") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match="schema version 99"):
        SqliteGraphStore(tmp_path / "g.db")


def test_uri_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:///rel/graph.db")
    assert (tmp_path / "rel" / "graph.db").exists()
    relative.close()
    absolute = open_store(f"sqlite:///{tmp_path}/abs.db?traversal=cte")
    assert absolute.uri == f"sqlite:///{tmp_path}/abs.db"
    absolute.close()
    with pytest.raises(ConfigError, match="needs a file path"):
        open_store("sqlite:///:memory:")
    with pytest.raises(ConfigError, match="unknown option"):
        open_store(f"sqlite:///{tmp_path}/x.db?cache=big")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not SQLite\n" * 100)
    from modelctx.errors import BackendError

    with pytest.raises(BackendError, match=r"notes.txt.*not a database"):
        SqliteGraphStore(path)


def test_redact_uri_hides_passwords_and_never_fails() -> None:
    from modelctx.graph.store import redact_uri

    assert redact_uri("neo4j://neo4j:secret@host:7687/db") == "neo4j://neo4j:***@host:7687/db"
    assert redact_uri("bolt://u:p@h:port") == "bolt://u:***@h:port"
    assert redact_uri("neo4j://user@h:1") == "neo4j://user@h:1"
    assert "secret" not in redact_uri("neo4j://a:secret:x@h")
