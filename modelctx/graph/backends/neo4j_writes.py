"""The write side of the Neo4j backend: one transaction per batch, UNWIND statements.

``BatchWriter`` runs inside a managed write transaction (the driver retries the
whole function on transient errors, so it only reads and writes through ``tx``):
it takes the change-log head's lock, reads what the batch touches, merges in
Python with the shared rules of ``graph/batch.py`` and sends the rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from modelctx.errors import ConflictError, ValidationError
from modelctx.graph.backends import neo4j_cypher as cy
from modelctx.graph.backends.json_text import dumps_props as dumps
from modelctx.graph.batch import PreparedBatch, merge_properties, missing_endpoint_error
from modelctx.graph.changelog import GENESIS_HASH, Change, WriteResult, chain_changes, now_iso
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.planner import EdgeKey, WritePlan, plan_edges, plan_nodes, plan_removals

if TYPE_CHECKING:
    from neo4j import ManagedTransaction

T = TypeVar("T")

#: Rows per UNWIND statement; a write sends as many statements as it needs in one transaction. A
#: bench batch of 10k records is one statement per kind or type (5k measured slower at 1M edges).
ROWS_PER_STATEMENT = 10_000
_INT64 = 2**63


def chunks(items: Sequence[T], size: int = ROWS_PER_STATEMENT) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_scalar(value: Any) -> bool:
    if isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, float) and math.isfinite(value)


def node_row(node_id: str, kind: NodeKind, nid: int, props: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form of a node: JSON text plus scalar copies for find_nodes."""
    row: dict[str, Any] = {"id": node_id, "kind": kind.value, "nid": nid, "props": dumps(props), "pkeys": list(props)}
    for key, value in props.items():
        if _is_scalar(value):
            row[cy.SCALAR_PREFIX + key] = value
    return row


def edge_props_text(props: Mapping[str, Any]) -> str | None:
    """An edge's stored ``props``: JSON text, or None (no property at all) for an edge without properties."""
    return dumps(props) if props else None


def resolve_nodes(tx: ManagedTransaction, ids: Iterable[str]) -> dict[str, str]:
    """Element id of each stored node among ``ids`` (one index seek per distinct id); missing ids are absent."""
    found: dict[str, str] = {}
    for chunk in chunks(list(dict.fromkeys(ids))):
        found.update(tx.run(cy.RESOLVE_NODES, ids=list(chunk)).single(strict=True)["found"])
    return found


def append_records(
    tx: ManagedTransaction, uri: str, nodes: Sequence[Node], edges: Sequence[Edge], changes: Sequence[Change]
) -> None:
    """Create ``nodes`` and ``edges`` as given and append ``changes`` verbatim (see ``append_verbatim``)."""
    next_nid = int(tx.run(cy.LOCK_HEAD, key=cy.HEAD_KEY).single(strict=True)["next_nid"])
    if changes:
        last = tx.run(cy.LAST_CHANGE).single()
        last_seq, last_hash = (int(last["seq"]), str(last["hash"])) if last else (0, GENESIS_HASH)
        first = changes[0]
        if first.seq != last_seq + 1 or first.prev_hash != last_hash:
            raise ConflictError(
                f"cannot append change-log entry {first.seq} to {uri}: "
                f"it does not continue the stored chain (last entry {last_seq})"
            )
    by_kind: dict[NodeKind, list[dict[str, Any]]] = {}
    for nid, node in enumerate(nodes, start=next_nid):
        by_kind.setdefault(node.kind, []).append(node_row(node.id, node.kind, nid, node.properties))
    for kind, rows in by_kind.items():
        for chunk in chunks(rows):
            tx.run(cy.CREATE_NODES[kind], rows=chunk).consume()
    found = resolve_nodes(tx, (i for edge in edges for i in (edge.source, edge.target)))
    by_type: dict[EdgeType, list[list[Any]]] = {}
    for edge in edges:
        if edge.source not in found or edge.target not in found:
            raise ValidationError(f"copying {edge.type.value} edges into {uri}: an endpoint is missing")
        row = [found[edge.source], found[edge.target], edge_props_text(edge.properties)]
        by_type.setdefault(edge.type, []).append(row)
    for etype, edge_rows in by_type.items():
        for edge_chunk in chunks(edge_rows):
            summary = tx.run(cy.CREATE_EDGES[etype], rows=edge_chunk).consume()
            if summary.counters.relationships_created != len(edge_chunk):
                raise ValidationError(f"copying {etype.value} edges into {uri}: an endpoint is missing")
    for chunk in chunks([change_row(c) for c in changes]):
        tx.run(cy.INSERT_CHANGES, rows=chunk).consume()
    tx.run(cy.SET_NEXT_NID, key=cy.HEAD_KEY, next_nid=next_nid + len(nodes)).consume()


def change_row(change: Change) -> dict[str, Any]:
    return {
        "seq": change.seq, "at": change.at, "actor": change.actor, "op": change.op,
        "payload": change.payload_json, "prev_hash": change.prev_hash, "hash": change.hash,
    }


class BatchWriter:
    """One write transaction: lock, read what the batch touches, plan (``graph/planner.py``), send UNWIND batches."""

    def __init__(self, tx: ManagedTransaction, batch: PreparedBatch, actor: str) -> None:
        self.tx = tx
        self.batch = batch
        self.actor = actor
        self.plan = WritePlan()

    def _rows(self, query: str, **params: Any) -> list[Any]:
        return list(self.tx.run(query, **params))

    def run(self) -> WriteResult:
        # The lock comes first: everything read below is read after the previous writer committed.
        next_nid = int(self.tx.run(cy.LOCK_HEAD, key=cy.HEAD_KEY).single(strict=True)["next_nid"])
        created = self._write_nodes(next_nid)
        if self.batch.edges:
            self._write_edges()
        if self.batch.removals:
            self._remove_edges()
        entries = self.plan.entries()
        result = self.plan.result
        if entries:
            last = self.tx.run(cy.LAST_CHANGE).single()
            last_seq, prev_hash = (int(last["seq"]), str(last["hash"])) if last else (0, GENESIS_HASH)
            changes = chain_changes(last_seq + 1, prev_hash, now_iso(), self.actor, entries)
            for chunk in chunks([change_row(c) for c in changes]):
                self.tx.run(cy.INSERT_CHANGES, rows=chunk).consume()
            result.seqs = [c.seq for c in changes]
        if created:
            self.tx.run(cy.SET_NEXT_NID, key=cy.HEAD_KEY, next_nid=next_nid + created).consume()
        return result

    def _write_nodes(self, next_nid: int) -> int:
        """Plan and store the batch's nodes; how many were created."""
        stored: dict[str, tuple[NodeKind, dict[str, Any]]] = {}
        nids: dict[str, int] = {}
        for id_chunk in chunks(list(self.batch.nodes)):
            for r in self._rows(cy.SELECT_NODES_FOR_WRITE, ids=list(id_chunk)):
                stored[r["id"]] = (NodeKind(r["kind"]), json.loads(r["props"]))
                nids[r["id"]] = r["nid"]
        plan_nodes(self.batch, stored, self.plan)
        inserts: dict[NodeKind, list[dict[str, Any]]] = {}
        for nid, node in enumerate(self.plan.node_inserts, start=next_nid):
            inserts.setdefault(node.kind, []).append(node_row(node.id, node.kind, nid, node.properties))
        for kind, rows in inserts.items():
            for chunk in chunks(rows):
                self.tx.run(cy.CREATE_NODES[kind], rows=chunk).consume()
        updates = [node_row(n.id, n.kind, nids[n.id], n.properties) for n in self.plan.node_updates]
        for chunk in chunks(updates):
            self.tx.run(cy.UPDATE_NODES, rows=chunk).consume()
        return len(self.plan.node_inserts)

    def _write_edges(self) -> None:
        """Create the batch's new edges and update the stored ones whose merged properties change.

        Each distinct endpoint is looked up once (``resolve_nodes``, after the batch's nodes are
        created); the per-type statements then find both ends by element id.
        """
        edges = list(self.batch.edges.values())
        found = resolve_nodes(self.tx, (i for e in edges for i in (e.source, e.target)))
        for edge in edges:
            for endpoint in (edge.source, edge.target):
                if endpoint not in found:
                    raise missing_endpoint_error(edge, endpoint)  # the transaction rolls back: nothing stays
        # One statement per type creates the missing edges and returns the stored ones' properties.
        new_rows: dict[EdgeType, list[list[Any]]] = {}
        for number, edge in enumerate(edges):
            props = edge_props_text(merge_properties({}, edge.properties))  # a new edge drops removals (None)
            row = [found[edge.source], found[edge.target], number, props]
            new_rows.setdefault(edge.type, []).append(row)
        stored: dict[EdgeKey, dict[str, Any]] = {}
        matched = 0
        for etype, rows in new_rows.items():
            for chunk in chunks(rows):
                record = self.tx.run(cy.CREATE_MISSING_EDGES[etype], rows=chunk).single(strict=True)
                matched += record["matched"]
                for number, props in record["stored"]:
                    edge = edges[number]
                    stored[(edge.source, etype.value, edge.target)] = json.loads(props)
        if matched != len(edges):
            raise ValidationError("an edge of the batch could not be written: an endpoint disappeared meanwhile")
        plan_edges(self.batch, stored, self.plan)
        updates: dict[EdgeType, list[list[Any]]] = {}
        for _key, edge in self.plan.edge_updates:
            row = [found[edge.source], found[edge.target], edge_props_text(edge.properties)]
            updates.setdefault(edge.type, []).append(row)
        for etype, update_rows in updates.items():
            for chunk in chunks(update_rows):
                self.tx.run(cy.UPDATE_EDGES[etype], rows=chunk).consume()

    def _remove_edges(self) -> None:
        """Delete the batch's removed edges that are stored; the plan logs those."""
        rows: dict[EdgeType, list[dict[str, Any]]] = {}
        for removal in self.batch.removals.values():
            rows.setdefault(removal.type, []).append({"s": removal.source, "d": removal.target})
        removed: set[EdgeKey] = set()
        for etype, typed in rows.items():
            for chunk in chunks(typed):
                record = self.tx.run(cy.DELETE_EDGES[etype], rows=list(chunk)).single(strict=True)
                removed.update((source, etype.value, target) for source, target in record["removed"])
        plan_removals(self.batch, removed, self.plan)
