"""Contract: an edge can be removed; the removal is logged, replayed, verified and seen by every read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modelctx.graph.changelog import ChangeOp
from modelctx.graph.history import node_history
from modelctx.graph.model import EdgeRemoval
from modelctx.graph.replay import Replay
from modelctx.graph.store import GraphStore
from tests.contract.graphs import E, K, e, lineage_world, n


def test_removed_edge_is_gone_from_every_read_and_logged(store: GraphStore) -> None:
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    before = store.reachable([w["version"].id], "up")
    assert w["clean_b"].id in before
    seq = store.last_seq()

    result = store.write([], [EdgeRemoval(w["run"].id, w["clean_b"].id, E.USED)])

    assert (result.edges_removed, result.edges_created, result.changed) == (1, 0, True)
    assert {x.target for x in store.get_edges([w["run"].id], "out", [E.USED])} == {w["clean_a"].id, w["commit"].id}
    assert w["run"].id not in {x.source for x in store.get_edges([w["clean_b"].id], "in")}
    up = store.reachable([w["version"].id], "up")
    assert w["clean_b"].id not in up and w["clean_a"].id in up  # the walk no longer passes through it
    assert w["version"].id not in store.reachable([w["clean_b"].id], "down")
    assert store.counts()["edges"]["USED"] == 2
    [entry] = list(store.changes(seq))
    assert entry.op == ChangeOp.REMOVE_EDGES
    assert entry.payload == {"edges": [{"source": w["run"].id, "target": w["clean_b"].id, "type": "USED"}]}
    assert store.verify_integrity().ok
    replay = Replay()
    for change in store.changes():
        replay.apply(change)
    assert (w["run"].id, E.USED, w["clean_b"].id) not in replay.edges
    assert len(replay.edges) == len(edges) - 1
    history = node_history(store, w["clean_b"].id)["entries"]
    assert history[-1]["removed_edges"] == [{"source": w["run"].id, "type": "USED", "target": w["clean_b"].id}]


def test_removing_an_absent_edge_changes_nothing(store: GraphStore) -> None:
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    seq = store.last_seq()
    result = store.write([], [EdgeRemoval(w["run"].id, w["raw"].id, E.USED),
                              EdgeRemoval(w["run"].id, "dataset_version:nowhere/x", E.USED)])
    assert (result.edges_removed, result.changed, result.seqs) == (0, False, [])
    assert store.last_seq() == seq


def test_the_last_record_of_a_key_in_a_batch_decides(store: GraphStore) -> None:
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    other = n(K.DATASET_VERSION, "clean", "c", name="clean c")
    # re-point: remove one USED edge, write another, in one batch (one transaction)
    result = store.write([other], [EdgeRemoval(w["run"].id, w["clean_b"].id, E.USED),
                                   e(w["run"], E.USED, other, role="validation")])
    assert (result.edges_removed, result.edges_created) == (1, 1)
    roles = {x.target: x.properties["role"] for x in store.get_edges([w["run"].id], "out", [E.USED])}
    assert roles == {w["clean_a"].id: "training", other.id: "validation", w["commit"].id: "code"}
    # written then removed in one batch: removed; removed then written: kept
    later = store.write([], [e(w["run"], E.USED, w["raw"], role="x"), EdgeRemoval(w["run"].id, w["raw"].id, E.USED),
                             EdgeRemoval(w["run"].id, other.id, E.USED), e(w["run"], E.USED, other, note="kept")])
    assert (later.edges_created, later.edges_removed, later.edges_updated) == (0, 0, 1)
    roles = {x.target: dict(x.properties) for x in store.get_edges([w["run"].id], "out", [E.USED])}
    assert roles[other.id] == {"role": "validation", "note": "kept"} and w["raw"].id not in roles
    assert store.verify_integrity().ok


def test_the_graph_before_a_removal_is_still_readable(store: GraphStore) -> None:
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    between = datetime.now(UTC) + timedelta(seconds=0)
    store.write([], [EdgeRemoval(w["version"].id, w["run"].id, E.GENERATED_BY)])
    assert store.get_edges([w["version"].id], "out", [E.GENERATED_BY]) == []
    past = store.as_of(between)
    assert [x.target for x in past.get_edges([w["version"].id], "out", [E.GENERATED_BY])] == [w["run"].id]
    assert store.as_of(None).get_edges([w["version"].id], "out", [E.GENERATED_BY]) == []
