"""Compare two model versions, or two runs, through their lineage: what changed between A and B.

A model version's parameters and metrics are its training run's (the version's
own copies win where both are recorded), its data, features, code and
environment are what that run USED, and its reviews are its own. A run's
reviews are those of the model versions it generated. So two versions are
compared on everything that made them, which no single node holds.

:func:`diff_nodes` returns one JSON object (``docs/guide/diff.md`` shows an example)::

    {
      "a": NODE, "b": NODE,             # {"id", "kind", "title"}
      "kind": "model_version" | "run",
      "runs": {"a": [NODE], "b": [NODE]},        # the runs compared (a run: itself)
      "properties": MAPDIFF,            # the nodes' own scalar properties
      "parameters": MAPDIFF,
      "metrics": MAPDIFF,               # "changed" entries also carry "delta": b - a (numbers)
      "datasets": {
        "added": [DATASET], "removed": [DATASET], "unchanged": [DATASET],
        "changed": [{"dataset", "role", "a": DATASET, "b": DATASET, "digest_changed": bool,
                     "rows": {"a", "b", "delta"}, "columns": {"added": [name], "removed": [name],
                                                              "type_changed": {name: {"a", "b"}}}}],
      },                                # DATASET: {"id", "title", "dataset", "role", "digest", "rows"}
      "features": {"added": [NODE], "removed": [NODE], "unchanged": [NODE]},
      "commits": {"a": [COMMIT], "b": [COMMIT], "same": bool,
                  "between": {"from", "to", "commits": [COMMIT], "truncated": bool} | null},
      "environment": {"a": [id], "b": [id], "same": bool, "python": {"a", "b"},
                      "packages": MAPDIFF without "unchanged", plus "unchanged_count"},
      "reviews": {"a": APPROVAL, "b": APPROVAL},  # per side: {"versions": [id], "state", "verdicts": [...]}
      "truncated": [section names that hit MAX_ITEMS]
    }

MAPDIFF is ``{"added": {k: b}, "removed": {k: a}, "changed": {k: {"a", "b"}}, "unchanged": [k]}``.
Every list is capped at :data:`MAX_ITEMS`; a capped section is named in ``truncated``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from modelctx.errors import ValidationError
from modelctx.governance import facts
from modelctx.governance.approval import approval_state
from modelctx.graph.ids import natural_key
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

#: Items per list (datasets, features, commits, packages…) before a section is cut.
MAX_ITEMS = 500
#: Commits walked back from either side when looking for the commits between them.
MAX_BETWEEN = 500
#: Properties left out of the ``properties`` section: compared in their own sections, or prose.
_OWN_SECTIONS = frozenset({"params", "metrics", "metric_history", "text", "description", "tags", "signature"})

COMPARABLE = (NodeKind.MODEL_VERSION, NodeKind.RUN)


def diff_nodes(store: GraphStore, a: Node, b: Node) -> dict[str, Any]:
    """What differs between ``a`` and ``b``: two model versions or two runs (see the module docstring).

    Reads through ``store`` only, so a project's view compares what it shows.
    Raises ValidationError for any other pair of kinds.
    """
    if a.kind is not b.kind or a.kind not in COMPARABLE:
        raise ValidationError(
            f"diff compares two model versions or two runs; got {a.kind.value} {a.id} and {b.kind.value} {b.id}")
    cut: list[str] = []
    side_a, side_b = _Side.read(store, a), _Side.read(store, b)
    return {
        "a": _brief(a),
        "b": _brief(b),
        "kind": a.kind.value,
        "runs": {"a": [_brief(r) for r in side_a.runs], "b": [_brief(r) for r in side_b.runs]},
        "properties": map_diff(_scalars(a), _scalars(b)),
        "parameters": map_diff(side_a.params, side_b.params),
        "metrics": map_diff(side_a.metrics, side_b.metrics, deltas=True),
        "datasets": _datasets(side_a.datasets, side_b.datasets, cut),
        "features": _sets(side_a.used(NodeKind.FEATURE), side_b.used(NodeKind.FEATURE), "features", cut),
        "commits": _commits(store, side_a.used(NodeKind.COMMIT), side_b.used(NodeKind.COMMIT), cut),
        "environment": _environments(side_a.used(NodeKind.ENVIRONMENT), side_b.used(NodeKind.ENVIRONMENT), cut),
        "reviews": {"a": side_a.approval(store), "b": side_b.approval(store)},
        "truncated": cut,
    }


def map_diff(a: Mapping[str, Any], b: Mapping[str, Any], *, deltas: bool = False) -> dict[str, Any]:
    """Keys added in ``b``, removed from ``a``, changed (with ``delta`` b - a for numbers when asked), unchanged."""
    changed: dict[str, Any] = {}
    for key in sorted(a.keys() & b.keys()):
        if a[key] == b[key] and type(a[key]) is type(b[key]):
            continue
        entry: dict[str, Any] = {"a": a[key], "b": b[key]}
        delta = _delta(a[key], b[key]) if deltas else None
        if delta is not None:
            entry["delta"] = delta
        changed[key] = entry
    return {
        "added": {k: b[k] for k in sorted(b.keys() - a.keys())},
        "removed": {k: a[k] for k in sorted(a.keys() - b.keys())},
        "changed": changed,
        "unchanged": sorted(k for k in a.keys() & b.keys() if k not in changed),
    }


# -- one side --------------------------------------------------------------------------------------


class _Side:
    """What one compared node stands on: its runs, what they used, its parameters and metrics."""

    def __init__(self, node: Node, runs: list[Node], used: list[tuple[Node, str | None]], versions: list[str]) -> None:
        self.node = node
        self.runs = runs
        self._used = used
        self.versions = versions

    @classmethod
    def read(cls, store: GraphStore, node: Node) -> _Side:
        if node.kind is NodeKind.RUN:
            runs = [node]
            made = facts.sources_into(store, node.id, EdgeType.GENERATED_BY)
            versions = sorted(v.id for v in made if v.kind is NodeKind.MODEL_VERSION)
        else:
            runs = sorted(facts.runs_of(store, node.id), key=lambda r: r.id)
            versions = [node.id]
        edges = [e for e in store.get_edges([r.id for r in runs], "out", [EdgeType.USED])
                 if e.source in {r.id for r in runs}]
        targets = store.get_nodes([e.target for e in edges])
        used = [(targets[e.target], e.properties.get("role")) for e in edges if e.target in targets]
        return cls(node, runs, used, versions)

    def _merged(self, key: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for holder in [*self.runs, self.node]:  # the node's own copy wins
            value = holder.properties.get(key)
            if isinstance(value, dict):
                merged.update(value)
        return merged

    @property
    def params(self) -> dict[str, Any]:
        return self._merged("params")

    @property
    def metrics(self) -> dict[str, Any]:
        return self._merged("metrics")

    @property
    def datasets(self) -> list[tuple[Node, str | None]]:
        return [(n, role) for n, role in self._used if n.kind is NodeKind.DATASET_VERSION]

    def used(self, kind: NodeKind) -> list[Node]:
        return list({n.id: n for n, _role in self._used if n.kind is kind}.values())

    def approval(self, store: GraphStore) -> dict[str, Any]:
        reviews = [r for v in self.versions for r in facts.reviews_of(store, v)]
        state = approval_state(reviews).to_json()
        return {"versions": self.versions, "state": state["state"], "approved": state["approved"],
                "verdicts": state["verdicts"][:MAX_ITEMS], "reason": state["reason"]}


# -- sections --------------------------------------------------------------------------------------


def _brief(node: Node) -> dict[str, Any]:
    return {"id": node.id, "kind": node.kind.value, "title": node.title}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _delta(a: Any, b: Any) -> int | float | None:
    """``b - a`` when both are numbers (not booleans), else None."""
    if _number(a) and _number(b):
        return b - a  # type: ignore[no-any-return]
    return None


def _scalars(node: Node) -> dict[str, Any]:
    return {k: v for k, v in node.properties.items()
            if k not in _OWN_SECTIONS and (v is None or isinstance(v, str | int | float | bool))}


def _capped(items: list[Any], section: str, cut: list[str]) -> list[Any]:
    if len(items) > MAX_ITEMS:
        if section not in cut:
            cut.append(section)
        return items[:MAX_ITEMS]
    return items


def _dataset_name(node: Node) -> str:
    return str(node.properties.get("dataset") or natural_key(node.id).rsplit("/", 1)[0])


def _dataset(node: Node, role: str | None) -> dict[str, Any]:
    props = node.properties
    return {"id": node.id, "title": node.title, "dataset": _dataset_name(node), "role": role,
            "digest": props.get("digest"), "rows": props.get("rows")}


def _columns(node: Node) -> dict[str, str]:
    columns = node.properties.get("columns")
    out: dict[str, str] = {}
    if isinstance(columns, list):
        for column in columns:
            if isinstance(column, dict) and "name" in column:
                out[str(column["name"])] = str(column.get("dtype", ""))
    return out


def _datasets(a: list[tuple[Node, str | None]], b: list[tuple[Node, str | None]], cut: list[str]) -> dict[str, Any]:
    """Dataset versions matched by (dataset, role): the same version, another version of it, or none."""
    def keyed(side: list[tuple[Node, str | None]]) -> dict[tuple[str, str], tuple[Node, str | None]]:
        return {(_dataset_name(n), role or ""): (n, role) for n, role in sorted(side, key=lambda x: x[0].id)}

    left, right = keyed(a), keyed(b)
    out: dict[str, list[Any]] = {"added": [], "removed": [], "changed": [], "unchanged": []}
    for key in sorted(left.keys() | right.keys()):
        if key not in left:
            out["added"].append(_dataset(*right[key]))
        elif key not in right:
            out["removed"].append(_dataset(*left[key]))
        elif left[key][0].id == right[key][0].id:
            out["unchanged"].append(_dataset(*left[key]))
        else:
            (old, role), (new, _) = left[key], right[key]
            cols_a, cols_b = _columns(old), _columns(new)
            rows_a, rows_b = old.properties.get("rows"), new.properties.get("rows")
            out["changed"].append({
                "dataset": key[0], "role": role, "a": _dataset(old, role), "b": _dataset(new, role),
                "digest_changed": old.properties.get("digest") != new.properties.get("digest"),
                "rows": {"a": rows_a, "b": rows_b, "delta": _delta(rows_a, rows_b)},
                "columns": {
                    "added": _capped(sorted(cols_b.keys() - cols_a.keys()), "datasets", cut),
                    "removed": _capped(sorted(cols_a.keys() - cols_b.keys()), "datasets", cut),
                    "type_changed": {c: {"a": cols_a[c], "b": cols_b[c]}
                                     for c in sorted(cols_a.keys() & cols_b.keys()) if cols_a[c] != cols_b[c]},
                },
            })
    return {k: _capped(v, "datasets", cut) for k, v in out.items()}


def _sets(a: Iterable[Node], b: Iterable[Node], section: str, cut: list[str]) -> dict[str, Any]:
    left, right = {n.id: n for n in a}, {n.id: n for n in b}
    return {
        "added": _capped([_brief(right[i]) for i in sorted(right.keys() - left.keys())], section, cut),
        "removed": _capped([_brief(left[i]) for i in sorted(left.keys() - right.keys())], section, cut),
        "unchanged": _capped([_brief(left[i]) for i in sorted(left.keys() & right.keys())], section, cut),
    }


def _commit(node: Node) -> dict[str, Any]:
    props = node.properties
    return {"id": node.id, "title": node.title, "message": props.get("message"), "author": props.get("author"),
            "authored_at": props.get("authored_at")}


def _commits(store: GraphStore, a: list[Node], b: list[Node], cut: list[str]) -> dict[str, Any]:
    ids_a, ids_b = sorted(n.id for n in a), sorted(n.id for n in b)
    between = None
    if len(a) == 1 and len(b) == 1 and ids_a != ids_b:
        between = _between(store, a[0].id, b[0].id) or _between(store, b[0].id, a[0].id)
        if between is not None:
            between["commits"] = _capped(between["commits"], "commits", cut)
    return {"a": [_commit(n) for n in sorted(a, key=lambda n: n.id)],
            "b": [_commit(n) for n in sorted(b, key=lambda n: n.id)],
            "same": ids_a == ids_b, "between": between}


def _between(store: GraphStore, old: str, new: str) -> dict[str, Any] | None:
    """The commits reachable from ``new`` over PARENT edges and not from ``old`` (git's ``old..new``), newest
    first, when ``old`` is an ancestor of ``new`` within :data:`MAX_BETWEEN` commits; None otherwise."""
    ancestors_new = store.reachable([new], "up", edge_types=[EdgeType.PARENT], max_depth=MAX_BETWEEN)
    if old not in ancestors_new:
        return None
    ancestors_old = store.reachable([old], "up", edge_types=[EdgeType.PARENT], max_depth=MAX_BETWEEN)
    depth = {new: 0, **ancestors_new}
    wanted = sorted((i for i in depth if i != old and i not in ancestors_old), key=lambda i: (depth[i], i))
    nodes = store.get_nodes(wanted)
    return {"from": old, "to": new, "commits": [_commit(nodes[i]) for i in wanted if i in nodes],
            "truncated": max(ancestors_new.values(), default=0) >= MAX_BETWEEN}


def _environments(a: list[Node], b: list[Node], cut: list[str]) -> dict[str, Any]:
    def packages(side: list[Node]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for env in side:
            value = env.properties.get("packages")
            if isinstance(value, dict):
                merged.update(value)
        return merged

    def python(side: list[Node]) -> str | None:
        versions = sorted({str(e.properties["python"]) for e in side if e.properties.get("python")})
        return ", ".join(versions) or None

    diff = map_diff(packages(a), packages(b))
    unchanged = diff.pop("unchanged")
    for key in ("added", "removed", "changed"):
        items = list(diff[key].items())
        diff[key] = dict(_capped(items, "environment", cut))
    ids_a, ids_b = sorted(e.id for e in a), sorted(e.id for e in b)
    return {"a": ids_a, "b": ids_b, "same": ids_a == ids_b, "python": {"a": python(a), "b": python(b)},
            "packages": {**diff, "unchanged_count": len(unchanged)}}
