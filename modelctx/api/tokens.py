"""API tokens: created once, shown once, stored only as a SHA-256 digest.

Tokens live in a small SQLite file in the store's data folder
(``<data_dir>/tokens.db``), not in the graph: they are credentials, not
provenance, and keeping them beside the store works the same for every graph
backend. A secret is 32 random bytes, so a plain SHA-256 of it cannot be
brute-forced and no slow hash is needed; lookups are by digest.

A token has a name (unique among active tokens, recorded as the actor
``token:<name>`` in the change log), a role (reader < writer < admin) and an
optional project that scopes what it can see.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelctx.errors import ConflictError, NotFoundError, ValidationError

if TYPE_CHECKING:
    from modelctx.api.deps import Principal
    from modelctx.client import Client

ROLES = ("reader", "writer", "admin")
SECRET_PREFIX = "mctx_"
TOKENS_FILE = "tokens.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    project TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
"""
_INSERT = "INSERT INTO tokens (name, digest, role, project, created_at) VALUES (?, ?, ?, ?, ?)"
_SELECT_ALL = "SELECT id, name, role, project, created_at, revoked_at FROM tokens ORDER BY id"
_SELECT_BY_DIGEST = "SELECT id, name, role, project, created_at, revoked_at FROM tokens WHERE digest = ?"
_REVOKE = "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"
_COUNT_ACTIVE = "SELECT count(*) FROM tokens WHERE revoked_at IS NULL"


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What is known about a token apart from its secret."""

    id: int
    name: str
    role: str
    project: str | None
    created_at: str
    revoked_at: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def actor(self) -> str:
        return f"token:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "project": self.project,
            "created_at": self.created_at,
            "revoked": self.revoked,
            "revoked_at": self.revoked_at,
        }


def tokens_path(client: Client) -> Path:
    return client.data_dir / TOKENS_FILE


@contextmanager
def _connect(client: Client, *, create: bool) -> Iterator[sqlite3.Connection | None]:
    """A connection to the token file; None when it does not exist and ``create`` is false."""
    from modelctx.files import create_private_file, private_dir

    path = tokens_path(client)
    if not path.exists():
        if not create:
            yield None
            return
        private_dir(path.parent)
        create_private_file(path)  # 0600 from its first byte: it holds credentials' digests
    with closing(sqlite3.connect(path, timeout=30.0, isolation_level=None)) as conn:
        if create:
            conn.executescript(_SCHEMA)
        yield conn


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _row(row: tuple[Any, ...]) -> TokenInfo:
    return TokenInfo(int(row[0]), str(row[1]), str(row[2]), row[3], str(row[4]), row[5])


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def create_token(client: Client, name: str, role: str, project: str | None = None) -> tuple[TokenInfo, str]:
    """Create a token and return it with its secret: the only time the secret is available."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError("token name must be 1 to 200 characters")
    check_role(role)
    project = project.strip() if project else None
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with _connect(client, create=True) as conn:
        assert conn is not None
        try:
            cursor = conn.execute(_INSERT, (name, hash_secret(secret), role, project, created))
        except sqlite3.IntegrityError:
            raise ConflictError(f"an active token named {name!r} exists; revoke it or pick another name") from None
        token_id = int(cursor.lastrowid or 0)
    return TokenInfo(token_id, name, role, project, created), secret


def list_tokens(client: Client, *, include_revoked: bool = True) -> list[TokenInfo]:
    """Every token (never its secret), oldest first."""
    with _connect(client, create=False) as conn:
        if conn is None:
            return []
        tokens = [_row(r) for r in conn.execute(_SELECT_ALL)]
    return [t for t in tokens if include_revoked or not t.revoked]


def revoke_token(client: Client, name: str) -> TokenInfo:
    """Revoke the active token called ``name``; NotFoundError if there is none."""
    revoked = datetime.now(UTC).isoformat(timespec="seconds")
    with _connect(client, create=False) as conn:
        changed = conn.execute(_REVOKE, (revoked, name)).rowcount if conn is not None else 0
    if not changed:
        raise NotFoundError(f"no active token named {name!r}")
    return next(t for t in reversed(list_tokens(client)) if t.name == name)


def has_tokens(client: Client) -> bool:
    """True when at least one unrevoked token exists (the service may then leave loopback)."""
    with _connect(client, create=False) as conn:
        if conn is None:
            return False
        return bool(conn.execute(_COUNT_ACTIVE).fetchone()[0])


def lookup_token(client: Client, secret: str) -> TokenInfo | None:
    """The active token with this secret, or None."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    with _connect(client, create=False) as conn:
        if conn is None:
            return None
        row = conn.execute(_SELECT_BY_DIGEST, (hash_secret(secret),)).fetchone()
    if row is None:
        return None
    info = _row(row)
    return None if info.revoked else info


def verify_token(client: Client, token: str) -> Principal | None:
    """The caller a bearer token stands for, or None when it is unknown or revoked."""
    from modelctx.api.deps import Principal

    info = lookup_token(client, token)
    if info is None:
        return None
    return Principal(actor=info.actor, role=info.role, project=info.project)
