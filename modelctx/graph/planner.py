"""The write planner: what a batch changes, given what is stored. Pure: no I/O, no backend.

Every backend reads the stored state of the records a batch touches inside its
write transaction, hands it here, and stores what the plan says. So the merge
rule, the strict "unchanged" test (``graph/values.py``), kind conflicts,
create-only claims and the change-log records are decided once, and the change
log always holds exactly the properties the tables hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelctx.errors import ConflictError, PermissionDeniedError
from modelctx.graph.batch import PreparedBatch, merge_properties
from modelctx.graph.changelog import ChangeOp, WriteResult, chunk_records
from modelctx.graph.ids import natural_key
from modelctx.graph.model import SHARED_KINDS, Edge, Node, NodeKind
from modelctx.graph.values import strict_equal

EdgeKey = tuple[str, str, str]


@dataclass(slots=True)
class WritePlan:
    """Rows to insert and update (with their final properties), the counts, and the change-log records."""

    node_inserts: list[Node] = field(default_factory=list)
    node_updates: list[Node] = field(default_factory=list)
    edge_inserts: list[tuple[EdgeKey, Edge]] = field(default_factory=list)
    edge_updates: list[tuple[EdgeKey, Edge]] = field(default_factory=list)
    edge_removals: list[EdgeKey] = field(default_factory=list)
    result: WriteResult = field(default_factory=WriteResult)
    node_records: list[dict[str, Any]] = field(default_factory=list)
    edge_records: list[dict[str, Any]] = field(default_factory=list)
    removal_records: list[dict[str, Any]] = field(default_factory=list)

    def entries(self) -> list[tuple[str, Any]]:
        """(operation, payload) pairs for the change log: nodes, edges, then removed edges, in batch order."""
        return [
            *chunk_records(ChangeOp.UPSERT_NODES, "nodes", self.node_records),
            *chunk_records(ChangeOp.UPSERT_EDGES, "edges", self.edge_records),
            *chunk_records(ChangeOp.REMOVE_EDGES, "edges", self.removal_records),
        ]


def plan_nodes(batch: PreparedBatch, stored: Mapping[str, tuple[NodeKind, dict[str, Any]]], plan: WritePlan) -> None:
    """Add the batch's nodes to ``plan``; ``stored`` maps the ids already stored to (kind, properties).

    Raises ConflictError for a node changing kind or a create-only id that is
    already stored, and PermissionDeniedError when a scoped batch would change
    another project's node or move a node between projects.
    """
    result = plan.result
    for node_id, node in batch.nodes.items():
        old = stored.get(node_id)
        if batch.scope is not None:
            node = scoped_node(node, old[1] if old is not None else None, batch.scope)
        if old is None:
            if None in node.properties.values():  # a removal on a new node: nothing to remove
                node = Node(node_id, node.kind, merge_properties({}, node.properties))
            props = node.properties
            plan.node_inserts.append(node)
            result.nodes_created += 1
            result.created_ids.append(node_id)
        else:
            stored_kind, old_props = old
            if stored_kind is not node.kind:
                raise ConflictError(
                    f"node {node_id} is stored as {stored_kind.value}, cannot be written as {node.kind.value}"
                )
            if node_id in batch.create_only:
                raise ConflictError(f"node {node_id} already exists (it was claimed create-only)")
            props = merge_properties(old_props, node.properties)
            if strict_equal(props, old_props):
                result.nodes_unchanged += 1
                continue
            plan.node_updates.append(Node(node_id, node.kind, props))
            result.nodes_updated += 1
        plan.node_records.append({"id": node_id, "kind": node.kind._value_, "properties": props})


_ABSENT = object()


def scoped_node(node: Node, stored: Mapping[str, Any] | None, scope: str) -> Node:
    """``node`` as a writer scoped to project ``scope`` may write it (the write rule of ``docs/access.md``).

    New nodes take the scope's project, except those of ``SHARED_KINDS`` (people,
    code, environments), which stay shared. A stored node of another project is
    refused; so is moving a node between projects, or a shared node (one
    without a project) into one. The Project node of the scope itself may be
    written, no other.
    """
    incoming = node.properties.get("project", _ABSENT)
    if node.kind is NodeKind.PROJECT:
        if natural_key(node.id) != scope:
            raise PermissionDeniedError(f"node {node.id}: a token scoped to project {scope!r} cannot write it")
        return node
    if stored is None:
        if incoming is _ABSENT or incoming is None:
            if node.kind in SHARED_KINDS:  # a person or a commit belongs to no project
                return node
            return Node(node.id, node.kind, {**node.properties, "project": scope})
        if incoming != scope:
            raise PermissionDeniedError(
                f"node {node.id}: a token scoped to project {scope!r} writes only into that project, not {incoming!r}"
            )
        return node
    current = stored.get("project")
    if current is None:
        if incoming not in (_ABSENT, None):
            raise PermissionDeniedError(
                f"node {node.id} is shared (it has no project); a token scoped to project {scope!r} "
                "cannot move it into one"
            )
    elif current != scope:
        raise PermissionDeniedError(
            f"node {node.id} belongs to another project; a token scoped to project {scope!r} cannot change it"
        )
    elif incoming is not _ABSENT and incoming != scope:
        raise PermissionDeniedError(
            f"node {node.id}: a token scoped to project {scope!r} cannot move it out of that project"
        )
    return node


def plan_edges(batch: PreparedBatch, stored: Mapping[EdgeKey, dict[str, Any]], plan: WritePlan) -> None:
    """Add the batch's edges to ``plan``; ``stored`` maps the keys of edges already stored to their properties."""
    result = plan.result
    # Bound once: this loop runs once per edge of a bulk write.
    add_insert, add_update, add_record = plan.edge_inserts.append, plan.edge_updates.append, plan.edge_records.append
    created = updated = unchanged = 0
    for key, edge in batch.edges.items():
        old = stored.get(key) if stored else None  # a bulk write of new edges has none stored
        props = edge.properties
        if old is None:
            if props and None in props.values():
                props = merge_properties({}, props)
                edge = Edge(edge.source, edge.target, edge.type, props)
            add_insert((key, edge))
            created += 1
        else:
            props = merge_properties(old, props)
            if strict_equal(props, old):
                unchanged += 1
                continue
            add_update((key, Edge(edge.source, edge.target, edge.type, props)))
            updated += 1
        # ``_value_`` is ``.value`` without the enum descriptor's Python call.
        add_record({"source": edge.source, "target": edge.target, "type": edge.type._value_, "properties": props})
    result.edges_created += created
    result.edges_updated += updated
    result.edges_unchanged += unchanged


def plan_removals(batch: PreparedBatch, stored: set[EdgeKey], plan: WritePlan) -> None:
    """Add the batch's edge removals to ``plan``; ``stored`` holds the keys among them that are stored.

    A key that is not stored is left alone (removing is idempotent) and logs nothing.
    """
    for key, removal in batch.removals.items():
        if key not in stored:
            continue
        plan.edge_removals.append(key)
        plan.result.edges_removed += 1
        plan.removal_records.append(removal.to_json())
