"""Contract: the change log's order, hash chain, tamper detection and concurrent writers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from modelctx.errors import NotFoundError
from modelctx.graph.changelog import GENESIS_HASH, NodeChange, entry_hash
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.backends import BackendHarness
from tests.contract.graphs import lineage_world


def test_changes_are_ordered_and_chained(store: GraphStore) -> None:
    nodes, edges, _ = lineage_world()
    store.write(nodes, [], actor="user:ana")
    store.write([], edges, actor="user:bo")
    changes = list(store.changes())
    assert [c.seq for c in changes] == [1, 2]
    assert [c.op for c in changes] == ["upsert_nodes", "upsert_edges"]
    assert [c.actor for c in changes] == ["user:ana", "user:bo"]
    assert changes[0].prev_hash == GENESIS_HASH
    assert changes[1].prev_hash == changes[0].hash
    for c in changes:
        assert c.hash == entry_hash(c.seq, c.at, c.actor, c.op, c.prev_hash, c.payload_json)
    assert {r["id"] for r in changes[0].payload["nodes"]} == {x.id for x in nodes}
    assert len(changes[1].payload["edges"]) == len(edges)
    assert [c.seq for c in store.changes(since_seq=1)] == [2]
    assert [c.seq for c in store.changes(0, limit=1)] == [1]
    assert store.last_seq() == 2
    result = store.verify()
    assert result.ok and result.checked == 2 and result.head_hash == changes[1].hash


def test_large_batch_splits_into_several_entries(store: GraphStore) -> None:
    store.upsert_nodes([Node(f"model:m{i}", NodeKind.MODEL, {"i": i}) for i in range(2500)])
    changes = list(store.changes())
    assert [len(c.payload["nodes"]) for c in changes] == [1000, 1000, 500]
    assert store.verify().ok


def test_tampering_names_the_first_bad_entry(store: GraphStore, backend: BackendHarness) -> None:
    for i in range(5):
        store.upsert_nodes([Node(f"model:m{i}", NodeKind.MODEL, {"i": i})])
    assert store.verify().ok
    backend.tamper_change(store, 3)
    result = store.verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.checked == 2
    assert "3" in (result.reason or "")


def _write_many(uri: str, worker: int, batches: int) -> None:
    store = open_store(uri)
    try:
        for b in range(batches):
            store.upsert_nodes(
                [Node(f"model:w{worker}-{b}-{i}", NodeKind.MODEL, {"w": worker}) for i in range(20)],
                actor=f"worker:{worker}",
            )
    finally:
        store.close()


@pytest.mark.backend_only("the worker processes write outside the project's view (their nodes carry no project)",
                          views=("scoped",))
def test_two_processes_writing_at_once_lose_nothing(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    uri = backend.uri(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_many, args=(uri, w, 25)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=300)
    assert [p.exitcode for p in workers] == [0, 0]
    assert store.counts()["nodes"]["model"] == 2 * 25 * 20
    result = store.verify()
    assert result.ok and result.checked == 50
    assert {c.actor for c in store.changes()} == {"worker:0", "worker:1"}


def test_node_changes_reduce_the_log_to_one_node(store: GraphStore) -> None:
    nodes, edges, named = lineage_world()
    run, clean_a = named["run"], named["clean_a"]
    store.write(nodes, [], actor="user:ana")
    store.write([], edges, actor="user:bo")
    store.write([Node(run.id, NodeKind.RUN, {"status": "FAILED"})], [], actor="user:cy")
    history = list(store.node_changes(run.id))
    assert [(c.seq, c.actor) for c in history] == [(1, "user:ana"), (2, "user:bo"), (3, "user:cy")]
    assert isinstance(history[0], NodeChange) and history[0].properties is not None
    assert history[0].properties["status"] == "FINISHED" and history[0].edges == ()
    assert history[1].properties is None
    assert sorted((e["source"], e["type"], e["target"]) for e in history[1].edges) == sorted(
        (e.source, e.type.value, e.target) for e in edges if run.id in (e.source, e.target))
    assert history[2].properties is not None and history[2].properties["status"] == "FAILED"
    assert [c.seq for c in store.node_changes(clean_a.id)] == [1, 2]
    with pytest.raises(NotFoundError):
        list(store.node_changes("run:sdk/none"))
