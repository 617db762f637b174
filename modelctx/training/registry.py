"""Model versions by name: numbering and aliases (``NAME@VERSION|NAME@ALIAS`` is read by ``graph/refs.py``).

A version number is *claimed*, not read-then-written: :func:`claim_version`
writes the new ModelVersion create-only (``GraphStore.write(create_only=...)``),
so two runs logging one model at the same moment cannot both get version N and
be merged into one node; the one that loses the claim writes nothing and tries
the next number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from modelctx.errors import ConflictError, NotFoundError, ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, Node, NodeKind
from modelctx.graph.refs import model_versions, resolve_model_version
from modelctx.graph.store import DEFAULT_ACTOR, GraphStore

__all__ = ["MAX_CLAIMS", "claim_version", "model_versions", "resolve_model_version", "set_alias"]

#: Lost claims in a row after which claiming gives up (each one means another writer took the number).
MAX_CLAIMS = 100


def _next_version(store: GraphStore, model: str) -> int:
    versions = model_versions(store, model)
    return max((int(n.properties.get("version", 0)) for n in versions), default=0) + 1


def claim_version(
    store: GraphStore,
    model: str,
    records: Callable[[int], tuple[Sequence[Node], Sequence[Edge]]],
    *,
    actor: str = DEFAULT_ACTOR,
) -> int:
    """Write ``records(n)`` for the next free version number ``n`` of ``model``, claimed create-only; return ``n``.

    ``records`` builds the batch for a candidate number (it must include the
    ``model_version:<model>/<n>`` node). When another writer stored that
    version first, nothing of the batch is written and the next number is
    tried, up to :data:`MAX_CLAIMS` times.
    """
    version = _next_version(store, model)
    for _ in range(MAX_CLAIMS):
        version_id = node_id(NodeKind.MODEL_VERSION, model, version)
        nodes, edges = records(version)
        try:
            store.write(nodes, edges, actor=actor, create_only=[version_id])
        except ConflictError:
            if version_id not in store.get_nodes([version_id]):
                raise  # a conflict other than the claim (a node changing kind)
            version = max(version + 1, _next_version(store, model))
            continue
        return version
    raise ConflictError(f"model {model!r}: {MAX_CLAIMS} version numbers in a row were claimed by other writers")


def _get(store: GraphStore, version_id: str, ref: str) -> Node:
    found = store.get_nodes([version_id])
    if version_id not in found:
        raise NotFoundError(f"model reference {ref!r}: no model version {version_id!r} in the graph")
    return found[version_id]


def set_alias(store: GraphStore, version_id: str, alias: str, *, actor: str = DEFAULT_ACTOR) -> Node:
    """Point ``alias`` at one version of its model, taking it off any other version."""
    if not alias or alias.isdigit() or "@" in alias:
        raise ValidationError(f"alias {alias!r}: must be a non-numeric name without '@'")
    target = _get(store, version_id, version_id)
    model = str(target.properties.get("model", ""))
    updates = []
    for node in model_versions(store, model):
        aliases = list(node.properties.get("aliases") or [])
        if node.id == target.id and alias not in aliases:
            updates.append(Node(node.id, node.kind, {"aliases": [*aliases, alias]}))
        elif node.id != target.id and alias in aliases:
            updates.append(Node(node.id, node.kind, {"aliases": [a for a in aliases if a != alias]}))
    if updates:
        store.write(updates, (), actor=actor)
    return store.get_nodes([target.id])[target.id]
