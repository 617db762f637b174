"""A project's view of a store hides every other project's nodes, edges and paths."""

from __future__ import annotations

import pytest

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.lineage import impact
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.store import GraphStore

K = NodeKind


def _world(store: GraphStore) -> None:
    nodes = [
        Node("dataset_version:shared/1", K.DATASET_VERSION, {"project": "churn", "name": "shared"}),
        Node("run:sdk/churn", K.RUN, {"project": "churn"}),
        Node("model_version:churn/1", K.MODEL_VERSION, {"project": "churn"}),
        Node("run:sdk/fraud", K.RUN, {"project": "fraud"}),
        Node("model_version:fraud/1", K.MODEL_VERSION, {"project": "fraud"}),
        Node("dataset_version:fraud-derived/1", K.DATASET_VERSION, {"project": "fraud"}),
        Node("dataset_version:churn-late/1", K.DATASET_VERSION, {"project": "churn"}),
    ]
    edges = [
        Edge("run:sdk/churn", "dataset_version:shared/1", EdgeType.USED),
        Edge("model_version:churn/1", "run:sdk/churn", EdgeType.GENERATED_BY),
        Edge("run:sdk/fraud", "dataset_version:shared/1", EdgeType.USED),
        Edge("model_version:fraud/1", "run:sdk/fraud", EdgeType.GENERATED_BY),
        # churn-late is reachable from shared only through a fraud node
        Edge("dataset_version:fraud-derived/1", "dataset_version:shared/1", EdgeType.DERIVED_FROM),
        Edge("dataset_version:churn-late/1", "dataset_version:fraud-derived/1", EdgeType.DERIVED_FROM),
    ]
    store.write(nodes, edges)


def test_scoped_view_hides_other_projects(store: GraphStore) -> None:
    _world(store)
    view = ScopedGraphStore(store, "churn")
    assert set(view.get_nodes(["run:sdk/churn", "run:sdk/fraud"])) == {"run:sdk/churn"}
    assert [n.id for n in view.find_nodes(K.RUN)] == ["run:sdk/churn"]
    assert view.find_nodes(K.RUN, {"project": "fraud"}) == []
    with pytest.raises(NotFoundError):
        view.get_node("model_version:fraud/1")
    assert {e.source for e in view.get_edges(["dataset_version:shared/1"], "in")} == {"run:sdk/churn"}
    down = view.reachable(["dataset_version:shared/1"], "down")
    assert down == {"run:sdk/churn": 1, "model_version:churn/1": 2}
    assert [n.id for n in impact(view, "dataset_version:shared/1").model_versions] == ["model_version:churn/1"]
    sub = view.traverse(["dataset_version:shared/1"], "down")
    assert sub.ids == {"dataset_version:shared/1", "run:sdk/churn", "model_version:churn/1"}
    assert view.counts()["nodes"] == {"dataset_version": 2, "model_version": 1, "run": 1}
    with pytest.raises(ValidationError, match="read-only"):
        view.upsert_nodes([Node("model:x", K.MODEL, {"project": "churn"})])
