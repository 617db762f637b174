"""Lineage questions built on the store's traversal: closures, impact and trees.

Used by the CLI, the API, search context and audit reports alike, so all of
them agree on what "upstream", "downstream" and "impact" mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from modelctx.budget import Budget
from modelctx.errors import ValidationError
from modelctx.graph.declared_lineage import DeclaredLineage, declared_lineage
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind, Subgraph, kind_of_id
from modelctx.graph.store import Direction, GraphStore, check_depth, check_direction

#: Hops per traversal call of a bounded walk: the budget and the node cap are checked between calls.
WALK_STEP = 64

WalkDirection = Literal["up", "down", "both"]
#: Which bound cut a walk short.
CutBy = Literal["depth", "max_nodes", "time"]


def lineage(
    store: GraphStore,
    node_id: str,
    direction: Direction,
    *,
    depth: int | None = None,
    edge_types: Iterable[EdgeType] | None = None,
) -> Subgraph:
    """The node and what lies upstream (what it came from) or downstream (what came from it)."""
    return store.traverse([node_id], check_direction(direction), edge_types=edge_types, max_depth=depth)


@dataclass(slots=True)
class Walk:
    """A lineage walk that may have been cut short, and what was cut.

    ``subgraph`` holds the root first, then the nodes nearest first.
    ``truncated`` means more lies beyond what it holds; ``cut_by`` names the
    first bound that cut it (a walk cut by ``time`` is partial: nodes within
    the depth may be missing too). ``found`` counts the nodes the walk saw,
    ``by_kind`` counts them per kind — beyond ``max_nodes`` these describe what
    the subgraph leaves out.
    """

    subgraph: Subgraph
    depth: int | None
    truncated: bool = False
    cut_by: CutBy | None = None
    found: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    #: What jobs declared (JobEvents) around the answer's jobs and datasets, apart from observed lineage.
    declared: DeclaredLineage = field(default_factory=DeclaredLineage)

    def to_json(self, direction: str, *, properties: bool = True) -> dict[str, Any]:
        """The one lineage answer the CLI (``--json``), the API and MCP give.

        Nodes are shown as people read them (``vocabulary.as_read``: a run whose
        lease expired reads LOST), with their titles, so every surface answers alike.
        """
        from modelctx.vocabulary import as_read

        root = self.subgraph.nodes[0].id if self.subgraph.nodes else None
        nodes = []
        for node in self.subgraph.nodes:
            shown = as_read(node)
            nodes.append({"id": shown.id, "kind": shown.kind.value, "title": shown.title,
                          **({"properties": shown.properties} if properties else {})})
        return {
            "root": root, "direction": direction, "depth": self.depth,
            "nodes": nodes, "edges": [edge.to_json() for edge in self.subgraph.edges],
            "declared": self.declared.to_json(),
            "found": self.found, "by_kind": self.by_kind,
            "truncated": self.truncated, "truncated_by": self.cut_by,
        }


def _step_walk(
    store: GraphStore, root: str, direction: Direction, types: frozenset[EdgeType], depth: int | None,
    stop_after: int | None, budget: Budget | None, progress: Callable[[int, int], None] | None,
) -> tuple[dict[str, int], CutBy | None]:
    """Breadth-first in steps of WALK_STEP hops: ids with their depth (nearest first) and what cut the walk.

    Jobs take part through their runs (:func:`_with_jobs`): a job's lineage is
    its runs' lineage, in either direction, and every run found brings its job.
    """
    found: dict[str, int] = {root: 0}
    frontier = [root]
    done = 0
    jobs = EdgeType.INSTANCE_OF in types
    if jobs and direction == "up" and kind_of_id(root) is NodeKind.JOB and depth != 0:
        # A job has no lineage of its own upstream: it is its runs' (INSTANCE_OF points from run to job).
        runs = store.reachable([root], "down", edge_types=[EdgeType.INSTANCE_OF], max_depth=1)
        found.update((run, 1) for run in runs if run not in found)
        frontier = [run for run in runs if run != root]
        done = 1
        if not frontier:
            return found, None
    found, cut = _walk_from(store, found, frontier, done, direction, types, depth, stop_after, budget, progress)
    return (_with_jobs(store, found, depth) if jobs and direction == "down" else found), cut


def _with_jobs(store: GraphStore, found: dict[str, int], depth: int | None) -> dict[str, int]:
    """Each run of a downstream walk brings its job, one hop further (jobs are not walked through)."""
    runs = [i for i, hops in found.items() if kind_of_id(i) is NodeKind.RUN and (depth is None or hops < depth)]
    if not runs:
        return found
    for edge in store.get_edges(runs, "out", [EdgeType.INSTANCE_OF]):
        hops = found[edge.source] + 1
        if hops < found.get(edge.target, hops + 1):
            found[edge.target] = hops
    return found


def _walk_from(
    store: GraphStore, found: dict[str, int], frontier: list[str], done: int, direction: Direction,
    types: frozenset[EdgeType], depth: int | None, stop_after: int | None, budget: Budget | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[dict[str, int], CutBy | None]:
    while True:
        if depth is not None and done >= depth:
            # More beyond the bound? One more hop from the last level says.
            beyond = store.reachable(frontier, direction, edge_types=types, max_depth=1)
            return found, ("depth" if beyond.keys() - found.keys() else None)
        if budget is not None and budget.exhausted:
            return found, "time"
        step = WALK_STEP if depth is None else min(WALK_STEP, depth - done)
        reached = store.reachable(frontier, direction, edge_types=types, max_depth=step)
        # A node first found from the last level lies exactly that many hops further than the level
        # (breadth-first layers); nodes found before keep their depth.
        new = {node: done + hops for node, hops in reached.items() if node not in found}
        found.update(new)
        done += step
        if progress is not None:
            progress(done, len(found))
        if stop_after is not None and len(found) > stop_after:
            return found, "max_nodes"
        frontier = [node for node, hops in new.items() if hops == done]
        if not frontier:
            return found, None


def walk_ids(
    store: GraphStore,
    node_id: str,
    direction: Direction,
    *,
    depth: int | None,
    edge_types: Iterable[EdgeType] | None = None,
    stop_after: int | None = None,
    budget: Budget | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, int], CutBy | None]:
    """The ids a bounded walk finds with their depth (root first, then nearest first), and the bound that cut it.

    No node is loaded, so a walk can count far more than it could return.
    ``stop_after``: stop once more than that many ids are found (``max_nodes``).
    """
    check_depth(depth)
    types = frozenset(edge_types) if edge_types is not None else LINEAGE_EDGES
    store.get_node(node_id)  # NotFoundError before any walking
    return _step_walk(store, node_id, check_direction(direction), types, depth, stop_after, budget, progress)


def count_kinds(ids: Iterable[str]) -> dict[str, int]:
    """How many of ``ids`` are of each kind (read from the ids), kinds sorted."""
    counts: dict[str, int] = {}
    for ident in ids:
        kind = kind_of_id(ident).value
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def walk_lineage(
    store: GraphStore,
    node_id: str,
    direction: WalkDirection,
    *,
    depth: int | None,
    edge_types: Iterable[EdgeType] | None = None,
    max_nodes: int | None = None,
    budget: Budget | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Walk:
    """Lineage with bounds: at most ``depth`` hops, ``max_nodes`` nodes (root included), within ``budget``.

    The API bounds every request this way (``api/routes/lineage.py``: a
    default depth, a node cap and the request's time budget). ``direction``
    ``both`` walks up, then down, and merges the two subgraphs (an edge between
    an upstream and a downstream node belongs to neither). ``progress`` is
    called with (hops walked, nodes found) between steps. Unknown
    ``node_id``: NotFoundError.
    """
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValidationError(f"max_nodes must be a whole number, one or more, not {max_nodes!r}")
    if direction not in ("up", "down", "both"):
        raise ValidationError(f"direction must be 'up', 'down' or 'both', not {direction!r}")
    ways: tuple[Direction, ...] = ("up", "down") if direction == "both" else (direction,)
    walks = [walk_ids(store, node_id, way, depth=depth, edge_types=edge_types, stop_after=max_nodes,
                      budget=budget, progress=progress) for way in ways]
    found: dict[str, int] = {}
    cut: CutBy | None = None
    for ids, way_cut in walks:
        found.update((i, d) for i, d in ids.items() if i not in found)
        cut = cut or way_cut
    if max_nodes is not None and len(found) > max_nodes:
        cut = cut or "max_nodes"
    kept = list(found)[:max_nodes] if max_nodes is not None else list(found)
    if len(walks) == 1:
        subgraph = store.subgraph(kept, edge_types)
    else:
        keep = set(kept)
        parts = [store.subgraph([i for i in ids if i in keep], edge_types) for ids, _ in walks]
        nodes = {n.id: n for part in parts for n in part.nodes}
        edges = {e.key: e for part in parts for e in part.edges}
        subgraph = Subgraph([nodes[i] for i in kept if i in nodes], sorted(edges.values(), key=lambda e: e.key))
    declared = declared_lineage(store, subgraph.nodes, direction) if depth != 0 else DeclaredLineage()
    return Walk(subgraph, depth, cut is not None, cut, len(found), count_kinds(found), declared)


@dataclass(slots=True)
class Impact:
    """What a change to one node affects: downstream model versions and their active deployments."""

    node: Node
    model_versions: list[Node] = field(default_factory=list)
    deployments: list[Node] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node.to_json(),
            "model_versions": [n.to_json() for n in self.model_versions],
            "active_deployments": [n.to_json() for n in self.deployments],
        }


def is_active_deployment(node: Node) -> bool:
    """A deployment is active until it is retired."""
    props = node.properties
    if node.kind is not NodeKind.DEPLOYMENT or props.get("retired_at"):
        return False
    return bool(props.get("status", "active") == "active")


#: Environment names that mean production (compared case-folded): the one rule for "in production", asked by
#: the portfolio, the production policies and audit reports.
PRODUCTION_ENVIRONMENTS = frozenset({"production", "prod"})


def is_production_environment(environment: object) -> bool:
    """Whether a deployment environment name is production (``PRODUCTION_ENVIRONMENTS``); staging is not."""
    return isinstance(environment, str) and environment.strip().lower() in PRODUCTION_ENVIRONMENTS


def is_in_production(node: Node) -> bool:
    """An active deployment to a production environment: what "in production" counts."""
    return is_active_deployment(node) and is_production_environment(node.properties.get("environment"))


def impact(store: GraphStore, node_id: str) -> Impact:
    """Downstream model versions of ``node_id`` and their active deployments."""
    node = store.get_node(node_id)
    reached = store.reachable([node_id], "down", kinds=[NodeKind.MODEL_VERSION, NodeKind.DEPLOYMENT])
    nodes = store.get_nodes(reached)
    versions = [n for n in nodes.values() if n.kind is NodeKind.MODEL_VERSION]
    if node.kind is NodeKind.MODEL_VERSION:
        versions.insert(0, node)
    deployments = [n for n in nodes.values() if is_active_deployment(n)]
    return Impact(node, versions, deployments)


def render_tree(subgraph: Subgraph, root: str, direction: Direction) -> list[str]:
    """A readable tree: each line a kind, a title and the edge that led to it.

    A node reached again by another path is printed once in full and then
    referred to as "(shown above)", so diamonds and cycles stay short.
    """
    nodes = {n.id: n for n in subgraph.nodes}
    children: dict[str, list[Edge]] = {}
    flipped: set[tuple[str, str, str]] = set()
    for edge in subgraph.edges:
        # A job shows its runs below it, a downstream run its job (INSTANCE_OF points from run to job).
        flip = edge.type is EdgeType.INSTANCE_OF and (direction == "up") == (edge.target == root)
        parent = edge.source if (direction == "up") != flip else edge.target
        if flip:
            flipped.add(edge.key)
        children.setdefault(parent, []).append(edge)
    for edges in children.values():
        edges.sort(key=lambda e: (e.type.value, e.target if direction == "up" else e.source))
    lines: list[str] = []
    shown: set[str] = set()

    def label(node_id: str) -> str:
        node = nodes.get(node_id)
        if node is None:
            return node_id
        return f"{node.kind.label} {node.title}  [{node.id}]"

    def walk(node_id: str, prefix: str) -> None:
        edges = children.get(node_id, [])
        for i, edge in enumerate(edges):
            last = i == len(edges) - 1
            child = edge.target if (direction == "up") != (edge.key in flipped) else edge.source
            connector = "└─" if last else "├─"
            role = edge.properties.get("role")
            via = f"{edge.type.value}{f' ({role})' if role else ''}"
            if child in shown:
                lines.append(f"{prefix}{connector} {via} → {label(child)} (shown above)")
                continue
            shown.add(child)
            lines.append(f"{prefix}{connector} {via} → {label(child)}")
            walk(child, prefix + ("   " if last else "│  "))

    shown.add(root)
    lines.append(label(root))
    walk(root, "")
    return lines


def paths_from(
    store: GraphStore,
    start_ids: Iterable[str],
    direction: Direction,
    *,
    max_depth: int,
    edge_types: Iterable[EdgeType] | None = None,
    max_nodes: int = 5000,
) -> dict[str, list[Edge]]:
    """Each node reachable from the starts with one shortest path to it: the edges from a start, in walk order.

    Breadth-first over ``edge_types`` (default: the lineage edges), at most
    ``max_depth`` hops and ``max_nodes`` nodes, nearest first. ``up`` follows
    edges as they point, ``down`` walks them backwards. Search answers questions
    about structure with it (``search/questions/walks.py``) and shows the path it found.
    """
    check_direction(direction)
    check_depth(max_depth)
    types = frozenset(edge_types) if edge_types is not None else LINEAGE_EDGES
    paths: dict[str, list[Edge]] = {start: [] for start in start_ids}
    frontier = list(paths)
    way: Literal["out", "in"] = "out" if direction == "up" else "in"
    for _ in range(max_depth):
        if not frontier or len(paths) >= max_nodes:
            break
        reached: list[str] = []
        for edge in store.get_edges(frontier, way, types):
            here, there = (edge.source, edge.target) if way == "out" else (edge.target, edge.source)
            if there in paths or here not in paths:
                continue
            paths[there] = [*paths[here], edge]
            reached.append(there)
            if len(paths) >= max_nodes:
                break
        frontier = reached
    return paths
