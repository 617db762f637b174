"""The graph as it was at a past time: the change log replayed, held in memory as a read-only store.

Every write appends entries whose payloads hold the full new properties of each
node and edge it changed, so replaying the entries up to a time
(``graph/replay.py``) gives exactly the graph the store held then.
:class:`SnapshotGraphStore` is a store like any other, so lineage, ``show`` and
audit reports run on it unchanged; writing to it is a ReadOnlyError.

A bare date as ``as_of`` means the end of that day (``modelctx/times.py``), so
``--as-of 2026-05-01`` includes everything written on the first of May.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING

from modelctx.errors import NotFoundError, ReadOnlyError
from modelctx.graph.batch import PreparedBatch
from modelctx.graph.changelog import Change, VerifyResult, WriteResult, verify_chain
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.replay import EdgeKey, Replay
from modelctx.graph.store import Direction, EdgeDirection, GraphStore, NodeQuery
from modelctx.times import read_stored, upper_bound

if TYPE_CHECKING:
    from modelctx.graph.integrity import TableScan


class SnapshotGraphStore(GraphStore):
    """A read-only store holding the graph as of one moment of the change log."""

    def __init__(self, source_uri: str, as_of: datetime | None, changes: Iterable[Change]) -> None:
        self.uri = f"{source_uri}#as-of={as_of.isoformat() if as_of else 'now'}"
        self.moment = as_of
        self._changes: list[Change] = []
        replay = Replay()
        for change in changes:
            if as_of is not None and (read_stored(change.at) or as_of) > as_of:
                break
            replay.apply(change)
            self._changes.append(change)
        self._nodes = replay.nodes
        self._edges = replay.edges
        self._out: dict[str, dict[EdgeKey, Edge]] = {}
        self._in: dict[str, dict[EdgeKey, Edge]] = {}
        for key, edge in self._edges.items():
            self._out.setdefault(edge.source, {})[key] = edge
            self._in.setdefault(edge.target, {})[key] = edge

    @classmethod
    def at(cls, store: GraphStore, as_of: datetime | str | None) -> SnapshotGraphStore:
        """Replay ``store``'s change log up to ``as_of`` (a datetime, ISO text, or None for now)."""
        when = upper_bound(as_of, "--as-of") if isinstance(as_of, str) else as_of
        return cls(store.uri, when, store.changes(0))

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        raise ReadOnlyError(f"{self.uri} is a read-only view of the past; write to the live store instead")

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        raise ReadOnlyError(f"{self.uri} is a read-only view of the past; write to the live store instead")

    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        return {i: self._nodes[i] for i in ids if i in self._nodes}

    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        out: list[Node] = []
        skipped = 0
        for node in self._nodes.values():
            if not query.matches(node):
                continue
            if skipped < query.offset:
                skipped += 1
                continue
            out.append(node)
            if len(out) >= query.limit:
                break
        return out

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        # In memory: a scan of the ids (a snapshot is read whole anyway).
        return sorted(i for i in self._nodes if i.startswith(prefix) and i > after)[:limit]

    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        found: dict[EdgeKey, Edge] = {}
        for node_id in ids:
            if direction in ("out", "both"):
                found.update(self._out.get(node_id, {}))
            if direction in ("in", "both"):
                found.update(self._in.get(node_id, {}))
        return [e for _, e in sorted(found.items()) if types is None or e.type in types]

    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        for start in starts:
            if start not in self._nodes:
                when = self.moment.isoformat() if self.moment else "now"
                raise NotFoundError(f"no node with id {start!r} as of {when}")
        adjacency = self._out if direction == "up" else self._in
        depths: dict[str, int] = dict.fromkeys(starts, 0)
        queue = deque(starts)
        while queue:
            current = queue.popleft()
            depth = depths[current]
            if max_depth is not None and depth >= max_depth:
                continue
            for edge in adjacency.get(current, {}).values():
                if edge.type not in types:
                    continue
                neighbour = edge.target if direction == "up" else edge.source
                if neighbour not in depths:
                    depths[neighbour] = depth + 1
                    queue.append(neighbour)
        return {
            i: d for i, d in sorted(depths.items(), key=lambda item: (item[1], item[0]))
            if i not in starts and (kinds is None or self._nodes[i].kind in kinds)
        }

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        selected = (c for c in self._changes if c.seq > since_seq)
        for count, change in enumerate(selected):
            if limit is not None and count >= limit:
                return
            yield change

    def last_seq(self) -> int:
        return self._changes[-1].seq if self._changes else 0

    def verify(self) -> VerifyResult:
        return verify_chain(self._changes)

    def _integrity_scan(self, locked: bool) -> AbstractContextManager[TableScan]:
        """The view's own records: they are the replay of its entries, so its tables agree with its log."""
        from modelctx.graph.integrity import RecordScan, change_rows

        return nullcontext(RecordScan(
            lambda: change_rows(self._changes),
            lambda: ((n.id, n.kind.value, n.properties) for n in self._nodes.values()),
            lambda: ((e.source, e.type.value, e.target, e.properties) for e in self._edges.values()),
            consistent=True,
        ))

    def counts(self) -> dict[str, dict[str, int]]:
        nodes: dict[str, int] = {}
        for node in self._nodes.values():
            nodes[node.kind.value] = nodes.get(node.kind.value, 0) + 1
        edges: dict[str, int] = {}
        for edge in self._edges.values():
            edges[edge.type.value] = edges.get(edge.type.value, 0) + 1
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    def close(self) -> None:
        return None

