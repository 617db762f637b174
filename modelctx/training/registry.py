"""Model versions by name: numbering, aliases and resolving ``NAME@VERSION|NAME@ALIAS``."""

from __future__ import annotations

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import DEFAULT_ACTOR, GraphStore

PAGE = 500


def model_versions(store: GraphStore, model: str) -> list[Node]:
    """Every stored version of ``model``, oldest first."""
    found: list[Node] = []
    offset = 0
    while True:
        page = store.find_nodes(NodeKind.MODEL_VERSION, {"model": model}, limit=PAGE, offset=offset)
        found.extend(page)
        if len(page) < PAGE:
            break
        offset += PAGE
    found.sort(key=lambda n: int(n.properties.get("version", 0)))
    return found


def next_version(store: GraphStore, model: str) -> int:
    versions = model_versions(store, model)
    return max((int(n.properties.get("version", 0)) for n in versions), default=0) + 1


def resolve_model_version(store: GraphStore, ref: str) -> Node:
    """The ModelVersion that ``ref`` names: ``name@3``, ``name@production``, ``name`` (latest) or an id."""
    if ref.startswith(f"{NodeKind.MODEL_VERSION.value}:"):
        return _get(store, ref, ref)
    name, sep, which = ref.partition("@")
    if not name or (sep and not which):
        raise ValidationError(f"model reference {ref!r}: expected NAME@VERSION or NAME@ALIAS")
    if which.isdigit():
        return _get(store, node_id(NodeKind.MODEL_VERSION, name, which), ref)
    versions = model_versions(store, name)
    if not versions:
        raise NotFoundError(f"model reference {ref!r}: no versions of model {name!r} are recorded")
    if not sep:
        return versions[-1]
    for node in reversed(versions):
        if which in (node.properties.get("aliases") or []):
            return node
    known = sorted({a for n in versions for a in n.properties.get("aliases") or []})
    raise NotFoundError(
        f"model reference {ref!r}: no version of {name!r} has alias {which!r}"
        + (f"; aliases in use: {', '.join(known)}" if known else "; no aliases are set")
    )


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
