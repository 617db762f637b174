"""Run the HTTP service with uvicorn, refusing to expose an unauthenticated graph to the network.

Local mode (no tokens) is allowed only on a loopback address: anyone who can
reach the port could otherwise read and write the graph. Binding any other
address needs API tokens (``modelctx token create``) and turns them on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelctx.client import Client
from modelctx.errors import ConfigError
from modelctx.listening import is_loopback

log = logging.getLogger(__name__)

LOCAL_MODE_WARNING = (
    "local mode: no authentication; anyone on this machine can read and write the graph "
    "(create tokens with `modelctx token create` and pass --require-tokens to turn access control on)"
)


def decide_require_tokens(host: str, require_tokens: bool | None, tokens_exist: bool) -> bool:
    """Whether the service checks tokens; ConfigError when the combination would be unsafe or unusable.

    ``None`` means: off on loopback, on elsewhere.
    """
    loopback = is_loopback(host)
    required = (not loopback) if require_tokens is None else require_tokens
    if not loopback and not required:
        raise ConfigError(
            f"refusing to serve on {host} without access control: only loopback addresses "
            "(127.0.0.1, ::1, localhost) may run without tokens"
        )
    if required and not tokens_exist:
        where = "" if loopback else f" before serving on the non-loopback address {host}"
        raise ConfigError(
            f"no API tokens exist{where}; create one first, for example: "
            "modelctx token create --name admin --role admin"
        )
    return required


def serve(
    client: Client, *, host: str = "127.0.0.1", port: int = 8000, require_tokens: bool | None = None,
    allow_hosts: Iterable[str] = (),
) -> None:
    """Serve the API and the web page until interrupted (SIGINT or SIGTERM).

    ``require_tokens`` None: tokens are off on a loopback host and required
    elsewhere. Raises ConfigError when binding a non-loopback host without
    tokens, or when tokens are required but none exist. ``allow_hosts`` adds
    Host names local mode answers besides loopback (``api/guard.py``).

    On SIGTERM the server stops accepting, gives requests in flight
    ``shutdown_seconds`` (``config.Limits``), then cancels them; long work
    stops at its next checkpoint (``api/work.py``), and the search catch-up
    between chunks, so the process ends within seconds.
    """
    import dataclasses

    import click

    from modelctx.api.app import create_app
    from modelctx.api.tokens import has_tokens
    from modelctx.listening import bind_listener, run_uvicorn

    required = decide_require_tokens(host, require_tokens, has_tokens(client))
    limits = client.settings.limits
    extra = tuple(h.strip().lower() for h in allow_hosts if h.strip())
    if extra:
        limits = dataclasses.replace(limits, allowed_hosts=limits.allowed_hosts + extra)
    sock = bind_listener(host, port)  # a taken port is one error line, before anything claims to serve
    announced = _Announced(None, client.data_dir, host, require_tokens=required)
    try:
        port = sock.getsockname()[1]
        app = create_app(client, require_tokens=required, limits=limits, index_in_background=True)
        announced.app, announced.port = app, port
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"modelctx serving {client.store.uri} at http://{shown}:{port}/  (API docs: /docs)")
        if required:
            click.echo("access control on: every request needs 'Authorization: Bearer <token>'")
        else:
            click.echo(LOCAL_MODE_WARNING)
            log.info(LOCAL_MODE_WARNING)
        run_uvicorn(announced, sock, timeout_graceful_shutdown=max(1, math.ceil(limits.shutdown_seconds)))
    finally:
        announced.withdraw()
        sock.close()


class _Announced:
    """The app as ``serve`` runs it: found by local CLI searches while it runs (``api/endpoint.py``).

    The endpoint file is written once the app has started (its search index
    open) and removed when it starts to shut down (and, whatever happens, when
    ``serve`` returns). Every HTTP response names the instance, so a reader of
    the file can tell this server from whatever holds the port later.
    """

    def __init__(self, app: Any, data_dir: Path, host: str, *, require_tokens: bool) -> None:
        from modelctx.api.endpoint import INSTANCE_HEADER, new_instance

        self.app = app
        self.data_dir = data_dir
        self.host = host
        self.port = 0
        self.require_tokens = require_tokens
        self.instance = new_instance()
        self._header = (INSTANCE_HEADER.lower().encode(), self.instance.encode())
        self._path: Path | None = None

    def announce(self) -> None:
        from modelctx.api.endpoint import write_endpoint

        try:
            self._path = write_endpoint(self.data_dir, self.host, self.port, require_tokens=self.require_tokens,
                                        instance=self.instance)
        except OSError as exc:  # the server works without it; local searches just load the model themselves
            log.warning("cannot record this server for local searches under %s: %s", self.data_dir, exc)

    def withdraw(self) -> None:
        from modelctx.api.endpoint import remove_endpoint

        remove_endpoint(self._path)
        self._path = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            async def lifespan_receive() -> Any:
                message = await receive()
                if message["type"] == "lifespan.shutdown":
                    self.withdraw()
                return message

            async def lifespan_send(message: Any) -> None:
                await send(message)
                if message["type"] == "lifespan.startup.complete":
                    self.announce()

            await self.app(scope, lifespan_receive, lifespan_send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def named_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), self._header]}
            await send(message)

        await self.app(scope, receive, named_send)
