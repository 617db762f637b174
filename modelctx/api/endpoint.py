"""Where a local ``modelctx serve`` can be reached, so that ``modelctx search`` asks it instead of loading a model.

``modelctx serve`` on a loopback address writes ``serve/<pid>.json`` under the
store's data folder (``Client.data_dir``, 0700) once the app has started, and
removes it when it stops: its pid, port, an instance id, the data folder (the
store's identity: one folder per store) and whether it checks tokens. Every
response of that server carries the instance id in :data:`INSTANCE_HEADER`.

A reader trusts an entry only if all of these hold: the host is loopback, the
data folder is its own, the pid is alive (a dead one's file is removed), and
the server that answers echoes the instance id (a port now used by something
else does not). When tokens are required, the token (``MODELCTX_TOKEN``) is
sent only after an unauthenticated request proved the instance. Anything else
is "no server": the caller searches in-process.

This module imports only the standard library (``http.client`` only when there
is a server to ask): the CLI reads it before deciding whether to load numpy,
ONNX Runtime or a store.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from modelctx.listening import is_loopback

#: The response header that names the serving instance (the ``instance`` of its endpoint file).
INSTANCE_HEADER = "X-Modelctx-Instance"
#: The environment variable holding the API token the CLI sends to a server that requires tokens.
TOKEN_VARIABLE = "MODELCTX_TOKEN"
#: Seconds to connect to a local server (it is on this machine: a slow connect means it is not there).
CONNECT_SECONDS = 0.5
#: Seconds a local server may take to answer (a search loads nothing there; this bounds a stuck server).
ANSWER_SECONDS = 30.0
#: Largest endpoint file read (a few hundred bytes are written).
MAX_FILE_BYTES = 4096
#: The most endpoint files looked at (several servers may serve one store; more are not worth probing).
MAX_ENTRIES = 8


def endpoints_dir(data_dir: Path) -> Path:
    """The folder of endpoint files of the store whose data folder is ``data_dir``."""
    return data_dir / "serve"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One running ``modelctx serve`` as its endpoint file describes it."""

    pid: int
    host: str
    port: int
    instance: str
    data_dir: str
    require_tokens: bool
    path: Path

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "host": self.host, "port": self.port, "instance": self.instance,
                "data_dir": self.data_dir, "require_tokens": self.require_tokens}


def _identity(data_dir: Path) -> str:
    return str(data_dir.expanduser().resolve())


def write_endpoint(data_dir: Path, host: str, port: int, *, require_tokens: bool, instance: str) -> Path | None:
    """Record the serving process (only on a loopback host; None otherwise); atomic, 0600 in a 0700 folder."""
    if not is_loopback(host):
        return None
    from modelctx.files import PRIVATE_FILE_MODE, private_dir

    folder = endpoints_dir(data_dir)
    private_dir(folder)
    path = folder / f"{os.getpid()}.json"
    entry = Endpoint(os.getpid(), host.strip("[]"), port, instance, _identity(data_dir), require_tokens, path)
    tmp = folder / f".{os.getpid()}.{uuid.uuid4().hex}.tmp"
    handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(handle, "w") as out:
        json.dump(entry.to_json(), out)
    os.replace(tmp, path)
    return path


def remove_endpoint(path: Path | None) -> None:
    """Remove an endpoint file written by :func:`write_endpoint` (gone already is fine)."""
    if path is not None:
        path.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's: not ours to ask
        return False
    return True


def _read(path: Path) -> Endpoint | None:
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(MAX_FILE_BYTES))
        entry = Endpoint(int(data["pid"]), str(data["host"]), int(data["port"]), str(data["instance"]),
                         str(data["data_dir"]), bool(data["require_tokens"]), path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entry if 0 < entry.port < 65536 and entry.pid > 0 else None


def local_endpoints(data_dir: Path) -> Iterator[Endpoint]:
    """The live loopback servers of this store, newest first; files of dead processes are removed."""
    folder = endpoints_dir(data_dir)

    def written(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:  # removed meanwhile by its server: sorted last, then unreadable
            return 0.0

    try:
        paths = sorted(folder.glob("*.json"), key=written, reverse=True)[:MAX_ENTRIES]
    except OSError:
        return
    identity = _identity(data_dir)
    for path in paths:
        entry = _read(path)
        if entry is None or entry.data_dir != identity or not is_loopback(entry.host):
            continue
        if not _pid_alive(entry.pid):
            remove_endpoint(path)
            continue
        yield entry


class NotServed(Exception):
    """The server cannot answer this request as the in-process search would: search in-process instead."""


def _get(entry: Endpoint, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
    import http.client  # here, not at the top: a CLI with no server to ask never pays for it

    host = f"[{entry.host}]" if ":" in entry.host else entry.host
    connection = http.client.HTTPConnection(entry.host, entry.port, timeout=CONNECT_SECONDS)
    try:
        connection.connect()
        connection.sock.settimeout(ANSWER_SECONDS)
        connection.request("GET", target, headers={"Host": f"{host}:{entry.port}", "Accept": "application/json",
                                                   **headers})
        response = connection.getresponse()
        body = response.read()
        if response.getheader(INSTANCE_HEADER) != entry.instance:
            raise NotServed(f"{host}:{entry.port} is not the modelctx serve its endpoint file names")
        return response.status, body
    except (OSError, http.client.HTTPException) as exc:
        raise NotServed(f"{host}:{entry.port}: {exc}") from None
    finally:
        connection.close()


def ask(entry: Endpoint, path: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
    """GET ``path`` with ``params`` from the server ``entry`` names and return its JSON object.

    Raises :class:`NotServed` when the server is not that instance, needs a
    token that was not given, refuses it, or answers anything but 200 with a
    JSON object (a bad query is then reported by the in-process search, in its own words).
    """
    target = f"{path}?{urlencode({k: v for k, v in params.items() if v is not None})}"
    headers: dict[str, str] = {}
    if entry.require_tokens:
        if not token:
            raise NotServed(f"the server requires a token and {TOKEN_VARIABLE} is not set")
        _get(entry, "/favicon.ico", {})  # proves the instance before the token is sent
        headers["Authorization"] = f"Bearer {token}"
    status, body = _get(entry, target, headers)
    if status != 200:
        raise NotServed(f"the server answered {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        raise NotServed("the server's answer is not JSON") from None
    if not isinstance(answer, dict):
        raise NotServed("the server's answer is not a JSON object")
    return answer


def ask_local_server(data_dir: Path, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The answer of the first live local server of this store that gives one, else None."""
    token = os.environ.get(TOKEN_VARIABLE) or None
    for entry in local_endpoints(data_dir):
        try:
            return ask(entry, path, params, token)
        except NotServed:
            continue
    return None


def new_instance() -> str:
    """A fresh instance id for one serving process."""
    return f"{uuid.uuid4().hex}-{int(time.time())}"
