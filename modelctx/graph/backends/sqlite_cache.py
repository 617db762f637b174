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
from array import array

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
        self._decoded: dict[tuple[str, int], dict[int, dict[int, int]]] = {}
        self._generation = 0
        self._versions: dict[int, int] = {}

    def invalidate(self) -> None:
        """Forget everything (after a write through this store)."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._arrays = {"up": {}, "down": {}}
        self._decoded = {}
        self._generation += 1

    def begin(self, conn: sqlite3.Connection) -> int:
        """Validate against ``conn``'s view of the database; return the generation to read under."""
        version = conn.execute(sql.DATA_VERSION).fetchone()[0]
        with self._lock:
            if self._versions.get(id(conn)) != version:
                self._clear()
                self._versions[id(conn)] = version
            return self._generation

    def neighbour_map(
        self, conn: sqlite3.Connection, nids: list[int], direction: str, type_mask: int, generation: int
    ) -> dict[int, int]:
        """Neighbour nid -> packed entry over all of ``nids``, keeping edge types in ``type_mask``.

        Decoded per node and per mask once, so a repeated walk costs one dict
        update per node instead of decoding and filtering every entry again.
        """
        table = self._decoded.get((direction, type_mask))
        if table is None:
            with self._lock:
                table = self._decoded.setdefault((direction, type_mask), {})
        maps: list[dict[int, int] | None] = list(map(table.get, nids))
        found: dict[int, int] = {}
        if None in maps:
            missing = [nid for nid, m in zip(nids, maps, strict=True) if m is None]
            raw = self.neighbours_each(conn, missing, direction, generation)
            decoded = {nid: _decode(blob, type_mask) for nid, blob in raw.items()}
            with self._lock:
                if generation == self._generation and len(table) + len(decoded) <= self._limit:
                    table.update(decoded)
            maps = [m if m is not None else decoded[nid] for nid, m in zip(nids, maps, strict=True)]
        for m in maps:
            found.update(m)  # type: ignore[arg-type]  # every None was replaced above
        return found

    def neighbours_each(
        self, conn: sqlite3.Connection, nids: list[int], direction: str, generation: int
    ) -> dict[int, bytes]:
        """Each of ``nids``' packed neighbour bytes (empty for a node without neighbours)."""
        table = self._arrays[direction]
        out: dict[int, bytes] = {}
        missing: list[int] = []
        for nid in nids:
            blob = table.get(nid)
            if blob is None:
                missing.append(nid)
            else:
                out[nid] = blob
        if missing:
            statement = sql.SELECT_UP_WITH_NID if direction == "up" else sql.SELECT_DOWN_WITH_NID
            fetched = dict(conn.execute(statement, (dumps(missing),)).fetchall())
            for nid in missing:
                out[nid] = fetched.get(nid, b"")
            with self._lock:
                if generation == self._generation and len(table) + len(missing) <= self._limit:
                    table.update((nid, out[nid]) for nid in missing)
        return out


def _decode(blob: bytes, type_mask: int) -> dict[int, int]:
    """Packed entries -> {neighbour nid: entry} for the edge types in ``type_mask`` (bit per type code)."""
    packed = array("q")
    packed.frombytes(blob)
    return {entry >> 16: entry for entry in packed if type_mask >> ((entry >> 8) & 0xFF) & 1}
