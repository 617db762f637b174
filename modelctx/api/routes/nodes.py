"""Nodes: get one, list by kind with property filters, write a batch, and a node's context for the side panel."""

from __future__ import annotations

import importlib.util
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Access, json_response, read_access, read_node, write_access
from modelctx.errors import ValidationError
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind
from modelctx.graph.values import filter_value_from_text
from modelctx.vocabulary import as_read

router = APIRouter(tags=["nodes"])

MAX_LIMIT = 1000
#: how many reviews, deployments, notes and neighbours the context lists before truncating
CONTEXT_CAP = 200


def parse_where(items: list[str]) -> dict[str, Any]:
    """``key:value`` or ``key=value`` filters, each value read by ``graph/values.py`` (JSON scalars, else text).

    A value the store cannot compare (an integer beyond 64 bits, ``1e400``) is a ValidationError: 422.
    """
    filters: dict[str, Any] = {}
    for item in items:
        cut = min((i for i in (item.find(":"), item.find("=")) if i > 0), default=-1)
        if cut <= 0:
            raise ValidationError(f"where={item!r}: expected key:value (or key=value)")
        key, raw = item[:cut], item[cut + 1 :]
        filters[key] = filter_value_from_text(key, raw)
    return filters


def summary(node: Node) -> dict[str, Any]:
    """A node as the page lists it: id, kind, title and properties (a run whose lease expired reads LOST)."""
    shown = as_read(node)
    return {"id": node.id, "kind": node.kind.value, "title": node.title, "properties": shown.properties}


@router.get("/nodes", summary="List nodes by kind and property filters")
def list_nodes(
    access: Annotated[Access, Depends(read_access)],
    kind: Annotated[str | None, Query(description="Node kind, e.g. model_version")] = None,
    where: Annotated[list[str], Query(description="Property filter key:value (repeatable)")] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    node_kind = NodeKind.parse(kind) if kind else None
    nodes = access.store.find_nodes(node_kind, parse_where(where), limit=limit, offset=offset)
    return json_response({
        "nodes": [summary(n) for n in nodes],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + len(nodes) if len(nodes) == limit else None,
    })


@router.get("/nodes/{node_id:path}", summary="Get one node")
def get_node(node: Annotated[Node, Depends(read_node)]) -> Response:
    return json_response(summary(node))


class NodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="kind:natural-key", max_length=2000)
    kind: str = Field(description="Node kind (snake_case or CamelCase)", max_length=100)
    properties: dict[str, Any] = Field(default_factory=dict)


class EdgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(description="The later thing", max_length=2000)
    target: str = Field(description="What it came from", max_length=2000)
    type: str = Field(description="Edge type, e.g. USED", max_length=100)
    properties: dict[str, Any] = Field(default_factory=dict)


class WriteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nodes: list[NodeIn] = Field(default_factory=list, max_length=10_000)
    edges: list[EdgeIn] = Field(default_factory=list, max_length=10_000)


@router.post("/nodes", summary="Write nodes and edges in one transaction", status_code=200)
def write_nodes(body: WriteIn, access: Annotated[Access, Depends(write_access)]) -> dict[str, Any]:
    """Upsert a batch (idempotent); the change log records the caller as the actor."""
    nodes = [Node(n.id, NodeKind.parse(n.kind), n.properties) for n in body.nodes]
    edges = [Edge(e.source, e.target, EdgeType.parse(e.type), e.properties) for e in body.edges]
    result = access.store.write(nodes, edges, actor=access.actor)
    return {"actor": access.actor, "result": result.to_json()}


_AUDIT_ROUTE_PRESENT = importlib.util.find_spec("modelctx.api.routes.audit") is not None


def _capped(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items[:CONTEXT_CAP], "total": len(items)}


@router.get("/context/{node_id:path}", summary="A node with its reviews, deployments, notes and neighbours")
def node_context(node: Annotated[Node, Depends(read_node)],
                 access: Annotated[Access, Depends(read_access)]) -> Response:
    """What the explorer's side panel shows; for a Model, reviews and deployments of its versions too."""
    store = access.store
    node_id = node.id
    edges = store.get_edges([node_id], "both")
    subjects = [node_id]
    if node.kind is NodeKind.MODEL:
        versions = [e.source for e in edges if e.type is EdgeType.VERSION_OF and e.target == node_id]
        subjects += versions
        edges += store.get_edges(versions, "in", [EdgeType.REVIEWS, EdgeType.DEPLOYS, EdgeType.ABOUT])
    visible = store.get_nodes({e.source for e in edges} | {e.target for e in edges})
    sections: dict[str, list[dict[str, Any]]] = {
        "reviews": [], "deployments": [], "monitoring": [], "notes": [], "upstream": [], "downstream": [],
    }
    by_type = {
        EdgeType.REVIEWS: "reviews", EdgeType.DEPLOYS: "deployments",
        EdgeType.MONITORS: "monitoring", EdgeType.ABOUT: "notes",
    }
    seen: set[tuple[str, str]] = set()
    for edge in edges:
        incoming = edge.target in subjects and edge.source not in subjects
        other = edge.source if incoming else edge.target
        if other not in visible or other == node_id:
            continue
        if incoming and edge.type in by_type:
            section = by_type[edge.type]
        elif edge.type in LINEAGE_EDGES and (edge.source == node_id or edge.target == node_id):
            section = "downstream" if edge.target == node_id else "upstream"
        else:
            continue
        if (section, other) in seen:
            continue
        seen.add((section, other))
        sections[section].append({**summary(visible[other]), "edge": edge.type.value, "about": edge.target})
    for items in sections.values():
        items.sort(key=lambda item: str(item["properties"].get("at") or item["properties"].get("deployed_at") or ""),
                   reverse=True)
    links: dict[str, str] = {"lineage": f"/api/v1/lineage/{node_id}"}
    if _AUDIT_ROUTE_PRESENT and node.kind in (NodeKind.MODEL_VERSION, NodeKind.DATASET_VERSION):
        links["audit"] = f"/api/v1/audit/{node_id}"
    return json_response({"node": summary(node), **{k: _capped(v) for k, v in sections.items()}, "links": links})
