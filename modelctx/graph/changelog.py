"""The change log's record format, hash chain and verification, shared by every backend.

Each entry's hash is SHA-256 over its header (sequence, time, actor, operation,
previous hash) as a compact JSON array, a newline, and the payload's canonical JSON
text exactly as stored. Hashing the stored payload text (rather than
re-serialising it) keeps verification fast and makes any edit of a stored row,
even one that parses to the same value, visible.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from modelctx.graph.model import canonical_json
from modelctx.times import format_iso, now

GENESIS_HASH = "0" * 64

#: Records per change-log entry: large batches are split so entries stay small.
RECORDS_PER_ENTRY = 1000


class ChangeOp:
    """Operation names written to the log."""

    UPSERT_NODES = "upsert_nodes"
    UPSERT_EDGES = "upsert_edges"
    #: Payload ``{"edges": [{"source", "target", "type"}]}``: those edges no longer exist.
    REMOVE_EDGES = "remove_edges"


@dataclass(frozen=True, slots=True)
class NodeChange:
    """One change-log entry reduced to what it wrote about one node: the node's record and the edges touching it."""

    seq: int
    at: str
    actor: str
    #: the properties the entry wrote for the node (None when it wrote only edges of it)
    properties: dict[str, Any] | None
    #: ``{"source", "type", "target"}`` of each edge touching the node that the entry wrote
    edges: tuple[dict[str, str], ...] = ()
    #: the same of each edge touching the node that the entry removed (a ``remove_edges`` entry)
    removed_edges: tuple[dict[str, str], ...] = ()


def about_node(change: Change, node_id: str) -> NodeChange | None:
    """``change`` reduced to ``node_id`` (None when the entry did not write the node or an edge of it)."""
    payload = change.payload
    properties: dict[str, Any] | None = None
    edges: list[dict[str, str]] = []
    if change.op == ChangeOp.UPSERT_NODES:
        for record in payload.get("nodes", []):
            if record.get("id") == node_id:
                properties = record.get("properties") or {}
    elif change.op in (ChangeOp.UPSERT_EDGES, ChangeOp.REMOVE_EDGES):
        edges = [{"source": r["source"], "type": r["type"], "target": r["target"]}
                 for r in payload.get("edges", []) if node_id in (r.get("source"), r.get("target"))]
    if properties is None and not edges:
        return None
    if change.op == ChangeOp.REMOVE_EDGES:
        return NodeChange(change.seq, change.at, change.actor, None, removed_edges=tuple(edges))
    return NodeChange(change.seq, change.at, change.actor, properties, tuple(edges))


@dataclass(frozen=True, slots=True)
class Change:
    """One change-log entry. ``payload_json`` is the canonical JSON text that was hashed."""

    seq: int
    at: str
    actor: str
    op: str
    payload_json: str
    prev_hash: str
    hash: str

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload_json)
        return value

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "op": self.op,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(slots=True)
class VerifyResult:
    """Outcome of checking the hash chain: ``first_bad_seq`` names the first broken link."""

    ok: bool
    checked: int
    last_seq: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_hash: str = GENESIS_HASH

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
            "head_hash": self.head_hash,
        }


def now_iso() -> str:
    """The current time in the written form of ``modelctx/times.py`` (UTC, microseconds), as stored in the log."""
    return format_iso(now())


_json_text = json.JSONEncoder(ensure_ascii=False).encode


def _json_str(text: str) -> str:
    """``json.dumps(text, ensure_ascii=False)``, without the encoder call for plain strings."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return _json_text(text)


_NAME_JSON: dict[str, str] = {}


def _json_name(text: str) -> str:
    """``_json_str`` memoised for the few distinct actors and operations a log holds."""
    quoted = _NAME_JSON.get(text)
    if quoted is None:
        quoted = _json_str(text)
        if len(_NAME_JSON) < 10_000:
            _NAME_JSON[text] = quoted
    return quoted


def entry_hash(seq: int, at: str, actor: str, op: str, prev_hash: str, payload_json: str) -> str:
    """SHA-256 over the header as a compact JSON array, a newline and the payload text.

    The array keeps the header unambiguous whatever the actor's name holds; it is
    assembled by hand because verification runs this once per entry.
    """
    header = f"[{int(seq)},{_json_str(at)},{_json_name(actor)},{_json_name(op)},{_json_str(prev_hash)}]"
    return hashlib.sha256(f"{header}\n{payload_json}".encode()).hexdigest()


def make_change(seq: int, at: str, actor: str, op: str, payload: Any, prev_hash: str) -> Change:
    """Build the next entry of the chain."""
    return _change(seq, at, actor, op, canonical_json(payload), prev_hash)


def _change(seq: int, at: str, actor: str, op: str, payload_json: str, prev_hash: str) -> Change:
    return Change(seq, at, actor, op, payload_json, prev_hash, entry_hash(seq, at, actor, op, prev_hash, payload_json))


def chain_changes(
    first_seq: int, prev_hash: str, at: str, actor: str, entries: Iterable[tuple[str, Any]]
) -> list[Change]:
    """Chain (op, payload) pairs after ``prev_hash``, numbering from ``first_seq``.

    The payloads are a write plan's validated records (``graph/planner.py``), which hold no reference cycle.
    """
    out: list[Change] = []
    for offset, (op, payload) in enumerate(entries):
        change = _change(first_seq + offset, at, actor, op, canonical_json(payload, acyclic=True), prev_hash)
        out.append(change)
        prev_hash = change.hash
    return out


def chunk_records(op: str, key: str, records: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Split records into log entries of at most RECORDS_PER_ENTRY."""
    for start in range(0, len(records), RECORDS_PER_ENTRY):
        yield op, {key: records[start : start + RECORDS_PER_ENTRY]}


ChangeRow = tuple[int, str, str, str, str, str, str]
"""(seq, at, actor, op, payload_json, prev_hash, hash): a stored entry as backends read it."""


def verify_chain(changes: Iterable[Change]) -> VerifyResult:
    """Walk entries in sequence order; report the first gap, broken link or wrong hash."""
    return verify_rows(
        (c.seq, c.at, c.actor, c.op, c.payload_json, c.prev_hash, c.hash) for c in changes
    )


def _missing(expected_seq: int, seq: int) -> str:
    return f"entry {expected_seq} is missing (next stored entry is {seq})"


def _unlinked(seq: int) -> str:
    return f"entry {seq} does not link to the hash of entry {seq - 1}"


def _altered(seq: int) -> str:
    return f"entry {seq} was altered: its content does not match its hash"


def verify_rows(rows: Iterable[ChangeRow]) -> VerifyResult:
    """``verify_chain`` over raw rows, so backends can stream a cursor without building objects."""
    walk = ChainWalk()
    for row in rows:
        if not walk.step(row):
            break
    return walk.result()


class ChainWalk:
    """The hash chain checked one entry at a time (``verify_rows``, and ``graph/integrity.py``, which does more
    with each entry); after the first failure the walk stops and ``result`` reports it."""

    __slots__ = ("prev_hash", "expected_seq", "checked", "failure")

    def __init__(self) -> None:
        self.prev_hash = GENESIS_HASH
        self.expected_seq = 1
        self.checked = 0
        self.failure: VerifyResult | None = None

    def step(self, row: ChangeRow) -> bool:
        """Check the next stored entry; False (the walk has failed) if it breaks the chain."""
        seq, at, actor, op, payload_json, stored_prev, stored_hash = row
        if seq != self.expected_seq:
            self.failure = VerifyResult(
                False, self.checked, seq, self.expected_seq, _missing(self.expected_seq, seq), self.prev_hash
            )
        elif stored_prev != self.prev_hash:
            self.failure = VerifyResult(False, self.checked, seq, seq, _unlinked(seq), self.prev_hash)
        elif entry_hash(seq, at, actor, op, stored_prev, payload_json) != stored_hash:
            self.failure = VerifyResult(False, self.checked, seq, seq, _altered(seq), self.prev_hash)
        else:
            self.checked += 1
            self.prev_hash = stored_hash
            self.expected_seq += 1
            return True
        return False

    def reject(self, row: ChangeRow, reason: str) -> None:
        """Fail the walk at ``row``, an entry ``step`` accepted but the caller cannot use (an unreadable payload)."""
        seq = row[0]
        self.failure = VerifyResult(False, self.checked - 1, seq, seq, reason, row[5])

    def result(self) -> VerifyResult:
        if self.failure is not None:
            return self.failure
        return VerifyResult(True, self.checked, self.expected_seq - 1, None, None, self.prev_hash)


#: Created ids a sum of write results keeps (an ingest of millions of nodes reports the count, and these).
MAX_CREATED_IDS = 1000


@dataclass(slots=True)
class WriteResult:
    """What one write batch changed; ``seqs`` are the change-log entries it appended."""

    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0
    edges_removed: int = 0
    seqs: list[int] = field(default_factory=list)
    #: Ids of the nodes this write created, in batch order; a sum (``add``) keeps the first ``MAX_CREATED_IDS``.
    created_ids: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.nodes_created or self.nodes_updated or self.edges_created or self.edges_updated
                    or self.edges_removed)

    def add(self, other: WriteResult) -> None:
        self.nodes_created += other.nodes_created
        self.nodes_updated += other.nodes_updated
        self.nodes_unchanged += other.nodes_unchanged
        self.edges_created += other.edges_created
        self.edges_updated += other.edges_updated
        self.edges_unchanged += other.edges_unchanged
        self.edges_removed += other.edges_removed
        self.seqs.extend(other.seqs)
        self.created_ids.extend(other.created_ids[: max(0, MAX_CREATED_IDS - len(self.created_ids))])

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes_created": self.nodes_created,
            "nodes_updated": self.nodes_updated,
            "nodes_unchanged": self.nodes_unchanged,
            "edges_created": self.edges_created,
            "edges_updated": self.edges_updated,
            "edges_unchanged": self.edges_unchanged,
            "edges_removed": self.edges_removed,
            "seqs": self.seqs,
            "created_ids": self.created_ids,
        }
