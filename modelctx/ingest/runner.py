"""Runs an ingestor against a store: batching, transactions, progress and the report.

An ingestor is any object with a ``name`` and a ``records()`` generator that
yields :class:`~modelctx.graph.model.Node`, :class:`~modelctx.graph.model.Edge`,
:class:`IngestWarning` and :class:`BatchEnd` items. The runner writes nodes and
edges in batches, one transaction each; a ``BatchEnd`` closes the current
batch early so a logical unit (one file, one event) is never split. A batch
that fails is not written at all and the error names the ingestor and the
records' origin; batches before it stay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from modelctx.errors import ConflictError, IngestError, ValidationError
from modelctx.graph.changelog import WriteResult
from modelctx.graph.model import Edge, Node
from modelctx.graph.store import DEFAULT_ACTOR, GraphStore

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


Record = Node | Edge | IngestWarning | BatchEnd


class Ingestor(Protocol):
    """What the runner needs of an ingestor."""

    name: str

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
    """Write what ``ingestor`` yields into ``store`` in batches; with ``dry_run`` validate only."""
    from modelctx.graph.batch import prepare_batch

    report = IngestReport(ingestor.name, dry_run=dry_run)
    nodes: list[Node] = []
    edges: list[Edge] = []
    first_origin = ""

    def flush(origin: str) -> None:
        nonlocal nodes, edges, first_origin
        if not nodes and not edges:
            return
        where = origin or first_origin or f"batch {report.batches + 1}"
        try:
            if dry_run or store is None:
                prepare_batch(nodes, edges)
            else:
                report.write.add(store.write(nodes, edges, actor=actor))
        except (ValidationError, ConflictError) as exc:
            raise IngestError(f"{ingestor.name}: {where}: {exc} (this batch was not written)") from exc
        for node in nodes:
            report.nodes_by_kind[node.kind.value] += 1
        for edge in edges:
            report.edges_by_type[edge.type.value] += 1
        report.batches += 1
        if progress is not None:
            progress.advance(len(nodes) + len(edges))
        nodes, edges, first_origin = [], [], ""

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
        else:
            raise IngestError(f"{ingestor.name} yielded {type(record).__name__}, not a graph record")
        if len(nodes) + len(edges) >= batch_size:
            flush("")
    flush("")
    return report
