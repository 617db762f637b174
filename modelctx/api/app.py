"""The FastAPI application factory.

Routers live one module per resource in ``modelctx/api/routes/`` and are
listed in ``ROUTERS``; a module that is not present is skipped, so features
that land later plug in by adding their module.
"""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import FastAPI

from modelctx.api.errors import install_error_handlers
from modelctx.client import Client

API_PREFIX = "/api/v1"

#: module names under modelctx.api.routes, each exposing ``router`` (an APIRouter).
ROUTERS: tuple[str, ...] = (
    "nodes",
    "lineage",
    "search",
    "notes",
    "openlineage",
    "tokens",
    "audit",
    "governance",
    "portfolio",
    "portfolio_page",
    "pages",
)


def create_app(client: Client, *, require_tokens: bool = False) -> FastAPI:
    """Build the app over one client; ``require_tokens`` turns access control on."""
    from modelctx import __version__

    app = FastAPI(
        title="modelctx",
        version=__version__,
        description="The provenance graph of your models: lineage, search, audit.",
    )
    app.state.client = client
    app.state.require_tokens = require_tokens
    install_error_handlers(app)
    for name in ROUTERS:
        module_name = f"modelctx.api.routes.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        prefix = "" if getattr(module, "AT_ROOT", False) else API_PREFIX
        app.include_router(module.router, prefix=prefix)
    return app
