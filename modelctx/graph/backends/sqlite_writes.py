"""The SQLite store's write path: upserts, adjacency arrays, change-log entries and verbatim copies.

A mixin of :class:`~modelctx.graph.backends.sqlite.SqliteGraphStore`, split
out to keep each module to one job; it relies on the store's connection,
transaction and id-resolution helpers.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from modelctx.errors import BackendError, ConflictError
from modelctx.graph.backends import sqlite_arrays as arrays
from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.sqlite_codec import KIND_BY_CODE, dumps, dumps_props, pack
from modelctx.graph.batch import PreparedBatch, missing_endpoint_error
from modelctx.graph.changelog import GENESIS_HASH, Change, WriteResult, chain_changes, now_iso
from modelctx.graph.model import Edge, Node, NodeKind
from modelctx.graph.planner import EdgeKey, WritePlan, plan_edges, plan_nodes, plan_removals

_FIRST = itemgetter(0)
#: No ids: the second lookup of an edge-only batch's ends (``_resolve_edges``), which has only remembered ones.
_NONE: dict[str, tuple[int, int]] = {}

if TYPE_CHECKING:
    from modelctx.graph.backends.sqlite_cache import AdjacencyCache
    from modelctx.graph.store import GraphStore


#: Committed ids a store remembers for resolving edge endpoints (about 200 bytes each).
COMMITTED_IDS_LIMIT = 1_000_000


class SqliteWriter:
    """Write methods of the SQLite store."""

    #: Records per ``append_verbatim`` call a copy sends (``graph/copy.py``): large, because each call writes
    #: every touched node's adjacency arrays once; one transaction also keeps a killed copy from leaving half.
    verbatim_records = 1_000_000

    path: Path
    _adjacency_cache: AdjacencyCache | None
    #: Edges the open ``bulk()`` blocks must have written before the edges' index by target may be dropped until
    #: they end (``_defer_dst_index``): large enough that a small import never rebuilds a large store's index.
    defer_index_at = 100_000

    #: Open ``bulk()`` blocks: while above 0, writes defer their adjacency entries (``sqlite_arrays.py``).
    _bulk_depth: int
    _committed_ids: dict[str, tuple[int, int]]
    #: Edges the open bulk blocks inserted, the count at which ``_defer_dst_index`` looks at the table next, and
    #: whether they dropped the index (``sqlite.py`` builds it again when the last block ends).
    _bulk_edges: int
    _bulk_check_at: int
    _dst_index_dropped: bool

    if TYPE_CHECKING:  # provided by SqliteGraphStore, which this class is mixed into

        def _writing(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _resolve(
            self, conn: sqlite3.Connection, ids: Iterable[str], known: dict[str, tuple[int, int]]
        ) -> None: ...

    def _invalidate_adjacency(self) -> None:
        """Drop the closures' cached neighbour arrays after a commit (none until a walk made them)."""
        if self._adjacency_cache is not None:
            self._adjacency_cache.invalidate()

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        return self._transact(lambda _store: batch, actor)

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        # id -> (nid, kind code) of every node the batch read or wrote, remembered once it is committed.
        known: dict[str, tuple[int, int]] = {}
        try:
            with self._writing() as conn:
                # Reads by this thread reuse its connection, so the work reads inside the write transaction.
                batch = work(cast("GraphStore", self))
                result = self._write_batch(conn, batch, actor, known) if not batch.empty else WriteResult()
        except sqlite3.Error as exc:
            raise BackendError(f"write to {self.path} failed: {exc}") from exc
        self._remember_ids(known)
        if result.edges_created or result.edges_removed:
            self._invalidate_adjacency()
        return result

    def _remember_ids(self, known: dict[str, tuple[int, int]]) -> None:
        """Keep committed ids' (nid, kind code), so later batches resolve edge endpoints without reading.

        Always valid: nodes are never deleted, and a node keeps its nid and its kind (the planner refuses a
        change of kind). Read only inside write transactions, which see every commit; bounded.
        """
        ids = self._committed_ids
        if len(ids) + len(known) <= COMMITTED_IDS_LIMIT:
            ids.update(known)

    def _write_batch(
        self, conn: sqlite3.Connection, batch: PreparedBatch, actor: str, known: dict[str, tuple[int, int]]
    ) -> WriteResult:
        """Read what the batch touches, plan (``graph/planner.py``), store the plan and its log entries.

        ``known`` (id -> nid and kind code) is filled from the batch's nodes and, for edges, the store.
        """
        plan = WritePlan()
        created = self._write_nodes(conn, batch, known, plan)
        if batch.edges:
            self._write_edges(conn, batch, known, created, plan)
        if batch.removals:
            self._remove_edges(conn, batch, known, plan)
        entries = plan.entries()
        if entries:
            row = conn.execute(sql.LAST_CHANGE).fetchone()
            last_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS_HASH)
            changes = chain_changes(last_seq + 1, prev_hash, now_iso(), actor, entries)
            conn.executemany(
                sql.INSERT_CHANGE,
                [(c.seq, c.at, c.actor, c.op, c.payload_json, c.prev_hash, c.hash) for c in changes],
            )
            plan.result.seqs = [c.seq for c in changes]
        return plan.result

    def _write_nodes(
        self, conn: sqlite3.Connection, batch: PreparedBatch, known: dict[str, tuple[int, int]], plan: WritePlan
    ) -> set[int]:
        """Plan and store the batch's nodes; the nids created."""
        nids: dict[str, int] = {}
        stored: dict[str, tuple[NodeKind, dict[str, Any]]] = {}
        if batch.nodes:
            for nid, node_id, kind, props in conn.execute(sql.SELECT_NODES_BY_IDS, (dumps(list(batch.nodes)),)):
                nids[node_id] = nid
                stored[node_id] = (KIND_BY_CODE[kind], json.loads(props))
                known[node_id] = (nid, kind)
        plan_nodes(batch, stored, plan)
        next_nid = conn.execute(sql.MAX_NID).fetchone()[0] + 1
        inserts: list[tuple[int, str, int, str]] = []
        for nid, node in enumerate(plan.node_inserts, start=next_nid):
            kind_code = node.kind._code  # type: ignore[attr-defined]
            inserts.append((nid, node.id, kind_code, dumps_props(node.properties)))
            known[node.id] = (nid, kind_code)
        conn.executemany(sql.INSERT_NODE, inserts)
        conn.executemany(sql.UPDATE_NODE, [(dumps_props(n.properties), nids[n.id]) for n in plan.node_updates])
        return {row[0] for row in inserts}

    def _write_edges(
        self,
        conn: sqlite3.Connection,
        batch: PreparedBatch,
        known: dict[str, tuple[int, int]],
        created: set[int],
        plan: WritePlan,
    ) -> None:
        by_key = self._resolve_edges(conn, batch.edges, known)
        # Only edges between two nodes that existed before this batch can already be stored.
        if created:
            old_sources = sorted({r[0] for r in by_key.values() if r[0] not in created and r[2] not in created})
        else:  # an edge-only batch (most of a bulk import): every source, in one C-level pass
            old_sources = sorted(set(map(_FIRST, by_key.values())))
        raw: dict[tuple[int, int, int], str] = {}
        if old_sources:
            for src, etype, dst, props in conn.execute(sql.SELECT_EDGES_FROM_NIDS, (dumps(old_sources),)):
                raw[(src, etype, dst)] = props
        stored: dict[EdgeKey, dict[str, Any]] = {}
        if raw:
            for key, (src, etype, dst, _sk, _dk) in by_key.items():
                found = raw.get((src, etype, dst))
                if found is not None:
                    stored[key] = json.loads(found)
        plan_edges(batch, stored, plan)
        inserts = plan.edge_inserts
        if self._bulk_depth and inserts and not self._dst_index_dropped:
            self._defer_dst_index(conn, len(inserts))
        self._insert_edges(conn, list(map(by_key.__getitem__, map(_FIRST, inserts))),
                           [dumps_props(edge.properties) if edge.properties else "{}" for _key, edge in inserts])
        updates = []
        for key, edge in plan.edge_updates:
            src, etype, dst, _sk, _dk = by_key[key]
            updates.append((dumps_props(edge.properties), src, etype, dst))
        conn.executemany(sql.UPDATE_EDGE, updates)

    def _defer_dst_index(self, conn: sqlite3.Connection, new_edges: int) -> None:
        """Inside ``bulk()``, drop the edges' index by target once the import has inserted ``defer_index_at`` edges
        and at least as many as the table held before it; the end of the last block builds it again, in one sort.

        Each write's edges land all over that index (their targets are old nodes), so every commit of a batch
        rewrote most of its pages: about a sixth of an import's CPU time at a million edges, and more of its wall
        time (``bench/store_bench.py``). Only an access path goes: every read answers the same meanwhile (reads by
        target scan the edges instead), and a store opened without it, after an import was killed, builds it
        again (``sqlite.py``). Checked in the write's transaction, before its edges are inserted.
        """
        self._bulk_edges += new_edges
        if self._bulk_edges < max(self._bulk_check_at, self.defer_index_at):
            return
        if self._drop_dst_index(conn, self._bulk_edges, self._bulk_edges - new_edges):
            self._dst_index_dropped = True
        else:  # a large store: count again once the import has doubled
            self._bulk_check_at = 2 * self._bulk_edges

    def _drop_dst_index(self, conn: sqlite3.Connection, new_edges: int, stored_new: int) -> bool:
        """Drop the edges' index by target if ``new_edges`` (``stored_new`` of them already in the table) are at
        least ``defer_index_at`` and at least as many as the table held before them: building it again in one
        sort then costs less than keeping it (a small import into a large store keeps it)."""
        if new_edges < self.defer_index_at:
            return False
        if new_edges < int(conn.execute(sql.COUNT_EDGES).fetchone()[0]) - stored_new:
            return False
        conn.execute(sql.DROP_EDGES_BY_DST)
        return True

    def _resolve_edges(
        self, conn: sqlite3.Connection, edges: Mapping[EdgeKey, Edge], known: dict[str, tuple[int, int]]
    ) -> dict[EdgeKey, tuple[int, int, int, int, int]]:
        """(src, type code, dst, src kind, dst kind) per edge key; ValidationError for an unknown endpoint.

        Endpoints come from ``known`` (id -> nid and kind code), then from the ids this store saw committed
        (``_remember_ids``); those in neither are read in one statement, so a batch whose nodes came with it or
        before it (a bulk import) reads nothing.
        """
        # One pass over the batch: each endpoint from ``known``, then from the ids this store saw committed; only
        # edges with an endpoint in neither wait for the one read (then, in batch order, for the error).
        get, remembered = known.get, self._committed_ids.get
        if not known:  # an edge-only batch: one lookup per endpoint
            get, remembered = remembered, _NONE.get
        resolved: dict[EdgeKey, tuple[int, int, int, int, int]] = {}
        unresolved: list[tuple[EdgeKey, Edge]] = []
        for key, edge in edges.items():
            source = get(edge.source) or remembered(edge.source)
            target = get(edge.target) or remembered(edge.target)
            if source is None or target is None:
                unresolved.append((key, edge))
            else:
                resolved[key] = (source[0], edge.type._code, target[0], source[1], target[1])  # type: ignore[attr-defined]
        if unresolved:
            get, remembered = known.get, self._committed_ids.get
            unread = {i for _key, e in unresolved for i in (e.source, e.target) if remembered(i) is None}
            self._resolve(conn, sorted(unread), known)
            for key, edge in unresolved:
                source = get(edge.source) or remembered(edge.source)
                target = get(edge.target) or remembered(edge.target)
                if source is None or target is None:
                    raise missing_endpoint_error(edge, edge.source if source is None else edge.target)
                resolved[key] = (source[0], edge.type._code, target[0], source[1], target[1])  # type: ignore[attr-defined]
        return resolved

    def _insert_edges(
        self, conn: sqlite3.Connection, ends: list[tuple[int, int, int, int, int]], props: list[str]
    ) -> None:
        """Insert new edges, ``ends`` (src, type, dst, src kind, dst kind) with the props JSON beside each in
        ``props``, and extend both endpoints' arrays.

        In column operations (numpy): a bulk write makes one Python tuple per edge, for its row, and none per entry.
        """
        import numpy as np

        cols = np.fromiter(chain.from_iterable(ends), dtype=np.int64, count=5 * len(ends)).reshape(-1, 5)
        # Key order (src, type, dst): each insert lands at the same end of the edges B-tree, and the arrays get each
        # node's new entries in that order.
        order = np.lexsort((cols[:, 2], cols[:, 1], cols[:, 0]))
        src, etype, dst, src_kind, dst_kind = cols[order].T
        conn.executemany(sql.INSERT_EDGE, zip(
            src.tolist(), etype.tolist(), dst.tolist(), map(props.__getitem__, order.tolist()), strict=True
        ))
        self._extend_adjacency(
            conn,
            arrays.Additions.of(src, (dst << 16) | (etype << 8) | dst_kind),  # sqlite_codec.pack, per column
            arrays.Additions.of(dst, (src << 16) | (etype << 8) | src_kind),
        )

    def append_verbatim(self, nodes: Sequence[Node], edges: Sequence[Edge], changes: Sequence[Change]) -> None:
        """Store new records and another store's change-log entries exactly as given (``modelctx copy``).

        Nothing is merged and no entry of our own is made, so the copied chain keeps
        the source's hashes. Nodes must be new (ConflictError otherwise), edge
        endpoints stored or in ``nodes`` (ValidationError), and the first entry must
        continue the stored chain (ConflictError).
        """
        try:
            with self._writing() as conn:
                if changes:
                    row = conn.execute(sql.LAST_CHANGE).fetchone()
                    last_seq, last_hash = (row[0], row[1]) if row else (0, GENESIS_HASH)
                    if changes[0].seq != last_seq + 1 or changes[0].prev_hash != last_hash:
                        raise ConflictError(
                            f"cannot append change-log entry {changes[0].seq} to {self.path}: "
                            f"it does not continue the stored chain (last entry {last_seq})"
                        )
                known: dict[str, tuple[int, int]] = {}
                self._resolve(conn, (n.id for n in nodes), known)
                if known:
                    raise ConflictError(f"cannot append node {next(iter(known))} to {self.path}: it is already stored")
                next_nid = conn.execute(sql.MAX_NID).fetchone()[0] + 1
                inserts = []
                for nid, node in enumerate(nodes, start=next_nid):
                    inserts.append((nid, node.id, node.kind.code, dumps_props(node.properties)))
                    known[node.id] = (nid, node.kind.code)
                conn.executemany(sql.INSERT_NODE, inserts)
                resolved = self._resolve_edges(conn, {edge.key: edge for edge in edges}, known)
                # One transaction: the index by target, if dropped (``_drop_dst_index``), is built again before it
                # commits, in one sort instead of an insert per edge.
                rebuild = self._drop_dst_index(conn, len(edges), 0)
                self._insert_edges(conn, [resolved[edge.key] for edge in edges],
                                   [dumps_props(edge.properties) for edge in edges])
                if rebuild:
                    conn.execute(sql.CREATE_EDGES_BY_DST)
                conn.executemany(
                    sql.INSERT_CHANGE,
                    [(c.seq, c.at, c.actor, c.op, c.payload_json, c.prev_hash, c.hash) for c in changes],
                )
            if edges:
                self._invalidate_adjacency()
        except sqlite3.IntegrityError as exc:
            raise ConflictError(f"cannot append to {self.path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise BackendError(f"appending a copy to {self.path} failed: {exc}") from exc

    def _extend_adjacency(
        self, conn: sqlite3.Connection, up_add: arrays.Additions, down_add: arrays.Additions
    ) -> None:
        """Add the packed entries to each node's arrays (``sqlite_arrays.py``): inside ``bulk()`` as one pending row
        while the pending entries stay within ``FOLD_AT``; else appended to the rows, after any pending entries."""
        pending = arrays.pending_entries(conn)
        new = len(up_add) + len(down_add)
        if self._bulk_depth and pending + new <= arrays.FOLD_AT:
            if new:  # a row of no entries would never be folded: pending_entries counts entries, not rows
                arrays.defer(conn, up_add, down_add)
        elif pending:
            arrays.fold(conn, up_add, down_add)
        else:
            arrays.append(conn, up_add, down_add)

    def _remove_edges(
        self, conn: sqlite3.Connection, batch: PreparedBatch, known: dict[str, tuple[int, int]], plan: WritePlan
    ) -> None:
        """Delete the batch's removed edges that are stored, and their entries in both endpoints' arrays."""
        removals = list(batch.removals.values())
        self._resolve(conn, (i for r in removals for i in (r.source, r.target)), known)
        rows: dict[EdgeKey, tuple[int, int, int, int, int]] = {}
        for removal in removals:
            if removal.source in known and removal.target in known:
                (src, src_kind), (dst, dst_kind) = known[removal.source], known[removal.target]
                rows[removal.key] = (src, removal.type.code, dst, src_kind, dst_kind)
        sources = sorted({r[0] for r in rows.values()})
        present = {(src, etype, dst) for src, etype, dst, _props in conn.execute(sql.SELECT_EDGES_FROM_NIDS,
                                                                                  (dumps(sources),))}
        plan_removals(batch, {k for k, r in rows.items() if r[:3] in present}, plan)
        gone = [rows[key] for key in plan.edge_removals]
        conn.executemany(sql.DELETE_EDGE, [r[:3] for r in gone])
        up_drop: dict[int, set[int]] = {}
        down_drop: dict[int, set[int]] = {}
        for src, etype, dst, src_kind, dst_kind in gone:
            up_drop.setdefault(src, set()).add(pack(dst, etype, dst_kind))
            down_drop.setdefault(dst, set()).add(pack(src, etype, src_kind))
        touched = sorted(set(up_drop) | set(down_drop))
        if touched:
            arrays.fold(conn)  # pending entries into the rows first, so the rows hold every entry
        updated = []
        for nid, up, down in conn.execute(sql.SELECT_ADJACENCY_BY_NIDS, (dumps(touched),)):
            kept_up = array("q", (e for e in array("q", up) if e not in up_drop.get(nid, ())))
            kept_down = array("q", (e for e in array("q", down) if e not in down_drop.get(nid, ())))
            updated.append((nid, kept_up.tobytes(), kept_down.tobytes()))
        conn.executemany(sql.UPSERT_ADJACENCY, updated)
