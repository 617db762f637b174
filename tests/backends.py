"""Test harnesses, one per backend: how to get an empty store and how to tamper with it.

Every test that takes the ``store`` fixture runs on each backend listed in
``HARNESSES``. Adding a backend is one entry here.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Protocol

import pytest

from modelctx.graph.changelog import Change
from modelctx.graph.model import EdgeType, Node
from modelctx.graph.store import GraphStore, open_store


class Tamperer(Protocol):
    """Edits a store's data behind its back, as someone with the database file or server would.

    Each edit is what a careful forger would do on that backend: a property is
    changed in every place the backend keeps it (so only the log disagrees),
    nothing else is touched.
    """

    def set_property(self, node_id: str, key: str, value: object) -> None:
        """Set one property of a stored node (the JSON type of ``value`` is kept)."""
        ...

    def set_properties_text(self, node_id: str, text: str) -> None:
        """Replace a node's stored properties with ``text`` verbatim."""
        ...

    def delete_node(self, node_id: str) -> None:
        """Delete a node's row (SQLite leaves its edges and adjacency; Neo4j detaches it)."""
        ...

    def insert_node(self, node: Node) -> None:
        """Store a node that no change-log entry wrote."""
        ...

    def delete_edge(self, source: str, etype: str, target: str) -> None:
        """Delete one edge (SQLite: the edges row only, the adjacency arrays keep it)."""
        ...

    def blank_index(self, node_id: str) -> None:
        """Blank a node's derived lookup data: SQLite its up adjacency array, Neo4j its ``p.`` filter copies."""
        ...

    def read_log(self) -> list[Change]:
        """Every stored change-log entry, in order."""
        ...

    def replace_log(self, changes: list[Change]) -> None:
        """Delete the whole change log and store ``changes`` instead (verbatim)."""
        ...

    def delete_log_after(self, seq: int) -> None:
        """Delete the change-log entries after ``seq``."""
        ...


class BackendHarness(Protocol):
    name: str
    contract_only: bool
    """True for engine variants that only the contract suite needs to run."""

    def uri(self, tmp_path: Path) -> str:
        """A URI for an empty store private to this test."""
        ...

    def tamper_change(self, store: GraphStore, seq: int) -> None:
        """Alter the stored payload of change-log entry ``seq`` behind the store's back."""
        ...

    def tamperer(self, store: GraphStore) -> Tamperer:
        """Edits of ``store``'s tables and log behind its back (``Tamperer``)."""
        ...

    def available(self) -> str | None:
        """None when usable, else why the backend is skipped."""
        ...


class SqliteHarness:
    def __init__(self, name: str, query: str = "", contract_only: bool = False) -> None:
        self.name = name
        self.query = query
        self.contract_only = contract_only

    def uri(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'graph.db'}{self.query}"

    def tamper_change(self, store: GraphStore, seq: int) -> None:
        path = store.uri.split("://", 1)[1][1:]
        with sqlite3.connect(path) as conn:
            conn.execute(
                "UPDATE changelog SET payload = replace(payload, '\"properties\":{', '\"properties\":{\"x\":1,') "
                "WHERE seq = ?",
                (seq,),
            )

    def tamperer(self, store: GraphStore) -> Tamperer:
        return SqliteTamperer(store.uri.split("://", 1)[1][1:].split("?", 1)[0])

    def available(self) -> str | None:
        return None


class SqliteTamperer:
    """``Tamperer`` with sqlite3 on the store's file (each edit its own committed transaction)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _run(self, statement: str, params: tuple[object, ...] = ()) -> int:
        conn = sqlite3.connect(self.path)
        try:
            with conn:
                return conn.execute(statement, params).rowcount
        finally:
            conn.close()

    def _nid(self, node_id: str) -> int:
        conn = sqlite3.connect(self.path)
        try:
            row = conn.execute("SELECT nid FROM nodes WHERE id = ?", (node_id,)).fetchone()
        finally:
            conn.close()
        assert row is not None, f"no node {node_id} to tamper with"
        return int(row[0])

    def set_property(self, node_id: str, key: str, value: object) -> None:
        conn = sqlite3.connect(self.path)
        try:
            with conn:
                (props,) = conn.execute("SELECT props FROM nodes WHERE id = ?", (node_id,)).fetchone()
                conn.execute("UPDATE nodes SET props = ? WHERE id = ?",
                             (json.dumps({**json.loads(props), key: value}), node_id))
        finally:
            conn.close()

    def set_properties_text(self, node_id: str, text: str) -> None:
        assert self._run("UPDATE nodes SET props = ? WHERE id = ?", (text, node_id)) == 1

    def delete_node(self, node_id: str) -> None:
        assert self._run("DELETE FROM nodes WHERE id = ?", (node_id,)) == 1

    def insert_node(self, node: Node) -> None:
        self._run("INSERT INTO nodes (nid, id, kind, props) VALUES ((SELECT max(nid) + 1 FROM nodes), ?, ?, ?)",
                  (node.id, node.kind.code, json.dumps(node.properties)))

    def delete_edge(self, source: str, etype: str, target: str) -> None:
        code = EdgeType(etype).code
        assert self._run("DELETE FROM edges WHERE src = ? AND type = ? AND dst = ?",
                         (self._nid(source), code, self._nid(target))) == 1

    def blank_index(self, node_id: str) -> None:
        assert self._run("UPDATE adjacency SET up = x'' WHERE nid = ?", (self._nid(node_id),)) == 1

    def read_log(self) -> list[Change]:
        conn = sqlite3.connect(self.path)
        try:
            rows = conn.execute(
                "SELECT seq, at, actor, op, payload, prev_hash, hash FROM changelog ORDER BY seq").fetchall()
        finally:
            conn.close()
        return [Change(*row) for row in rows]

    def replace_log(self, changes: list[Change]) -> None:
        conn = sqlite3.connect(self.path)
        try:
            with conn:
                conn.execute("DELETE FROM changelog")
                conn.executemany(
                    "INSERT INTO changelog (seq, at, actor, op, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(c.seq, c.at, c.actor, c.op, c.payload_json, c.prev_hash, c.hash) for c in changes])
        finally:
            conn.close()

    def delete_log_after(self, seq: int) -> None:
        self._run("DELETE FROM changelog WHERE seq > ?", (seq,))


#: The embedded SQLite backend as the ``store`` fixture runs it.
SQLITE = SqliteHarness("sqlite")

HARNESSES: list[BackendHarness] = [
    SQLITE,
    SqliteHarness("sqlite-cte", "?traversal=cte", contract_only=True),
    # Closures from the in-memory adjacency snapshot at every walk (graph/backends/sqlite_cache.py).
    SqliteHarness("sqlite-memory", "?traversal=memory", contract_only=True),
]

try:  # the Neo4j harness lives beside the Neo4j backend's tests
    from tests.neo4j_harness import Neo4jHarness

    HARNESSES.append(Neo4jHarness())
except ImportError:
    pass


class ViewHarness:
    """A backend seen through a view (``tests/views.py``): the as-of view at now, or a project's scope.

    Contract suite only. The store it opens writes into the base backend's
    store and reads through the view; ``uri`` and ``tamper_change`` are the
    base backend's, so a second connection or a tamperer reaches the same data.
    """

    contract_only = True

    def __init__(self, base: BackendHarness, view: str) -> None:
        from tests.views import VIEWS

        self.base = base
        self.view = view
        self.name = f"{base.name}-{view}"
        self._wrap = VIEWS[view]

    def uri(self, tmp_path: Path) -> str:
        return self.base.uri(tmp_path)

    def open(self, tmp_path: Path) -> GraphStore:
        return self._wrap(make_store(self.base, tmp_path))

    def tamper_change(self, store: GraphStore, seq: int) -> None:
        self.base.tamper_change(store, seq)

    def tamperer(self, store: GraphStore) -> Tamperer:
        return self.base.tamperer(store)

    def available(self) -> str | None:
        return self.base.available()


HARNESSES += [ViewHarness(base, view) for base in list(HARNESSES) if not base.contract_only
              for view in ("as-of", "scoped")]


#: A mark for a test of what only the embedded SQLite store has (a file beside it, such as its search index): the
#: ``backend`` fixture, and so ``store``, runs it on SQLite alone instead of on every backend.
sqlite_only = pytest.mark.parametrize("backend", [SQLITE], indirect=True, ids=[SQLITE.name])


def make_store(harness: BackendHarness, tmp_path: Path) -> GraphStore:
    if isinstance(harness, ViewHarness):
        return harness.open(tmp_path)
    return open_store(harness.uri(tmp_path))


def neo4j_uri() -> str | None:
    return os.environ.get("MODELCTX_TEST_NEO4J_URI") or None
