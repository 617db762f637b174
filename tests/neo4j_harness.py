"""The Neo4j test harness: one shared server, emptied before each test that asks for a store.

The server comes from ``make neo4j-up`` (``.ci/run`` starts it in CI) and is
found through ``MODELCTX_TEST_NEO4J_URI``. Tests cannot each get their own
database on Neo4j community (one user database), so ``uri`` deletes everything
modelctx stored before handing the URI out; the constraints stay, so every
open after the first finds its schema in place.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit

from modelctx.graph.store import GraphStore, redact_uri

#: Test-only statements: edit a change-log entry behind the store's back.
TAMPER_CHANGE = (
    "MATCH (c:ChangeLog {seq: $seq}) "
    "SET c.payload = replace(c.payload, '\"properties\":{', '\"properties\":{\"x\":1,')"
)


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
