"""When the event a node records happened: one rule for audits, policies, the portfolio and search.

Each kind names the properties that hold its time, most specific first (a
review's ``at``, a deployment's ``deployed_at``, a run's ``started_at``);
other kinds take the first of the common names. Values are read by
``modelctx/times.py`` (ISO text or epoch numbers; a time without zone is UTC).
"""

from __future__ import annotations

from datetime import datetime

from modelctx.graph.model import Node, NodeKind
from modelctx.times import read_stored

#: Property names that hold the time a node's event happened, most specific first.
TIME_KEYS: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.REVIEW: ("at", "reviewed_at", "created_at"),
    NodeKind.DEPLOYMENT: ("deployed_at", "at", "created_at"),
    NodeKind.MONITORING_REPORT: ("at", "created_at", "window_end", "ended_at"),
    NodeKind.RUN: ("started_at", "ended_at", "created_at"),
    NodeKind.COMMIT: ("authored_at", "committed_at", "at"),
}
#: The names any other kind's time may be under.
COMMON_KEYS: tuple[str, ...] = ("at", "created_at", "started_at", "deployed_at", "reviewed_at", "timestamp", "ended_at")


def event_time(node: Node) -> datetime | None:
    """When ``node``'s event happened, aware; None when it records no readable time."""
    for key in TIME_KEYS.get(node.kind, COMMON_KEYS):
        when = read_stored(node.properties.get(key))
        if when is not None:
            return when
    return None
