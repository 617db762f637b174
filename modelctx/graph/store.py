"""The store: one complete base class that every backend and every view extends.

Public methods validate and normalise their arguments once, here, then call a
backend hook (``_write``, ``_get_nodes``, ``_find_nodes``, ``_get_edges``,
``_reachable``); the conveniences (``get_node``, ``traverse``, ``iter_nodes``,
the upserts) are built on the public methods. So a backend cannot skip a
check, every caller gets the same type whatever the store is, and backends
cannot drift apart in behaviour. ``tests/contract/`` is the specification in
executable form: a backend (or view) is done when it passes.

Views — a project's scope (``graph/scoped.py``) and the graph as of a past time
(``graph/snapshot.py``) — are stores too, so everything that reads a store
reads a view unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.batch import PreparedBatch, prepare_batch
from modelctx.graph.changelog import Change, NodeChange, VerifyResult, WriteResult, about_node
from modelctx.graph.collector import collector_paused
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeRemoval, EdgeType, Node, NodeKind, Subgraph
from modelctx.graph.values import check_filter_value, check_text

if TYPE_CHECKING:
    from modelctx.graph.checkpoint import Checkpoint, SigningKey
    from modelctx.graph.credentials import TokenTable
    from modelctx.graph.integrity import IntegrityResult, TableScan
    from modelctx.graph.search_docs import SearchDocStore

Direction = Literal["up", "down"]
EdgeDirection = Literal["out", "in", "both"]

DEFAULT_ACTOR = "system"

Work = Callable[["GraphStore"], tuple[Iterable[Node], Iterable[Edge | EdgeRemoval]]]
"""A read-then-write unit for ``transact``: reads through the store it is given, returns (nodes, edges)."""
#: Nodes per page when a convenience pages through ``find_nodes``.
PAGE = 1000


@dataclass(frozen=True, slots=True)
class NodeQuery:
    """A validated ``find_nodes`` request: kind, equality filters, keys that must be absent, the page."""

    kind: NodeKind | None
    equal: Mapping[str, str | int | float | bool]
    missing: tuple[str, ...]
    limit: int
    offset: int

    def matches(self, node: Node) -> bool:
        """Whether ``node`` satisfies the filters (for stores that filter in Python)."""
        from modelctx.graph.values import filter_matches

        if self.kind is not None and node.kind is not self.kind:
            return False
        props = node.properties
        return all(key not in props for key in self.missing) and all(
            filter_matches(props.get(key), value) for key, value in self.equal.items()
        )


def check_direction(direction: str) -> Direction:
    if direction not in ("up", "down"):
        raise ValidationError(f"direction must be 'up' or 'down', not {direction!r}")
    return direction  # type: ignore[return-value]


def check_depth(max_depth: int | None) -> int | None:
    if max_depth is not None and (isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0):
        raise ValidationError(f"depth must be a whole number, zero or more, not {max_depth!r}")
    return max_depth


def _ids(ids: Iterable[str], what: str) -> list[str]:
    if isinstance(ids, str):
        raise ValidationError(f"{what}: expected a list of ids, got the single string {ids!r}")
    wanted = list(dict.fromkeys(ids))
    for node_id in wanted:
        if not isinstance(node_id, str):
            raise ValidationError(f"{what}: ids are strings, not {type(node_id).__name__}")
    return wanted


def _kind(kind: NodeKind | str) -> NodeKind:
    return kind if isinstance(kind, NodeKind) else NodeKind.parse(kind)


def _edge_type(etype: EdgeType | str) -> EdgeType:
    return etype if isinstance(etype, EdgeType) else EdgeType.parse(etype)


class GraphStore(ABC):
    """What every storage backend and every view provides. Any method may raise BackendError."""

    uri: str
    """The store's URI with any password removed (safe to print)."""
    scope: str | None = None
    """The project this store is limited to (a scoped view), None for the whole graph."""

    # -- writes ------------------------------------------------------------------------------------

    def write(
        self, nodes: Iterable[Node], edges: Iterable[Edge | EdgeRemoval], *, actor: str = DEFAULT_ACTOR,
        create_only: Iterable[str] = (),
    ) -> WriteResult:
        """Upsert nodes, then edges, then remove edges (``EdgeRemoval`` among ``edges``), in one transaction.

        Idempotent: writing the same records again changes nothing and appends
        nothing to the change log. Properties merge (new keys win, ``None``
        removes a key). Every edge endpoint must be stored already or be in the
        batch. ``create_only`` names node ids of the batch that must not be
        stored yet (a claim). Removing an edge that is not stored changes
        nothing; a removal is logged (``remove_edges``) like any write. Raises ValidationError (bad record, unknown
        endpoint) or ConflictError (an id changing kind, a claimed id already
        stored); then nothing of the batch is stored.
        """
        if not isinstance(actor, str) or not actor.strip():
            raise ValidationError(f"a write needs an actor (who is writing), not {actor!r}")
        check_text(actor, "actor")
        with collector_paused():  # a batch makes no cycles; full collections would rescan the caller's graph
            batch = prepare_batch(nodes, edges, create_only)
            if batch.empty:
                return WriteResult()
            return self._write(batch, actor)

    def transact(self, work: Work, *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        """Read and write in one transaction: ``work`` reads what it needs and returns the records to write.

        ``work`` gets a store to read through — inside the write transaction,
        after every earlier writer committed and before any later one starts —
        and returns ``(nodes, edges)``. So a merge with stored state (a run's
        status from out-of-order events, facets, counters) is never lost to a
        concurrent writer in another process. ``work`` may run more than once
        (a backend retries a transaction on a transient conflict) and must not
        have side effects. What it returns is validated and written like
        ``write``; an error in it rolls everything back.
        """
        if not isinstance(actor, str) or not actor.strip():
            raise ValidationError(f"a write needs an actor (who is writing), not {actor!r}")
        check_text(actor, "actor")

        def prepared(reader: GraphStore) -> PreparedBatch:
            nodes, edges = work(reader)
            return prepare_batch(nodes, edges)

        with collector_paused():
            return self._transact(prepared, actor)

    def bulk(self) -> AbstractContextManager[None]:
        """Mark many writes to come (an import in batches): the store may defer work each write would repeat.

        Every read, in any process, answers exactly as without it, at every
        moment (after a crash too); deferred work is finished by the time the
        block ends. Blocks may nest and overlap across threads. SQLite defers
        its neighbour arrays (``graph/backends/sqlite_arrays.py``); other stores
        do nothing different.
        """
        return nullcontext()

    def upsert_nodes(self, nodes: Iterable[Node], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        return self.write(nodes, (), actor=actor)

    def upsert_edges(self, edges: Iterable[Edge], *, actor: str = DEFAULT_ACTOR) -> WriteResult:
        return self.write((), edges, actor=actor)

    # -- reads -------------------------------------------------------------------------------------

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The stored nodes among ``ids``, keyed by id in the order asked; missing ids are left out."""
        wanted = _ids(ids, "get_nodes")
        return self._get_nodes(wanted) if wanted else {}

    def get_node(self, node_id: str) -> Node:
        """The node with ``node_id``; NotFoundError if it is not stored."""
        found = self.get_nodes([node_id])
        if node_id not in found:
            raise NotFoundError(f"no node with id {node_id!r}")
        return found[node_id]

    def has_node(self, node_id: str) -> bool:
        return node_id in self.get_nodes([node_id])

    def find_nodes(
        self,
        kind: NodeKind | str | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        """Nodes of ``kind`` whose properties equal ``properties`` (``None``: absent), in insertion order.

        Strings equal strings, numbers compare as numbers, booleans equal only
        booleans (``graph/values.py``).
        """
        for name, value in (("limit", limit), ("offset", offset)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a whole number, zero or more (got {value!r})")
        equal: dict[str, str | int | float | bool] = {}
        missing: list[str] = []
        for key, value in (properties or {}).items():
            checked = check_filter_value(key, value)
            if checked is None:
                missing.append(key)
            else:
                equal[key] = checked
        query = NodeQuery(_kind(kind) if kind is not None else None, equal, tuple(missing), limit, offset)
        return self._find_nodes(query) if limit else []

    def iter_nodes(
        self, kind: NodeKind | str | None = None, properties: Mapping[str, Any] | None = None
    ) -> Iterator[Node]:
        """Every node of ``kind`` matching ``properties``, paging through ``find_nodes``."""
        offset = 0
        while True:
            page = self.find_nodes(kind, properties, limit=PAGE, offset=offset)
            yield from page
            if len(page) < PAGE:
                return
            offset += len(page)

    def find_ids(self, prefix: str, *, limit: int = 100, after: str = "") -> list[str]:
        """Stored ids that start with ``prefix``, in id order, the first ``limit`` of those after ``after``.

        For looking a node up by a prefix of its id (``graph/refs.py``): backends
        answer from their id index, so it costs a range read, not a scan. Page
        with ``after=<last id returned>``.
        """
        if not isinstance(prefix, str) or not prefix:
            raise ValidationError(f"an id prefix is a non-empty string, not {prefix!r}")
        check_text(prefix, "id prefix")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValidationError(f"limit must be a whole number, zero or more (got {limit!r})")
        if not isinstance(after, str):
            raise ValidationError(f"after is an id, not {after!r}")
        return self._find_ids(prefix, after, limit) if limit else []

    def get_edges(
        self,
        ids: Iterable[str],
        direction: EdgeDirection = "both",
        types: Iterable[EdgeType | str] | None = None,
    ) -> list[Edge]:
        """Edges leaving (out), entering (in) or touching (both) any of ``ids``, in a stable order."""
        if direction not in ("out", "in", "both"):
            raise ValidationError(f"edge direction must be out, in or both, not {direction!r}")
        wanted = _ids(ids, "get_edges")
        allowed = frozenset(_edge_type(t) for t in types) if types is not None else None
        if not wanted or allowed is not None and not allowed:
            return []
        return self._get_edges(wanted, direction, allowed)

    def reachable(
        self,
        start_ids: Iterable[str],
        direction: Direction,
        *,
        edge_types: Iterable[EdgeType | str] | None = None,
        max_depth: int | None = None,
        kinds: Iterable[NodeKind | str] | None = None,
    ) -> dict[str, int]:
        """Ids reachable from the starts (not the starts themselves) with their depth, nearest first.

        ``up`` follows edges as they point (to what a node came from), ``down``
        walks them backwards. Default edge types are the lineage edges. Cycle-safe;
        ``max_depth`` bounds hops; ``kinds`` filters what is returned, not what is
        walked through. Unknown start ids raise NotFoundError.
        """
        check_direction(direction)
        check_depth(max_depth)
        starts = _ids(start_ids, "reachable")
        types = frozenset(_edge_type(t) for t in edge_types) if edge_types is not None else LINEAGE_EDGES
        wanted = frozenset(_kind(k) for k in kinds) if kinds is not None else None
        return self._reachable(starts, direction, types, max_depth, wanted)

    def traverse(
        self,
        start_ids: Iterable[str],
        direction: Direction,
        *,
        edge_types: Iterable[EdgeType | str] | None = None,
        max_depth: int | None = None,
        kinds: Iterable[NodeKind | str] | None = None,
    ) -> Subgraph:
        """The starts plus what ``reachable`` finds, with the walked edges among them."""
        starts = _ids(start_ids, "traverse")
        types = frozenset(_edge_type(t) for t in edge_types) if edge_types is not None else LINEAGE_EDGES
        reached = self.reachable(starts, direction, edge_types=types, max_depth=max_depth, kinds=kinds)
        return self.subgraph([*starts, *(i for i in reached if i not in starts)], types)

    def subgraph(self, ids: Iterable[str], edge_types: Iterable[EdgeType | str] | None = None) -> Subgraph:
        """The stored nodes among ``ids`` (in that order) and the edges of ``edge_types`` among them (default:
        the lineage edges), in key order."""
        wanted = _ids(ids, "subgraph")
        types = frozenset(_edge_type(t) for t in edge_types) if edge_types is not None else LINEAGE_EDGES
        nodes = self.get_nodes(wanted)
        keep = set(nodes)
        edges = [e for e in self.get_edges(list(keep), "out", types) if e.source in keep and e.target in keep]
        edges.sort(key=lambda e: e.key)
        return Subgraph([nodes[i] for i in wanted if i in nodes], edges)

    def as_of(self, when: datetime | str | None) -> GraphStore:
        """This store as it was at ``when``: its change log replayed (``graph/snapshot.py``), read-only.

        Text is read as ``--as-of`` is (``modelctx/times.py``: a bare date is the end of that day).
        """
        from modelctx.graph.snapshot import SnapshotGraphStore

        return SnapshotGraphStore.at(self, when)

    # -- backend hooks: arguments arrive validated ------------------------------------------------

    @abstractmethod
    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        """Store a prepared, non-empty batch in one transaction (see ``graph/planner.py``)."""

    @abstractmethod
    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        """Open the write transaction, call ``work`` with a store reading inside it, write the batch it returns."""

    @abstractmethod
    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        """Stored nodes among distinct ``ids``, in the order of ``ids``."""

    @abstractmethod
    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        """One page of nodes matching ``query``, in insertion order."""

    @abstractmethod
    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        """Edges touching distinct ``ids``; ``types`` None means every type."""

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        """Ids starting with ``prefix`` and greater than ``after``, in order, at most ``limit`` (arguments checked).

        This default reads every node: backends override it with an index read.
        """
        found = sorted(n.id for n in self.iter_nodes() if n.id.startswith(prefix) and n.id > after)
        return found[:limit]


    @abstractmethod
    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        """Reachable ids with depth, nearest first; NotFoundError (``missing_start``) for an unknown start."""

    # -- the change log and the rest --------------------------------------------------------------

    @abstractmethod
    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        """Change-log entries with ``seq > since_seq`` in sequence order."""

    def node_changes(self, node_id: str) -> Iterator[NodeChange]:
        """The change-log entries that wrote ``node_id`` or an edge of it, reduced to those records, oldest first.

        NotFoundError for a node this store (or view) does not show. A project's
        view narrows it further (``graph/scoped.py``): the log holds every
        project's payloads, so only what the view may see is handed out.
        """
        self.get_node(node_id)
        for change in self.changes(0):
            reduced = about_node(change, node_id)
            if reduced is not None:
                yield reduced

    @abstractmethod
    def last_seq(self) -> int:
        """The sequence number of the newest change-log entry (0 when empty)."""

    @abstractmethod
    def verify(self) -> VerifyResult:
        """Check the whole hash chain; name the first broken entry."""

    def verify_integrity(
        self, *, tables: bool = True, checkpoint: Checkpoint | None = None, key: SigningKey | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IntegrityResult:
        """The chain, and with ``tables`` whether the stored tables are exactly what the log says, and with
        ``checkpoint`` whether the log still holds that head (``graph/integrity.py``, ``graph/checkpoint.py``)."""
        from modelctx.graph.integrity import verify_integrity

        return verify_integrity(self, tables=tables, checkpoint=checkpoint, key=key, progress=progress)

    def _integrity_scan(self, locked: bool) -> AbstractContextManager[TableScan]:
        """Hook: the log's rows and the stored records for ``verify_integrity``, read as one snapshot if possible.

        ``locked`` asks to hold writers off while scanning (after a concurrent write was seen). The default reads
        through the public methods, which is all a view has.
        """
        from modelctx.graph.integrity import public_scan

        return nullcontext(public_scan(self))

    @abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {kind: n}, "edges": {type: n}}``, keys sorted, zero counts left out."""

    def search_docs(self) -> SearchDocStore | None:
        """The search index kept inside this store (a team store: Neo4j), or None: search keeps its own beside it.

        ``search/index.py`` ``open_index`` is the one place that chooses by it.
        """
        return None

    @abstractmethod
    def close(self) -> None:
        """Release connections. Idempotent."""

    # -- credentials: kept by the store, not part of the graph (graph/credentials.py) ---------------

    @property
    def tokens(self) -> TokenTable:
        """The store's API tokens, shared by every process on the store; outside the graph and its change log.

        Backends override this. A view (a project's scope, the past) keeps no
        credentials and refuses: PermissionDeniedError.
        """
        from modelctx.errors import PermissionDeniedError

        raise PermissionDeniedError(f"API tokens are kept by the store itself, not by the view {self.uri}")


def missing_start(starts: Iterable[str], known: Iterable[str]) -> None:
    """Raise NotFoundError naming the first start that is not among ``known``."""
    found = set(known)
    for start in starts:
        if start not in found:
            raise NotFoundError(f"no node with id {start!r}")


def redact_uri(uri: str) -> str:
    """The URI without its password, for messages and logs (never fails, whatever the URI holds)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(uri)
    except ValueError:
        scheme, _sep, rest = uri.partition("://")
        userinfo, at, host = rest.rpartition("@")
        return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}" if at else uri
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return uri
    user = userinfo.split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{hostport}", parts.path, parts.query, parts.fragment))


def open_store(uri: str) -> GraphStore:
    """Open the backend that ``uri``'s scheme names (``sqlite:///path``, ``neo4j://…``, ``bolt://…``)."""
    from modelctx.graph.backends import open_backend

    return open_backend(uri)
