"""Configuration: where data lives, which store to use, who is acting.

Values come from the environment (prefix ``MODELCTX_``). The plain functions
here resolve them without importing pydantic, so light commands start fast;
:class:`modelctx.settings.Settings` (re-exported here as ``Settings``) is the
typed object passed explicitly through the package, with these functions as
its defaults. Nothing here opens a connection or loads a model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Limits:
    """What one HTTP request may cost; each field's environment variable is in ``limits_from_env``.

    ``docs/guide/web.md`` says what each bound answers. The defaults are the
    field defaults here and nowhere else.
    """

    #: Largest request body in bytes (as sent, before any decompression): 413 beyond it.
    max_body_bytes: int = 10 * 1024 * 1024
    #: Deepest nesting of ``[`` and ``{`` in a JSON body: 400 beyond it. Properties may nest 100 levels
    #: (``graph/values.py``) inside a write's envelope ({"nodes": [{"properties": …}]}), hence the margin.
    max_json_depth: int = 128
    #: Host names besides loopback that local mode (no tokens) answers; ``modelctx serve --allow-host`` adds more.
    allowed_hosts: tuple[str, ...] = ()
    #: Hops a lineage request walks when it names no ``depth``.
    lineage_depth: int = 50
    #: Seconds a lineage walk or an audit report may take before it stops (partial lineage, 503 for an audit).
    request_seconds: float = 20.0
    #: Rows per audit-report section; beyond them a section lists the nearest and counts the rest per kind.
    audit_max_rows: int = 2000
    #: Seconds between the search index's background catch-ups (writes through the API wake it sooner).
    search_catchup_seconds: float = 5.0
    #: Seconds ``modelctx serve`` waits for requests in flight after SIGTERM before cancelling them.
    shutdown_seconds: float = 3.0


#: The environment variable of each ``Limits`` field.
LIMIT_VARIABLES: dict[str, str] = {
    "max_body_bytes": "MODELCTX_MAX_BODY_BYTES",
    "max_json_depth": "MODELCTX_MAX_JSON_DEPTH",
    "allowed_hosts": "MODELCTX_ALLOWED_HOSTS",
    "lineage_depth": "MODELCTX_LINEAGE_DEPTH",
    "request_seconds": "MODELCTX_REQUEST_SECONDS",
    "audit_max_rows": "MODELCTX_AUDIT_MAX_ROWS",
    "search_catchup_seconds": "MODELCTX_SEARCH_CATCHUP_SECONDS",
    "shutdown_seconds": "MODELCTX_SHUTDOWN_SECONDS",
}


def _positive(variable: str, text: str, kind: type[int] | type[float]) -> int | float:
    from modelctx.errors import ConfigError

    try:
        value = kind(text.strip())
    except ValueError:
        raise ConfigError(f"{variable}={text!r}: expected a {'whole ' if kind is int else ''}number") from None
    if not 0 < value < float("inf"):  # also false for NaN
        raise ConfigError(f"{variable}={text!r}: expected a number above zero")
    return value


def limits_from_env() -> Limits:
    """The ``Limits`` in force: each field from its MODELCTX_ variable when set, else its default.

    ``MODELCTX_ALLOWED_HOSTS`` is a comma-separated list of host names (no ports).
    """
    values: dict[str, Any] = {}
    defaults = Limits()
    for name, variable in LIMIT_VARIABLES.items():
        text = os.environ.get(variable)
        if text is None or not text.strip():
            continue
        if name == "allowed_hosts":
            values[name] = tuple(h.strip().lower() for h in text.split(",") if h.strip())
        else:
            values[name] = _positive(variable, text, type(getattr(defaults, name)))
    return Limits(**values)


def __getattr__(name: str) -> Any:
    if name == "Settings":
        from modelctx.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
