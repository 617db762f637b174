"""Contract: upserts are idempotent, merge properties, validate edges and are atomic."""

from __future__ import annotations

import pytest

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from tests.contract.graphs import E, K, e, lineage_world, n


def test_fresh_store_is_empty(store: GraphStore) -> None:
    assert store.counts() == {"nodes": {}, "edges": {}}
    assert store.last_seq() == 0
    assert list(store.changes()) == []


def test_write_then_read_back(store: GraphStore) -> None:
    nodes, edges, w = lineage_world()
    result = store.write(nodes, edges)
    assert (result.nodes_created, result.edges_created) == (len(nodes), len(edges))
    got = store.get_node(w["raw"].id)
    assert got == w["raw"]
    assert set(store.get_nodes([w["run"].id, "run:sdk/missing"])) == {w["run"].id}
    counts = store.counts()
    assert counts["nodes"]["dataset_version"] == 5
    assert counts["edges"]["USED"] == 3
    assert sum(counts["edges"].values()) == len(edges)
    used = store.get_edges([w["run"].id], "out", [EdgeType.USED])
    assert {(x.target, x.properties["role"]) for x in used} == {
        (w["clean_a"].id, "training"), (w["clean_b"].id, "validation"), (w["commit"].id, "code")}
    incoming = store.get_edges([w["version"].id], "in")
    assert {x.source for x in incoming} == {w["review"].id, w["deployment"].id}


def test_get_node_missing_raises_not_found(store: GraphStore) -> None:
    with pytest.raises(NotFoundError, match="model_version:nope/1"):
        store.get_node("model_version:nope/1")


def test_upsert_is_idempotent_and_logs_nothing_when_unchanged(store: GraphStore) -> None:
    nodes, edges, _ = lineage_world()
    store.write(nodes, edges)
    seq = store.last_seq()
    again = store.write(nodes, edges)
    assert not again.changed
    assert (again.nodes_unchanged, again.edges_unchanged) == (len(nodes), len(edges))
    assert store.last_seq() == seq
    assert sum(store.counts()["nodes"].values()) == len(nodes)


def test_property_update_merges_and_none_removes(store: GraphStore) -> None:
    node = n(K.MODEL, "churn", name="churn", owner="ana", description="old")
    store.upsert_nodes([node])
    result = store.upsert_nodes([Node(node.id, K.MODEL, {"description": "new", "owner": None, "tags": ["a"]})])
    assert result.nodes_updated == 1
    assert store.get_node(node.id).properties == {"name": "churn", "description": "new", "tags": ["a"]}
    last = list(store.changes())[-1]
    assert last.payload["nodes"][0]["properties"] == {"name": "churn", "description": "new", "tags": ["a"]}


def test_edge_property_update(store: GraphStore) -> None:
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    store.upsert_edges([e(w["run"], E.USED, w["clean_a"], role="training", rows_read=10)])
    [edge] = [x for x in store.get_edges([w["run"].id], "out") if x.target == w["clean_a"].id]
    assert edge.properties == {"role": "training", "rows_read": 10}
    assert store.counts()["edges"]["USED"] == 3


def test_id_must_match_kind() -> None:
    with pytest.raises(ValidationError, match="does not match its kind"):
        Node("model:churn", K.DATASET, {})


def test_same_id_two_kinds_in_one_batch_conflicts() -> None:
    from modelctx.graph.batch import prepare_batch

    with pytest.raises(ValidationError):
        prepare_batch([Node("model:x", K.MODEL), Node("model:x", "dataset")], [])  # type: ignore[arg-type]


def test_malformed_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown kind 'modle'"):
        Node("modle:x", K.MODEL)
    with pytest.raises(ValidationError, match="expected 'kind:natural-key'"):
        Edge("run", "dataset_version:x", EdgeType.USED).validate()


@pytest.mark.parametrize(
    ("source", "etype", "target"),
    [
        (("dataset", "d"), E.GENERATED_BY, ("run", "r")),
        (("run", "r"), E.REVIEWS, ("model_version", "m/1")),
        (("model_version", "m/1"), E.VERSION_OF, ("dataset", "d")),
        (("review", "x"), E.DEPLOYS, ("model_version", "m/1")),
    ],
)
def test_edge_with_wrong_kinds_is_rejected_naming_both(store: GraphStore, source: tuple[str, str],
                                                       etype: EdgeType, target: tuple[str, str]) -> None:
    src = Node(f"{source[0]}:{source[1]}", NodeKind(source[0]))
    dst = Node(f"{target[0]}:{target[1]}", NodeKind(target[0]))
    with pytest.raises(ValidationError) as info:
        store.write([src, dst], [Edge(src.id, dst.id, etype)])
    message = str(info.value)
    assert etype.value in message
    assert src.kind.label in message and dst.kind.label in message
    assert store.counts() == {"nodes": {}, "edges": {}}


def test_batch_with_one_bad_edge_writes_nothing(store: GraphStore) -> None:
    store.upsert_nodes([n(K.DATASET, "kept", name="kept")])
    seq = store.last_seq()
    nodes, edges, w = lineage_world()
    bad = Edge(w["run"].id, "dataset_version:not/there", EdgeType.USED)
    with pytest.raises(ValidationError, match="dataset_version:not/there"):
        store.write(nodes, [*edges, bad])
    assert store.counts()["nodes"] == {"dataset": 1}
    assert store.counts()["edges"] == {}
    assert store.last_seq() == seq
    assert store.get_node("dataset:kept").properties == {"name": "kept"}


def test_batch_with_one_bad_property_writes_nothing(store: GraphStore) -> None:
    store.upsert_nodes([n(K.MODEL, "m", name="m")])
    nodes, edges, _ = lineage_world()
    with pytest.raises(ValidationError, match=r"batch node #\d+: node model:m2: property 'auc'"):
        store.write([*nodes, Node("model:m2", K.MODEL, {"auc": float("nan")})], edges)
    assert store.counts()["nodes"] == {"model": 1}
    assert store.counts()["edges"] == {}


def test_non_json_property_is_rejected_naming_node_and_key(store: GraphStore) -> None:
    with pytest.raises(ValidationError, match=r"model:m.*'created'"):
        store.upsert_nodes([Node("model:m", K.MODEL, {"created": object()})])


def test_find_nodes_by_kind_and_properties(store: GraphStore) -> None:
    store.upsert_nodes([n(K.MODEL, f"m{i}", owner="ana" if i % 2 else "bo", rank=i, live=i < 3) for i in range(10)])
    assert [x.id for x in store.find_nodes(K.MODEL, {"owner": "ana"})] == [f"model:m{i}" for i in (1, 3, 5, 7, 9)]
    assert [x.id for x in store.find_nodes(K.MODEL, {"owner": "ana"}, limit=2, offset=1)] == ["model:m3", "model:m5"]
    assert [x.id for x in store.find_nodes(K.MODEL, {"rank": 4})] == ["model:m4"]
    assert [x.id for x in store.find_nodes(K.MODEL, {"live": True, "owner": "bo"})] == ["model:m0", "model:m2"]
    assert store.find_nodes(K.DATASET) == []
    assert len(store.find_nodes(K.MODEL, limit=3)) == 3


def test_find_ids_reads_ids_by_prefix_in_order_and_pages(store: GraphStore) -> None:
    ids = ["commit:ab12", "commit:ab34", "commit:ab", "commit:b0", "commit:ab12ff", "commit:ab\u00e9", "commit:aa"]
    store.write([Node(i, NodeKind.COMMIT, {"message": i}) for i in ids], ())
    assert store.find_ids("commit:ab") == ["commit:ab", "commit:ab12", "commit:ab12ff", "commit:ab34",
                                           "commit:ab\u00e9"]
    assert store.find_ids("commit:ab1") == ["commit:ab12", "commit:ab12ff"]
    assert store.find_ids("commit:ab", limit=2) == ["commit:ab", "commit:ab12"]
    assert store.find_ids("commit:ab", limit=2, after="commit:ab12") == ["commit:ab12ff", "commit:ab34"]
    assert store.find_ids("commit:abz") == []
    assert store.find_ids("comm", limit=0) == []
    assert store.find_ids("%") == [] and store.find_ids("commit:_") == []  # no wildcards
    with pytest.raises(ValidationError, match="id prefix"):
        store.find_ids("")
