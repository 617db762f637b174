"""API tokens in the SQLite store: one table of the store's own file, outside the graph (``graph/credentials.py``).

The table is created by the store's migrations (``sqlite_sql.MIGRATIONS[3]``);
no graph statement reads it, so nothing exports it and the change log never
mentions it. A partial unique index holds "one active token per name" for any
number of processes on the file, and the digest is unique outright.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from modelctx.errors import ConflictError
from modelctx.graph.credentials import TokenInfo, TokenTable

if TYPE_CHECKING:
    from modelctx.graph.backends.sqlite import SqliteGraphStore

#: Migration 3 of the store (``sqlite_sql.MIGRATIONS``): the token table and its two uniqueness rules.
MIGRATION = (
    """CREATE TABLE IF NOT EXISTS api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        digest TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        project TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL",
)

_COLUMNS = "id, name, role, project, created_at, revoked_at"
INSERT = (
    "INSERT INTO api_tokens (name, digest, role, project, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?) "
    f"RETURNING {_COLUMNS}"
)
SELECT_BY_DIGEST = f"SELECT {_COLUMNS} FROM api_tokens WHERE digest = ?"
SELECT_ALL = f"SELECT {_COLUMNS} FROM api_tokens ORDER BY id"
REVOKE = (
    "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL AND (? IS NULL OR project = ?) "
    f"RETURNING {_COLUMNS}"
)
COUNT_ACTIVE = "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL"


def _info(row: tuple[Any, ...]) -> TokenInfo:
    return TokenInfo(int(row[0]), str(row[1]), str(row[2]), row[3], str(row[4]), row[5])


class SqliteTokenTable(TokenTable):
    """The tokens of one SQLite store, read and written through the store's own connections and write lock."""

    def __init__(self, store: SqliteGraphStore) -> None:
        self._store = store

    def add(
        self, name: str, digest: str, role: str, project: str | None, created_at: str, revoked_at: str | None = None
    ) -> TokenInfo:
        store = self._store
        with store._translate("storing a token"), store._writing() as conn:
            try:
                row = conn.execute(INSERT, (name, digest, role, project, created_at, revoked_at)).fetchone()
            except sqlite3.IntegrityError:  # the digest, or the name among active tokens, is taken
                raise ConflictError(f"a token with this name or secret is stored in {store.path}") from None
        return _info(row)

    def find_by_digest(self, digest: str) -> TokenInfo | None:
        store = self._store
        with store._translate("looking a token up"):
            row = store._conn().execute(SELECT_BY_DIGEST, (digest,)).fetchone()
        return _info(row) if row is not None else None

    def list_all(self) -> list[TokenInfo]:
        store = self._store
        with store._translate("listing tokens"):
            return [_info(row) for row in store._conn().execute(SELECT_ALL).fetchall()]

    def revoke(self, name: str, at: str, *, project: str | None = None) -> TokenInfo | None:
        store = self._store
        with store._translate("revoking a token"), store._writing() as conn:
            row = conn.execute(REVOKE, (at, name, project, project)).fetchone()
        return _info(row) if row is not None else None

    def count_active(self) -> int:
        store = self._store
        with store._translate("counting tokens"):
            return int(store._conn().execute(COUNT_ACTIVE).fetchone()[0])
