"""Copy a whole graph between two stores of any backend, change log included.

The source's change log is the graph's history: folding it (``graph/replay.py``)
gives exactly the stored graph, in insertion order. ``copy_graph`` reads the log once
(checking the hash chain as it goes), writes the final nodes and edges into an
empty target, then appends the source's log entries verbatim, so the target's
chain verifies with the source's own hashes. At the end it compares counts
and chain heads and raises if anything differs.

The target takes a verbatim copy through ``append_verbatim`` (see
:class:`VerbatimTarget`); a backend without it cannot be a copy target. Records
go in transactions of the target's ``verbatim_records`` (an embedded store takes
large ones, a server smaller ones), nodes first, then edges.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast, runtime_checkable

from modelctx.errors import BackendError, ConfigError, ConflictError
from modelctx.graph.changelog import RECORDS_PER_ENTRY, Change, verify_chain
from modelctx.graph.collector import collector_paused
from modelctx.graph.model import Edge, Node
from modelctx.graph.replay import Replay
from modelctx.graph.store import GraphStore

#: Records per target transaction unless the target says (``verbatim_records``): large enough to be fast,
#: small enough for a server's memory.
RECORDS_PER_TRANSACTION = 20_000
#: Change-log entries per target transaction, at most.
ENTRIES_PER_TRANSACTION = 100

Progress = Callable[[str, int, int | None], None]
"""progress(phase, advanced, total): phase is "reading", "writing" or "log"."""


@runtime_checkable
class VerbatimTarget(Protocol):
    def append_verbatim(self, nodes: Sequence[Node], edges: Sequence[Edge], changes: Sequence[Change]) -> None:
        """Store new records and change-log entries exactly as given, in one transaction."""
        ...


@dataclass(slots=True)
class CopyReport:
    """What was copied, and the proof that source and target agree."""

    source: str
    target: str
    nodes: int = 0
    edges: int = 0
    entries: int = 0
    head_hash: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "target": self.target, "nodes": self.nodes, "edges": self.edges,
            "entries": self.entries, "head_hash": self.head_hash, "counts": self.counts,
            "seconds": round(self.seconds, 3),
        }


def _ignore(phase: str, advanced: int, total: int | None) -> None:
    return None


def copy_graph(
    source: GraphStore,
    target: GraphStore,
    *,
    progress: Progress = _ignore,
    records_per_transaction: int | None = None,
) -> CopyReport:
    """Copy every node, edge and change-log entry of ``source`` into the empty ``target``.

    Raises ConfigError if the target's backend cannot take a verbatim copy,
    ConflictError if the target is not empty, BackendError if the source's chain
    is broken or if, after the copy, counts or chain heads differ.
    """
    started = time.perf_counter()
    if not isinstance(target, VerbatimTarget):
        raise ConfigError(f"the store {target.uri} cannot be a copy target: its backend has no append_verbatim")
    if records_per_transaction is None:
        records_per_transaction = int(getattr(target, "verbatim_records", RECORDS_PER_TRANSACTION))
    if target.last_seq() != 0 or any(target.counts().values()):
        raise ConflictError(f"the copy target {target.uri} is not empty; copy into a new, empty store")
    report = CopyReport(source.uri, target.uri)
    with collector_paused():  # the copy holds the whole replayed graph: graph/collector.py
        _copy(source, target, progress, records_per_transaction, report)
    report.seconds = time.perf_counter() - started
    return report


def _copy(
    source: GraphStore, target: GraphStore, progress: Progress, records_per_transaction: int, report: CopyReport
) -> None:
    sink = cast("VerbatimTarget", target)  # checked by copy_graph
    total_entries = source.last_seq()
    progress("reading", 0, total_entries)
    replay = Replay()

    def reading(changes: Iterator[Change]) -> Iterator[Change]:
        for change in changes:
            progress("reading", 1, None)
            yield change

    checked = verify_chain(replay.feed(reading(source.changes(0, limit=total_entries))))
    if not checked.ok:
        raise BackendError(f"the change log of {source.uri} does not verify: {checked.reason}; nothing was copied")

    nodes, edges = list(replay.nodes.values()), list(replay.edges.values())
    progress("writing", 0, len(nodes) + len(edges))
    # Nodes, then edges, cut into transactions of records_per_transaction (one may end the nodes and start the edges).
    for start in range(0, len(nodes) + len(edges), records_per_transaction):
        end = start + records_per_transaction
        node_part = nodes[start:end]
        edge_part = edges[max(0, start - len(nodes)) : max(0, end - len(nodes))]
        sink.append_verbatim(node_part, edge_part, ())
        progress("writing", len(node_part) + len(edge_part), None)

    progress("log", 0, checked.checked)
    # An entry holds up to RECORDS_PER_ENTRY records: send about records_per_transaction per transaction, and at
    # most ENTRIES_PER_TRANSACTION (an entry's payload can be a few hundred kB, and these are held in memory).
    entries_per_transaction = max(1, min(records_per_transaction // RECORDS_PER_ENTRY, ENTRIES_PER_TRANSACTION))
    pending: list[Change] = []
    for change in source.changes(0, limit=checked.checked):
        pending.append(change)
        if len(pending) >= entries_per_transaction:
            sink.append_verbatim((), (), pending)
            progress("log", len(pending), None)
            pending = []
    if pending:
        sink.append_verbatim((), (), pending)
        progress("log", len(pending), None)

    report.nodes, report.edges, report.entries = len(nodes), len(edges), checked.checked
    _check_copy(source, target, checked.head_hash, checked.checked, report)


def _check_copy(source: GraphStore, target: GraphStore, head_hash: str, entries: int, report: CopyReport) -> None:
    """Raise BackendError unless the target holds what the source's log describes."""
    result = target.verify()
    if not result.ok:
        raise BackendError(f"the copy in {target.uri} does not verify: {result.reason}")
    if result.checked != entries or result.head_hash != head_hash:
        raise BackendError(
            f"the copy in {target.uri} has {result.checked} log entries ending in {result.head_hash[:12]}, "
            f"the source {entries} ending in {head_hash[:12]}"
        )
    counts = target.counts()
    folded_nodes = sum(counts["nodes"].values())
    folded_edges = sum(counts["edges"].values())
    if (folded_nodes, folded_edges) != (report.nodes, report.edges):
        raise BackendError(
            f"the copy in {target.uri} holds {folded_nodes} nodes and {folded_edges} edges, "
            f"the source's log {report.nodes} and {report.edges}"
        )
    source_counts = source.counts()
    if source_counts != counts:
        raise BackendError(f"counts differ after the copy: source {source_counts}, target {counts}")
    report.head_hash = head_hash
    report.counts = counts
