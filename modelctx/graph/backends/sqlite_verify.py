"""The SQLite store's side of ``verify_integrity``: its tables streamed in key order, and its adjacency checked.

``graph/integrity.py`` holds the comparison; this module only reads, inside
one read transaction, so the log and every table are one snapshot. Each
statement is a cursor over a table or index in key order, so memory stays
flat whatever the store's size. The adjacency arrays are derived data (each
node's packed neighbours, written with the edges): they are checked against
the edges table by merging three ordered streams — the arrays, the edges by
source, the edges by target — one node at a time. A node's array is its
row's entries followed by its pending rows' (``sqlite_arrays.py``).
"""

from __future__ import annotations

import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from modelctx.graph.backends import sqlite_arrays
from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.sqlite_codec import KIND_BY_CODE, TYPE_BY_CODE
from modelctx.graph.changelog import ChangeRow
from modelctx.graph.integrity import Derived, StoredEdge, StoredNode

_KINDS = {code: kind.value for code, kind in KIND_BY_CODE.items()}
_TYPES = {code: etype.value for code, etype in TYPE_BY_CODE.items()}


def _kind(code: Any) -> str:
    return _KINDS.get(code) or f"<kind code {code!r}>"


def _type(code: Any) -> str:
    return _TYPES.get(code) or f"<edge type code {code!r}>"


def _gone(nid: Any) -> str:
    return f"<nid {nid!r}: no such node>"


class SqliteScan:
    """One read transaction's view of the change log, the tables and the adjacency arrays."""

    consistent = True

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def change_rows(self) -> Iterable[ChangeRow]:
        return self.conn.execute(sql.SELECT_ALL_CHANGES)  # type: ignore[return-value]  # rows are 7-tuples

    def nodes(self) -> Iterator[StoredNode]:
        kinds = _KINDS
        for node_id, kind, props in self.conn.execute(sql.SCAN_NODES):
            yield node_id, kinds.get(kind) or _kind(kind), props

    def edges(self) -> Iterator[StoredEdge]:
        types = _TYPES
        for src, src_id, etype, dst, dst_id, props in self.conn.execute(sql.SCAN_EDGES):
            yield (src_id if src_id is not None else _gone(src), types.get(etype) or _type(etype),
                   dst_id if dst_id is not None else _gone(dst), props)

    def derived(self) -> Iterator[Derived]:
        """Each node whose up or down array differs from what the edges table says it must hold."""
        ups = _expected(self.conn.execute(sql.SCAN_UP_ENTRIES))
        downs = _expected(self.conn.execute(sql.SCAN_DOWN_ENTRIES))
        rows = sqlite_arrays.scan(self.conn)  # each node's row and pending rows as one array; nids are integers
        up, down, row = next(ups, None), next(downs, None), next(rows, None)
        while up is not None or down is not None or row is not None:
            nid = min(item[0] for item in (up, down, row) if item is not None)
            want_up: list[int] = []
            want_down: list[int] = []
            stored: tuple[Any, Any] = (b"", b"")
            if up is not None and up[0] == nid:
                want_up, up = up[1], next(ups, None)
            if down is not None and down[0] == nid:
                want_down, down = down[1], next(downs, None)
            if row is not None and row[0] == nid:
                stored, row = (row[1], row[2]), next(rows, None)
            for direction, wanted, blob in (("up", want_up, stored[0]), ("down", want_down, stored[1])):
                fault = self._fault(nid, direction, wanted, blob)
                if fault is not None:
                    yield fault

    def _fault(self, nid: int, direction: str, wanted: list[int], blob: Any) -> Derived | None:
        if not isinstance(blob, bytes) or len(blob) % 8:
            node_id = self._id(nid)
            size = len(blob) if isinstance(blob, bytes | str) else 0
            return Derived(f"adjacency of node {node_id}", f"has a corrupt {direction} array ({size} bytes)",
                           node=node_id)
        held = array("q")
        held.frombytes(blob)
        if len(held) == len(wanted) and sorted(held) == sorted(wanted):
            return None
        balance = Counter(wanted)
        balance.subtract(held)
        missing = sorted(entry for entry, n in balance.items() if n > 0)
        extra = sorted(entry for entry, n in balance.items() if n < 0)
        node_id = self._id(nid)
        place = f"adjacency of node {node_id}"
        entry = missing[0] if missing else extra[0]
        other, etype = self._id(entry >> 16), _type((entry >> 8) & 0xFF)
        key = (node_id, etype, other) if direction == "up" else (other, etype, node_id)
        toward = f"to {other}" if direction == "up" else f"from {other}"
        if missing:
            return Derived(place, f"lacks the {etype} edge {toward} in its {direction} array", edge=key)
        return Derived(place, f"holds a {etype} edge {toward} in its {direction} array that the edges table "
                              "does not", edge=key)

    def _id(self, nid: int) -> str:
        row = self.conn.execute(sql.SELECT_ID_BY_NID, (nid,)).fetchone()
        return str(row[0]) if row is not None else f"<nid {nid}: no such node>"


def _expected(rows: Iterable[tuple[int, int]]) -> Iterator[tuple[int, list[int]]]:
    """(nid, packed entries its array must hold) per node, from (nid, packed entry) rows ordered by nid."""
    second = itemgetter(1)
    for nid, group in groupby(rows, key=itemgetter(0)):
        yield nid, list(map(second, group))
