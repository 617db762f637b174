"""The FastAPI application factory.

Routers live one module per resource in ``modelctx/api/routes/`` and are
listed in ``ROUTERS``; a module that is not present is skipped, so features
that land later plug in by adding their module.

When the ``mcp`` SDK is installed, ``/mcp`` serves the Model Context Protocol
(``modelctx/mcp/http.py``) with the same authentication and project scopes.

Every request first passes the guard (``api/guard.py``: body size, JSON depth,
media type, and in local mode the Host and cross-site checks), before routing
and authentication. The app's lifespan runs the search index's background
catch-up (``search/catchup.py``) and stops it at shutdown.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelctx.api.errors import install_error_handlers
from modelctx.api.guard import STATE_CHANGING, RequestGuard
from modelctx.client import Client
from modelctx.config import Limits

API_PREFIX = "/api/v1"

#: module names under modelctx.api.routes, each exposing ``router`` (an APIRouter).
ROUTERS: tuple[str, ...] = (
    "nodes",
    "lineage",
    "search",
    "notes",
    "openlineage",
    "marquez",
    "tokens",
    "audit",
    "governance",
    "diff",
    "portfolio",
    "portfolio_page",
    "web",
    "reviews",
    "pages",
    "health",
)

_SEARCH_ROUTES = "modelctx.api.routes.search"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    if app.state.index_in_background and importlib.util.find_spec(_SEARCH_ROUTES) is not None:
        from modelctx.api.routes.search import search_catchup

        await run_in_threadpool(search_catchup, app.state)  # opens the index; the catch-up runs in its thread
    if getattr(app.state, "mcp_server", None) is not None:
        from modelctx.mcp.http import mcp_running

        async with mcp_running(app):
            yield
    else:
        yield
    catchup = getattr(app.state, "search_catchup", None)
    if catchup is not None:
        await run_in_threadpool(catchup.stop)


class _WakeSearchAfterWrites:
    """After a state-changing request succeeds, wake the search catch-up (when one runs) to index it."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.state = fastapi_app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        status = 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, noting_status)
        catchup = getattr(self.state, "search_catchup", None)
        if catchup is not None and 200 <= status < 300:
            catchup.wake()


def create_app(
    client: Client, *, require_tokens: bool = False, limits: Limits | None = None, index_in_background: bool = False
) -> FastAPI:
    """Build the app over one client; ``require_tokens`` turns access control on.

    ``limits`` default to the client's settings (``config.Limits``, from the
    environment). ``index_in_background`` starts the search index's catch-up
    with the app (``modelctx serve`` does); otherwise it starts with the first
    search. Either way no request indexes: searches answer from what is indexed.
    """
    from modelctx import __version__

    app = FastAPI(
        title="modelctx",
        version=__version__,
        description="The provenance graph of your models: lineage, search, audit.",
        lifespan=_lifespan,
        # /docs is served by routes/pages.py with Swagger UI's assets from the fastapi-offline package
        # (FastAPI's own page loads them from a CDN); ReDoc has no packaged assets, so it is not offered.
        docs_url=None,
        redoc_url=None,
    )
    app.state.client = client
    app.state.require_tokens = require_tokens
    app.state.limits = limits if limits is not None else client.settings.limits
    app.state.index_in_background = index_in_background
    install_error_handlers(app)
    for name in ROUTERS:
        module_name = f"modelctx.api.routes.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        prefix = "" if getattr(module, "AT_ROOT", False) else API_PREFIX
        app.include_router(module.router, prefix=prefix)
    if importlib.util.find_spec("mcp") is not None:  # the `mcp` extra: MCP at /mcp (modelctx/mcp/http.py)
        from modelctx.mcp.http import mount_mcp

        mount_mcp(app)
    app.add_middleware(_WakeSearchAfterWrites, fastapi_app=app)
    # Added last, so it runs first: nothing else sees a refused request.
    app.add_middleware(RequestGuard, limits=app.state.limits, local_mode=not require_tokens)
    return app
