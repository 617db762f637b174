"""Column lineage: which columns of which dataset versions a column came from (up) or fed (down).

Column mappings live on DERIVED_FROM edges (``ingest/openlineage.py``):
``columns`` maps each output column to the input columns it was computed from,
``column_transformations`` says how (OpenLineage transformation type, subtype,
description, masking). The CLI (``modelctx lineage --column``) and the API
(``GET /api/v1/columns/lineage``) both answer with :func:`column_lineage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelctx.errors import ValidationError
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import Direction, GraphStore, check_depth, check_direction

#: Most (version, column) pairs one answer holds.
MAX_COLUMNS = 5000


@dataclass(frozen=True, slots=True)
class ColumnHop:
    """A column reached by the walk, the column it was reached from and how the two are related."""

    node: str
    column: str
    depth: int
    from_node: str
    from_column: str
    transformations: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "column": self.column, "depth": self.depth,
                "from": {"node": self.from_node, "column": self.from_column},
                "transformations": list(self.transformations)}


def resolve_column(store: GraphStore, text: str) -> tuple[str, str]:
    """``REF:COLUMN`` → (dataset or dataset version id, column).

    The column is after the last colon (ids have colons of their own); REF is
    anything ``graph/refs.py`` ``resolve_ref`` accepts — an id, ``DATASET@VERSION``,
    a dataset's name, a unique id prefix, a symlink name — so a miss is its
    NotFoundError with "did you mean". ValidationError for text that is no
    column or a reference to another kind of node.
    """
    from modelctx.graph.refs import resolve_ref

    if not isinstance(text, str):
        raise ValidationError(f"a column is text, not {type(text).__name__}")
    ref, sep, column = text.rpartition(":")
    if not sep or not ref.strip() or not column.strip():
        raise ValidationError(f"a column is REF:COLUMN (a dataset or dataset version, then the column: "
                              f"iris-train:target, dataset_version:…:amount), not {text!r}")
    node = resolve_ref(store, ref)
    if node.kind not in (NodeKind.DATASET, NodeKind.DATASET_VERSION):
        raise ValidationError(f"column lineage starts at a dataset or dataset version; {ref!r} is "
                              f"{node.kind.label} {node.id}")
    return node.id, column


def _steps(store: GraphStore, node: str, column: str, direction: Direction) -> list[tuple[str, str, list[Any]]]:
    """The (version, column, transformations) one DERIVED_FROM hop away from ``column`` of ``node``."""
    found: list[tuple[str, str, list[Any]]] = []
    if direction == "up":
        for edge in store.get_edges([node], "out", [EdgeType.DERIVED_FROM]):
            columns = edge.properties.get("columns") or {}
            how = (edge.properties.get("column_transformations") or {}).get(column) or {}
            found += [(edge.target, source, list(how.get(source) or [])) for source in columns.get(column) or []]
    else:
        for edge in store.get_edges([node], "in", [EdgeType.DERIVED_FROM]):
            columns = edge.properties.get("columns") or {}
            how = edge.properties.get("column_transformations") or {}
            found += [(edge.source, out, list((how.get(out) or {}).get(column) or []))
                      for out, sources in sorted(columns.items()) if column in (sources or [])]
    return found


def column_lineage(
    store: GraphStore, node_id: str, column: str, direction: str, *, depth: int | None = None,
    max_columns: int = MAX_COLUMNS,
) -> dict[str, Any]:
    """The columns ``column`` of ``node_id`` came from (up) or fed (down), nearest first, within the bounds.

    A Dataset stands for all its versions. Unknown ``node_id``: NotFoundError.
    ``truncated`` says whether ``depth`` or ``max_columns`` cut the answer.
    """
    way = check_direction(direction)
    check_depth(depth)
    root = store.get_node(node_id)
    starts = [node_id]
    if root.kind is NodeKind.DATASET:
        starts = sorted(e.source for e in store.get_edges([node_id], "in", [EdgeType.VERSION_OF]))
    seen = {(start, column) for start in starts}
    frontier = sorted(seen)
    hops: list[ColumnHop] = []
    level = 0
    truncated = False
    while frontier:
        if depth is not None and level >= depth:
            truncated = any(_steps(store, n, c, way) for n, c in frontier)
            break
        level += 1
        following = []
        for node, col in frontier:
            for target, target_col, how in _steps(store, node, col, way):
                if (target, target_col) in seen:
                    continue
                if len(hops) >= max_columns:
                    truncated = True
                    break
                seen.add((target, target_col))
                hops.append(ColumnHop(target, target_col, level, node, col, tuple(how)))
                following.append((target, target_col))
        frontier = following
    nodes = store.get_nodes({h.node for h in hops} | set(starts))
    return {
        "root": {"node": node_id, "column": column}, "direction": way, "depth": depth,
        "columns": [{**h.to_json(), "title": nodes[h.node].title if h.node in nodes else h.node} for h in hops],
        "truncated": truncated,
    }
