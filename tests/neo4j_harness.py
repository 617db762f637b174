"""The Neo4j test harness: one shared server, emptied before each test that asks for a store.

The server comes from ``make neo4j-up`` (``.ci/run`` starts it in CI) and is
found through ``MODELCTX_TEST_NEO4J_URI``. Tests cannot each get their own
database on Neo4j community (one user database), so ``uri`` deletes everything
modelctx stored before handing the URI out; the constraints stay, so every
open after the first finds its schema in place.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from modelctx.graph.changelog import Change
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore, redact_uri

#: Test-only statements: edit a change-log entry behind the store's back.
TAMPER_CHANGE = (
    "MATCH (c:ChangeLog {seq: $seq}) "
    "SET c.payload = replace(c.payload, '\"properties\":{', '\"properties\":{\"x\":1,')"
)
#: Test-only statements of ``Neo4jTamperer``: the data edited as a forger with the server's password would.
READ_NODE = "MATCH (n:Node {id: $id}) RETURN n.nid AS nid, n.kind AS kind, n.props AS props"
REPLACE_NODE = "MATCH (n:Node {id: $id}) SET n = $row"
SET_NODE_PROPS_TEXT = "MATCH (n:Node {id: $id}) SET n.props = $text RETURN count(n) AS n"
DELETE_NODE = "MATCH (n:Node {id: $id}) DETACH DELETE n RETURN count(*) AS n"
MAX_NID = "MATCH (n:Node) RETURN max(n.nid) AS nid"
DELETE_EDGE = (
    "MATCH (:Node {id: $s})-[r]->(:Node {id: $t}) WHERE type(r) = $type DELETE r RETURN count(*) AS n"
)
BLANK_COPIES = (
    "MATCH (n:Node {id: $id}) WITH n, [k IN keys(n) WHERE k STARTS WITH 'p.'] AS copies "
    "CALL { WITH n, copies UNWIND copies AS k REMOVE n[k] } RETURN size(copies) AS n"
)
READ_LOG = (
    "MATCH (c:ChangeLog) RETURN c.seq AS seq, c.at AS at, c.actor AS actor, c.op AS op, c.payload AS payload, "
    "c.prev_hash AS prev_hash, c.hash AS hash ORDER BY c.seq"
)
DELETE_LOG_AFTER = "MATCH (c:ChangeLog) WHERE c.seq > $seq DELETE c"
INSERT_LOG = "UNWIND $rows AS row CREATE (c:ChangeLog) SET c = row"


def neo4j_uri() -> str | None:
    # Read here rather than imported from tests.backends, which imports this module while it loads.
    return os.environ.get("MODELCTX_TEST_NEO4J_URI") or None


class Neo4jHarness:
    name = "neo4j"
    contract_only = False

    def __init__(self) -> None:
        self._wiped_for: Path | None = None

    def uri(self, tmp_path: Path) -> str:
        uri = neo4j_uri()
        if uri is None:
            raise RuntimeError("MODELCTX_TEST_NEO4J_URI is not set")
        # A test may ask twice (its store fixture, then a second process): empty the database once per test.
        if self._wiped_for != tmp_path:
            from modelctx.graph.backends.neo4j import Neo4jGraphStore

            store = Neo4jGraphStore.from_uri(uri)
            try:
                store.delete_all()
            finally:
                store.close()
            self._wiped_for = tmp_path
        return uri

    def tamper_change(self, store: GraphStore, seq: int) -> None:
        from neo4j import GraphDatabase

        uri = neo4j_uri()
        assert uri is not None
        parts = urlsplit(uri)
        address = f"{parts.scheme}://{parts.hostname}:{parts.port or 7687}"
        auth = (unquote(parts.username or "neo4j"), unquote(parts.password or ""))
        with GraphDatabase.driver(address, auth=auth) as driver:
            _records, summary, _keys = driver.execute_query(
                TAMPER_CHANGE, {"seq": seq}, database_=parts.path.strip("/") or None
            )
            assert summary.counters.properties_set == 1, f"no change-log entry {seq} to tamper with"

    def tamperer(self, store: GraphStore) -> Neo4jTamperer:
        return Neo4jTamperer()

    def available(self) -> str | None:
        uri = neo4j_uri()
        if uri is None:
            return "MODELCTX_TEST_NEO4J_URI is not set (start one with `make neo4j-up`)"
        parts = urlsplit(uri)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 7687), timeout=3):
                pass
        except OSError as exc:
            return f"no Neo4j answers at {redact_uri(uri)}: {exc}"
        return None


class Neo4jTamperer:
    """``Tamperer`` (``tests/backends.py``) through the driver, each edit its own transaction."""

    def _query(self, statement: str, **params: object) -> list[Any]:
        from neo4j import GraphDatabase

        uri = neo4j_uri()
        assert uri is not None
        parts = urlsplit(uri)
        address = f"{parts.scheme}://{parts.hostname}:{parts.port or 7687}"
        auth = (unquote(parts.username or "neo4j"), unquote(parts.password or ""))
        with GraphDatabase.driver(address, auth=auth) as driver:
            records, _summary, _keys = driver.execute_query(statement, params, database_=parts.path.strip("/") or None)
        return list(records)

    def _row(self, node_id: str, props: dict[str, Any]) -> dict[str, Any]:
        from modelctx.graph.backends.neo4j_writes import node_row
        from modelctx.graph.model import NodeKind

        found = self._query(READ_NODE, id=node_id)
        assert found, f"no node {node_id} to tamper with"
        return node_row(node_id, NodeKind(found[0]["kind"]), found[0]["nid"], props)

    def set_property(self, node_id: str, key: str, value: object) -> None:
        found = self._query(READ_NODE, id=node_id)
        assert found, f"no node {node_id} to tamper with"
        props = {**json.loads(found[0]["props"]), key: value}
        self._query(REPLACE_NODE, id=node_id, row=self._row(node_id, props))

    def set_properties_text(self, node_id: str, text: str) -> None:
        assert self._query(SET_NODE_PROPS_TEXT, id=node_id, text=text)[0]["n"] == 1

    def delete_node(self, node_id: str) -> None:
        assert self._query(DELETE_NODE, id=node_id)[0]["n"] == 1

    def insert_node(self, node: Node) -> None:
        from modelctx.graph.backends import neo4j_cypher as cy
        from modelctx.graph.backends.neo4j_writes import node_row

        nid = (self._query(MAX_NID)[0]["nid"] or 0) + 1
        self._query(cy.CREATE_NODES[node.kind], rows=[node_row(node.id, node.kind, nid, node.properties)])

    def delete_edge(self, source: str, etype: str, target: str) -> None:
        assert self._query(DELETE_EDGE, s=source, t=target, type=etype)[0]["n"] == 1

    def blank_index(self, node_id: str) -> None:
        assert self._query(BLANK_COPIES, id=node_id)[0]["n"] >= 1

    def read_log(self) -> list[Change]:
        return [Change(r["seq"], r["at"], r["actor"], r["op"], r["payload"], r["prev_hash"], r["hash"])
                for r in self._query(READ_LOG)]

    def replace_log(self, changes: list[Change]) -> None:
        from modelctx.graph.backends.neo4j_writes import change_row

        self.delete_log_after(-1)
        self._query(INSERT_LOG, rows=[change_row(c) for c in changes])

    def delete_log_after(self, seq: int) -> None:
        self._query(DELETE_LOG_AFTER, seq=seq)
