"""Runs an ingestor against a store: batching, transactions, progress and the report.

An ingestor is any object with a ``name`` and a ``records()`` generator that
yields :class:`~modelctx.graph.model.Node`, :class:`~modelctx.graph.model.Edge`,
:class:`IngestWarning` and :class:`BatchEnd` items. A ``BatchEnd`` closes the
current batch early so a logical unit (one file, one event) is never split.

Two ways to write, chosen by the ingestor's ``atomic`` attribute:

- **All or nothing** (``atomic = True``: data files, features, reviews,
  deployments, whose input is bounded and read whole). Each batch is validated
  as it comes, so an error still names the record's origin, and everything is
  written in one transaction at the end: an ingest that fails at any point,
  while reading the source or while writing, leaves the store unchanged.
- **Per batch** (the default: git history, MLflow, OpenLineage files, whose
  sources can be larger than memory). Each batch is one transaction; a batch
  that fails is not written and the error names it; batches before it stay,
  and since every ingestor is idempotent, running it again after fixing the
  source completes the import (git resumes after the last stored head).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from modelctx.errors import ConflictError, IngestError, ValidationError
from modelctx.graph.changelog import WriteResult
from modelctx.graph.model import Edge, EdgeRemoval, Node
from modelctx.graph.store import DEFAULT_ACTOR, GraphStore
from modelctx.ingest.lookup import GraphLookup

DEFAULT_BATCH_SIZE = 5000
MAX_SAMPLED_WARNINGS = 20


@dataclass(frozen=True, slots=True)
class IngestWarning:
    """Something skipped or guessed; ``where`` names the file, line or record."""

    message: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True, slots=True)
class BatchEnd:
    """Marks the end of a logical unit; ``origin`` names it for error messages."""

    origin: str = ""


@dataclass(frozen=True, slots=True)
class InTransaction:
    """Records that merge with stored state, computed inside the write transaction (``GraphStore.transact``).

    ``work`` reads what is stored through the lookup it is given — as the
    transaction sees it, so a concurrent writer's update is never lost — and
    returns the unit's records. It may run more than once and must not have
    side effects. The runner writes each unit in its own transaction.
    """

    work: Callable[[GraphLookup], list[Node | Edge | EdgeRemoval | IngestWarning]]
    origin: str = ""


Record = Node | Edge | IngestWarning | BatchEnd | InTransaction


class Ingestor(Protocol):
    """What the runner needs of an ingestor."""

    name: str
    # ``atomic: bool`` (optional, default False): write everything in one transaction (module docstring).

    def records(self) -> Iterator[Record]:
        """Yield nodes, edges, warnings and batch ends; raise IngestError on bad input."""
        ...


@dataclass(slots=True)
class IngestReport:
    """The outcome of one ingest: counts by kind and edge type, what changed, sampled warnings."""

    ingestor: str
    dry_run: bool = False
    batches: int = 0
    nodes_by_kind: Counter[str] = field(default_factory=Counter)
    edges_by_type: Counter[str] = field(default_factory=Counter)
    write: WriteResult = field(default_factory=WriteResult)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0

    def warn(self, warning: IngestWarning) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_SAMPLED_WARNINGS:
            self.warnings.append(str(warning))

    def to_json(self) -> dict[str, Any]:
        return {
            "ingestor": self.ingestor,
            "dry_run": self.dry_run,
            "batches": self.batches,
            "nodes": dict(sorted(self.nodes_by_kind.items())),
            "edges": dict(sorted(self.edges_by_type.items())),
            "changes": self.write.to_json(),
            "warnings": self.warnings,
            "warning_count": self.warning_count,
        }


class ProgressSink(Protocol):
    def advance(self, records: int) -> None: ...


def run_ingest(
    store: GraphStore | None,
    ingestor: Ingestor,
    *,
    actor: str = DEFAULT_ACTOR,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: ProgressSink | None = None,
) -> IngestReport:
    """Write what ``ingestor`` yields into ``store`` in batches; with ``dry_run`` validate only.

    An ``atomic`` ingestor's batches are validated one by one and written together at the end.
    """
    from modelctx.graph.batch import prepare_batch

    report = IngestReport(ingestor.name, dry_run=dry_run)
    atomic = bool(getattr(ingestor, "atomic", False))
    nodes: list[Node] = []
    edges: list[Edge] = []
    held_nodes: list[Node] = []  # an atomic ingest's validated batches, written at the end
    held_edges: list[Edge] = []
    first_origin = ""
    not_written = "nothing was written" if atomic else "this batch was not written"

    def flush(origin: str) -> None:
        nonlocal nodes, edges, first_origin
        if not nodes and not edges:
            return
        where = origin or first_origin or f"batch {report.batches + 1}"
        try:
            if dry_run or store is None or atomic:
                prepare_batch(nodes, edges)
            else:
                report.write.add(store.write(nodes, edges, actor=actor))
        except (ValidationError, ConflictError) as exc:
            raise IngestError(f"{ingestor.name}: {where}: {exc} ({not_written})") from exc
        for node in nodes:
            report.nodes_by_kind[node.kind.value] += 1
        for edge in edges:
            report.edges_by_type[edge.type.value] += 1
        report.batches += 1
        if progress is not None:
            progress.advance(len(nodes) + len(edges))
        if atomic:
            held_nodes.extend(nodes)
            held_edges.extend(edges)
        nodes, edges, first_origin = [], [], ""

    # Batch after batch into one store: it may defer work each write would repeat until the import ends
    # (GraphStore.bulk; SQLite's neighbour arrays), reads meanwhile answering exactly as without it.
    # An atomic ingest writes once, after it, so has nothing to defer.
    with store.bulk() if store is not None and not dry_run and not atomic else nullcontext():
        for record in ingestor.records():
            if isinstance(record, Node):
                nodes.append(record)
            elif isinstance(record, Edge):
                edges.append(record)
            elif isinstance(record, IngestWarning):
                report.warn(record)
                continue
            elif isinstance(record, BatchEnd):
                flush(record.origin)
                continue
            elif isinstance(record, InTransaction):
                flush("")
                _write_unit(store, ingestor.name, record, report, actor=actor, dry_run=dry_run, progress=progress)
                continue
            else:
                raise IngestError(f"{ingestor.name} yielded {type(record).__name__}, not a graph record")
            if len(nodes) + len(edges) >= batch_size:
                flush("")
        flush("")
    if atomic and not dry_run and store is not None and (held_nodes or held_edges):
        try:
            report.write.add(store.write(held_nodes, held_edges, actor=actor))
        except (ValidationError, ConflictError) as exc:
            raise IngestError(f"{ingestor.name}: {exc} ({not_written})") from exc
    return report


def _write_unit(
    store: GraphStore | None, name: str, unit: InTransaction, report: IngestReport, *, actor: str, dry_run: bool,
    progress: ProgressSink | None,
) -> None:
    """Compute and write one in-transaction unit (or, dry, compute it against the store as it is)."""
    from modelctx.graph.batch import prepare_batch
    from modelctx.ingest.lookup import empty_lookup

    produced: list[Node | Edge | EdgeRemoval | IngestWarning] = []

    def work(reader: GraphLookup) -> tuple[list[Node], list[Edge | EdgeRemoval]]:
        produced[:] = unit.work(reader)  # the last attempt's records are the ones written
        return ([r for r in produced if isinstance(r, Node)],
                [r for r in produced if isinstance(r, (Edge, EdgeRemoval))])

    try:
        if dry_run or store is None:
            prepare_batch(*work(store if store is not None else empty_lookup()))
        else:
            report.write.add(store.transact(work, actor=actor))
    except (ValidationError, ConflictError) as exc:
        raise IngestError(f"{name}: {unit.origin or 'a unit'}: {exc} (this unit was not written)") from exc
    for record in produced:
        if isinstance(record, Node):
            report.nodes_by_kind[record.kind.value] += 1
        elif isinstance(record, Edge):
            report.edges_by_type[record.type.value] += 1
        elif isinstance(record, IngestWarning):
            report.warn(record)
    report.batches += 1
    if progress is not None:
        progress.advance(len(produced))
