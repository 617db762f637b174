"""Marking a dataset or model version as bad, so that impact and policies can follow it.

A flag is a set of properties on the node itself (``flagged``, ``flag_reason``,
``flagged_by``, ``flagged_at``) written through the store with the acting user,
so the change log records who flagged what, when, and why.
"""

from __future__ import annotations

from modelctx.errors import ValidationError
from modelctx.graph.changelog import now_iso
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore

FLAGGABLE = (NodeKind.DATASET, NodeKind.DATASET_VERSION, NodeKind.MODEL_VERSION)


def flag_node(store: GraphStore, node_id: str, reason: str, *, actor: str, at: str | None = None) -> Node:
    """Flag ``node_id`` as bad with a reason; returns the node as now stored.

    Raises NotFoundError for an unknown id and ValidationError for a kind that
    cannot be flagged or an empty reason.
    """
    node = store.get_node(node_id)
    if node.kind not in FLAGGABLE:
        raise ValidationError(
            f"{node_id}: a {node.kind.value} cannot be flagged; flag one of: {', '.join(k.value for k in FLAGGABLE)}"
        )
    if not reason.strip():
        raise ValidationError(f"{node_id}: a flag needs a reason (--reason)")
    props = {"flagged": True, "flag_reason": reason.strip(), "flagged_by": actor, "flagged_at": at or now_iso()}
    store.write([Node(node.id, node.kind, props)], (), actor=actor)
    return store.get_node(node_id)


def clear_flag(store: GraphStore, node_id: str, *, actor: str) -> Node:
    """Remove a flag (the change log keeps that it was there)."""
    node = store.get_node(node_id)
    if node.kind not in FLAGGABLE:
        raise ValidationError(f"{node_id}: a {node.kind.value} is never flagged")
    props = {"flagged": None, "flag_reason": None, "flagged_by": None, "flagged_at": None}
    store.write([Node(node.id, node.kind, props)], (), actor=actor)
    return store.get_node(node_id)
