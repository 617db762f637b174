"""Lineage and impact over HTTP, on the caller's view of the store (``api/deps.py``).

Every lineage request is bounded in the package (``graph/lineage.py``
``walk_lineage``): a depth (the ``lineage_depth`` limit when none is asked
for), a node cap and the request time budget. The answer says which bound cut
it: ``truncated`` (more lies beyond) and ``truncated_by``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from modelctx.api.deps import Access, json_response, read_access, read_node, request_limits
from modelctx.api.work import run_bounded
from modelctx.budget import Budget
from modelctx.graph.column_lineage import column_lineage, resolve_column
from modelctx.graph.lineage import impact, walk_lineage
from modelctx.graph.model import Node, parse_edge_types

router = APIRouter(tags=["lineage"])

MAX_NODES = 20_000
MAX_DEPTH = 1000


@router.get("/lineage/{node_id:path}", summary="What a node came from (up), what came from it (down), or both")
async def get_lineage(
    node: Annotated[Node, Depends(read_node)],
    request: Request,
    access: Annotated[Access, Depends(read_access)],
    direction: Literal["up", "down", "both"] = "up",
    depth: Annotated[int | None, Query(ge=0, le=MAX_DEPTH, description="Maximum hops (default: the server's "
                                                                          "lineage_depth limit, 50)")] = None,
    edge_type: Annotated[list[str] | None, Query(description="Edge types to follow (default: lineage edges)")] = None,
    max_nodes: Annotated[int, Query(ge=1, le=MAX_NODES, description="Truncate larger answers")] = 5000,
    properties: Annotated[bool, Query(description="Include node properties")] = True,
) -> Response:
    node_id = node.id
    limits = request_limits(request)
    types = parse_edge_types(edge_type) if edge_type else None
    bound = limits.lineage_depth if depth is None else depth
    budget = Budget(limits.request_seconds)
    walk = await run_bounded(
        request,
        lambda: walk_lineage(access.store, node_id, direction, depth=bound, edge_types=types, max_nodes=max_nodes,
                             budget=budget),
        budget, f"lineage of {node_id}",
    )
    return json_response(walk.to_json(direction, properties=properties))


@router.get("/columns/lineage", summary="The columns one column came from (up) or fed (down)")
async def get_column_lineage(
    request: Request,
    access: Annotated[Access, Depends(read_access)],
    column: Annotated[str, Query(max_length=2000, description="REF:COLUMN: a dataset or dataset version (an id, "
                                                              "NAME@VERSION, a name, a unique prefix), then the "
                                                              "column")],
    direction: Literal["up", "down"] = "up",
    depth: Annotated[int | None, Query(ge=0, le=MAX_DEPTH, description="Maximum hops (default: the server's "
                                                                          "lineage_depth limit, 50)")] = None,
) -> Response:
    limits = request_limits(request)
    bound = limits.lineage_depth if depth is None else depth
    budget = Budget(limits.request_seconds)

    def answer_for() -> dict[str, Any]:
        node, name = resolve_column(access.store, column)
        return column_lineage(access.store, node, name, direction, depth=bound)

    answer = await run_bounded(request, answer_for, budget, f"column lineage of {column}")
    return json_response(answer)


@router.get("/impact/{node_id:path}", summary="Downstream model versions and active deployments of a node")
def get_impact(node: Annotated[Node, Depends(read_node)], access: Annotated[Access, Depends(read_access)]) -> Response:
    return json_response(impact(access.store, node.id).to_json())
