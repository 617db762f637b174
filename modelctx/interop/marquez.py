"""The graph as Marquez's read API shows it: namespaces, jobs, datasets, runs and the job ↔ dataset graph.

A subset of Marquez's published API (``spec/openapi.yml`` of the Marquez
repository) over what ``ingest/openlineage.py`` wrote, so a Marquez client or
web UI pointed at modelctx can read: Marquez's objects are modelctx's
OpenLineage Jobs, Datasets (with their current DatasetVersion: the last
written) and Runs. Marquez's lineage graph is dataset-level — jobs and
datasets, no runs or versions — so :func:`lineage_graph` projects runs and
versions away. Every function reads through the store it is given (the
caller's scoped view) and is bounded (``limit``, :data:`MAX_GRAPH_NODES`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.refs import OPENLINEAGE_SOURCE, follow_alias
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import dataset_id_for_uri, openlineage_uri

SOURCE = OPENLINEAGE_SOURCE
#: Most nodes one lineage graph holds; Marquez's UI draws far fewer.
MAX_GRAPH_NODES = 2000
#: Most items one list answers.
MAX_LIMIT = 1000
_STATES = {"COMPLETED": "COMPLETED", "FAILED": "FAILED", "ABORTED": "ABORTED", "RUNNING": "RUNNING"}
_NS, _NAME = "openlineage.namespace", "openlineage.name"


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise ValidationError(f"limit must be 0 to {MAX_LIMIT} and offset 0 or more, not {limit} and {offset}")
    return limit, offset


def _time(text: Any) -> str | None:
    """An ISO time as Marquez writes them (``Z`` for UTC), None when absent."""
    if not isinstance(text, str) or not text:
        return None
    return text.replace("+00:00", "Z")


def namespaces(store: GraphStore, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """Every namespace a job or dataset is in, sorted by name."""
    limit, offset = _page(limit, offset)
    names = {str(n.properties["namespace"]) for n in store.iter_nodes(NodeKind.JOB, {"source": SOURCE})
             if n.properties.get("namespace")}
    names |= {str(n.properties[_NS]) for n in store.iter_nodes(NodeKind.DATASET) if n.properties.get(_NS)}
    shown = sorted(names)[offset:offset + limit]
    return {"namespaces": [{"name": name, "createdAt": None, "updatedAt": None, "ownerName": None,
                            "description": None} for name in shown]}


def _current_version(store: GraphStore, dataset: str) -> Node | None:
    ids = [e.source for e in store.get_edges([dataset], "in", [EdgeType.VERSION_OF])]
    versions = list(store.get_nodes(ids).values())
    return max(versions, key=lambda v: (str(v.properties.get("written_at") or ""), v.id), default=None)


def dataset_json(store: GraphStore, dataset: Node) -> dict[str, Any]:
    """A Dataset as Marquez shows it: its current version's fields and facets."""
    props = dataset.properties
    namespace, name = str(props.get(_NS, "")), str(props.get(_NAME, props.get("name", "")))
    current = _current_version(store, dataset.id)
    version = current.properties if current is not None else {}
    fields: list[dict[str, Any]] = [
        {"name": c.get("name"), "type": c.get("type"), "tags": [], "description": c.get("description")}
        for c in version.get("columns") or [] if isinstance(c, dict)]
    return {
        "id": {"namespace": namespace, "name": name}, "type": "DB_TABLE", "name": name, "physicalName": name,
        "createdAt": None, "updatedAt": _time(version.get("written_at")), "namespace": namespace,
        "sourceName": namespace, "fields": fields, "tags": [], "lastModifiedAt": _time(version.get("written_at")),
        "lastLifecycleState": None, "description": version.get("description") or props.get("description"),
        "facets": version.get("openlineage.facets") or {}, "currentVersion": current.id if current else None,
        "deleted": False, "aliases": props.get("aliases") or [],
    }


def datasets(store: GraphStore, namespace: str, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The datasets of ``namespace``, in the order they were first recorded."""
    limit, offset = _page(limit, offset)
    found = store.find_nodes(NodeKind.DATASET, {_NS: namespace}, limit=limit, offset=offset)
    total = sum(1 for _ in store.iter_nodes(NodeKind.DATASET, {_NS: namespace}))
    return {"datasets": [dataset_json(store, d) for d in found], "totalCount": total}


def _dataset_ids(store: GraphStore, versions: Iterable[str]) -> list[dict[str, str]]:
    edges = store.get_edges(list(versions), "out", [EdgeType.VERSION_OF])
    found = store.get_nodes({e.target for e in edges})
    return sorted(({"namespace": str(d.properties[_NS]), "name": str(d.properties[_NAME])}
                   for d in found.values() if d.properties.get(_NS)), key=lambda d: (d["namespace"], d["name"]))


def _runs_of(store: GraphStore, job: str) -> list[Node]:
    ids = [e.source for e in store.get_edges([job], "in", [EdgeType.INSTANCE_OF])]
    runs = store.get_nodes(ids).values()
    return sorted(runs, key=lambda r: (str(r.properties.get("started_at") or ""), r.id), reverse=True)


def _duration_ms(props: dict[str, Any]) -> int | None:
    start, end = props.get("started_at"), props.get("ended_at")
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000)


def run_json(store: GraphStore, run: Node) -> dict[str, Any]:
    """A Run as Marquez shows it, with the dataset versions it read and wrote."""
    props = run.properties
    namespace, _, name = str(props.get("job", "")).partition("/")
    used = [e for e in store.get_edges([run.id], "out", [EdgeType.USED]) if e.properties.get("role") == "input"]
    made = store.get_edges([run.id], "in", [EdgeType.GENERATED_BY])

    def versions(edges: list[Any], end: str) -> list[dict[str, Any]]:
        shown = []
        for edge in edges:
            version = getattr(edge, end)
            for dataset in _dataset_ids(store, [version]):
                shown.append({"datasetVersionId": {**dataset, "version": version},
                              "facets": edge.properties.get("openlineage.facets") or {}})
        return shown

    return {
        "id": props.get("source_id"), "createdAt": _time(props.get("openlineage.first_event_time")),
        "updatedAt": _time(props.get("openlineage.last_event_time")), "nominalStartTime": None,
        "nominalEndTime": None, "state": _STATES.get(str(props.get("status")), "NEW"),
        "startedAt": _time(props.get("started_at")), "endedAt": _time(props.get("ended_at")),
        "durationMs": _duration_ms(props), "args": {}, "facets": props.get("openlineage.facets") or {},
        "jobVersion": {"namespace": namespace, "name": name, "version": props.get("job_version")},
        "inputDatasetVersions": versions(used, "target"), "outputDatasetVersions": versions(made, "source"),
    }


def job_json(store: GraphStore, job: Node, *, runs: int = 1) -> dict[str, Any]:
    """A Job as Marquez shows it: its latest run's inputs and outputs (and its design-time ones)."""
    props = job.properties
    latest = _runs_of(store, job.id)[:max(runs, 1)]
    inputs: list[dict[str, str]] = []
    outputs: list[dict[str, str]] = []
    if latest:
        run = latest[0]
        inputs = _dataset_ids(store, [e.target for e in store.get_edges([run.id], "out", [EdgeType.USED])])
        outputs = _dataset_ids(store, [e.source for e in store.get_edges([run.id], "in", [EdgeType.GENERATED_BY])])
    static = store.get_nodes([*props.get("openlineage.static_inputs", []), *props.get("openlineage.static_outputs",
                                                                                         [])])
    for key, shown in (("openlineage.static_inputs", inputs), ("openlineage.static_outputs", outputs)):
        for ident in props.get(key) or []:
            node = static.get(ident)
            if node is not None and node.properties.get(_NS):
                entry = {"namespace": str(node.properties[_NS]), "name": str(node.properties[_NAME])}
                if entry not in shown:
                    shown.append(entry)
    facets = props.get("openlineage.facets") or {}
    location = facets.get("sourceCodeLocation", {}).get("url") if isinstance(facets.get("sourceCodeLocation"),
                                                                               dict) else None
    run_views = [run_json(store, r) for r in latest]
    return {
        "id": {"namespace": props.get("namespace"), "name": props.get("name")}, "type": "BATCH",
        "name": props.get("name"), "simpleName": props.get("name"), "parentJobName": None, "parentJobUuid": None,
        "createdAt": None, "updatedAt": run_views[0]["updatedAt"] if run_views else None,
        "namespace": props.get("namespace"), "inputs": inputs, "outputs": outputs, "location": location,
        "description": props.get("description"), "latestRun": run_views[0] if run_views else None,
        "latestRuns": run_views, "facets": facets, "currentVersion": props.get("job_version"),
    }


def jobs(store: GraphStore, namespace: str, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The jobs of ``namespace``, in the order they were first recorded."""
    limit, offset = _page(limit, offset)
    wanted = {"namespace": namespace, "source": SOURCE}
    found = store.find_nodes(NodeKind.JOB, wanted, limit=limit, offset=offset)
    total = sum(1 for _ in store.iter_nodes(NodeKind.JOB, wanted))
    return {"jobs": [job_json(store, j) for j in found], "totalCount": total}


def job_runs(store: GraphStore, namespace: str, job: str, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """The runs of one job, the latest first."""
    limit, offset = _page(limit, offset)
    job_node = store.get_node(node_id(NodeKind.JOB, namespace, job))
    return {"runs": [run_json(store, r) for r in _runs_of(store, job_node.id)[offset:offset + limit]]}


def job(store: GraphStore, namespace: str, name: str) -> dict[str, Any]:
    """One job (NotFoundError when there is none), with its ten latest runs."""
    found = store.get_nodes([node_id(NodeKind.JOB, namespace, name)]).get(node_id(NodeKind.JOB, namespace, name))
    if found is None or found.properties.get("source") != SOURCE:
        raise NotFoundError(f"no job {name!r} in namespace {namespace!r}")
    return job_json(store, found, runs=10)


def dataset(store: GraphStore, namespace: str, name: str) -> dict[str, Any]:
    """One dataset (NotFoundError when there is none)."""
    found = _find_dataset(store, namespace, name)
    if found is None:
        raise NotFoundError(f"no dataset {name!r} in namespace {namespace!r}")
    return dataset_json(store, found)


def _find_dataset(store: GraphStore, namespace: str, name: str) -> Node | None:
    """The dataset OpenLineage names ``(namespace, name)``, also when that is a symlink of it (an alias)."""
    found = store.find_nodes(NodeKind.DATASET, {_NS: namespace, _NAME: name}, limit=1)
    if found:
        return found[0]
    alias = dataset_id_for_uri(openlineage_uri(namespace, name, Path("/")))
    node = store.get_nodes([alias]).get(alias)
    followed = follow_alias(store, node) if node is not None else None
    return followed if followed is not None and followed.id != alias else None


def resolve_node_id(store: GraphStore, marquez_id: str) -> Node:
    """The Job or Dataset a Marquez ``nodeId`` names (``dataset:NS:NAME``, ``job:NS:NAME``).

    Namespaces hold colons of their own (``postgres://host:5432``), so every
    split of the rest at a colon is tried, the first that names a stored node wins.
    """
    kind, sep, rest = marquez_id.partition(":")
    if kind not in ("dataset", "job") or not sep:
        raise ValidationError(f"nodeId must be dataset:NAMESPACE:NAME or job:NAMESPACE:NAME, not {marquez_id!r}")
    cuts = [i for i, ch in enumerate(rest) if ch == ":"][:32]
    for cut in cuts:
        namespace, name = rest[:cut], rest[cut + 1:]
        if not namespace or not name:
            continue
        if kind == "dataset":
            node = _find_dataset(store, namespace, name)
        else:
            node = store.get_nodes([node_id(NodeKind.JOB, namespace, name)]).get(node_id(NodeKind.JOB, namespace,
                                                                                         name))
        if node is not None:
            return node
    raise NotFoundError(f"no {kind} {rest!r} (nodeId {marquez_id!r})")


def _marquez_id(node: Node) -> str:
    props = node.properties
    if node.kind is NodeKind.JOB:
        return f"job:{props.get('namespace')}:{props.get('name')}"
    return f"dataset:{props.get(_NS)}:{props.get(_NAME)}"


def _neighbours(store: GraphStore, node: Node) -> tuple[set[str], set[str]]:
    """(ids it comes from, ids that come from it) in the job ↔ dataset projection."""
    ups: set[str] = set()
    downs: set[str] = set()
    if node.kind is NodeKind.JOB:
        runs = [e.source for e in store.get_edges([node.id], "in", [EdgeType.INSTANCE_OF])]
        read = [e.target for e in store.get_edges(runs, "out", [EdgeType.USED])] if runs else []
        wrote = [e.source for e in store.get_edges(runs, "in", [EdgeType.GENERATED_BY])] if runs else []
        ups = {e.target for e in store.get_edges(read, "out", [EdgeType.VERSION_OF])} if read else set()
        downs = {e.target for e in store.get_edges(wrote, "out", [EdgeType.VERSION_OF])} if wrote else set()
        ups |= set(node.properties.get("openlineage.static_inputs") or [])
        downs |= set(node.properties.get("openlineage.static_outputs") or [])
    else:
        versions = [e.source for e in store.get_edges([node.id], "in", [EdgeType.VERSION_OF])]
        writers = [e.target for e in store.get_edges(versions, "out", [EdgeType.GENERATED_BY])] if versions else []
        readers = [e.source for e in store.get_edges(versions, "in", [EdgeType.USED])] if versions else []
        ups = {e.target for e in store.get_edges(writers, "out", [EdgeType.INSTANCE_OF])} if writers else set()
        downs = {e.target for e in store.get_edges(readers, "out", [EdgeType.INSTANCE_OF])} if readers else set()
    return ups, downs


def lineage_graph(store: GraphStore, marquez_id: str, depth: int = 20) -> dict[str, Any]:
    """Marquez's ``LineageGraph``: jobs and datasets within ``depth`` hops of the node, both directions."""
    if depth < 0:
        raise ValidationError(f"depth must be 0 or more, not {depth}")
    root = resolve_node_id(store, marquez_id)
    nodes: dict[str, Node] = {root.id: root}
    links: dict[str, tuple[set[str], set[str]]] = {}
    frontier = [root]
    for _ in range(depth + 1):
        following: list[Node] = []
        for node in frontier:
            ups, downs = _neighbours(store, node)
            links[node.id] = (ups, downs)
            fresh = [i for i in sorted(ups | downs) if i not in nodes][:max(MAX_GRAPH_NODES - len(nodes), 0)]
            for ident, found in store.get_nodes(fresh).items():
                nodes[ident] = found
                following.append(found)
        frontier = following
        if not frontier or len(nodes) >= MAX_GRAPH_NODES:
            break
    shown = {i: n for i, n in nodes.items() if n.kind is NodeKind.JOB or n.properties.get(_NS)}
    edges: set[tuple[str, str]] = set()
    for ident, (ups, downs) in links.items():
        edges |= {(up, ident) for up in ups if up in shown}
        edges |= {(ident, down) for down in downs if down in shown}
    graph = []
    for ident, node in sorted(shown.items(), key=lambda item: _marquez_id(item[1])):
        mid = _marquez_id(node)
        data = job_json(store, node) if node.kind is NodeKind.JOB else dataset_json(store, node)
        graph.append({
            "id": mid, "type": "JOB" if node.kind is NodeKind.JOB else "DATASET", "data": data,
            "inEdges": [{"origin": _marquez_id(shown[a]), "destination": mid} for a, b in sorted(edges) if b == ident],
            "outEdges": [{"origin": mid, "destination": _marquez_id(shown[b])} for a, b in sorted(edges)
                         if a == ident],
        })
    return {"graph": graph}
