"""Graph context for search hits: the nearest lineage of each hit, fetched in a few batched reads.

- model version: its model, the run that made it, the datasets that run used,
  the approval in force (``modelctx/governance/approval.py``) and the active
  deployments;
- run: the model versions and dataset versions it made, the datasets it used;
- dataset version: its dataset, what was derived from it, the runs that used
  it and the model versions those runs made;
- dataset / model: their versions; review / deployment: the model version;
  monitoring report: the deployment; insight: the node it is about;
- anything else: its direct lineage neighbours.

``store`` is the caller's view (``graph/scoped.py``): context holds only what
that view shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from modelctx.governance.approval import approval_state
from modelctx.graph.lineage import is_active_deployment
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind, kind_if_id
from modelctx.graph.store import GraphStore
from modelctx.search.documents import canonical_fact

K = NodeKind
E = EdgeType
MAX_ITEMS = 10


def _ref(node: Node) -> dict[str, Any]:
    ref: dict[str, Any] = {"id": node.id, "kind": node.kind.value, "title": node.title}
    for key in ("verdict", "status", "environment", "reviewer"):
        if key in node.properties:
            ref[key] = canonical_fact(node.kind, key, node.properties[key])
    return ref


def _approval(reviews: list[Node]) -> dict[str, Any] | None:
    """The review whose verdict is in force, with the approval state it gives; None while unreviewed."""
    state = approval_state(reviews)
    if state.in_force is None:
        return None
    return _ref(state.in_force) | {"state": state.state, "reason": state.reason}


class _Edges:
    """Edges of a neighbourhood, indexed both ways."""

    def __init__(self, edges: Iterable[Edge]) -> None:
        self.out: dict[str, list[Edge]] = {}
        self.into: dict[str, list[Edge]] = {}
        for edge in edges:
            self.out.setdefault(edge.source, []).append(edge)
            self.into.setdefault(edge.target, []).append(edge)

    def ends(self) -> set[str]:
        return {e.target for es in self.out.values() for e in es} | {e.source for es in self.into.values() for e in es}

    def targets(self, node_id: str, etype: EdgeType) -> list[str]:
        return [e.target for e in self.out.get(node_id, ()) if e.type is etype]

    def sources(self, node_id: str, etype: EdgeType) -> list[str]:
        return [e.source for e in self.into.get(node_id, ()) if e.type is etype]


def graph_context(store: GraphStore, hits: list[Node]) -> dict[str, dict[str, Any]]:
    """Context per hit id; three store reads whatever the number of hits."""
    if not hits:
        return {}
    hit_ids = [n.id for n in hits]
    first, second = _neighbourhood(store, hit_ids)
    nodes = store.get_nodes(sorted((first.ends() | second.ends()) - set(hit_ids)))
    nodes.update({n.id: n for n in hits})
    return _contexts(hits, first, second, nodes)


def shown_with_context(store: GraphStore, ids: list[str]) -> tuple[list[Node], dict[str, dict[str, Any]]]:
    """The nodes among ``ids`` that ``store`` has, in order, and their context (:func:`graph_context`'s).

    Three reads instead of reading the nodes first and then :func:`graph_context`'s three: the edges of every
    id (a node ``store`` lacks or hides has none: ``graph/scoped.py``), then the nodes and their neighbours in
    one read. For ids that are all to be shown when ``store`` shows them: the edges of the others would be read
    for nothing.
    """
    first, second = _neighbourhood(store, ids)
    nodes = store.get_nodes([*ids, *sorted((first.ends() | second.ends()) - set(ids))])
    shown = [nodes[i] for i in ids if i in nodes]
    return shown, _contexts(shown, first, second, nodes) if shown else {}


def _neighbourhood(store: GraphStore, hit_ids: list[str]) -> tuple[_Edges, _Edges]:
    """The edges of the hits, and the second hop some kinds' context needs (a model version's run's datasets, a
    dataset version's runs' model versions); a node's kind is in its id (``graph/model.py``)."""
    first = _Edges(store.get_edges(hit_ids, "both"))
    second_starts: set[str] = set()
    for hit_id in hit_ids:
        kind = kind_if_id(hit_id)
        if kind is K.MODEL_VERSION:
            second_starts.update(first.targets(hit_id, E.GENERATED_BY))
        elif kind is K.DATASET_VERSION:
            second_starts.update(first.sources(hit_id, E.USED))
    second = _Edges(store.get_edges(sorted(second_starts), "both", [E.USED, E.GENERATED_BY]) if second_starts else [])
    return first, second


def _contexts(hits: list[Node], first: _Edges, second: _Edges, nodes: dict[str, Node]) -> dict[str, dict[str, Any]]:
    """Each hit's context from its edges (``first``), the second hop and the nodes at their ends."""

    def refs(ids: Iterable[str], kind: NodeKind | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for node_id in dict.fromkeys(ids):
            node = nodes.get(node_id)
            if node is None or (kind is not None and node.kind is not kind):
                continue
            out.append(_ref(node))
            if len(out) >= MAX_ITEMS:
                break
        return out

    result: dict[str, dict[str, Any]] = {}
    for node in hits:
        nid = node.id
        context: dict[str, Any]
        if node.kind is K.MODEL_VERSION:
            runs = first.targets(nid, E.GENERATED_BY)
            reviews = [nodes[r] for r in first.sources(nid, E.REVIEWS) if r in nodes]
            deployments = [d for d in first.sources(nid, E.DEPLOYS) if d in nodes and is_active_deployment(nodes[d])]
            context = {
                "model": refs(first.targets(nid, E.VERSION_OF)),
                "run": refs(runs),
                "datasets": refs((t for r in runs for t in second.targets(r, E.USED)), K.DATASET_VERSION),
                "approval": _approval(reviews),
                "active_deployments": refs(deployments),
            }
        elif node.kind is K.RUN:
            made = first.sources(nid, E.GENERATED_BY)
            context = {
                "model_versions": refs(made, K.MODEL_VERSION),
                "dataset_versions_made": refs(made, K.DATASET_VERSION),
                "datasets_used": refs(first.targets(nid, E.USED), K.DATASET_VERSION),
            }
        elif node.kind is K.DATASET_VERSION:
            users = first.sources(nid, E.USED)
            context = {
                "dataset": refs(first.targets(nid, E.VERSION_OF)),
                "derived": refs(first.sources(nid, E.DERIVED_FROM)),
                "used_by_runs": refs(users),
                "model_versions": refs((s for r in users for s in second.sources(r, E.GENERATED_BY)), K.MODEL_VERSION),
            }
        elif node.kind in (K.DATASET, K.MODEL):
            context = {"versions": refs(first.sources(nid, E.VERSION_OF))}
        elif node.kind is K.REVIEW:
            context = {"model_version": refs(first.targets(nid, E.REVIEWS))}
        elif node.kind is K.DEPLOYMENT:
            context = {"model_version": refs(first.targets(nid, E.DEPLOYS))}
        elif node.kind is K.MONITORING_REPORT:
            context = {"deployment": refs(first.targets(nid, E.MONITORS))}
        elif node.kind is K.INSIGHT:
            context = {"about": refs(first.targets(nid, E.ABOUT))}
        else:
            context = {
                "upstream": refs(e.target for e in first.out.get(nid, ()) if e.type in LINEAGE_EDGES),
                "downstream": refs(e.source for e in first.into.get(nid, ()) if e.type in LINEAGE_EDGES),
            }
        insights = refs(first.sources(nid, E.ABOUT), K.INSIGHT)
        if insights:
            context["insights"] = insights
        result[nid] = context
    return result
