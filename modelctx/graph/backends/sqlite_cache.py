"""Where lineage walks read neighbours from: SQLite rows, or the whole adjacency table held in memory.

Closures walk level by level (``SqliteGraphStore._walk_adjacency``); each level
needs the packed neighbour arrays (``sqlite_codec.pack``) of its frontier as one
numpy array. Two sources give them:

- :class:`RowSource` reads the frontier's rows (one query per level). A single
  question (a CLI run) costs only the rows it touches.
- :class:`Snapshot` holds every array of both directions as CSR (offsets and one
  flat int64 array each), so a level is a few vectorised gathers and no query.
  Stores too large for it (``DEFAULT_LIMIT`` nodes, ``DEFAULT_MAX_BYTES``) are
  always walked from rows.

:class:`AdjacencyCache` decides between them per walk. Loading a snapshot costs
about as much as reading every row once, so it is built only once the walks
since the last change have read a quarter as many rows as the store has nodes
(paying at most about twice what the cheaper choice would have cost, whatever
the questions), or at the first walk with ``eager`` (``?traversal=memory``).

It never serves stale data:

- every write through this store invalidates it after commit;
- writes by other connections or processes show up as a new
  ``PRAGMA data_version`` on the reading connection, which clears it;
- a connection seen for the first time clears it (it has no earlier version
  to compare with);
- a snapshot read in a snapshot older than the latest invalidation is not kept
  (a generation number is checked under the lock before installing it).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.sqlite_arrays import Pending
from modelctx.graph.backends.sqlite_codec import dumps

Ints = npt.NDArray[np.int64]

#: Stores with more nodes than this are walked from SQLite rows only.
DEFAULT_LIMIT = 2_000_000
#: Nor are stores whose arrays take more memory than this (8 bytes per edge and direction: 32M edges).
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
#: Build a snapshot once walks since the last change read this many rows per stored node.
BUILD_AFTER = 0.25
_EMPTY: Ints = np.zeros(0, dtype=np.int64)
_LOAD_PAGE = 50_000


class RowSource:
    """Neighbour arrays read from the adjacency table, one query per level, and pending entries, if any
    (``sqlite_arrays.py``: read once per walk)."""

    def __init__(self, conn: sqlite3.Connection, cache: AdjacencyCache, pending: Pending | None = None) -> None:
        self._conn = conn
        self._cache = cache
        self._pending = pending

    def entries(self, nids: Ints, direction: str) -> Ints:
        """The packed entries of every node in ``nids`` (distinct), concatenated."""
        statement = sql.SELECT_UP_BY_NID if direction == "up" else sql.SELECT_DOWN_BY_NID
        blobs = [row[0] for row in self._conn.execute(statement, (dumps(nids.tolist()),))]
        self._cache.count_rows(len(nids))
        stored = np.frombuffer(b"".join(blobs), dtype=np.int64) if blobs else _EMPTY
        if self._pending is None:
            return stored
        return np.concatenate((stored, self._pending.lookup(nids, direction)))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every node's neighbour arrays of both directions, as CSR: entries of nid n at flat[offsets[n]:offsets[n+1]].

    ``size`` is one past the highest nid held; the row at ``size`` is empty, and
    a nid beyond it (written after the snapshot) reads as that empty row.
    """

    size: int
    offsets: dict[str, Ints]
    flat: dict[str, Ints]

    def entries(self, nids: Ints, direction: str) -> Ints:
        offsets, flat = self.offsets[direction], self.flat[direction]
        nids = np.minimum(nids, self.size)
        starts = offsets[nids]
        lengths = offsets[nids + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return _EMPTY
        # Positions of every wanted entry: each row's start, repeated per entry, plus a running count within it.
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)
        return flat[positions]

    @classmethod
    def load(cls, conn: sqlite3.Connection, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot | None:
        """Read the whole adjacency table in nid order (pages of rows, so memory stays about the arrays'), and
        the pending entries after each node's (``sqlite_arrays.py``); None once the arrays pass ``max_bytes``."""
        pending = Pending.load(conn)
        size = int(conn.execute(sql.MAX_ADJACENCY_NID).fetchone()[0]) + 1
        held = 0
        if pending is not None:
            size = max(size, pending.max_nid + 1)
            held = sum(pending.entries[way].nbytes for way in pending.entries)
        counts = {way: np.zeros(size + 2, dtype=np.int64) for way in ("up", "down")}
        parts: dict[str, list[Ints]] = {"up": [], "down": []}
        cursor = conn.execute(sql.SCAN_ADJACENCY)
        while True:
            rows = cursor.fetchmany(_LOAD_PAGE)
            if not rows:
                break
            nids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            for column, way in ((1, "up"), (2, "down")):
                blobs = [r[column] for r in rows]
                counts[way][nids + 1] = np.fromiter(map(len, blobs), dtype=np.int64, count=len(rows)) // 8
                parts[way].append(np.frombuffer(b"".join(blobs), dtype=np.int64))
                held += parts[way][-1].nbytes
            if held > max_bytes:
                cursor.close()
                return None
        flat = {way: (np.concatenate(parts[way]) if parts[way] else _EMPTY) for way in parts}
        if pending is not None:
            for way in flat:
                # Each node's row entries, then its pending ones: a stable sort by node of both, rows first.
                owners = np.concatenate((np.repeat(np.arange(size + 1, dtype=np.int64), counts[way][1:]),
                                         pending.nids[way]))
                flat[way] = np.concatenate((flat[way], pending.entries[way]))[np.argsort(owners, kind="stable")]
                counts[way][1:] += np.bincount(pending.nids[way], minlength=size + 1)
        offsets = {way: np.cumsum(counts[way]) for way in counts}
        return cls(size, offsets, flat)


class AdjacencyCache:
    """Chooses each walk's neighbour source and keeps the snapshot, validated against the database's version."""

    def __init__(
        self, *, eager: bool = False, limit: int = DEFAULT_LIMIT, max_bytes: int = DEFAULT_MAX_BYTES,
        build_after: float = BUILD_AFTER,
    ) -> None:
        self._eager = eager
        self._limit = limit
        self._max_bytes = max_bytes
        self._too_large = -1  # the generation whose arrays did not fit
        self._build_after = build_after
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._rows_read = 0
        self._generation = 0
        self._versions: dict[int, int] = {}

    def invalidate(self) -> None:
        """Forget everything (after a write through this store)."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._snapshot = None
        self._rows_read = 0
        self._generation += 1

    @property
    def in_memory(self) -> bool:
        """Whether walks currently read from a snapshot (until the next change)."""
        return self._snapshot is not None

    def count_rows(self, rows: int) -> None:
        self._rows_read += rows  # a hint for when to build: a lost update between threads does no harm

    def begin(self, conn: sqlite3.Connection) -> Snapshot | RowSource:
        """The source to walk from inside ``conn``'s read transaction, checked against its view of the database."""
        version = conn.execute(sql.DATA_VERSION).fetchone()[0]
        with self._lock:
            if self._versions.get(id(conn)) != version:
                self._clear()
                self._versions[id(conn)] = version
            snapshot, generation, rows_read = self._snapshot, self._generation, self._rows_read
        if snapshot is not None:
            return snapshot
        if (self._eager or rows_read > 0) and self._building.acquire(blocking=False):
            try:
                snapshot = self._build(conn, generation, rows_read)
            finally:
                self._building.release()
            if snapshot is not None:
                return snapshot
        return RowSource(conn, self, Pending.load(conn))

    def _build(self, conn: sqlite3.Connection, generation: int, rows_read: int) -> Snapshot | None:
        if generation == self._too_large:
            return None
        nodes = int(conn.execute(sql.MAX_NID).fetchone()[0])  # nodes, with entries in rows or pending
        if nodes > self._limit or (not self._eager and rows_read < self._build_after * nodes):
            return None
        snapshot = Snapshot.load(conn, self._max_bytes)
        with self._lock:
            if generation == self._generation:
                if snapshot is None:
                    self._too_large = generation
                self._snapshot = snapshot
        return snapshot
