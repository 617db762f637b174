"""Bind the socket an HTTP server listens on, before anything is announced or recorded.

``modelctx serve`` and ``modelctx serve-model`` bind here first, so a port that is
taken (``make demo`` serves on 8000) is one error line naming the address and the
option that fixes it, instead of uvicorn's "address already in use" after a line
claiming the server runs (and, for a model server, after a deployment was recorded).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Any

from modelctx.errors import ConflictError, ValidationError


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_listener(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket on ``host:port``; ConflictError when the port is in use."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ValidationError(f"--host {host}: cannot resolve it: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # Like uvicorn: a port left in TIME_WAIT by a server that just stopped can be bound again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        shown = f"[{host}]" if ":" in host else host
        if exc.errno == errno.EADDRINUSE:
            raise ConflictError(f"{shown}:{port} is already in use (another modelctx serve, or make demo?); "
                                f"pass another port, for example --port {port + 1 if 0 < port < 65535 else 8001}"
                                ) from None
        raise ValidationError(f"cannot listen on {shown}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def run_uvicorn(app: Any, sock: socket.socket, **options: Any) -> None:
    """Serve ``app`` with uvicorn on an already bound socket until interrupted."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **options))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
