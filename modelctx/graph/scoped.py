"""A project's view of a store: the one implementation of project scope.

A caller scoped to project P (an API token, an MCP session) gets a
:class:`ScopedGraphStore` instead of the store, and everything — routes,
reports, policies, search context — reads and writes through it. Nothing else
filters by project, so nothing can forget to. The rule, written for users in
``docs/access.md``:

**Reads.** A node is visible to P when

1. its ``project`` is P (another project's node is never visible), or it is
   the Project node named P; or
2. it carries no project and is not an attachment: shared things (people,
   commits, code repositories, environments, datasets, jobs and runs ingested
   without a project) are visible to every project; or
3. it is an attachment without a project — a review, deployment, monitoring
   report or note (``ATTACHMENT_KINDS``) — and what it is about is visible:
   it has a REVIEWS, DEPLOYS, MONITORS or ABOUT edge to a visible node. So
   another project's reviews and notes, even those filed without a project,
   stay hidden.

An edge is visible when both ends are. Walks expand only visible nodes, so a
hidden node is never traversed, whatever the depth: nothing reachable only
through another project's node is revealed.

**Writes.** New nodes take project P — except people, commits, code
repositories and environments (``SHARED_KINDS``), which stay shared so that
every project can point at the same person or commit. A node of another
project cannot be changed (PermissionDeniedError, 403); no node moves between
projects, and a shared node is never adopted into P (checked inside the write
transaction by ``graph/planner.py``). Every other node a batch writes or links
must be in the batch or visible; a hidden one is reported exactly like a
missing one, so a write cannot probe for hidden ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from modelctx.errors import PermissionDeniedError
from modelctx.graph.batch import PreparedBatch, missing_endpoint_error
from modelctx.graph.changelog import Change, NodeChange, VerifyResult, WriteResult
from modelctx.graph.ids import natural_key
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import PAGE, Direction, EdgeDirection, GraphStore, NodeQuery, missing_start

if TYPE_CHECKING:
    from modelctx.graph.checkpoint import Checkpoint, SigningKey
    from modelctx.graph.credentials import TokenTable
    from modelctx.graph.integrity import IntegrityResult

#: Edges by which an attachment is about the node it is attached to.
ATTACHMENT_EDGES: frozenset[EdgeType] = frozenset(
    {EdgeType.REVIEWS, EdgeType.DEPLOYS, EdgeType.MONITORS, EdgeType.ABOUT}
)
#: Kinds that exist to say something about another node; without a project they follow what they are about.
ATTACHMENT_KINDS: frozenset[NodeKind] = frozenset(
    {NodeKind.REVIEW, NodeKind.DEPLOYMENT, NodeKind.MONITORING_REPORT, NodeKind.INSIGHT}
)
#: Pages of ids (``PAGE`` each) a prefix lookup reads past hidden ones before it gives up.
HIDDEN_PAGES = 10
#: How many attachments deep (a note about a review about a version) visibility is followed.
ATTACHMENT_DEPTH = 8


class ScopedGraphStore(GraphStore):
    """``store`` as seen, and written, by a caller scoped to ``project``."""

    project: str

    def __init__(self, store: GraphStore, project: str) -> None:
        if isinstance(store, ScopedGraphStore):
            raise PermissionDeniedError(f"a view of project {store.project!r} cannot be scoped again")
        self.inner = store
        self.project = project
        self.scope = project
        self.uri = store.uri
        self._decided: dict[str, bool] = {}

    # -- the visibility rule ------------------------------------------------------------------------

    def _own(self, node: Node) -> bool | None:
        """Whether ``node`` is visible on its own; None for a project-less attachment, which follows its subject."""
        if node.kind is NodeKind.PROJECT:
            return natural_key(node.id) == self.project
        project = node.properties.get("project")
        if project is None or project == "":
            return None if node.kind in ATTACHMENT_KINDS else True
        return bool(project == self.project)

    def visible(self, nodes: Mapping[str, Node]) -> set[str]:
        """The ids among ``nodes`` that this view shows."""
        shown: set[str] = set()
        pending: list[str] = []
        for node_id, node in nodes.items():
            decided = self._decided.get(node_id)
            if decided is None:
                decided = self._own(node)
                if decided is None:
                    pending.append(node_id)
                    continue
                self._decided[node_id] = decided
            if decided:
                shown.add(node_id)
        if pending:
            shown |= self._attached(pending)
        return shown

    def _attached(self, ids: list[str]) -> set[str]:
        """Which project-less attachments among ``ids`` are about a visible node (one edge query a level)."""
        subjects: dict[str, set[str]] = {}  # subject -> attachments it makes visible
        looked = set(ids)  # read already: each node is fetched once, however many levels name it
        frontier = ids
        for _ in range(ATTACHMENT_DEPTH):
            if not frontier:
                break
            for edge in self.inner.get_edges(frontier, "out", ATTACHMENT_EDGES):
                subjects.setdefault(edge.target, set()).add(edge.source)
            unknown = [s for s in subjects if s not in self._decided and s not in looked]
            looked.update(unknown)
            nodes = self.inner.get_nodes(unknown) if unknown else {}
            frontier = []
            for subject in unknown:
                node = nodes.get(subject)
                decided = self._own(node) if node is not None else False
                if decided is None:
                    frontier.append(subject)  # itself an attachment: look at what it is about
                else:
                    self._decided[subject] = decided
        found: set[str] = set()
        stack = [s for s in subjects if self._decided.get(s)]
        while stack:
            for attachment in subjects.pop(stack.pop(), ()):
                if attachment not in found:
                    found.add(attachment)
                    stack.append(attachment)
        for node_id in found:
            self._decided[node_id] = True
        for node_id in ids:
            self._decided.setdefault(node_id, False)
        return found & set(ids)

    # -- reads ---------------------------------------------------------------------------------------

    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        found = self.inner.get_nodes(ids)
        shown = self.visible(found)
        return {i: n for i, n in found.items() if i in shown}

    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        """The project's own nodes first, then the anchored shared ones (a stable order for paging)."""
        props = {**query.equal, **dict.fromkeys(query.missing)}
        wanted = props.get("project", self.project)
        if wanted is not None and wanted != self.project:
            return []
        own: list[Node] = []
        own_total = 0
        if "project" in query.equal or "project" not in props:
            own = self.inner.find_nodes(query.kind, {**props, "project": self.project},
                                        limit=query.limit, offset=query.offset)
            if len(own) == query.limit:
                return own
            own_total = query.offset + len(own) if own or not query.offset else self._count_own(query.kind, props)
            if "project" in query.equal:
                return own
        skip = max(0, query.offset - own_total)
        shared: list[Node] = []
        for page in self._pages(query.kind, {**props, "project": None}):
            shown = self.visible({n.id: n for n in page})
            for node in page:
                if node.id not in shown:
                    continue
                if skip:
                    skip -= 1
                    continue
                shared.append(node)
                if len(own) + len(shared) == query.limit:
                    return own + shared
        return own + shared

    def _count_own(self, kind: NodeKind | None, props: Mapping[str, object]) -> int:
        return sum(len(page) for page in self._pages(kind, {**props, "project": self.project}))

    def _pages(self, kind: NodeKind | None, props: Mapping[str, object]) -> Iterator[list[Node]]:
        offset = 0
        while True:
            page = self.inner.find_nodes(kind, props, limit=PAGE, offset=offset)
            if page:
                yield page
            if len(page) < PAGE:
                return
            offset += len(page)

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        """The visible ones among the store's ids with ``prefix``, paging past hidden ones (at most
        ``HIDDEN_PAGES`` pages of them: a prefix shared by that many hidden ids finds no more)."""
        found: list[str] = []
        cursor = after
        for _ in range(HIDDEN_PAGES):
            page = self.inner.find_ids(prefix, limit=PAGE, after=cursor)
            shown = self.get_nodes(page)
            found.extend(i for i in page if i in shown)
            if len(found) >= limit or len(page) < PAGE:
                break
            cursor = page[-1]
        return found[:limit]

    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        shown = list(self.get_nodes(ids))
        edges = self.inner.get_edges(shown, direction, types)
        ends = self.get_nodes({e.source for e in edges} | {e.target for e in edges})
        return [e for e in edges if e.source in ends and e.target in ends]

    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        """Breadth-first over visible nodes only, one neighbour query per level."""
        missing_start(starts, self.get_nodes(starts))
        seen: set[str] = set(starts)
        reached: dict[str, int] = {}
        frontier = starts
        depth = 0
        while frontier and (max_depth is None or depth < max_depth):
            depth += 1
            edges = self.inner.get_edges(frontier, "out" if direction == "up" else "in", types)
            candidates = {e.target if direction == "up" else e.source for e in edges} - seen
            nodes = self.get_nodes(candidates)
            frontier = sorted(nodes)
            seen.update(frontier)
            for node_id in frontier:
                if kinds is None or nodes[node_id].kind in kinds:
                    reached[node_id] = depth
        return reached

    # -- writes --------------------------------------------------------------------------------------

    def bulk(self) -> AbstractContextManager[None]:
        return self.inner.bulk()  # the writes land in the inner store, so its deferral is the one that applies

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        self.check_batch(batch)
        return self.inner._write(replace(batch, scope=self.project), actor)

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        def scoped(reader: GraphStore) -> PreparedBatch:
            # The work reads the project's view of the store as the transaction sees it.
            view = ScopedGraphStore(reader, self.project)
            batch = work(view)
            view.check_batch(batch)
            return replace(batch, scope=self.project)

        self._decided.clear()
        return self.inner._transact(scoped, actor)

    def check_batch(self, batch: PreparedBatch) -> None:
        """What only reads can decide about a scoped write: hidden nodes and edge ends.

        Another project's node is refused by the planner inside the transaction
        (403); a hidden attachment rewritten is refused here (403); an edge
        touching a hidden node is refused like an edge to a missing one.
        """
        touched = set(batch.nodes) | {i for e in batch.edges.values() for i in (e.source, e.target)}
        touched |= {i for r in batch.removals.values() for i in (r.source, r.target)}
        stored = self.inner.get_nodes(touched)
        shown = self.visible(stored)
        for node_id in batch.nodes:
            node = stored.get(node_id)
            if node is not None and node_id not in shown and self._own(node) is None:
                raise PermissionDeniedError(f"node {node_id} is not in the view of project {self.project!r}")
        for edge in batch.edges.values():
            for end in (edge.source, edge.target):
                if end not in batch.nodes and end not in shown:
                    raise missing_endpoint_error(edge, end)
        for removal in batch.removals.values():
            for end in (removal.source, removal.target):
                if end in stored and end not in shown:  # an absent node has no edge to remove
                    raise PermissionDeniedError(f"node {end} is not in the view of project {self.project!r}: "
                                                "an edge of it cannot be removed")
        self._decided.clear()  # the write may attach nodes to the project's own

    def as_of(self, when: datetime | str | None) -> GraphStore:
        """The project's view of the graph as it was at ``when`` (the whole log is replayed, then scoped)."""
        return ScopedGraphStore(self.inner.as_of(when), self.project)

    # -- the rest ------------------------------------------------------------------------------------

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        # The log holds every project's payloads; a scoped caller gets none of it.
        raise PermissionDeniedError(f"the change log is not readable from the view of project {self.project!r}")

    def node_changes(self, node_id: str) -> Iterator[NodeChange]:
        """The history of a node the view shows, with only the edges whose other end it shows too."""
        self.get_node(node_id)  # NotFoundError outside the view
        shown: dict[str, bool] = {}
        for entry in self.inner.node_changes(node_id):
            both = (*entry.edges, *entry.removed_edges)
            others = {end for edge in both for end in (edge["source"], edge["target"]) if end != node_id}
            unknown = [other for other in others if other not in shown]
            if unknown:
                visible = self.visible(self.inner.get_nodes(unknown))
                shown.update({other: other in visible for other in unknown})
            edges, removed = (tuple(edge for edge in group
                                    if all(shown[end] for end in (edge["source"], edge["target"]) if end != node_id))
                              for group in (entry.edges, entry.removed_edges))
            if entry.properties is not None or edges or removed:
                yield replace(entry, edges=edges, removed_edges=removed)

    def last_seq(self) -> int:
        return self.inner.last_seq()

    def verify(self) -> VerifyResult:
        return self.inner.verify()

    def verify_integrity(
        self, *, tables: bool = True, checkpoint: Checkpoint | None = None, key: SigningKey | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IntegrityResult:
        """The whole store's verdict, without the places: a difference may be in another project's records.

        The view cannot read the log, so the store verifies itself; the project
        learns whether (and how often, and the entry involved) but not which
        record, what it holds, or how big the store is. Run ``modelctx verify``
        on the store for that.
        """
        result = self.inner.verify_integrity(tables=tables, checkpoint=checkpoint, key=key, progress=progress)
        if result.tables is not None:
            result.tables = result.tables.redacted(self.project)
        return result

    def counts(self) -> dict[str, dict[str, int]]:
        nodes: dict[str, int] = {}
        edges: dict[str, int] = {}
        for kind in NodeKind:
            ids = [n.id for n in self.iter_nodes(kind)]
            if ids:
                nodes[kind.value] = len(ids)
            for start in range(0, len(ids), PAGE):
                for edge in self.get_edges(ids[start : start + PAGE], "out"):
                    edges[edge.type.value] = edges.get(edge.type.value, 0) + 1
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    def close(self) -> None:
        return None

    @property
    def tokens(self) -> TokenTable:
        # Credentials belong to the whole store: a caller scoped to a project never reaches them through its view.
        raise PermissionDeniedError(f"API tokens are not managed through the view of project {self.project!r}")


def scoped(store: GraphStore, project: str | None) -> GraphStore:
    """The store as a caller scoped to ``project`` sees it; the store itself when ``project`` is None."""
    return store if project is None else ScopedGraphStore(store, project)

