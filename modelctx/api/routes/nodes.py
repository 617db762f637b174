"""Nodes: get one, list by kind with property filters, write a batch, and a node's context for the side panel."""

from __future__ import annotations

import importlib.util
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Principal, current_client, json_response, reader, visible_node, writer
from modelctx.client import Client
from modelctx.errors import ValidationError
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind

router = APIRouter(tags=["nodes"])

MAX_LIMIT = 1000
#: how many reviews, deployments, notes and neighbours the context lists before truncating
CONTEXT_CAP = 200


def parse_where(items: list[str]) -> dict[str, Any]:
    """``key:value`` or ``key=value`` filters; values are JSON when they parse (``3``, ``true``), else strings."""
    filters: dict[str, Any] = {}
    for item in items:
        cut = min((i for i in (item.find(":"), item.find("=")) if i > 0), default=-1)
        if cut <= 0:
            raise ValidationError(f"where={item!r}: expected key:value (or key=value)")
        key, raw = item[:cut], item[cut + 1 :]
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, (dict, list)) or (isinstance(value, float) and value != value):
            value = raw
        filters[key] = value
    return filters


def summary(node: Node) -> dict[str, Any]:
    """A node as the page lists it: id, kind, title and properties."""
    return {"id": node.id, "kind": node.kind.value, "title": node.title, "properties": node.properties}


@router.get("/nodes", summary="List nodes by kind and property filters")
def list_nodes(
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(current_client)],
    kind: Annotated[str | None, Query(description="Node kind, e.g. model_version")] = None,
    where: Annotated[list[str], Query(description="Property filter key:value (repeatable)")] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    node_kind = NodeKind.parse(kind) if kind else None
    filters = parse_where(where)
    if principal.project is not None:
        if filters.setdefault("project", principal.project) != principal.project:
            return json_response({"nodes": [], "limit": limit, "offset": offset, "next_offset": None})
    nodes = client.store.find_nodes(node_kind, filters, limit=limit, offset=offset)
    return json_response({
        "nodes": [summary(n) for n in nodes],
        "limit": limit,
        "offset": offset,
        "next_offset": offset + len(nodes) if len(nodes) == limit else None,
    })


@router.get("/nodes/{node_id:path}", summary="Get one node")
def get_node(
    node_id: str,
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(current_client)],
) -> Response:
    return json_response(summary(visible_node(client, principal, node_id)))


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


def _scoped_batch(client: Client, principal: Principal, nodes: list[Node], edges: list[Edge]) -> list[Node]:
    """A project-scoped writer writes only into its project: nodes get its project, edges join visible nodes."""
    if principal.project is None:
        return nodes
    scoped = []
    for node in nodes:
        project = node.properties.get("project", principal.project)
        if project != principal.project:
            raise HTTPException(403, f"node {node.id}: this token may only write into project {principal.project!r}")
        scoped.append(Node(node.id, node.kind, {**node.properties, "project": project}))
    batch = {n.id for n in scoped}
    stored = client.store.get_nodes([n.id for n in scoped] + [e.source for e in edges] + [e.target for e in edges])
    for node in scoped:
        existing = stored.get(node.id)
        if existing is not None and not principal.can_see(existing):
            raise HTTPException(403, f"node {node.id}: this token may only write into project {principal.project!r}")
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in batch and (end not in stored or not principal.can_see(stored[end])):
                raise ValidationError(f"edge {edge.source} -{edge.type.value}-> {edge.target}: no node with id {end!r}")
    return scoped


@router.post("/nodes", summary="Write nodes and edges in one transaction", status_code=200)
def write_nodes(
    body: WriteIn,
    principal: Annotated[Principal, Depends(writer)],
    client: Annotated[Client, Depends(current_client)],
) -> dict[str, Any]:
    """Upsert a batch (idempotent); the change log records the caller as the actor."""
    nodes = [Node(n.id, NodeKind.parse(n.kind), n.properties) for n in body.nodes]
    edges = [Edge(e.source, e.target, EdgeType.parse(e.type), e.properties) for e in body.edges]
    nodes = _scoped_batch(client, principal, nodes, edges)
    result = client.store.write(nodes, edges, actor=principal.actor)
    return {"actor": principal.actor, "result": result.to_json()}


_AUDIT_ROUTE_PRESENT = importlib.util.find_spec("modelctx.api.routes.audit") is not None


def _capped(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items[:CONTEXT_CAP], "total": len(items)}


@router.get("/context/{node_id:path}", summary="A node with its reviews, deployments, notes and neighbours")
def node_context(
    node_id: str,
    principal: Annotated[Principal, Depends(reader)],
    client: Annotated[Client, Depends(current_client)],
) -> Response:
    """What the explorer's side panel shows; for a Model, reviews and deployments of its versions too."""
    node = visible_node(client, principal, node_id)
    store = client.store
    edges = store.get_edges([node_id], "both")
    subjects = [node_id]
    if node.kind is NodeKind.MODEL:
        candidates = [e.source for e in edges if e.type is EdgeType.VERSION_OF and e.target == node_id]
        found = store.get_nodes(candidates)
        versions = [v for v in candidates if v in found and principal.can_see(found[v])]
        subjects += versions
        edges += store.get_edges(versions, "in", [EdgeType.REVIEWS, EdgeType.DEPLOYS, EdgeType.ABOUT])
    others = store.get_nodes({e.source for e in edges} | {e.target for e in edges})
    visible = {i: n for i, n in others.items() if principal.can_see(n)}
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
