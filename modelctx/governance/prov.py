"""W3C PROV-JSON export of a node's upstream lineage.

The provenance graph already follows PROV (``docs/design.md``), so the export is a
mapping, not a translation: runs and jobs are activities, people are agents,
everything else is an entity. Each node kind is a namespace prefix, so a node
id (``dataset_version:customers/abc``) is its own qualified name in the
document.

=================  =======================================================
graph edge         PROV relation
=================  =======================================================
USED               used (activity → entity), with the edge's role
GENERATED_BY       wasGeneratedBy (entity → activity)
DERIVED_FROM       wasDerivedFrom
VERSION_OF         specializationOf (a version specialises its dataset/model)
INSTANCE_OF        wasInformedBy (a run is informed by its job)
REVIEWS, DEPLOYS,  wasDerivedFrom (the later record derives from the version)
MONITORS
ATTRIBUTED_TO      wasAttributedTo (entity) or wasAssociatedWith (activity)
=================  =======================================================
"""

from __future__ import annotations

import json
from typing import Any

from modelctx.graph.lineage import lineage
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

NAMESPACE = "https://modelctx.dev/ns/"
ACTIVITY_KINDS = frozenset({NodeKind.RUN, NodeKind.JOB})
AGENT_KINDS = frozenset({NodeKind.PERSON})

_PREFIX_OF_ID = "mctx"


def _qname(node_id: str) -> str:
    return node_id  # the kind is the prefix; see the module docstring


def _value(value: Any) -> Any:
    """PROV attribute values are literals: scalars stay, structures become JSON text."""
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else ""
    if isinstance(value, (str, int, float)):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _attributes(node: Node) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "prov:type": {"$": f"{_PREFIX_OF_ID}:{node.kind.label}", "type": "prov:QUALIFIED_NAME"},
        "prov:label": node.title,
    }
    for key, value in sorted(node.properties.items()):
        safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in key)
        attrs[f"{_PREFIX_OF_ID}:{safe}"] = _value(value)
    if node.kind is NodeKind.RUN:
        for key, prov_key in (("started_at", "prov:startTime"), ("ended_at", "prov:endTime")):
            if node.properties.get(key):
                attrs[prov_key] = str(node.properties[key])
    return attrs


def _relation(edge: Edge, kinds: dict[str, NodeKind]) -> tuple[str, dict[str, Any]] | None:
    src, dst = _qname(edge.source), _qname(edge.target)
    etype = edge.type
    if etype is EdgeType.USED:
        body: dict[str, Any] = {"prov:activity": src, "prov:entity": dst}
        if edge.properties.get("role"):
            body["prov:role"] = str(edge.properties["role"])
        return "used", body
    if etype is EdgeType.GENERATED_BY:
        return "wasGeneratedBy", {"prov:entity": src, "prov:activity": dst}
    if etype in (EdgeType.DERIVED_FROM, EdgeType.REVIEWS, EdgeType.DEPLOYS, EdgeType.MONITORS):
        return "wasDerivedFrom", {"prov:generatedEntity": src, "prov:usedEntity": dst}
    if etype is EdgeType.VERSION_OF:
        return "specializationOf", {"prov:specificEntity": src, "prov:generalEntity": dst}
    if etype is EdgeType.INSTANCE_OF:
        return "wasInformedBy", {"prov:informed": src, "prov:informant": dst}
    if etype is EdgeType.ATTRIBUTED_TO:
        if kinds.get(edge.source) in ACTIVITY_KINDS:
            return "wasAssociatedWith", {"prov:activity": src, "prov:agent": dst}
        if kinds.get(edge.source) in AGENT_KINDS:
            return None
        return "wasAttributedTo", {"prov:entity": src, "prov:agent": dst}
    return None


def export_prov(store: GraphStore, node_id: str) -> dict[str, Any]:
    """The upstream lineage of ``node_id`` (plus the people it is attributed to) as a PROV-JSON document."""
    upstream = lineage(store, node_id, "up")
    ids = [n.id for n in upstream.nodes]
    people_edges = [e for e in store.get_edges(ids, "out", [EdgeType.ATTRIBUTED_TO]) if e.source in set(ids)]
    people = store.get_nodes({e.target for e in people_edges})
    nodes = {n.id: n for n in upstream.nodes} | people
    kinds = {i: n.kind for i, n in nodes.items()}
    doc: dict[str, Any] = {
        "prefix": {_PREFIX_OF_ID: NAMESPACE, **{k.value: f"{NAMESPACE}{k.value}/" for k in
                                                 sorted({n.kind for n in nodes.values()})}},
    }
    for node in nodes.values():
        section = "activity" if node.kind in ACTIVITY_KINDS else "agent" if node.kind in AGENT_KINDS else "entity"
        doc.setdefault(section, {})[_qname(node.id)] = _attributes(node)
    counters: dict[str, int] = {}
    for edge in [*upstream.edges, *people_edges]:
        mapped = _relation(edge, kinds)
        if mapped is None:
            continue
        relation, body = mapped
        counters[relation] = counters.get(relation, 0) + 1
        doc.setdefault(relation, {})[f"_:{relation}{counters[relation]}"] = body
    return doc
