"""The graph as it was at a past time, rebuilt from the change log.

Every write appends entries whose payloads hold the full new properties of each
node and edge it changed, so replaying the entries up to a time gives exactly
the graph the store held then. :class:`SnapshotGraphStore` is that replay held
in memory: a read-only GraphStore, so lineage, ``show`` and audit reports run
on it unchanged. It is a view, not a backend: it writes nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from modelctx.errors import ValidationError
from modelctx.graph.changelog import Change, ChangeOp, VerifyResult, WriteResult, verify_chain
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import (
    DEFAULT_ACTOR,
    Direction,
    EdgeDirection,
    GraphStore,
    GraphStoreBase,
    check_depth,
    check_direction,
)


def parse_time(text: str) -> datetime:
    """Parse a user-given time: ISO 8601 date or date-time; a time without zone is UTC.

    A bare date means the end of that day, so ``--as-of 2026-05-01`` includes
    everything written on the first of May.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"--as-of {text!r}: expected an ISO 8601 date or time such as 2026-05-01 or 2026-05-01T12:00:00Z"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _change_time(change: Change) -> datetime:
    parsed = datetime.fromisoformat(change.at)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class SnapshotGraphStore(GraphStoreBase):
    """A read-only GraphStore holding the graph as of one moment of the change log."""

    def __init__(self, source_uri: str, as_of: datetime | None, changes: Iterable[Change]) -> None:
        self.uri = f"{source_uri}#as-of={as_of.isoformat() if as_of else 'now'}"
        self.as_of = as_of
        self._nodes: dict[str, Node] = {}
        self._edges: dict[tuple[str, str, str], Edge] = {}
        self._out: dict[str, dict[tuple[str, str, str], Edge]] = {}
        self._in: dict[str, dict[tuple[str, str, str], Edge]] = {}
        self._changes: list[Change] = []
        for change in changes:
            if as_of is not None and _change_time(change) > as_of:
                break
            self._apply(change)
            self._changes.append(change)

    @classmethod
    def at(cls, store: GraphStore, as_of: datetime | str | None) -> SnapshotGraphStore:
        """Replay ``store``'s change log up to ``as_of`` (a datetime, ISO text, or None for now)."""
        when = parse_time(as_of) if isinstance(as_of, str) else as_of
        return cls(store.uri, when, store.changes(0))

    def _apply(self, change: Change) -> None:
        payload = change.payload
        if change.op == ChangeOp.UPSERT_NODES:
            for record in payload.get("nodes", []):
                node = Node.from_json(record)
                self._nodes[node.id] = node
        elif change.op == ChangeOp.UPSERT_EDGES:
            for record in payload.get("edges", []):
                edge = Edge.from_json(record)
                self._edges[edge.key] = edge
                self._out.setdefault(edge.source, {})[edge.key] = edge
                self._in.setdefault(edge.target, {})[edge.key] = edge

    # -- writes are refused: this is a view of the past ------------------------------------

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        raise ValidationError(f"{self.uri} is a read-only view of the past; write to the live store instead")

    # -- reads ---------------------------------------------------------------------------------

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        return {i: self._nodes[i] for i in dict.fromkeys(ids) if i in self._nodes}

    def find_nodes(
        self,
        kind: NodeKind | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        if limit < 0 or offset < 0:
            raise ValidationError(f"limit and offset must be zero or more (got {limit}, {offset})")
        wanted = NodeKind.parse(kind) if kind is not None and not isinstance(kind, NodeKind) else kind
        filters = dict(properties or {})
        for key, value in filters.items():
            if value is not None and not isinstance(value, (str, int, float)):
                raise ValidationError(f"property filter {key!r}: only scalar values can be compared")
        out: list[Node] = []
        skipped = 0
        for node in self._nodes.values():
            if wanted is not None and node.kind is not wanted:
                continue
            if any(node.properties.get(k) != v for k, v in filters.items()):
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(out) >= limit:
                break
            out.append(node)
        return out

    def get_edges(
        self,
        ids: Iterable[str],
        direction: EdgeDirection = "both",
        types: Iterable[EdgeType] | None = None,
    ) -> list[Edge]:
        if direction not in ("out", "in", "both"):
            raise ValidationError(f"edge direction must be out, in or both, not {direction!r}")
        allowed = frozenset(types) if types is not None else None
        found: dict[tuple[str, str, str], Edge] = {}
        for node_id in ids:
            if direction in ("out", "both"):
                found.update(self._out.get(node_id, {}))
            if direction in ("in", "both"):
                found.update(self._in.get(node_id, {}))
        return [e for _, e in sorted(found.items()) if allowed is None or e.type in allowed]

    def reachable(
        self,
        start_ids: Iterable[str],
        direction: Direction,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        max_depth: int | None = None,
        kinds: Iterable[NodeKind] | None = None,
    ) -> dict[str, int]:
        from modelctx.errors import NotFoundError

        check_direction(direction)
        check_depth(max_depth)
        starts = list(dict.fromkeys(start_ids))
        for start in starts:
            if start not in self._nodes:
                when = self.as_of.isoformat() if self.as_of else "now"
                raise NotFoundError(f"no node with id {start!r} as of {when}")
        types = frozenset(edge_types) if edge_types is not None else LINEAGE_EDGES
        adjacency = self._out if direction == "up" else self._in
        depths: dict[str, int] = {s: 0 for s in starts}
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
        wanted = frozenset(kinds) if kinds is not None else None
        return {
            i: d for i, d in sorted(depths.items(), key=lambda item: (item[1], item[0]))
            if i not in starts and (wanted is None or self._nodes[i].kind in wanted)
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

    def to_networkx(self) -> Any:
        """The snapshot as a networkx MultiDiGraph (for layout and path algorithms)."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        for node in self._nodes.values():
            graph.add_node(node.id, kind=node.kind.value)
        for edge in self._edges.values():
            graph.add_edge(edge.source, edge.target, key=edge.type.value)
        return graph
