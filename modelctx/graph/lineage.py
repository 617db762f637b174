"""Lineage questions built on the store's traversal: closures, impact and trees.

Used by the CLI, the API, search context and audit reports alike, so all of
them agree on what "upstream", "downstream" and "impact" mean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from modelctx.graph.model import Edge, EdgeType, Node, NodeKind, Subgraph
from modelctx.graph.store import Direction, GraphStore, check_direction


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
    for edge in subgraph.edges:
        parent = edge.source if direction == "up" else edge.target
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
            child = edge.target if direction == "up" else edge.source
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
