"""API tokens: created once, shown once, stored only as a SHA-256 digest, in the store.

The store keeps them (``GraphStore.tokens``, ``graph/credentials.py``), beside
the graph and not in it: they are credentials, not provenance, so they are no
nodes, never enter the change log and are never exported. Every API process on
one store (two ``modelctx serve`` replicas on one Neo4j) therefore knows the
same tokens, and a revocation through one is refused by all at the next
request: nothing is cached per process. A secret is 32 random bytes, so a plain
SHA-256 of it cannot be brute-forced and no slow hash is needed; lookups are by
digest.

A token has a name (unique among active tokens, recorded as the actor
``token:<name>`` in the change log), a role (reader < writer < admin) and an
optional project that scopes what it can see. This module is the one home of
those rules; the backends enforce the uniqueness of names and digests.

Before tokens lived in the store, each process kept them in
``<data_dir>/tokens.db``. Such a file is imported into the store the first
time tokens are used (its digests as they are), reported on stderr, and
renamed ``tokens.db.imported``.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import sys
import weakref
from contextlib import closing
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from modelctx.errors import ConflictError, NotFoundError, ValidationError
from modelctx.graph.credentials import TokenInfo

if TYPE_CHECKING:
    from modelctx.api.deps import Principal
    from modelctx.client import Client
    from modelctx.graph.credentials import TokenTable

__all__ = [
    "ROLES", "SECRET_PREFIX", "TokenInfo", "check_role", "create_token", "hash_secret", "has_tokens",
    "import_legacy_tokens", "list_tokens", "lookup_token", "revoke_token", "verify_token",
]

ROLES = ("reader", "writer", "admin")
SECRET_PREFIX = "mctx_"
#: Longest secret looked up (ours are 48 characters): anything longer is refused without hashing.
MAX_SECRET_CHARS = 200
MAX_NAME_CHARS = 200
#: The per-process token file of earlier versions, imported once into the store.
LEGACY_FILE = "tokens.db"
LEGACY_IMPORTED = "tokens.db.imported"
_LEGACY_SELECT = "SELECT name, digest, role, project, created_at, revoked_at FROM tokens ORDER BY id"

#: Clients whose data folder was already checked for a legacy token file (so a lookup costs no stat).
_checked: weakref.WeakKeyDictionary[Client, bool] = weakref.WeakKeyDictionary()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _table(client: Client) -> TokenTable:
    """The store's token table, after importing a legacy ``tokens.db`` of this client's data folder."""
    if client not in _checked:
        import_legacy_tokens(client)
        _checked[client] = True
    return client.store.tokens


def create_token(client: Client, name: str, role: str, project: str | None = None) -> tuple[TokenInfo, str]:
    """Create a token and return it with its secret: the only time the secret is available."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise ValidationError(f"token name must be 1 to {MAX_NAME_CHARS} characters")
    check_role(role)
    project = project.strip() if project else None
    if project is not None and len(project) > MAX_NAME_CHARS:
        raise ValidationError(f"a token's project must be at most {MAX_NAME_CHARS} characters")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    try:
        info = _table(client).add(name, hash_secret(secret), role, project, _now())
    except ConflictError:
        raise ConflictError(f"an active token named {name!r} exists; revoke it or pick another name") from None
    return info, secret


def list_tokens(client: Client, *, include_revoked: bool = True) -> list[TokenInfo]:
    """Every token (never its secret), oldest first."""
    tokens = _table(client).list_all()
    return [t for t in tokens if include_revoked or not t.revoked]


def revoke_token(client: Client, name: str, *, project: str | None = None) -> TokenInfo:
    """Revoke the active token called ``name`` (with ``project``: only one of that project); else NotFoundError."""
    revoked = _table(client).revoke(name, _now(), project=project)
    if revoked is None:
        raise NotFoundError(f"no active token named {name!r}")
    return revoked


def has_tokens(client: Client) -> bool:
    """True when at least one unrevoked token exists (the service may then leave loopback)."""
    return _table(client).count_active() > 0


def lookup_token(client: Client, secret: str) -> TokenInfo | None:
    """The active token with this secret, or None."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > MAX_SECRET_CHARS:
        return None
    info = _table(client).find_by_digest(hash_secret(secret))
    return None if info is None or info.revoked else info


def verify_token(client: Client, token: str) -> Principal | None:
    """The caller a bearer token stands for, or None when it is unknown or revoked."""
    from modelctx.api.deps import Principal

    info = lookup_token(client, token)
    if info is None:
        return None
    return Principal(actor=info.actor, role=info.role, project=info.project)


def import_legacy_tokens(client: Client) -> int:
    """Import ``<data_dir>/tokens.db`` (earlier versions' per-process tokens) into the store; how many were added.

    Digests are copied as they are, with names, roles, projects and times, so
    every secret handed out keeps working. A digest the store holds already is
    skipped (another process imported it first); an active token whose name an
    active token of the store holds is skipped and named on stderr. The file is
    then renamed ``tokens.db.imported``, so this happens once.
    """
    path = client.data_dir / LEGACY_FILE
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            rows = conn.execute(_LEGACY_SELECT).fetchall()
    except sqlite3.Error as exc:
        print(f"modelctx: the old token file {path} could not be read ({exc}); its tokens were not imported",
              file=sys.stderr, flush=True)
        return 0
    table = client.store.tokens
    added = 0
    for name, digest, role, project, created_at, revoked_at in rows:
        if role not in ROLES or table.find_by_digest(digest) is not None:
            continue
        try:
            table.add(str(name), str(digest), role, project, str(created_at), revoked_at)
        except ConflictError:
            if table.find_by_digest(digest) is not None:  # another process imported it meanwhile
                continue
            print(f"modelctx: token {name!r} of {path} was not imported: an active token of that name is in "
                  "the store; revoke one and create the other again", file=sys.stderr, flush=True)
            continue
        added += 1
    try:
        path.rename(path.with_name(LEGACY_IMPORTED))
    except FileNotFoundError:  # another process imported and renamed it meanwhile
        pass
    print(f"modelctx: imported {added} API token(s) from {path} into the store {client.store.uri}; "
          f"the file is now {LEGACY_IMPORTED}", file=sys.stderr, flush=True)
    return added
