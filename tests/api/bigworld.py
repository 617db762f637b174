"""A wide lineage of about ``n`` nodes under one model version, for the 1,000-node explorer check and the bench."""

from __future__ import annotations

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

K = NodeKind
E = EdgeType


def build_wide_lineage(store: GraphStore, n: int, *, project: str = "big") -> str:
    """Model version <- run <- k dataset versions <- k source versions -> 50 datasets; returns the root id."""
    datasets = 50
    k = max(1, -(-(n - 3 - datasets) // 2))
    root = node_id(K.MODEL_VERSION, "big", "1")
    model = node_id(K.MODEL, "big")
    run = node_id(K.RUN, "sdk", "big-train")
    nodes = [
        Node(root, K.MODEL_VERSION, {"name": "big v1", "project": project}),
        Node(model, K.MODEL, {"name": "big", "project": project}),
        Node(run, K.RUN, {"name": "train big", "project": project}),
    ]
    edges = [Edge(root, run, E.GENERATED_BY), Edge(root, model, E.VERSION_OF)]
    for d in range(datasets):
        nodes.append(Node(node_id(K.DATASET, f"table{d}"), K.DATASET, {"name": f"table{d}", "project": project}))
    for i in range(k):
        dataset = node_id(K.DATASET, f"table{i % datasets}")
        used = node_id(K.DATASET_VERSION, f"table{i % datasets}", f"clean{i}")
        raw = node_id(K.DATASET_VERSION, f"table{i % datasets}", f"raw{i}")
        nodes += [
            Node(used, K.DATASET_VERSION, {"name": f"clean {i}", "project": project}),
            Node(raw, K.DATASET_VERSION, {"name": f"raw {i}", "project": project}),
        ]
        edges += [
            Edge(run, used, E.USED),
            Edge(used, raw, E.DERIVED_FROM),
            Edge(used, dataset, E.VERSION_OF),
            Edge(raw, dataset, E.VERSION_OF),
        ]
    store.write(nodes, edges, actor="test:bigworld")
    return root
