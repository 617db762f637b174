"""A read-only view of a store that shows only one project's nodes.

Access control scopes a caller to a project. Rather than every report, query
and route filtering its own results (and one of them forgetting), anything
that reads through this view sees a graph in which other projects' nodes and
the edges touching them do not exist. Walks do not pass through hidden nodes,
so connectivity through another project is not revealed either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.changelog import Change, VerifyResult, WriteResult
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import DEFAULT_ACTOR, Direction, EdgeDirection, GraphStore, GraphStoreBase, check_depth

_PAGE = 500


class ScopedGraphStore(GraphStoreBase):
    """``store`` as seen by a caller scoped to ``project``: read-only."""

    def __init__(self, store: GraphStore, project: str) -> None:
        self.inner = store
        self.project = project
        self.uri = store.uri

    def _visible(self, node: Node) -> bool:
        return node.properties.get("project") == self.project

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        raise ValidationError(f"the view of project {self.project!r} is read-only")

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        return {i: n for i, n in self.inner.get_nodes(ids).items() if self._visible(n)}

    def find_nodes(
        self,
        kind: NodeKind | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        wanted = dict(properties or {})
        if wanted.setdefault("project", self.project) != self.project:
            return []
        return self.inner.find_nodes(kind, wanted, limit=limit, offset=offset)

    def get_edges(
        self, ids: Iterable[str], direction: EdgeDirection = "both", types: Iterable[EdgeType] | None = None
    ) -> list[Edge]:
        visible = set(self.get_nodes(ids))
        edges = self.inner.get_edges(visible, direction, types)
        ends = self.get_nodes({e.source for e in edges} | {e.target for e in edges})
        return [e for e in edges if e.source in ends and e.target in ends]

    def reachable(
        self,
        start_ids: Iterable[str],
        direction: Direction,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        max_depth: int | None = None,
        kinds: Iterable[NodeKind] | None = None,
    ) -> dict[str, int]:
        """Breadth-first over visible nodes only, one neighbour query per level."""
        check_depth(max_depth)
        starts = list(dict.fromkeys(start_ids))
        found = self.get_nodes(starts)
        missing = [s for s in starts if s not in found]
        if missing:
            raise NotFoundError(f"no node with id {missing[0]!r}")
        types = frozenset(edge_types) if edge_types is not None else LINEAGE_EDGES
        wanted = frozenset(kinds) if kinds is not None else None
        seen: dict[str, int] = {s: 0 for s in starts}
        reached: dict[str, int] = {}
        frontier = starts
        depth = 0
        while frontier and (max_depth is None or depth < max_depth):
            depth += 1
            edges = self.inner.get_edges(frontier, "out" if direction == "up" else "in", types)
            frontier_set = set(frontier)
            candidates = {
                (e.target if direction == "up" else e.source)
                for e in edges
                if (e.source if direction == "up" else e.target) in frontier_set
            }
            nodes = self.get_nodes(c for c in candidates if c not in seen)
            frontier = sorted(nodes)
            for node_id in frontier:
                seen[node_id] = depth
                if wanted is None or nodes[node_id].kind in wanted:
                    reached[node_id] = depth
        return reached

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        # The log holds every project's payloads; a scoped caller gets none of it.
        raise ValidationError(f"the change log is not readable from the view of project {self.project!r}")

    def last_seq(self) -> int:
        return self.inner.last_seq()

    def verify(self) -> VerifyResult:
        return self.inner.verify()

    def counts(self) -> dict[str, dict[str, int]]:
        nodes: dict[str, int] = {}
        for kind in NodeKind:
            offset, total = 0, 0
            while True:
                page = self.find_nodes(kind, limit=_PAGE, offset=offset)
                total += len(page)
                if len(page) < _PAGE:
                    break
                offset += _PAGE
            if total:
                nodes[kind.value] = total
        return {"nodes": nodes, "edges": {}}

    def close(self) -> None:
        return None
