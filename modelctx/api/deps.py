"""Request dependencies: who is calling, and the one store view they may read and write.

Access is applied once, here. So is reading a node id from a request path:
a route with ``{node_id:path}`` declares ``Depends(read_node)`` (or
``write_node``) and receives the Node, resolved on the caller's view from any
human form (``graph/refs.py``: an id, ``NAME@VERSION``, an alias, a prefix). A route declares ``Depends(read_access)``,
``Depends(write_access)`` or ``Depends(admin_access)`` and receives an
:class:`Access`: the caller (actor, role, project scope) and ``store`` — the
raw store for an unscoped caller, that project's view (``graph/scoped.py``)
for a scoped one. Routes and the package functions they call use that store
and never filter by project themselves.

When the app runs without tokens (local use on 127.0.0.1), a request without
an Authorization header is the local admin with no project scope; a token
presented anyway is honoured, so its actor and scope apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response

from modelctx.client import Client
from modelctx.config import Limits
from modelctx.errors import AuthenticationError, PermissionDeniedError
from modelctx.graph.model import Node
from modelctx.graph.refs import MAX_REF_CHARS, resolve_ref
from modelctx.graph.scoped import scoped
from modelctx.graph.store import GraphStore

ROLES = ("reader", "writer", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the actor recorded in the change log, a role and an optional project scope."""

    actor: str
    role: str
    project: str | None = None

    def allows(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True, slots=True)
class Access:
    """A request's caller and the store as that caller may see it."""

    principal: Principal
    store: GraphStore
    client: Client

    @property
    def actor(self) -> str:
        return self.principal.actor

    @property
    def project(self) -> str | None:
        return self.principal.project


def get_client(request: Request) -> Client:
    client: Client = request.app.state.client
    return client


def request_limits(request: Request) -> Limits:
    """The app's limits (``config.Limits``): set once by ``create_app``."""
    limits: Limits = request.app.state.limits
    return limits


def authenticate(request: Request) -> Principal:
    """The caller of this request: from its bearer token, or the local admin when tokens are off."""
    client = get_client(request)
    header = request.headers.get("authorization", "")
    if not request.app.state.require_tokens and not header:
        return Principal(actor=client.actor, role="admin")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("missing bearer token (Authorization: Bearer <token>)")
    from modelctx.api.tokens import verify_token

    principal = verify_token(client, token.strip())
    if principal is None:
        raise AuthenticationError("unknown or revoked token")
    return principal


async def request_principal(request: Request) -> Principal:
    """The caller of ``request`` (:func:`authenticate`), read off the event loop only when a token must be looked up.

    Used by every route (through :func:`read_access` and friends) and by the MCP endpoint (``modelctx/mcp/http.py``).
    """
    # Async so that FastAPI runs it on the event loop: a thread hop per dependency costs more than the check.
    if request.headers.get("authorization"):
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(authenticate, request)  # reads the token file
    return authenticate(request)  # no I/O: the local admin, or an immediate 401


def access_for(client: Client, principal: Principal, role: str) -> Access:
    """``principal``'s Access when its role allows ``role``: the store as it may see it (its project's view).

    The one place a caller's role is checked and its view chosen: REST routes and MCP tools both come here.
    """
    if not principal.allows(role):
        raise PermissionDeniedError(f"this needs the {role} role; the token has {principal.role}")
    return Access(principal, scoped(client.store, principal.project), client)


async def _access(role: str, request: Request) -> Access:
    return access_for(get_client(request), await request_principal(request), role)


async def read_access(request: Request) -> Access:
    """Dependency: any valid caller (reader, writer or admin), with its view of the store."""
    return await _access("reader", request)


async def write_access(request: Request) -> Access:
    """Dependency: a caller allowed to write, with its view of the store."""
    return await _access("writer", request)


async def admin_access(request: Request) -> Access:
    """Dependency: a caller allowed to manage tokens."""
    return await _access("admin", request)


NodeRef = Annotated[str, Path(max_length=MAX_REF_CHARS, description=(
    "The node: its id, NAME@VERSION, NAME@ALIAS, a model NAME (latest version), DATASET@VERSION "
    "or a unique id prefix"))]


def read_node(node_id: NodeRef, access: Annotated[Access, Depends(read_access)]) -> Node:
    """Dependency: the node the path names, as the caller sees it (404 when it cannot, with suggestions)."""
    return resolve_ref(access.store, node_id)


def write_node(node_id: NodeRef, access: Annotated[Access, Depends(write_access)]) -> Node:
    """Dependency: the node the path names, for a caller allowed to write."""
    return resolve_ref(access.store, node_id)


def json_response(data: Any, status_code: int = 200) -> Response:
    """JSON encoded with the standard library: for big answers (lineage) several times cheaper than
    FastAPI's validating serializer, and these answers are built by our own code, not user models."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return Response(content=body, status_code=status_code, media_type="application/json")
