"""Test harnesses, one per backend: how to get an empty store and how to tamper with it.

Every test that takes the ``store`` fixture runs on each backend listed in
``HARNESSES``. Adding a backend is one entry here.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Protocol

from modelctx.graph.store import GraphStore, open_store


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

    def available(self) -> str | None:
        return None


HARNESSES: list[BackendHarness] = [
    SqliteHarness("sqlite"),
    SqliteHarness("sqlite-cte", "?traversal=cte", contract_only=True),
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

    def available(self) -> str | None:
        return self.base.available()


HARNESSES += [ViewHarness(base, view) for base in list(HARNESSES) if not base.contract_only
              for view in ("as-of", "scoped")]


def make_store(harness: BackendHarness, tmp_path: Path) -> GraphStore:
    if isinstance(harness, ViewHarness):
        return harness.open(tmp_path)
    return open_store(harness.uri(tmp_path))


def neo4j_uri() -> str | None:
    return os.environ.get("MODELCTX_TEST_NEO4J_URI") or None
