"""What every shape's answer is built from: the answer itself, its bounds, and reading the graph into paths.

An answer is a node and the path that makes it one, written as the chain of
edges as they point (``run R USED dataset_version D GENERATED_BY run E``).
Every read here is bounded: a walk by ``MAX_HOPS`` and ``MAX_VISITED``
(through ``graph/lineage.py`` paths_from), a scan of a kind by ``MAX_SCAN``,
a read of edges by ``search/chunks.py`` READ_CHUNK ids at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Literal

from modelctx.governance import facts
from modelctx.graph.lineage import paths_from
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import Direction, GraphStore
from modelctx.search.chunks import chunks

#: Hops a question's walk may take, and nodes it may visit: every answer is bounded.
MAX_HOPS = 8
MAX_VISITED = 5000
#: Nodes of one kind a whole-graph question (sweeps, unused datasets, production) scans at most.
MAX_SCAN = 20_000

#: Resolves entity text to a node of one of the kinds (best first), or None.
Resolver = Callable[[str, tuple[NodeKind, ...]], Node | None]


@dataclass(frozen=True, slots=True)
class Answer:
    """One node that answers a question, and the path (or fact) that makes it an answer."""

    node: Node
    path: str
    #: The act that makes the node an answer, when it is another node (the deployment that put a version in
    #: production, the review whose verdict is in force): a question's time (``search/when.py``) is the act's time
    #: ("which models were deployed last month"); None: the node's own.
    at: Node | None = None


#: How a shape is answered: from the caller's view, resolving entities with the resolver, given the named parts
#: of the query (None: an entity it names is not found).
Answering = Callable[[GraphStore, Resolver, dict[str, str]], list[Answer] | None]


def label(node: Node | str, nodes: dict[str, Node]) -> str:
    """``kind title`` of a node (or of the id, looked up in ``nodes``; the bare id when it is not there)."""
    found = node if isinstance(node, Node) else nodes.get(node)
    if found is None:
        return str(node)
    return f"{found.kind.value} {found.title}"


def render_path(edges: list[Edge], nodes: dict[str, Node]) -> str:
    """Edges forming a chain (each edge's target is the next edge's source) as ``kind title TYPE kind title ...``."""
    if not edges:
        return ""
    parts = [label(edges[0].source, nodes)]
    for edge in edges:
        parts += [edge.type.value, label(edge.target, nodes)]
    return " ".join(parts)


def _chain(path: list[Edge], direction: Direction) -> list[Edge]:
    """A walk's edges as a chain following the edges as they point (a downward walk reads backwards)."""
    return list(reversed(path)) if direction == "down" else path


def bounded_paths(view: GraphStore, starts: list[str], direction: Direction,
                  edge_types: Iterable[EdgeType] | None = None, hops: int = MAX_HOPS) -> dict[str, list[Edge]]:
    """``graph/lineage.py`` paths_from within a question's bounds: each node reached, with the path to it."""
    return paths_from(view, starts, direction, max_depth=hops, edge_types=edge_types, max_nodes=MAX_VISITED)


def walk(
    view: GraphStore, starts: Iterable[str], direction: Direction, kinds: Iterable[NodeKind] | None = None,
    *, edge_types: Iterable[EdgeType] | None = None, hops: int = MAX_HOPS,
    keep: Callable[[list[Edge]], bool] | None = None,
) -> list[Answer]:
    """Nodes of ``kinds`` reachable from ``starts``, each with its path: nearest first, and among those as far away,
    newest first (:func:`newest_first`).

    The walk itself meets the nodes of one hop in the order the store lists edges, which follows ids (random for
    MLflow's runs) and differs between backends; the answer's order must not.
    """
    start_ids = list(starts)
    paths = bounded_paths(view, start_ids, direction, edge_types, hops)
    wanted = frozenset(kinds) if kinds is not None else None
    found = [i for i, p in paths.items() if p and i not in start_ids and (keep is None or keep(p))]
    nodes = view.get_nodes({i for i in found} | {e.source for i in found for e in paths[i]}
                           | {e.target for i in found for e in paths[i]})
    answers = [Answer(nodes[i], render_path(_chain(paths[i], direction), nodes)) for i in found
               if i in nodes and (wanted is None or nodes[i].kind in wanted)]
    return sorted(newest_first(answers), key=lambda a: len(paths[a.node.id]))


def edge_answers(view: GraphStore, edges: Iterable[Edge], pick: Literal["source", "target"],
                 kinds: Iterable[NodeKind] | None = None) -> list[Answer]:
    """The source (or target) of each edge as an answer with the one-edge path, once each."""
    edges = list(edges)
    nodes = view.get_nodes({e.source for e in edges} | {e.target for e in edges})
    wanted = frozenset(kinds) if kinds is not None else None
    out: dict[str, Answer] = {}
    for edge in edges:
        ident = edge.source if pick == "source" else edge.target
        node = nodes.get(ident)
        if node is None or ident in out or (wanted is not None and node.kind not in wanted):
            continue
        out[ident] = Answer(node, render_path([edge], nodes))
    return list(out.values())


def edges_of(view: GraphStore, ids: list[str], direction: Literal["in", "out"], types: list[EdgeType]) -> list[Edge]:
    """The edges of ``types`` at ``ids`` (a whole-graph scan's worth), read a chunk of ids at a time."""
    return [edge for chunk in chunks(ids) for edge in view.get_edges(chunk, direction, types)]


def scan(view: GraphStore, kind: NodeKind) -> Iterator[Node]:
    """The nodes of ``kind``, at most ``MAX_SCAN`` of them."""
    return islice(view.iter_nodes(kind), MAX_SCAN)


def newest_first(answers: list[Answer]) -> list[Answer]:
    """Answers by their node's time (``governance/facts.py`` sort_by_time), newest first; those at one time (or
    with none, last) by title, then id, so the order never follows the order they were read in."""
    by_name_descending = sorted(answers, key=lambda a: (a.node.title, a.node.id), reverse=True)
    oldest_first = facts.sort_by_time(a.node for a in by_name_descending)  # stable: ties stay by name, descending
    rank = {n.id: i for i, n in enumerate(reversed(oldest_first))}
    return sorted(answers, key=lambda a: rank[a.node.id])


def once(answers: list[Answer]) -> list[Answer]:
    """Answers without a node repeated (the first answer for a node is kept)."""
    seen: set[str] = set()
    out = []
    for answer in answers:
        if answer.node.id not in seen:
            seen.add(answer.node.id)
            out.append(answer)
    return out


def versions_of(view: GraphStore, node: Node) -> list[str]:
    """A model's versions (a Dataset's versions), else the node itself."""
    if node.kind in (NodeKind.MODEL, NodeKind.DATASET):
        return [e.source for e in view.get_edges([node.id], "in", [EdgeType.VERSION_OF])] or [node.id]
    return [node.id]


def walk_starts(view: GraphStore, node: Node) -> list[str]:
    """Where a walk up from ``node`` begins: a model's versions (a model has no lineage of its own), else the node."""
    return versions_of(view, node) if node.kind is NodeKind.MODEL else [node.id]
