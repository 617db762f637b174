"""``modelctx mcp``: the MCP server over stdio, on the local store, acting as the local user.

An assistant on this machine starts the process and speaks MCP on its stdin
and stdout. The caller is the store's owner, as at the CLI: the actor is the
CLI's (``config.default_actor``: MODELCTX_ACTOR, else ``user:<OS user>``), with
the whole store (no project scope) and every role (``api/deps.py``
``access_for``). Nothing but MCP messages is written to stdout; the SDK logs
warnings to stderr.
"""

from __future__ import annotations

import threading
from typing import Any

from modelctx.api.deps import Access, Principal, access_for
from modelctx.client import Client
from modelctx.config import Limits


class LocalHost:
    """The stdio server's host: one local caller, the client's limits, a search service made on first use."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.principal = Principal(actor=client.actor, role="admin")
        self._search: Any = None
        self._lock = threading.Lock()

    @property
    def limits(self) -> Limits:
        return self.client.settings.limits

    def access(self, request: Any | None, role: str) -> Access:
        return access_for(self.client, self.principal, role)

    def search_service(self) -> tuple[Any, bool]:
        """The service with its index caught up with the change log, as the CLI searches (one catch-up at a time)."""
        with self._lock:
            if self._search is None:
                from modelctx.search.service import SearchService

                self._search = SearchService.for_client(self.client)
            self._search.sync()
        return self._search, False

    def close(self) -> None:
        if self._search is not None:
            self._search.close()


def serve_stdio(client: Client) -> None:
    """Serve MCP on stdin/stdout until the client closes them."""
    import anyio

    from modelctx.mcp.server import build_server

    host = LocalHost(client)
    try:
        anyio.run(build_server(host).run_stdio_async)
    finally:
        host.close()
