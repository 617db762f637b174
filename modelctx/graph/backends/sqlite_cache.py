"""A read cache of the SQLite store's packed neighbour arrays.

Lineage closures read one neighbour array per node reached. Reading them from
SQLite costs about a microsecond each (a B-tree probe and a Python row); a
process that asks lineage questions repeatedly (the API, search context,
audit reports) keeps them here instead. The cache never serves stale data:

- every write through this store invalidates it after commit;
- writes by other connections or processes show up as a new
  ``PRAGMA data_version`` on the reading connection, which clears it;
- a connection seen for the first time clears it (it has no earlier version
  to compare with);
- arrays read in a snapshot older than the latest invalidation are not kept
  (a generation number is checked under the lock before inserting).
"""

from __future__ import annotations

import sqlite3
import threading

from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.sqlite_codec import dumps

#: Neighbour arrays kept per direction before the cache stops growing.
DEFAULT_LIMIT = 1_000_000


class AdjacencyCache:
    """nid -> packed neighbour bytes, per direction, validated against the database's version."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._arrays: dict[str, dict[int, bytes]] = {"up": {}, "down": {}}
        self._generation = 0
        self._versions: dict[int, int] = {}

    def invalidate(self) -> None:
        """Forget everything (after a write through this store)."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._arrays = {"up": {}, "down": {}}
        self._generation += 1

    def begin(self, conn: sqlite3.Connection) -> int:
        """Validate against ``conn``'s view of the database; return the generation to read under."""
        version = conn.execute(sql.DATA_VERSION).fetchone()[0]
        with self._lock:
            if self._versions.get(id(conn)) != version:
                self._clear()
                self._versions[id(conn)] = version
            return self._generation

    def neighbours(self, conn: sqlite3.Connection, nids: list[int], direction: str, generation: int) -> bytes:
        """The concatenated neighbour arrays of ``nids`` in ``direction`` (``up`` or ``down``)."""
        table = self._arrays[direction]
        parts: list[bytes] = []
        missing: list[int] = []
        for nid in nids:
            blob = table.get(nid)
            if blob is None:
                missing.append(nid)
            else:
                parts.append(blob)
        if missing:
            statement = sql.SELECT_UP_WITH_NID if direction == "up" else sql.SELECT_DOWN_WITH_NID
            fetched = dict(conn.execute(statement, (dumps(missing),)).fetchall())
            parts.extend(fetched.values())
            with self._lock:
                if generation == self._generation and len(table) + len(missing) <= self._limit:
                    table.update(fetched)
                    for nid in missing:
                        table.setdefault(nid, b"")
        return b"".join(parts)
