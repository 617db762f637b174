"""The one change-log replay: folding entries into the graph they describe.

Every entry's payload holds the full properties of each node and edge it wrote,
so folding entries in sequence order gives exactly the graph the store held
after the last one. ``modelctx copy`` (``graph/copy.py``) folds the whole log
to fill a new store; the as-of view (``graph/snapshot.py``) folds up to a time;
``verify`` (``graph/integrity.py``) folds the whole log to compare it with the
stored tables, noting which entry last wrote each node and edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from modelctx.errors import BackendError
from modelctx.graph.changelog import Change, ChangeOp
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

EdgeKey = tuple[str, str, str]


class Replay:
    """Nodes and edges (in first-insertion order) after the entries fed so far.

    ``apply`` decides what an entry means (its operation, its records); each
    record is then kept by ``_node`` or ``_edge``, which a fold that keeps
    something else overrides (``verify`` keeps lean tuples and the entry that
    wrote each record, ``graph/integrity.py``).
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[EdgeKey, Edge] = {}
        self.last_seq = 0

    def apply(self, change: Change) -> None:
        """Fold one entry; BackendError for an operation this version does not know."""
        payload = change.payload
        if change.op == ChangeOp.UPSERT_NODES:
            for r in payload["nodes"]:
                self._node(r, change.seq)
        elif change.op == ChangeOp.UPSERT_EDGES:
            for r in payload["edges"]:
                self._edge(r, change.seq)
        elif change.op == ChangeOp.REMOVE_EDGES:
            for r in payload["edges"]:
                self._remove_edge(r, change.seq)
        else:
            raise BackendError(f"change-log entry {change.seq} has an unknown operation {change.op!r}")
        self.last_seq = change.seq

    def _node(self, record: dict[str, Any], seq: int) -> None:
        """Keep one node record (its full properties: the last write of an id wins)."""
        self.nodes[record["id"]] = Node(record["id"], NodeKind(record["kind"]), record["properties"])

    def _edge(self, record: dict[str, Any], seq: int) -> None:
        """Keep one edge record (its full properties: the last write of a key wins)."""
        edge = Edge(record["source"], record["target"], EdgeType(record["type"]), record["properties"])
        self.edges[edge.key] = edge

    def _remove_edge(self, record: dict[str, Any], seq: int) -> None:
        """Forget one edge (a ``remove_edges`` entry names its key)."""
        self.edges.pop((record["source"], EdgeType(record["type"]), record["target"]), None)

    def feed(self, changes: Iterable[Change]) -> Iterator[Change]:
        """Fold entries while passing them on (to a verifier or a copier)."""
        for change in changes:
            self.apply(change)
            yield change
