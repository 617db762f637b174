"""Lineage and impact over HTTP, on the caller's view of the store (``api/deps.py``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from modelctx.api.deps import Access, json_response, read_access
from modelctx.graph.lineage import impact, lineage
from modelctx.graph.model import Subgraph, parse_edge_types

router = APIRouter(tags=["lineage"])

MAX_NODES = 20_000


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
    access: Annotated[Access, Depends(read_access)],
    direction: Literal["up", "down", "both"] = "up",
    depth: Annotated[int | None, Query(ge=0, le=1000, description="Maximum hops (default: all)")] = None,
    edge_type: Annotated[list[str] | None, Query(description="Edge types to follow (default: lineage edges)")] = None,
    max_nodes: Annotated[int, Query(ge=1, le=MAX_NODES, description="Truncate larger answers")] = 5000,
    properties: Annotated[bool, Query(description="Include node properties")] = True,
) -> Response:
    store = access.store
    types = parse_edge_types(edge_type) if edge_type else None
    if direction == "both":
        subgraph = _merge(
            lineage(store, node_id, "up", depth=depth, edge_types=types),
            lineage(store, node_id, "down", depth=depth, edge_types=types),
        )
    else:
        subgraph = lineage(store, node_id, direction, depth=depth, edge_types=types)
    subgraph, truncated = _truncate(subgraph, max_nodes)
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


@router.get("/impact/{node_id:path}", summary="Downstream model versions and active deployments of a node")
def get_impact(node_id: str, access: Annotated[Access, Depends(read_access)]) -> Response:
    return json_response(impact(access.store, node_id).to_json())
