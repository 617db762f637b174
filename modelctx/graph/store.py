"""The GraphStore protocol, the conveniences built on it, and ``open_store``.

Every backend implements the primitives of :class:`GraphStore`; everything
else (single-node reads, node-only or edge-only writes, subgraph traversal) is
built once in :class:`GraphStoreBase` on top of them, so backends cannot drift
apart in behaviour. ``tests/contract/`` is the specification in executable
form: a backend is done when it passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from modelctx.errors import ConfigError, NotFoundError, ValidationError
from modelctx.graph.changelog import Change, VerifyResult, WriteResult
from modelctx.graph.model import (
    LINEAGE_EDGES,
    Edge,
    EdgeType,
    Node,
    NodeKind,
    Subgraph,
)

Direction = Literal["up", "down"]
EdgeDirection = Literal["out", "in", "both"]

DEFAULT_ACTOR = "system"


@runtime_checkable
class GraphStore(Protocol):
    """What every storage backend provides. All methods may raise BackendError."""

    uri: str
    """The store's URI with any password removed (safe to print)."""

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        """Upsert nodes, then edges, in one transaction.

        Idempotent: writing the same records again changes nothing and appends
        nothing to the change log. Properties merge (new keys win, ``None``
        removes a key). Every edge endpoint must be stored already or be in the
        batch. Raises ValidationError (bad record, unknown endpoint) or
        ConflictError (an id changing kind); then nothing of the batch is stored.
        """
        ...

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The stored nodes among ``ids``, keyed by id; missing ids are left out."""
        ...

    def find_nodes(
        self,
        kind: NodeKind | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        """Nodes of ``kind`` whose scalar properties equal ``properties``, in insertion order."""
        ...

    def get_edges(
        self,
        ids: Iterable[str],
        direction: EdgeDirection = "both",
        types: Iterable[EdgeType] | None = None,
    ) -> list[Edge]:
        """Edges leaving (out), entering (in) or touching (both) any of ``ids``."""
        ...

    def reachable(
        self,
        start_ids: Iterable[str],
        direction: Direction,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        max_depth: int | None = None,
        kinds: Iterable[NodeKind] | None = None,
    ) -> dict[str, int]:
        """Ids reachable from the starts (not the starts themselves) with their depth.

        ``up`` follows edges as they point (to what a node came from), ``down``
        walks them backwards. Default edge types are the lineage edges. Cycle-safe;
        ``max_depth`` bounds hops; ``kinds`` filters what is returned, not what is
        walked through. Unknown start ids raise NotFoundError.
        """
        ...

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        """Change-log entries with ``seq > since_seq`` in sequence order."""
        ...

    def last_seq(self) -> int:
        """The sequence number of the newest change-log entry (0 when empty)."""
        ...

    def verify(self) -> VerifyResult:
        """Check the whole hash chain; name the first broken entry."""
        ...

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {kind: n}, "edges": {type: n}}``."""
        ...

    def close(self) -> None:
        """Release connections. Idempotent."""
        ...


class GraphStoreBase:
    """Conveniences every backend inherits; written once on the primitives."""

    def upsert_nodes(self: GraphStore, nodes: Iterable[Node], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        return self.write(nodes, (), actor=actor)

    def upsert_edges(self: GraphStore, edges: Iterable[Edge], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        return self.write((), edges, actor=actor)

    def get_node(self: GraphStore, node_id: str) -> Node:
        """The node with ``node_id``; NotFoundError if it is not stored."""
        found = self.get_nodes([node_id])
        if node_id not in found:
            raise NotFoundError(f"no node with id {node_id!r}")
        return found[node_id]

    def has_node(self: GraphStore, node_id: str) -> bool:
        return node_id in self.get_nodes([node_id])

    def traverse(
        self: GraphStore,
        start_ids: Iterable[str],
        direction: Direction,
        *,
        edge_types: Iterable[EdgeType] | None = None,
        max_depth: int | None = None,
        kinds: Iterable[NodeKind] | None = None,
    ) -> Subgraph:
        """The starts plus what ``reachable`` finds, with the walked edges among them."""
        starts = list(dict.fromkeys(start_ids))
        types = frozenset(edge_types) if edge_types is not None else LINEAGE_EDGES
        reached = self.reachable(starts, direction, edge_types=types, max_depth=max_depth, kinds=kinds)
        wanted = [*starts, *(i for i in reached if i not in starts)]
        nodes = self.get_nodes(wanted)
        keep = set(nodes)
        edges = [
            e
            for e in self.get_edges(list(keep), "out", types)
            if e.source in keep and e.target in keep
        ]
        edges.sort(key=lambda e: e.key)
        return Subgraph([nodes[i] for i in wanted if i in nodes], edges)


def check_direction(direction: str) -> Direction:
    if direction not in ("up", "down"):
        raise ValidationError(f"direction must be 'up' or 'down', not {direction!r}")
    return direction  # type: ignore[return-value]


def check_depth(max_depth: int | None) -> int | None:
    if max_depth is not None and max_depth < 0:
        raise ValidationError(f"depth must be zero or more, not {max_depth}")
    return max_depth


def redact_uri(uri: str) -> str:
    """The URI without its password, for messages and logs (never fails, whatever the URI holds)."""
    parts = urlsplit(uri)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return uri
    user = userinfo.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{hostport}", parts.path, parts.query, parts.fragment))


SQLITE_SCHEMES = ("sqlite",)
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def open_store(uri: str) -> GraphStore:
    """Open the backend that ``uri``'s scheme names (``sqlite:///path``, ``neo4j://…``, ``bolt://…``)."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme in SQLITE_SCHEMES:
        from modelctx.graph.backends.sqlite import SqliteGraphStore

        return SqliteGraphStore.from_uri(uri)
    if scheme in NEO4J_SCHEMES:
        from modelctx.errors import require_extra

        require_extra("neo4j", "neo4j", "the Neo4j store")
        try:
            from modelctx.graph.backends.neo4j import Neo4jGraphStore
        except ImportError as exc:  # the backend module itself is missing or broken
            raise ConfigError(f"the Neo4j backend could not be loaded: {exc}") from exc
        return Neo4jGraphStore.from_uri(uri)  # type: ignore[no-any-return]
    raise ConfigError(
        f"unknown store URI {redact_uri(uri)!r}; valid schemes: "
        + ", ".join(f"{s}://" for s in (*SQLITE_SCHEMES, *NEO4J_SCHEMES))
    )
