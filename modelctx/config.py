"""Configuration: where data lives, which store to use, who is acting.

Values come from the environment (prefix ``MODELCTX_``). The plain functions
here resolve them without importing pydantic, so light commands start fast;
:class:`modelctx.settings.Settings` (re-exported here as ``Settings``) is the
typed object passed explicitly through the package, with these functions as
its defaults. Nothing here opens a connection or loads a model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelctx.settings import Settings as Settings


def default_home() -> Path:
    """MODELCTX_HOME, else ``~/.modelctx``."""
    value = os.environ.get("MODELCTX_HOME")
    return Path(value).expanduser() if value else Path.home() / ".modelctx"


def people_file(home: Path | None = None) -> Path:
    """MODELCTX_PEOPLE, else ``people.yaml`` under ``home`` (default: :func:`default_home`).

    The optional file that maps handles to emails (``modelctx/ingest/people.py``).
    """
    configured = os.environ.get("MODELCTX_PEOPLE")
    if configured:
        return Path(configured).expanduser()
    return (home if home is not None else default_home()).expanduser() / "people.yaml"


def default_store_uri(home: Path | None = None) -> str:
    """MODELCTX_STORE when ``home`` is not given and it is set, else the embedded SQLite file under home."""
    if home is None:
        configured = os.environ.get("MODELCTX_STORE")
        if configured:
            return configured
        home = default_home()
    return f"sqlite:///{home.expanduser().resolve() / 'modelctx.db'}"


def default_actor() -> str:
    """MODELCTX_ACTOR, else ``user:<operating-system user>``."""
    configured = os.environ.get("MODELCTX_ACTOR")
    if configured:
        return configured
    import getpass

    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):
        return "user:unknown"


def data_dir_for(store_uri: str, home: Path) -> Path:
    """Folder for files derived from a store (indexes, logs): beside a SQLite file, else under home."""
    if store_uri.startswith("sqlite:///"):
        path = Path(store_uri.split("://", 1)[1].split("?", 1)[0][1:])
        return path.parent / f"{path.stem}.d"
    import hashlib

    from modelctx.graph.store import redact_uri

    digest = hashlib.sha256(redact_uri(store_uri).encode()).hexdigest()[:12]
    return home.expanduser() / "stores" / digest


def __getattr__(name: str) -> Any:
    if name == "Settings":
        from modelctx.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
