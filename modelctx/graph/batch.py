"""Validation and merge rules for a write batch, shared by every backend.

Backends differ in how they store a batch, never in what a batch means: the
same validation and normal form (``graph/values.py``) run before any backend
opens a transaction, and the same merge rule (new keys win, ``None`` removes a
key) runs inside it (``graph/planner.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from modelctx.errors import ConflictError, ValidationError
from modelctx.graph.model import Edge, EdgeRemoval, Node


def merge_properties(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Shallow merge: keys in ``new`` replace those in ``old``; a ``None`` value removes the key."""
    if not old and None not in new.values():
        return dict(new)
    merged = dict(old)
    for key, value in new.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def compose_patches(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """One patch doing what ``first`` then ``second`` do: later keys win and a ``None`` is kept.

    Folding two records of one id with ``merge_properties`` would drop a ``None``
    of the second, so ``{"a": 1}`` then ``{"a": None}`` would leave a stored
    ``a`` in place instead of removing it.
    """
    return {**first, **second}


@dataclass(slots=True)
class PreparedBatch:
    """A validated batch with duplicates folded: one record per node id and per edge key.

    ``create_only`` names node ids that must not be stored yet (a claim, such as
    a model version number): the write fails with ConflictError if one is.
    ``removals`` are the keys of edges to remove (``EdgeRemoval``); a key is
    never both written and removed by one batch.
    ``scope`` is the project of a project-scoped writer (``graph/scoped.py``):
    the planner stamps it on new nodes and refuses to change another project's
    nodes, inside the write transaction.
    """

    nodes: dict[str, Node]
    edges: dict[tuple[str, str, str], Edge]
    create_only: frozenset[str] = field(default_factory=frozenset)
    scope: str | None = None
    removals: dict[tuple[str, str, str], EdgeRemoval] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.nodes and not self.edges and not self.removals


def prepare_batch(
    nodes: Iterable[Node], edges: Iterable[Edge | EdgeRemoval], create_only: Iterable[str] = ()
) -> PreparedBatch:
    """Validate every record, put its properties in stored form and fold duplicates in order.

    Among ``edges``, the last record of a key decides: an ``EdgeRemoval`` after
    an ``Edge`` of its key removes the edge, an ``Edge`` after a removal writes
    it (merged with what is stored, as any edge write).

    Raises ValidationError naming the record (its position in the batch and id)
    and ConflictError if one id appears with two kinds.
    """
    folded_nodes: dict[str, Node] = {}
    for position, node in enumerate(nodes):
        if not isinstance(node, Node):
            raise ValidationError(f"batch node #{position}: expected a Node, got {type(node).__name__}")
        try:
            node = node.validate()
        except ValidationError as exc:
            raise ValidationError(f"batch node #{position}: {exc}") from None
        previous = folded_nodes.get(node.id)
        if previous is None:
            folded_nodes[node.id] = node
        elif previous.kind is not node.kind:
            raise ConflictError(f"node {node.id} appears as {previous.kind.value} and {node.kind.value}")
        else:
            folded_nodes[node.id] = Node(node.id, node.kind, compose_patches(previous.properties, node.properties))
    folded_edges: dict[tuple[str, str, str], Edge] = {}
    removals: dict[tuple[str, str, str], EdgeRemoval] = {}
    for position, edge in enumerate(edges):
        if type(edge) is Edge:  # the common case first: one type test per edge of a bulk write
            pass
        elif isinstance(edge, EdgeRemoval):
            try:
                removal = edge.validate()
            except ValidationError as exc:
                raise ValidationError(f"batch edge removal #{position}: {exc}") from None
            folded_edges.pop(removal.key, None)
            removals[removal.key] = removal
            continue
        elif not isinstance(edge, Edge):
            raise ValidationError(f"batch edge #{position}: expected an Edge, got {type(edge).__name__}")
        try:
            edge = edge.validate()
        except ValidationError as exc:
            raise ValidationError(f"batch edge #{position}: {exc}") from None
        key = (edge.source, edge.type, edge.target)  # edge.key, without the property call
        if removals:
            removals.pop(key, None)
        previous_edge = folded_edges.setdefault(key, edge)
        if previous_edge is not edge:
            folded_edges[key] = Edge(
                edge.source, edge.target, edge.type, compose_patches(previous_edge.properties, edge.properties)
            )
    claims = frozenset(create_only)
    unknown = sorted(claims - folded_nodes.keys())
    if unknown:
        raise ValidationError(f"create_only names {unknown[0]!r}, which is not a node of the batch")
    return PreparedBatch(folded_nodes, folded_edges, claims, removals=removals)


def missing_endpoint_error(edge: Edge, missing: str) -> ValidationError:
    """The error for an edge whose endpoint is neither stored nor in its batch."""
    return ValidationError(
        f"edge {edge.source} -{edge.type.value}-> {edge.target}: node {missing} does not exist "
        "(write it in the same batch or before)"
    )
