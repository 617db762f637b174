"""The lineage neighbourhood a node's search document carries, and the documents a change touches.

A model version is found by what its training run's notes, its commit
messages, its datasets and its reviews say; a run by its parent, its commit,
its inputs and outputs; a dataset version by the job that produced it and
what was trained on it. :data:`PATHS` lists, per kind, the walks (one to
three edges) whose end nodes lend their telling text to the document
(``search/documents.py`` renders it below the node's own text, and the index
weighs it lower: ``search/sql.py``).

The same table run backwards gives the *dependants* of a change: the nodes
whose documents quote a node that changed, or whose walks cross an edge that
was written (``search/index.py`` re-documents them with the change).

Every walk is bounded: at most :data:`MAX_PER_STEP` nodes per start and step
(the first in the store's stable edge order), so a dataset that a thousand runs
used lends a document five of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from modelctx.graph.model import EdgeType, NodeKind, kind_if_id
from modelctx.graph.store import GraphStore
from modelctx.search.chunks import chunks

K, E = NodeKind, EdgeType
Direction = Literal["out", "in"]
Step = tuple[EdgeType, Direction]

#: Neighbours kept per start node and step.
MAX_PER_STEP = 5


@dataclass(frozen=True, slots=True)
class Walk:
    """Edges to follow from a node of one kind; every node on the way lends its text."""

    steps: tuple[Step, ...]


def _walks(*paths: tuple[Step, ...]) -> tuple[Walk, ...]:
    return tuple(Walk(p) for p in paths)


_RUN_INPUTS: tuple[Step, ...] = ((E.USED, "out"),)
_MADE_BY: Step = (E.GENERATED_BY, "out")

#: Per kind, the walks whose nodes lend text to its document (prefixes are implied: a
#: walk's every node lends text, so ``run → dataset version → dataset`` includes both).
PATHS: Mapping[NodeKind, tuple[Walk, ...]] = {
    K.MODEL_VERSION: _walks(
        ((E.VERSION_OF, "out"),),
        (_MADE_BY, (E.USED, "out"), (E.VERSION_OF, "out")),
        (_MADE_BY, (E.CHILD_OF, "out")),
        (_MADE_BY, (E.PART_OF, "out")),
        ((E.REVIEWS, "in"),),
        ((E.DEPLOYS, "in"),),
    ),
    K.RUN: _walks(
        ((E.CHILD_OF, "out"),),
        ((E.PART_OF, "out"),),
        ((E.INSTANCE_OF, "out"),),
        (*_RUN_INPUTS, (E.VERSION_OF, "out")),
        ((E.GENERATED_BY, "in"),),
    ),
    K.DATASET_VERSION: _walks(
        ((E.VERSION_OF, "out"),),
        (_MADE_BY, (E.INSTANCE_OF, "out")),
        ((E.DERIVED_FROM, "out"),),
        ((E.USED, "in"), (E.GENERATED_BY, "in")),
    ),
    K.FEATURE: _walks((_MADE_BY,), ((E.DERIVED_FROM, "out"),)),
    K.REVIEW: _walks(((E.REVIEWS, "out"), (E.VERSION_OF, "out"))),
    K.DEPLOYMENT: _walks(((E.DEPLOYS, "out"), (E.VERSION_OF, "out"))),
    K.MONITORING_REPORT: _walks(((E.MONITORS, "out"), (E.DEPLOYS, "out"))),
    K.INSIGHT: _walks(((E.ABOUT, "out"),)),
}

#: Edge types whose writes can change a document's neighbourhood.
NEIGHBOURHOOD_EDGES: frozenset[EdgeType] = frozenset(
    step[0] for walks in PATHS.values() for walk in walks for step in walk.steps
)


def _flip(direction: Direction) -> Direction:
    return "in" if direction == "out" else "out"


def _step_edges(store: GraphStore, ids: list[str], step: Step) -> dict[str, list[str]]:
    """For each of ``ids``, the nodes one ``step`` away, in the store's stable edge order."""
    etype, direction = step
    out: dict[str, list[str]] = {}
    for chunk in chunks(ids):
        for edge in store.get_edges(chunk, direction, [etype]):
            near, far = (edge.source, edge.target) if direction == "out" else (edge.target, edge.source)
            out.setdefault(near, []).append(far)
    return out


def neighbourhood(store: GraphStore, ids: Iterable[str]) -> dict[str, list[str]]:
    """For each node id, the ids of its neighbourhood nodes, nearest walks first, without repeats."""
    by_kind: dict[NodeKind, list[str]] = {}
    for node_id in dict.fromkeys(ids):
        kind = kind_if_id(node_id)
        if kind in PATHS:
            by_kind.setdefault(kind, []).append(node_id)  # type: ignore[arg-type]
    result: dict[str, list[str]] = {}
    for kind, starts in by_kind.items():
        # reached[prefix][start] = nodes at the end of that prefix, bounded per start.
        reached: dict[tuple[Step, ...], dict[str, list[str]]] = {(): {s: [s] for s in starts}}
        for walk in PATHS[kind]:
            for depth in range(1, len(walk.steps) + 1):
                prefix = walk.steps[:depth]
                if prefix in reached:
                    continue
                before = reached[prefix[:-1]]
                frontier = sorted({n for nodes in before.values() for n in nodes})
                hop = _step_edges(store, frontier, prefix[-1]) if frontier else {}
                after: dict[str, list[str]] = {}
                for start, nodes in before.items():
                    ends = list(dict.fromkeys(far for n in nodes for far in hop.get(n, ())))[:MAX_PER_STEP]
                    if ends:
                        after[start] = ends
                reached[prefix] = after
        for start in starts:
            nearest_first = sorted((p for p in reached if p), key=len)
            found = [n for prefix in nearest_first for n in reached[prefix].get(start, ())]
            result[start] = [n for n in dict.fromkeys(found) if n != start]
    return result


def dependants(store: GraphStore, changed: Iterable[str]) -> set[str]:
    """Nodes whose neighbourhood walks reach any of ``changed`` (not including ``changed`` itself).

    Walks each prefix of every walk backwards, without the per-start bound (a
    dependant whose bounded neighbourhood does not show the change is
    re-documented to the same text, and the index skips re-embedding it).
    """
    seeds = sorted(set(changed))
    if not seeds:
        return set()
    memo: dict[tuple[Step, ...], list[str]] = {(): seeds}

    def back(steps: tuple[Step, ...]) -> list[str]:
        """Nodes from which ``steps`` (in walk order) lead into the seeds."""
        if steps not in memo:
            after = back(steps[1:])
            etype, direction = steps[0]
            hop = _step_edges(store, after, (etype, _flip(direction))) if after else {}
            memo[steps] = sorted({n for nodes in hop.values() for n in nodes})
        return memo[steps]

    found: set[str] = set()
    for kind, walks in PATHS.items():
        for walk in walks:
            for depth in range(1, len(walk.steps) + 1):
                found.update(n for n in back(walk.steps[:depth]) if kind_if_id(n) is kind)
    return found - set(seeds)


def adjacent(store: GraphStore, ids: Iterable[str], among: Iterable[str]) -> dict[str, set[str]]:
    """For each of ``ids``, the nodes of ``among`` one edge away (either direction, any type).

    One store read for the few strongest hits of a query (``search/hybrid.py``
    :func:`~modelctx.search.hybrid.near_the_strongest`); ``among`` is the
    bounded candidate list, so the answer is bounded by it.
    """
    starts = list(dict.fromkeys(ids))
    candidates = set(among)
    found: dict[str, set[str]] = {start: set() for start in starts}
    if not starts:
        return found
    for edge in store.get_edges(starts, "both"):
        for near, far in ((edge.source, edge.target), (edge.target, edge.source)):
            if near in found and far in candidates and far != near:
                found[near].add(far)
    return found
