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

from modelctx.budget import Budget
from modelctx.graph.store import GraphStore

#: entries kept per node (the newest ones); older ones are counted, not listed
MAX_ENTRIES = 200
#: entries of the node read between two checks of the request's time budget
BUDGET_EVERY = 256


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


def node_history(
    store: GraphStore, node_id: str, *, max_entries: int = MAX_ENTRIES, budget: Budget | None = None
) -> dict[str, Any]:
    """The entries that wrote ``node_id`` or an edge of it, oldest first (the newest ``max_entries``).

    Read through ``store.node_changes``, so a project's view gets the node's
    history without the edges to nodes it does not show (``graph/scoped.py``).
    The whole log is read, so ``budget`` is checked every ``BUDGET_EVERY`` entries.
    """
    kept: deque[HistoryEntry] = deque(maxlen=max_entries)
    before: dict[str, Any] | None = None
    total = 0
    for total, change in enumerate(store.node_changes(node_id), start=1):
        if budget is not None and total % BUDGET_EVERY == 0:
            budget.check(f"the history of {node_id}")
        entry = HistoryEntry(change.seq, change.at, change.actor, edges=[dict(edge) for edge in change.edges],
                             removed_edges=[dict(edge) for edge in change.removed_edges])
        if change.properties is not None:
            after = change.properties
            entry.created = before is None
            old = before or {}
            entry.changed = {key: {"from": old.get(key), "to": after.get(key)}
                             for key in sorted(set(old) | set(after)) if old.get(key) != after.get(key)}
            before = after
        kept.append(entry)
    return {"id": node_id, "entries": [e.to_json() for e in kept], "total": total,
            "truncated": total > len(kept)}
