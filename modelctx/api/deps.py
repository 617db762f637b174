"""Request dependencies: the client and the caller (a Principal with a role and a project scope).

Routes declare what they need with ``Depends(reader)``, ``Depends(writer)`` or
``Depends(admin)``. When the app runs without tokens (local use on
127.0.0.1), every caller is a local admin with no project scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

from modelctx.client import Client
from modelctx.graph.model import Node

ROLES = ("reader", "writer", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the actor recorded in the change log, a role and an optional project scope."""

    actor: str
    role: str
    project: str | None = None

    def allows(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def can_see(self, node: Node) -> bool:
        """A project-scoped caller sees only nodes of that project."""
        return self.project is None or node.properties.get("project") == self.project


def get_client(request: Request) -> Client:
    client: Client = request.app.state.client
    return client


LOCAL_ADMIN = Principal(actor="local", role="admin")


def authenticate(request: Request) -> Principal:
    """The caller of this request: from its bearer token, or the local admin when tokens are off."""
    client = get_client(request)
    header = request.headers.get("authorization", "")
    if not request.app.state.require_tokens and not header:
        return Principal(actor=client.actor, role="admin")
    # A token presented in local mode is still honoured, so its actor and scope apply.
    from fastapi import HTTPException

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(status_code=401, detail="missing bearer token (Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
    from modelctx.api.tokens import verify_token  # implemented with token management

    principal = verify_token(client, token.strip())
    if principal is None:
        raise HTTPException(status_code=401, detail="unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return principal


def visible_node(client: Client, principal: Principal, node_id: str) -> Node:
    """The node if the caller may see it; otherwise the same NotFoundError as for a missing id."""
    from modelctx.errors import NotFoundError

    node = client.store.get_nodes([node_id]).get(node_id)
    if node is None or not principal.can_see(node):
        raise NotFoundError(f"no node with id {node_id!r}")
    return node


async def _require(role: str, request: Request) -> Principal:
    # Async so that FastAPI runs it on the event loop: a thread hop per dependency costs more than the check.
    if request.headers.get("authorization"):
        from starlette.concurrency import run_in_threadpool

        principal = await run_in_threadpool(authenticate, request)  # reads the token file
    else:
        principal = authenticate(request)  # no I/O: the local admin, or an immediate 401
    if not principal.allows(role):
        from fastapi import HTTPException

        raise HTTPException(status_code=403, detail=f"this needs the {role} role; the token has {principal.role}")
    return principal


async def reader(request: Request) -> Principal:
    """Dependency: any valid caller (reader, writer or admin)."""
    return await _require("reader", request)


async def writer(request: Request) -> Principal:
    """Dependency: a caller allowed to write."""
    return await _require("writer", request)


async def admin(request: Request) -> Principal:
    """Dependency: a caller allowed to manage tokens."""
    return await _require("admin", request)


async def current_client(request: Request) -> Client:
    """Dependency form of ``get_client`` that runs on the event loop (no thread hop)."""
    return get_client(request)


def json_response(data: Any, status_code: int = 200) -> Response:
    """JSON encoded with the standard library: for big answers (lineage) several times cheaper than
    FastAPI's validating serializer, and these answers are built by our own code, not user models."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return Response(content=body, status_code=status_code, media_type="application/json")
