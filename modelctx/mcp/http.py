"""MCP over streamable HTTP at ``/mcp`` inside ``modelctx serve``'s app, with the REST API's access rules.

Every HTTP request to ``/mcp`` passes the app's request guard (``api/guard.py``)
like any route, then is authenticated exactly as a route is
(``api/deps.py`` ``request_principal``: a bearer token when tokens are on, the
local admin on loopback without them): an unknown or missing token is the
same 401. The caller rides on the request to the tools, which ask
``access_for`` for their role, so a reader's ``note`` is refused and a
project-scoped token answers from its project's view — the one rule, not a
copy. The SDK runs stateless with JSON responses: each POST stands alone and
carries its own credentials, and no session outlives its request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from modelctx.api.deps import Access, Principal, access_for, request_principal
from modelctx.api.errors import error_response
from modelctx.config import Limits
from modelctx.errors import AuthenticationError, ModelctxError
from modelctx.mcp.server import ModelctxMCP, build_server

MCP_PATH = "/mcp"
#: Where the endpoint leaves the authenticated caller in the request's ASGI scope for the tools.
PRINCIPAL_KEY = "modelctx.principal"


class AppHost:
    """The HTTP server's host: the app's client, limits and search service; the caller from each request."""

    def __init__(self, app: FastAPI) -> None:
        self.state = app.state

    @property
    def limits(self) -> Limits:
        limits: Limits = self.state.limits
        return limits

    def access(self, request: Any | None, role: str) -> Access:
        principal: Principal | None = request.scope.get(PRINCIPAL_KEY) if request is not None else None
        if principal is None:  # only a request that passed McpEndpoint reaches a tool
            raise AuthenticationError("this MCP request was not authenticated")
        return access_for(self.state.client, principal, role)

    def search_service(self) -> tuple[Any, bool]:
        """The app's service and its background catch-up (``api/routes/search.py``): a call never indexes."""
        from modelctx.api.routes.search import search_catchup

        return search_catchup(self.state).service, False


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``: authenticate as every route does, then hand over to the SDK."""

    def __init__(self, server: ModelctxMCP) -> None:
        self.server = server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            principal = await request_principal(Request(scope, receive))
        except ModelctxError as exc:
            await error_response(exc)(scope, receive, send)
            return
        scope[PRINCIPAL_KEY] = principal
        await self.server.session_manager.handle_request(scope, receive, send)


def mount_mcp(app: FastAPI) -> None:
    """Serve MCP at ``/mcp`` in ``app`` (``api/app.py`` calls this when the ``mcp`` SDK is installed)."""
    server = build_server(AppHost(app))
    # Creates the SDK's session manager (run by the app's lifespan: ``mcp_running``); its own Starlette app is
    # not used. The SDK's own Host/Origin check is off: the app's request guard (api/guard.py) decides that, and
    # answers every Host when tokens are on (the SDK's default would refuse any name but loopback's with a port).
    server.streamable_http_app(stateless_http=True, json_response=True,
                               max_request_body_size=app.state.limits.max_body_bytes,
                               transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False))
    app.state.mcp_server = server
    app.router.routes.append(Route(MCP_PATH, endpoint=McpEndpoint(server), methods=["GET", "POST", "DELETE"]))


@asynccontextmanager
async def mcp_running(app: FastAPI) -> AsyncIterator[None]:
    """Run the MCP session manager for the app's lifetime (a no-op when MCP is not mounted)."""
    server: ModelctxMCP | None = getattr(app.state, "mcp_server", None)
    if server is None:
        yield
        return
    async with server.session_manager.run():
        yield
