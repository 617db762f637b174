"""Declared (static) lineage: what jobs say they read and write, apart from what their runs were seen doing.

An OpenLineage JobEvent declares a job's inputs and outputs at design time
(``ingest/openlineage.py``). No run was observed reading or writing them, so
they are not lineage edges: the job keeps the Dataset ids it declares
(:data:`STATIC_INPUTS`, :data:`STATIC_OUTPUTS`) and each Dataset the jobs that
declare it (:data:`STATIC_READERS`, :data:`STATIC_WRITERS`). A lineage answer
(``graph/lineage.py`` ``walk_lineage``: the CLI's ``lineage``, the API's
``/lineage``) lists, apart from its observed subgraph, the declarations that
touch its jobs and datasets one hop in its direction — each marked
``"declared": true`` — and the nodes they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from modelctx.graph.model import EdgeType, Node, NodeKind

if TYPE_CHECKING:
    from modelctx.graph.store import GraphStore

#: On a Job: the Datasets a JobEvent declared it reads / writes.
STATIC_INPUTS = "openlineage.static_inputs"
STATIC_OUTPUTS = "openlineage.static_outputs"
#: On a Dataset: the Jobs that a JobEvent declared read / write it.
STATIC_READERS = "openlineage.static_readers"
STATIC_WRITERS = "openlineage.static_writers"
#: Declarations one answer lists at most (a job declares a handful; a shared table may be declared by many).
MAX_DECLARED = 1000


@dataclass(slots=True)
class DeclaredLineage:
    """Declarations (job, dataset, ``input``/``output``) touching an answer, and the nodes they name beyond it."""

    edges: list[tuple[str, str, str]] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "edges": [{"job": job, "dataset": dataset, "role": role, "declared": True}
                      for job, dataset, role in self.edges],
            "nodes": [n.to_json() for n in self.nodes],
            "truncated": self.truncated,
        }


def _ids(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def declared_lineage(
    store: GraphStore, nodes: Sequence[Node], direction: Literal["up", "down", "both"]
) -> DeclaredLineage:
    """The declarations one hop ``direction`` of the answer's jobs and datasets (dataset versions: their Dataset).

    Up, a job's declared inputs and a dataset's declared writers (what it came
    from); down, a job's declared outputs and a dataset's declared readers.
    Only nodes the store shows are named (a project's view hides the rest).
    """
    up, down = direction in ("up", "both"), direction in ("down", "both")
    shown = {n.id: n for n in nodes}
    versions = [n.id for n in nodes if n.kind is NodeKind.DATASET_VERSION]
    datasets = [n for n in nodes if n.kind is NodeKind.DATASET]
    if versions:
        owners = [e.target for e in store.get_edges(versions, "out", [EdgeType.VERSION_OF])
                  if e.target not in shown]
        datasets += [n for n in store.get_nodes(owners).values() if n.kind is NodeKind.DATASET]
    pairs: set[tuple[str, str, str]] = set()
    for job in (n for n in nodes if n.kind is NodeKind.JOB):
        if up:
            pairs.update((job.id, d, "input") for d in _ids(job.properties.get(STATIC_INPUTS)))
        if down:
            pairs.update((job.id, d, "output") for d in _ids(job.properties.get(STATIC_OUTPUTS)))
    for dataset in datasets:
        if up:
            pairs.update((j, dataset.id, "output") for j in _ids(dataset.properties.get(STATIC_WRITERS)))
        if down:
            pairs.update((j, dataset.id, "input") for j in _ids(dataset.properties.get(STATIC_READERS)))
    ordered = sorted(pairs)
    kept = ordered[:MAX_DECLARED]
    named = list(dict.fromkeys(i for pair in kept for i in pair[:2] if i not in shown))
    found = store.get_nodes(named) if named else {}
    known = {**shown, **found, **{d.id: d for d in datasets}}
    visible = [pair for pair in kept if pair[0] in known and pair[1] in known]
    return DeclaredLineage(visible, [found[i] for i in named if i in found], len(ordered) > len(kept))


def union_ids(stored: Any, added: Iterable[str]) -> list[str]:
    """A declaration list grown by ``added``: sorted and without repeats, so arrival order does not change it."""
    return sorted(set(_ids(stored)) | set(added))
