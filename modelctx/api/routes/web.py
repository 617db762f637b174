"""Read-only JSON the web app's pages need: the model catalogue, a node's change history and its as-of view,
and who the caller is (so a page offers write actions only to writers).

Each route is scoped through ``Access`` (``api/deps.py``) and answers from one
package function: ``governance/catalogue.py``, ``graph/history.py``,
``GraphStore.as_of`` (``graph/snapshot.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from modelctx.api.deps import Access, json_response, read_access, read_node, request_limits
from modelctx.api.routes.nodes import summary
from modelctx.api.work import run_bounded
from modelctx.budget import Budget
from modelctx.errors import NotFoundError
from modelctx.governance.catalogue import MAX_MODELS, MAX_VERSIONS, model_catalogue, model_entry
from modelctx.graph.history import MAX_ENTRIES, node_history
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind, kind_if_id
from modelctx.times import upper_bound

router = APIRouter(tags=["web"])


@router.get("/whoami", summary="The caller: actor, role and project scope")
async def whoami(access: Annotated[Access, Depends(read_access)]) -> dict[str, Any]:
    principal = access.principal
    return {"actor": principal.actor, "role": principal.role, "project": principal.project,
            "can_write": principal.allows("writer")}


@router.get("/catalogue", summary="Every model with a row per version (aliases, verdict, deployments, drift)")
def catalogue(
    access: Annotated[Access, Depends(read_access)],
    max_models: Annotated[int, Query(ge=1, le=MAX_MODELS)] = MAX_MODELS,
    max_versions: Annotated[int, Query(ge=1, le=MAX_VERSIONS)] = 50,
) -> Response:
    return json_response(model_catalogue(access.store, max_models=max_models, max_versions=max_versions))


@router.get("/catalogue/{name:path}", summary="One model by name with a row per version")
def catalogue_model(
    name: str,
    access: Annotated[Access, Depends(read_access)],
    max_versions: Annotated[int, Query(ge=1, le=MAX_VERSIONS)] = MAX_VERSIONS,
) -> Response:
    model_id = name if kind_if_id(name) is NodeKind.MODEL else node_id(NodeKind.MODEL, name)
    found = access.store.get_nodes([model_id])
    if model_id not in found:
        raise NotFoundError(f"no model named {name!r} (the catalogue at /api/v1/catalogue lists them)")
    return json_response(model_entry(access.store, found[model_id], max_versions=max_versions))


@router.get("/history/{node_id:path}", summary="The change-log entries that wrote a node or its edges")
async def history(
    node: Annotated[Node, Depends(read_node)],
    request: Request,
    access: Annotated[Access, Depends(read_access)],
    max_entries: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = MAX_ENTRIES,
) -> Response:
    """A project-scoped caller sees the node's history without edges to nodes outside its project."""
    target = node.id
    budget = Budget(request_limits(request).request_seconds)
    answer = await run_bounded(
        request, lambda: node_history(access.store, target, max_entries=max_entries, budget=budget),
        budget, f"history of {target}",
    )
    return json_response(answer)


@router.get("/as-of/{node_id:path}", summary="A node as it was at a past time (replayed from the change log)")
def node_as_of(
    node: Annotated[Node, Depends(read_node)],
    access: Annotated[Access, Depends(read_access)],
    at: Annotated[str | None, Query(max_length=64, description="ISO 8601 time or date (a date: through its end, "
                                                              "UTC); none: the whole log")] = None,
) -> Response:
    moment = upper_bound(at, "at")
    shown = summary(access.store.as_of(moment).get_node(node.id))
    return json_response({**shown, "as_of": moment.isoformat() if moment else None})
