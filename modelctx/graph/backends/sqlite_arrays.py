"""Where a node's packed neighbour arrays live: its ``adjacency`` row, then its entries in ``adjacency_pending``.

Adding an entry to a node's arrays rewrites its row, and a bulk import touches
most of the same nodes batch after batch (each run uses features shared by
many runs), so a row per touched node per batch was most of SQLite's share of
an import. Inside ``GraphStore.bulk()`` the SQLite store defers instead: a
write adds ONE ``adjacency_pending`` row holding all its new entries (per
direction, ``(nid, count)`` pairs in nid order and the entries), in the same
transaction as its edges. The pending entries are folded into the rows (each
node's row rewritten once) when they would pass ``FOLD_AT``, when the last
bulk block ends, and by any write of edges outside a bulk import that finds some
(``sqlite.py``, ``sqlite_writes.py``).

A node's neighbours are, at every moment and in every process, its row's
entries followed by its pending entries in write order. Every reader reads
both: walks (``sqlite_cache.py`` through :class:`Pending`, read whole once per
walk while any are pending), ``verify_integrity`` (``sqlite_verify.py``
through :func:`scan`), and edge removal folds first. A rolled-back write
leaves no pending row (it is in the write's transaction), and a crash leaves
them exactly as consistent as the edges committed beside them: readers see
them, and the next write of edges outside a bulk import, or the end of the next
bulk import, folds them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelctx.graph.backends import sqlite_sql as sql

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

#: Pending entries past which a write folds them. Each fold rewrites every node they touch once (a larger bound,
#: fewer rewrites of the busiest nodes); a walk during an import reads them all (8 bytes each, sorted by node:
#: about 0.1 s at a million on a loaded machine, bench/store_bench.py's graph).
FOLD_AT = 1_000_000

_WAYS = ("up", "down")


@dataclass(frozen=True, slots=True)
class Additions:
    """One write's new packed entries in one direction: ``nids`` (distinct, ascending), how many entries each has
    (``counts``) and the ``entries``, node after node in nid order, each node's in the order they were written.

    Built with numpy from one column per edge (``of``), so a bulk write makes no Python object per entry.
    """

    nids: Ints
    counts: Ints
    entries: Ints

    @classmethod
    def of(cls, owners: Ints, entries: Ints) -> Additions:
        """Group ``entries`` (in write order) by the node in ``owners`` beside each."""
        import numpy as np

        order = np.argsort(owners, kind="stable")  # by node; a node's entries keep their write order
        nids, counts = np.unique(owners, return_counts=True)
        return cls(nids, counts, entries[order])

    def __len__(self) -> int:
        return len(self.entries)

    def by_node(self) -> dict[int, bytes]:
        """Each node's new entries as stored bytes."""
        return _by_node(self.nids, self.counts, self.entries)


def _by_node(nids: Ints, counts: Ints, entries: Ints) -> dict[int, bytes]:
    """nid -> its entries as stored bytes, for ``nids`` (distinct, ascending) with ``counts`` of ``entries`` each,
    node after node: one ``tobytes`` and a slice of it per node."""
    blob = entries.tobytes()
    ends = (counts.cumsum() * 8).tolist()
    starts = [0, *ends][: len(ends)]
    return {nid: blob[start:end] for nid, start, end in zip(nids.tolist(), starts, ends, strict=True)}


def pending_entries(conn: sqlite3.Connection) -> int:
    """How many entries are pending (0 exactly when no row is)."""
    return int(conn.execute(sql.PENDING_ENTRIES).fetchone()[0])


def append(conn: sqlite3.Connection, up_add: Additions, down_add: Additions) -> None:
    """Append new entries to the nodes' rows, in SQL: a write never reads the arrays back."""
    ups, downs = up_add.by_node(), down_add.by_node()
    conn.executemany(sql.APPEND_ADJACENCY, [
        (nid, ups.get(nid, b""), downs.get(nid, b""))
        for nid in sorted(ups.keys() | downs.keys())  # nid order: upserts walk the table's B-tree forward
    ])


def defer(conn: sqlite3.Connection, up_add: Additions, down_add: Additions) -> None:
    """Store one write's new entries as one pending row."""
    import numpy as np

    columns: list[bytes] = []
    for add in (up_add, down_add):
        columns += [np.column_stack((add.nids, add.counts)).astype(np.int64).tobytes(), add.entries.tobytes()]
    conn.execute(sql.INSERT_PENDING, (len(up_add) + len(down_add), *columns))


def fold(conn: sqlite3.Connection, up_add: Additions | None = None, down_add: Additions | None = None) -> None:
    """Move every pending entry into its node's row, then append ``up_add`` and ``down_add`` after them: one
    rewrite per node, and the arrays end as if every entry had been appended in turn."""
    pending = Pending.load(conn)
    merged: dict[str, dict[int, bytes]] = {way: {} for way in _WAYS}
    if pending is not None:
        for way in _WAYS:
            merged[way].update(pending.by_node(way))
    for way, add in zip(_WAYS, (up_add, down_add), strict=True):
        if add is None:
            continue
        into = merged[way]
        for nid, entries in add.by_node().items():
            into[nid] = into.get(nid, b"") + entries
    ups, downs = merged["up"], merged["down"]
    conn.executemany(sql.APPEND_ADJACENCY, [
        (nid, ups.get(nid, b""), downs.get(nid, b"")) for nid in sorted(ups.keys() | downs.keys())
    ])
    if pending is not None:
        conn.execute(sql.DELETE_ALL_PENDING)


@dataclass(frozen=True, slots=True)
class Pending:
    """Every pending entry, per direction: ``nids[way]`` (one per entry, sorted) and ``entries[way]`` beside it,
    each node's entries in write order."""

    nids: dict[str, Ints]
    entries: dict[str, Ints]

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Pending | None:
        """Read every pending row (None when there is none); a damaged row raises ``sqlite3.DatabaseError``."""
        rows = conn.execute(sql.SCAN_PENDING).fetchall()
        if not rows:
            return None
        import numpy as np

        nids: dict[str, Ints] = {}
        entries: dict[str, Ints] = {}
        for column, way in ((0, "up"), (2, "down")):
            nodes_blob = b"".join(map(_blob, (r[column] for r in rows)))
            entries_blob = b"".join(map(_blob, (r[column + 1] for r in rows)))
            if len(nodes_blob) % 16 or len(entries_blob) % 8:
                raise sqlite3.DatabaseError("a pending adjacency row is damaged (a BLOB of the wrong length)")
            nodes = np.frombuffer(nodes_blob, dtype=np.int64).reshape(-1, 2)
            values = np.frombuffer(entries_blob, dtype=np.int64)
            counts = nodes[:, 1]
            if (counts < 0).any() or int(counts.sum()) != len(values):
                raise sqlite3.DatabaseError("a pending adjacency row is damaged (its counts and entries differ)")
            owners = np.repeat(nodes[:, 0], counts)
            order = np.argsort(owners, kind="stable")  # by node; a node's entries keep their write order
            nids[way], entries[way] = owners[order], values[order]
        return cls(nids, entries)

    @property
    def max_nid(self) -> int:
        return max((int(self.nids[way][-1]) for way in _WAYS if len(self.nids[way])), default=0)

    def lookup(self, wanted: Ints, direction: str) -> Ints:
        """The pending entries of every node in ``wanted`` (distinct), concatenated."""
        import numpy as np

        nids, entries = self.nids[direction], self.entries[direction]
        starts = np.searchsorted(nids, wanted, "left")
        lengths = np.searchsorted(nids, wanted, "right") - starts
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        return entries[np.repeat(starts - (ends - lengths), lengths) + np.arange(total, dtype=np.int64)]

    def by_node(self, direction: str) -> dict[int, bytes]:
        """nid -> its pending entries as stored bytes, in nid order."""
        import numpy as np

        distinct, counts = np.unique(self.nids[direction], return_counts=True)
        return _by_node(distinct, counts, self.entries[direction])


def scan(conn: sqlite3.Connection) -> Iterator[tuple[int, Any, Any]]:
    """(nid, up, down) of every node with a row or pending entries, in nid order, each array whole.

    A row's part that is not a BLOB (a damaged store) is given as it is, so ``sqlite_verify.py`` names it.
    """
    pending = Pending.load(conn)
    extra: dict[str, dict[int, bytes]] = {way: {} for way in _WAYS}
    if pending is not None:
        for way in _WAYS:
            extra[way].update(pending.by_node(way))
    ups, downs = extra["up"], extra["down"]
    only_pending = iter(sorted(ups.keys() | downs.keys()))
    following = next(only_pending, None)
    for nid, up, down in conn.execute(sql.SCAN_ADJACENCY):
        while following is not None and following < nid:
            yield following, ups.get(following, b""), downs.get(following, b"")
            following = next(only_pending, None)
        if following == nid:
            following = next(only_pending, None)
        yield nid, _joined(up, ups.get(nid)), _joined(down, downs.get(nid))
    while following is not None:
        yield following, ups.get(following, b""), downs.get(following, b"")
        following = next(only_pending, None)


def _joined(stored: Any, pending: bytes | None) -> Any:
    return stored + pending if pending and isinstance(stored, bytes) else stored


def _blob(value: Any) -> bytes:
    if not isinstance(value, bytes):
        raise sqlite3.DatabaseError(f"a pending adjacency row holds {type(value).__name__}, not a BLOB")
    return value
