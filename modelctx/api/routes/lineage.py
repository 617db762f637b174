"""Lineage and impact over HTTP, filtered to what the caller's project scope may see."""

from __future__ import annotations

from collections import deque
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from modelctx.api.deps import Principal, current_client, json_response, reader, visible_node
from modelctx.client import Client
from modelctx.graph.lineage import Impact, impact, is_active_deployment, lineage
from modelctx.graph.model import NodeKind, Subgraph, parse_edge_types

router = APIRouter(tags=["lineage"])

MAX_NODES = 20_000


def scope_subgraph(subgraph: Subgraph, principal: Principal, root: str) -> Subgraph:
    """Drop nodes the caller may not see, and whatever is reachable from the root only through them.

    Walking only through visible nodes means a scoped token learns nothing about
    another project's nodes, not even that a path runs through one.
    """
    if principal.project is None:
        return subgraph
    visible = {n.id for n in subgraph.nodes if principal.can_see(n)}
    edges = [e for e in subgraph.edges if e.source in visible and e.target in visible]
    neighbours: dict[str, list[str]] = {}
    for edge in edges:
        neighbours.setdefault(edge.source, []).append(edge.target)
        neighbours.setdefault(edge.target, []).append(edge.source)
    connected = {root} if root in visible else set()
    queue = deque(connected)
    while queue:
        for other in neighbours.get(queue.popleft(), ()):
            if other not in connected:
                connected.add(other)
                queue.append(other)
    return Subgraph(
        [n for n in subgraph.nodes if n.id in connected],
        [e for e in edges if e.source in connected and e.target in connected],
    )


def _merge(first: Subgraph, second: Subgraph) -> Subgraph:
    ids = first.ids
    keys = {e.key for e in first.edges}
    return Subgraph(
        first.nodes + [n for n in second.nodes if n.id not in ids],
        first.edges + [e for e in second.edges if e.key not in keys],
    )


def _truncate(subgraph: Subgraph, max_nodes: int) -> tuple[Subgraph, bool]:
    if len(subgraph.nodes) <= max_nodes:
        return subgraph, False
    nodes = subgraph.nodes[:max_nodes]
    keep = {n.id for n in nodes}
    return Subgraph(nodes, [e for e in subgraph.edges if e.source in keep and e.target in keep]), True


@router.get("/lineage/{node_id:path}", summary="What a node came from (up), what came from it (down), or both")
def get_lineage(
    node_id: str,
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(current_client)],
    direction: Literal["up", "down", "both"] = "up",
    depth: Annotated[int | None, Query(ge=0, le=1000, description="Maximum hops (default: all)")] = None,
    edge_type: Annotated[list[str] | None, Query(description="Edge types to follow (default: lineage edges)")] = None,
    max_nodes: Annotated[int, Query(ge=1, le=MAX_NODES, description="Truncate larger answers")] = 5000,
    properties: Annotated[bool, Query(description="Include node properties")] = True,
) -> Response:
    visible_node(client, principal, node_id)
    types = parse_edge_types(edge_type) if edge_type else None
    if direction == "both":
        subgraph = _merge(
            lineage(client.store, node_id, "up", depth=depth, edge_types=types),
            lineage(client.store, node_id, "down", depth=depth, edge_types=types),
        )
    else:
        subgraph = lineage(client.store, node_id, direction, depth=depth, edge_types=types)
    subgraph, truncated = _truncate(scope_subgraph(subgraph, principal, node_id), max_nodes)
    return json_response({
        "root": node_id,
        "direction": direction,
        "nodes": [
            {"id": n.id, "kind": n.kind.value, "title": n.title, **({"properties": n.properties} if properties else {})}
            for n in subgraph.nodes
        ],
        "edges": [e.to_json() for e in subgraph.edges],
        "truncated": truncated,
    })


def scoped_impact(client: Client, principal: Principal, node_id: str) -> Impact:
    """Impact as the caller may see it: only through, and only of, nodes in its project."""
    node = visible_node(client, principal, node_id)
    if principal.project is None:
        return impact(client.store, node_id)
    down = scope_subgraph(lineage(client.store, node_id, "down"), principal, node_id)
    versions = [n for n in down.nodes if n.kind is NodeKind.MODEL_VERSION and n.id != node_id]
    if node.kind is NodeKind.MODEL_VERSION:
        versions.insert(0, node)
    deployments = [n for n in down.nodes if is_active_deployment(n)]
    return Impact(node, versions, deployments)


@router.get("/impact/{node_id:path}", summary="Downstream model versions and active deployments of a node")
def get_impact(
    node_id: str,
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(current_client)],
) -> Response:
    return json_response(scoped_impact(client, principal, node_id).to_json())
