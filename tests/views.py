"""Test-only stores that put a view in front of a real backend, so the contract suite runs on the views.

A view is a store (``graph/store.py``), so the contract tests are its
specification too. Each wrapper here writes into a real store and answers
every read through the view; ``tests/backends.py`` turns them into harnesses
(``sqlite-as-of``, ``sqlite-scoped``, and the same on Neo4j), which only the
contract suite runs. A contract test that is about something a view cannot
have declares it with ``@pytest.mark.backend_only(reason, views=...)``
(``tests/contract/conftest.py``).

- :class:`AsOfView` writes to the live store and answers every read from a
  fresh ``SnapshotGraphStore.at(live, None)``: the graph replayed from the
  change log after the last write. So every contract test also checks that
  the replay at "now" gives what the live store holds.
- :class:`ScopedView` writes and reads through ``ScopedGraphStore(live,
  "contract")``, so every node a contract test writes is stamped with project
  ``contract``. The least intrusive way to keep the contract tests' exact
  property comparisons is to hide that stamp: reads drop ``"project":
  "contract"`` from node properties, and so does the ``payload`` of the
  change-log entries (``payload_json``, the hashed text, stays verbatim, so
  the chain still verifies). The change log is not readable through a scoped
  view (``ScopedGraphStore.changes`` refuses, see ``test_scoped.py``); this
  wrapper reads it from the live store, so the contract tests check that
  writes through the view log exactly what they change. Nothing else is
  adapted: visibility, the write rule and the scoped walks are the view's own.

Both wrappers answer ``verify_integrity`` with the real view's own answer
(the snapshot's, the scoped view's), not through the wrapper's reads.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

from modelctx.graph.batch import PreparedBatch
from modelctx.graph.changelog import Change, VerifyResult, WriteResult
from modelctx.graph.checkpoint import Checkpoint, SigningKey
from modelctx.graph.credentials import TokenTable
from modelctx.graph.integrity import IntegrityResult
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.snapshot import SnapshotGraphStore
from modelctx.graph.store import Direction, EdgeDirection, GraphStore, NodeQuery

#: The project every node written through :class:`ScopedView` belongs to.
CONTRACT_PROJECT = "contract"


class AsOfView(GraphStore):
    """Writes go to ``live``; every read is answered by the change log replayed afresh (the as-of view at now)."""

    def __init__(self, live: GraphStore) -> None:
        self.live = live
        self.uri = live.uri  # the live store's: harnesses tamper with it through its URI

    def snapshot(self) -> SnapshotGraphStore:
        return SnapshotGraphStore.at(self.live, None)

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        return self.live._write(batch, actor)

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        return self.live._transact(work, actor)

    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        return self.snapshot()._get_nodes(ids)

    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        return self.snapshot()._find_nodes(query)

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        return self.snapshot()._find_ids(prefix, after, limit)

    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        return self.snapshot()._get_edges(ids, direction, types)

    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        return self.snapshot()._reachable(starts, direction, types, max_depth, kinds)

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        return self.snapshot().changes(since_seq, limit)

    def last_seq(self) -> int:
        return self.snapshot().last_seq()

    def verify(self) -> VerifyResult:
        return self.snapshot().verify()

    def verify_integrity(
        self, *, tables: bool = True, checkpoint: Checkpoint | None = None, key: SigningKey | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IntegrityResult:
        return self.snapshot().verify_integrity(tables=tables, checkpoint=checkpoint, key=key, progress=progress)

    def counts(self) -> dict[str, dict[str, int]]:
        return self.snapshot().counts()

    @property
    def tokens(self) -> TokenTable:
        return self.snapshot().tokens  # the real view's answer (it keeps none)

    def close(self) -> None:
        self.live.close()


def unstamp(properties: dict[str, Any]) -> dict[str, Any]:
    """``properties`` without the ``"project": "contract"`` the scoped view stamps on new nodes."""
    if properties.get("project") != CONTRACT_PROJECT:
        return properties
    return {k: v for k, v in properties.items() if k != "project"}


class _UnstampedChange(Change):
    """A change-log entry whose ``payload`` hides the scope's stamp; ``payload_json`` (what is hashed) is verbatim."""

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.payload_json)
        for record in payload.get("nodes", ()):
            record["properties"] = unstamp(record["properties"])
        return payload


class ScopedView(GraphStore):
    """Writes and reads through ``ScopedGraphStore(live, "contract")``, hiding the project stamp on reads."""

    def __init__(self, live: GraphStore) -> None:
        self.live = live
        self.view = ScopedGraphStore(live, CONTRACT_PROJECT)
        self.uri = live.uri

    @staticmethod
    def _node(node: Node) -> Node:
        props = unstamp(node.properties)
        return node if props is node.properties else Node(node.id, node.kind, props)

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        return self.view._write(batch, actor)

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        return self.view._transact(work, actor)

    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        return {i: self._node(n) for i, n in self.view._get_nodes(ids).items()}

    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        return [self._node(n) for n in self.view._find_nodes(query)]

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        return self.view._find_ids(prefix, after, limit)

    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        return self.view._get_edges(ids, direction, types)

    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        return self.view._reachable(starts, direction, types, max_depth, kinds)

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        for change in self.live.changes(since_seq, limit):
            yield _UnstampedChange(*(getattr(change, f.name) for f in dataclasses.fields(Change)))

    def last_seq(self) -> int:
        return self.view.last_seq()

    def verify(self) -> VerifyResult:
        return self.view.verify()

    def verify_integrity(
        self, *, tables: bool = True, checkpoint: Checkpoint | None = None, key: SigningKey | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IntegrityResult:
        return self.view.verify_integrity(tables=tables, checkpoint=checkpoint, key=key, progress=progress)

    def counts(self) -> dict[str, dict[str, int]]:
        return self.view.counts()

    @property
    def tokens(self) -> TokenTable:
        return self.view.tokens  # the real view's answer (it keeps none)

    def close(self) -> None:
        self.live.close()


VIEWS = {"as-of": AsOfView, "scoped": ScopedView}
"""View name -> wrapper class; the names ``backend_only(views=...)`` markers use."""
