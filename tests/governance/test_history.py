"""The graph as of a past time: replayed from the change log, answering like the live store."""

from __future__ import annotations

import time

import pytest

from modelctx.errors import NotFoundError, ReadOnlyError
from modelctx.graph.changelog import now_iso
from modelctx.graph.lineage import impact, lineage
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.snapshot import SnapshotGraphStore
from modelctx.graph.store import GraphStore
from tests.governance.world import governed_world


def _write_in_two_steps(store: GraphStore) -> tuple[str, dict[str, Node]]:
    """Everything but the review first; returns a time between the two writes."""
    nodes, edges, names = governed_world()
    review = names["review"]
    store.write([n for n in nodes if n.id != review.id],
                [e for e in edges if review.id not in (e.source, e.target)], actor="user:ana")
    time.sleep(0.01)
    between = now_iso()
    time.sleep(0.01)
    store.write([review], [e for e in edges if review.id in (e.source, e.target)], actor="user:bob")
    return between, names


def test_as_of_before_a_review_shows_no_review(store: GraphStore) -> None:
    between, names = _write_in_two_steps(store)
    version = names["version"].id
    past = SnapshotGraphStore.at(store, between)
    assert past.get_edges([version], "in", [EdgeType.REVIEWS]) == []
    assert not past.has_node(names["review"].id)
    now = SnapshotGraphStore.at(store, None)
    assert [e.source for e in now.get_edges([version], "in", [EdgeType.REVIEWS])] == [names["review"].id]


def test_snapshot_answers_like_the_live_store(store: GraphStore, world: dict[str, Node]) -> None:
    snap = SnapshotGraphStore.at(store, None)
    version = world["version"].id
    assert snap.counts() == store.counts()
    live_up, snap_up = lineage(store, version, "up"), lineage(snap, version, "up")
    assert {n.id for n in snap_up.nodes} == {n.id for n in live_up.nodes}
    assert {e.key for e in snap_up.edges} == {e.key for e in live_up.edges}
    assert snap.reachable([world["clean"].id], "down") == store.reachable([world["clean"].id], "down")
    assert [n.id for n in snap.find_nodes(NodeKind.DATASET_VERSION)] == [
        n.id for n in store.find_nodes(NodeKind.DATASET_VERSION)]
    assert snap.find_nodes(NodeKind.RUN, {"status": "FINISHED"})[0].id == world["run"].id
    assert [v.id for v in impact(snap, world["clean"].id).model_versions] == [version]
    assert snap.verify().ok and snap.last_seq() == store.last_seq()


def test_snapshot_keeps_old_property_values(store: GraphStore, world: dict[str, Node]) -> None:
    version = world["version"]
    time.sleep(0.01)
    before = now_iso()
    time.sleep(0.01)
    store.write([Node(version.id, NodeKind.MODEL_VERSION, {"framework": "xgboost"})], [])
    assert SnapshotGraphStore.at(store, before).get_node(version.id).properties["framework"] == "sklearn"
    assert SnapshotGraphStore.at(store, None).get_node(version.id).properties["framework"] == "xgboost"


def test_snapshot_is_read_only_and_unknown_ids_raise(store: GraphStore, world: dict[str, Node]) -> None:
    snap = SnapshotGraphStore.at(store, "2000-01-01")
    assert snap.counts() == {"nodes": {}, "edges": {}}
    with pytest.raises(NotFoundError, match="as of 2000-01-01"):
        snap.reachable([world["version"].id], "up")
    with pytest.raises(ReadOnlyError, match="read-only"):
        snap.write([], [Edge(world["review"].id, world["version"].id, EdgeType.REVIEWS)])

