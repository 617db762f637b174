"""One node's change history, read from the hash-chained change log.

Every change-log entry holds the full properties of each node and edge it
wrote (``graph/replay.py``), so a node's history is the sequence of entries
naming it, each compared with the properties before it. The web app's change
history tab lists these entries and offers each entry's time as an as-of point
(``GraphStore.as_of``, ``graph/snapshot.py``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from modelctx.graph.changelog import ChangeOp
from modelctx.graph.store import GraphStore

#: entries kept per node (the newest ones); older ones are counted, not listed
MAX_ENTRIES = 200


@dataclass(slots=True)
class HistoryEntry:
    """One write that touched the node: what changed in its properties and which edges it wrote."""

    seq: int
    at: str
    actor: str
    created: bool = False
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, str]] = field(default_factory=list)
    removed_edges: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "created": self.created,
                "changed": self.changed, "edges": self.edges, "removed_edges": self.removed_edges}


def node_history(store: GraphStore, node_id: str, *, max_entries: int = MAX_ENTRIES) -> dict[str, Any]:
    """The entries that wrote ``node_id`` or an edge of it, oldest first (the newest ``max_entries``).

    The caller checks first that ``node_id`` is in its view (``store.get_node``):
    the log itself is not project-scoped, so only the node's own records and
    its edges are read from it.
    """
    store.get_node(node_id)  # NotFoundError for a node outside the caller's view
    kept: deque[HistoryEntry] = deque(maxlen=max_entries)
    before: dict[str, Any] | None = None
    total = 0
    for change in store.changes(0):
        payload = change.payload
        entry: HistoryEntry | None = None
        if change.op == ChangeOp.UPSERT_NODES:
            for record in payload.get("nodes", []):
                if record.get("id") != node_id:
                    continue
                after = record.get("properties") or {}
                entry = HistoryEntry(change.seq, change.at, change.actor, created=before is None)
                old = before or {}
                entry.changed = {key: {"from": old.get(key), "to": after.get(key)}
                                 for key in sorted(set(old) | set(after)) if old.get(key) != after.get(key)}
                before = after
        elif change.op == ChangeOp.UPSERT_EDGES:
            touching = [r for r in payload.get("edges", []) if node_id in (r.get("source"), r.get("target"))]
            if touching:
                entry = HistoryEntry(change.seq, change.at, change.actor)
                entry.edges = [{"source": r["source"], "type": r["type"], "target": r["target"]} for r in touching]
        elif change.op == ChangeOp.REMOVE_EDGES:
            touching = [r for r in payload.get("edges", []) if node_id in (r.get("source"), r.get("target"))]
            if touching:
                entry = HistoryEntry(change.seq, change.at, change.actor)
                entry.removed_edges = [{"source": r["source"], "type": r["type"], "target": r["target"]}
                                       for r in touching]
        if entry is not None:
            total += 1
            kept.append(entry)
    return {"id": node_id, "entries": [e.to_json() for e in kept], "total": total,
            "truncated": total > len(kept)}
