"""The one change-log replay: folding entries into the graph they describe.

Every entry's payload holds the full properties of each node and edge it wrote,
so folding entries in sequence order gives exactly the graph the store held
after the last one. ``modelctx copy`` (``graph/copy.py``) folds the whole log
to fill a new store; the as-of view (``graph/snapshot.py``) folds up to a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from modelctx.errors import BackendError
from modelctx.graph.changelog import Change, ChangeOp
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

EdgeKey = tuple[str, str, str]


class Replay:
    """Nodes and edges (in first-insertion order) after the entries fed so far."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[EdgeKey, Edge] = {}
        self.last_seq = 0

    def apply(self, change: Change) -> None:
        """Fold one entry; BackendError for an operation this version does not know."""
        payload = change.payload
        if change.op == ChangeOp.UPSERT_NODES:
            for r in payload["nodes"]:
                self.nodes[r["id"]] = Node(r["id"], NodeKind(r["kind"]), r["properties"])
        elif change.op == ChangeOp.UPSERT_EDGES:
            for r in payload["edges"]:
                edge = Edge(r["source"], r["target"], EdgeType(r["type"]), r["properties"])
                self.edges[edge.key] = edge
        else:
            raise BackendError(f"change-log entry {change.seq} has an unknown operation {change.op!r}")
        self.last_seq = change.seq

    def feed(self, changes: Iterable[Change]) -> Iterator[Change]:
        """Fold entries while passing them on (to a verifier or a copier)."""
        for change in changes:
            self.apply(change)
            yield change
