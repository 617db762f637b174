"""Contract: ``verify_integrity`` proves the tables are what the log says, and checkpoints catch truncation.

Every tampering is done behind the store's back (``tests/backends.py``
``Tamperer``: sqlite3 on the file, or the Neo4j driver) and must be named:
which record, what differs, and the entry that last wrote it.

On the views: the as-of view's tables *are* the replay of its log, so table
edits behind the live store's back do not reach it (it agrees with itself),
while a cut or rewritten log does; the scoped view asks the whole store and
learns whether and the entry involved, but not which record (it may be
another project's).
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from pathlib import Path

import pytest

from modelctx.errors import BackendError, ConfigError
from modelctx.graph.changelog import GENESIS_HASH, Change, make_change
from modelctx.graph.checkpoint import Checkpoint, SigningKey
from modelctx.graph.copy import copy_graph
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.backends import BackendHarness, SqliteHarness
from tests.contract.graphs import lineage_world
from tests.views import CONTRACT_PROJECT

NOTES = 12
KEY = SigningKey("contract-test-signing-key-0123456789")


def _history(store: GraphStore) -> dict[str, Node]:
    """Entry 1: the nodes (the review says "rejected"); 2: the edges; 3-14: one note each."""
    nodes, edges, names = lineage_world()
    review = names["review"]
    nodes = [Node(x.id, x.kind, {"verdict": "rejected"}) if x.id == review.id else x for x in nodes]
    store.write(nodes, [], actor="user:ana")
    store.write([], edges, actor="user:ana")
    for i in range(1, NOTES + 1):
        store.upsert_nodes([Node(f"insight:note-{i}", NodeKind.INSIGHT, {"text": f"note {i}"})], actor="user:bo")
    assert store.last_seq() == 2 + NOTES
    return names


def _view(backend: BackendHarness) -> str | None:
    return getattr(backend, "view", None)


def _is_sqlite(backend: BackendHarness) -> bool:
    return isinstance(getattr(backend, "base", backend), SqliteHarness)


def _tables_differ(store: GraphStore, backend: BackendHarness, record: str, first: str, seq: int | None,
                   differences: int = 1) -> None:
    """``verify_integrity`` names ``first`` (written by ``seq``) as the first difference — on a view, what it can."""
    result = store.verify_integrity()
    assert result.chain.ok and result.checkpoint is None
    if _view(backend) == "as-of":
        # The view's records are the replay of its log: edits of the live tables never reach it.
        assert result.ok and result.tables is not None and result.tables.ok
        return
    assert result.tables is not None and not result.ok
    more = "" if differences == 1 else f"; {differences} differences in all"
    if _view(backend) == "scoped":
        written = f"last written by entry {seq}" if seq is not None else "that no change-log entry wrote"
        assert result.problem == (
            f"tables differ from the change log: the first difference is a {record} {written}{more}; "
            f"the places are not shown in the view of project {CONTRACT_PROJECT!r}")
        assert result.to_json()["tables"]["first_difference"] == {"record": record, "seq": seq, "place": None}
        return
    assert result.problem == f"tables differ from the change log: {first}{more}"
    assert result.tables.first is not None and result.tables.first.seq == seq
    assert result.tables.differences == differences


def test_untampered_store_verifies_tables_and_a_checkpoint(store: GraphStore, backend: BackendHarness) -> None:
    _history(store)
    result = store.verify_integrity()
    assert result.ok and result.problem is None and result.tables is not None
    head = result.chain.head_hash
    if _view(backend) == "scoped":  # the whole store's verdict, not its size
        assert (result.tables.nodes, result.tables.edges) == (0, 0)
        assert result.to_json()["tables"]["nodes"] is None
        assert result.summary() == f"change log intact: 14 entries verified, head {head}; tables match the change log"
    else:
        assert (result.tables.nodes, result.tables.edges) == (15 + NOTES, 17)
        assert result.summary() == (f"change log intact: 14 entries verified, head {head}; "
                                    f"tables match the change log: {15 + NOTES} nodes, 17 edges")
    checkpoint = Checkpoint.of(14, head, store=store.uri, key=None, at="2026-05-01T12:00:00+00:00")
    checked = store.verify_integrity(checkpoint=checkpoint)
    assert checked.ok and checked.checkpoint is not None
    assert checked.checkpoint.sentence() == ("checkpoint (unsigned, taken 2026-05-01T12:00:00+00:00): entry 14 is in "
                                            "the log with the hash it recorded")
    signed = Checkpoint.of(3, _hash_at(store, 3), store=None, key=KEY)
    assert store.verify_integrity(checkpoint=signed, key=KEY).ok
    assert store.verify_integrity(tables=False).tables is None


def _hash_at(store: GraphStore, seq: int) -> str:
    return next(iter(store.changes(seq - 1, limit=1))).hash


def test_an_empty_store_verifies(store: GraphStore) -> None:
    result = store.verify_integrity(checkpoint=Checkpoint.of(0, GENESIS_HASH, store=None, key=None))
    assert result.ok and result.tables is not None and (result.tables.nodes, result.tables.edges) == (0, 0)
    assert result.tables.differences == 0 and result.checkpoint is not None and result.checkpoint.ok


def test_a_property_edited_in_the_table(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    backend.tamperer(store).set_property(names["review"].id, "verdict", "approved")
    _tables_differ(store, backend, "node", 'node review:rv1 has property \'verdict\' = "approved" in the tables '
                                           'but "rejected" in the change log (last written by entry 1)', 1)


def test_property_types_are_compared_strictly(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    backend.tamperer(store).set_property(names["raw"].id, "rows", 100.0)  # logged as the integer 100
    _tables_differ(store, backend, "node", "node dataset_version:raw/d0 has property 'rows' = 100.0 in the tables "
                                           "but 100 in the change log (last written by entry 1)", 1)


def test_properties_that_are_not_an_object(store: GraphStore, backend: BackendHarness) -> None:
    _history(store)
    backend.tamperer(store).set_properties_text("insight:note-2", '["note 2"]')
    _tables_differ(store, backend, "node", "node insight:note-2 has properties in the tables that are not a JSON "
                                           "object (last written by entry 4)", 4)


def test_a_node_deleted(store: GraphStore, backend: BackendHarness) -> None:
    _history(store)
    backend.tamperer(store).delete_node("insight:note-3")
    _tables_differ(store, backend, "node",
                   "node insight:note-3 is missing from the tables (last written by entry 5)", 5)


def test_a_node_inserted(store: GraphStore, backend: BackendHarness) -> None:
    _history(store)
    forged = Node("review:forged", NodeKind.REVIEW, {"verdict": "approved", "project": CONTRACT_PROJECT})
    backend.tamperer(store).insert_node(forged)
    _tables_differ(store, backend, "node", "node review:forged is in the tables but in no change-log entry", None)


def test_an_edge_deleted(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    run, clean_b = names["run"], names["clean_b"]
    backend.tamperer(store).delete_edge(run.id, "USED", clean_b.id)
    # SQLite keeps the edge in both nodes' adjacency arrays: two more differences, after the edge itself.
    _tables_differ(store, backend, "edge", "edge run:sdk/r1 -USED-> dataset_version:clean/b is missing from the "
                                           "tables (last written by entry 2)", 2, 3 if _is_sqlite(backend) else 1)


def test_an_index_blanked(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    commit = names["commit"]  # one edge out: IN_REPO to the repository
    backend.tamperer(store).blank_index(commit.id)
    if _is_sqlite(backend):
        first = ("adjacency of node commit:abc123 lacks the IN_REPO edge to code_repo:git@example.org/churn in its "
                 "up array (last written by entry 2)")
        seq = 2
    else:
        first = ("node commit:abc123 lacks the filter copy 'p.message' in Neo4j (its properties say \"train churn\") "
                 "(last written by entry 1)")
        seq = 1
    _tables_differ(store, backend, "index", first, seq)


def test_log_entries_deleted_without_a_checkpoint_leave_the_tables_ahead(
    store: GraphStore, backend: BackendHarness
) -> None:
    _history(store)
    backend.tamperer(store).delete_log_after(2 + NOTES - 1)
    assert store.verify_integrity().chain.last_seq == 13
    # (The as-of view replays the shortened log: it holds 11 notes, and so do its records.)
    _tables_differ(store, backend, "node", "node insight:note-12 is in the tables but in no change-log entry", None)


@pytest.mark.parametrize("deleted", [1, 10, 14])
def test_log_entries_deleted_are_caught_by_a_checkpoint(
    store: GraphStore, backend: BackendHarness, deleted: int
) -> None:
    _history(store)
    head = store.verify()
    checkpoint = Checkpoint.of(head.last_seq, head.head_hash, store=store.uri, key=None,
                               at="2026-05-01T12:00:00+00:00")
    backend.tamperer(store).delete_log_after(14 - deleted)
    result = store.verify_integrity(checkpoint=checkpoint)
    assert result.chain.ok and result.chain.last_seq == 14 - deleted
    removed = "entry 14 was" if deleted == 1 else f"entries {15 - deleted}-14 were"
    assert result.problem == (
        f"checkpoint (taken 2026-05-01T12:00:00+00:00): the change log ends at entry {14 - deleted}, before the "
        f"checkpoint's entry 14: {removed} removed (and any after)")
    assert result.checkpoint is not None and result.to_json()["checkpoint"]["ok"] is False


def _rewrite(store: GraphStore, backend: BackendHarness, review_id: str) -> None:
    """Rewrite entry 1 to say the review approved, recompute every hash after it, and make the table agree."""
    tamperer = backend.tamperer(store)
    old = tamperer.read_log()
    new: list[Change] = []
    prev = GENESIS_HASH
    for change in old:
        payload = change.payload
        for record in payload.get("nodes", ()):
            if record["id"] == review_id:
                record["properties"]["verdict"] = "approved"
        rewritten = make_change(change.seq, change.at, change.actor, change.op, payload, prev)
        new.append(rewritten)
        prev = rewritten.hash
    tamperer.replace_log(new)
    tamperer.set_property(review_id, "verdict", "approved")


def test_a_rewritten_log_is_caught_by_a_checkpoint(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    before = store.verify()
    checkpoint = Checkpoint.of(before.last_seq, before.head_hash, store=None, key=None, at="2026-05-01T12:00:00Z")
    _rewrite(store, backend, names["review"].id)
    after = store.verify_integrity()
    assert after.ok, after.problem  # chain and tables agree: only a checkpoint can tell
    result = store.verify_integrity(checkpoint=checkpoint)
    assert result.problem == (
        f"checkpoint (taken 2026-05-01T12:00:00Z): entry 14 no longer has the hash the checkpoint recorded "
        f"({before.head_hash[:16]}…, now {after.chain.head_hash[:16]}…): the log up to it was rewritten")


def test_a_rewrite_with_a_forged_checkpoint_needs_the_signature(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    before = store.verify()
    signed = Checkpoint.of(before.last_seq, before.head_hash, store=None, key=KEY, at="2026-05-01T12:00:00Z")
    unsigned = dataclasses.replace(signed, hmac=None)
    _rewrite(store, backend, names["review"].id)
    forged_head = store.verify().head_hash
    # Whoever rewrote the log can rewrite an unsigned checkpoint to match: it then proves nothing.
    assert store.verify_integrity(checkpoint=dataclasses.replace(unsigned, hash=forged_head)).ok
    forged = dataclasses.replace(signed, hash=forged_head)
    result = store.verify_integrity(checkpoint=forged, key=KEY)
    assert result.problem == (
        "checkpoint (taken 2026-05-01T12:00:00Z): its signature does not match: the checkpoint was altered, or "
        "signed with another key than MODELCTX_SIGNING_KEY")
    assert store.verify_integrity(checkpoint=signed, key=KEY).problem is not None  # the true one: rewritten
    assert "no longer has the hash" in (store.verify_integrity(checkpoint=signed, key=KEY).problem or "")
    other_key = SigningKey("another-key-of-at-least-16-bytes")
    assert "signature does not match" in (store.verify_integrity(checkpoint=signed, key=other_key).problem or "")
    with pytest.raises(ConfigError, match="is signed: set MODELCTX_SIGNING_KEY"):
        store.verify_integrity(checkpoint=signed)
    assert "it is not signed, but MODELCTX_SIGNING_KEY is set" in (
        store.verify_integrity(checkpoint=unsigned, key=KEY).problem or "")


def test_an_entry_that_verifies_but_cannot_be_replayed(store: GraphStore, backend: BackendHarness) -> None:
    _history(store)
    tamperer = backend.tamperer(store)
    log = tamperer.read_log()
    last = log[-1]
    log[-1] = make_change(last.seq, last.at, last.actor, "drop_table", {"nodes": []}, last.prev_hash)
    tamperer.replace_log(log)
    if _view(backend) == "as-of":  # the view is that replay: it cannot be built at all
        with pytest.raises(BackendError, match="change-log entry 14 has an unknown operation 'drop_table'"):
            store.verify_integrity()
        return
    result = store.verify_integrity()
    assert result.problem == (
        "change log BROKEN at entry 14: entry 14 cannot be replayed: change-log entry 14 has an unknown operation "
        "'drop_table'")
    assert result.tables is None and result.chain.checked == 13
    assert store.verify_integrity(tables=False).ok  # the chain alone is intact


@pytest.mark.backend_only("the as-of view is that replay: it cannot be built at all", views=("as-of",))
def test_a_record_that_verifies_but_cannot_be_replayed(store: GraphStore, backend: BackendHarness) -> None:
    _history(store)
    tamperer = backend.tamperer(store)
    log = tamperer.read_log()
    last = log[-1]
    payload = {"nodes": [{"id": "model:forged", "kind": "insight", "properties": {}}]}
    log[-1] = make_change(last.seq, last.at, last.actor, last.op, payload, last.prev_hash)
    tamperer.replace_log(log)
    assert store.verify_integrity().problem == (
        "change log BROKEN at entry 14: entry 14 cannot be replayed: a node record with kind 'insight' and id "
        "'model:forged'")


def test_a_broken_chain_is_reported_before_the_tables(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    backend.tamper_change(store, 3)
    backend.tamperer(store).set_property(names["review"].id, "verdict", "approved")
    result = store.verify_integrity()
    assert result.problem == "change log BROKEN at entry 3: entry 3 was altered: its content does not match its hash"
    assert result.tables is None


@pytest.mark.backend_only("a project's view cannot read the change log a copy is made from", views=("scoped",))
def test_a_copy_verifies_in_the_target(store: GraphStore, tmp_path: Path) -> None:
    _history(store)
    target = open_store(f"sqlite:///{tmp_path / 'copy' / 'target.db'}")
    try:
        copy_graph(store, target)
        result = target.verify_integrity()
        assert result.ok and result.tables is not None and (result.tables.nodes, result.tables.edges) == (27, 17)
        head = store.verify()
        checkpoint = Checkpoint.of(head.last_seq, head.head_hash, store=store.uri, key=KEY)
        assert target.verify_integrity(checkpoint=checkpoint, key=KEY).ok  # the copy keeps the source's chain
    finally:
        target.close()


def _write_while_verified(uri: str, count: int) -> None:
    store = open_store(uri)
    try:
        for i in range(count):
            store.upsert_nodes([Node(f"model:w{i}", NodeKind.MODEL, {"i": i}),
                                Node("insight:note-1", NodeKind.INSIGHT, {"text": f"rewritten {i}"})],
                               actor="worker")
    finally:
        store.close()


@pytest.mark.backend_only("the writer process writes to the store itself, not through the view")
def test_a_concurrent_writer_is_not_a_difference(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    _history(store)
    writer = multiprocessing.get_context("spawn").Process(
        target=_write_while_verified, args=(backend.uri(tmp_path), 150))
    writer.start()
    try:
        verified = 0
        while writer.is_alive() or verified < 3:
            result = store.verify_integrity()
            assert result.ok, result.problem
            verified += 1
    finally:
        writer.join(timeout=300)
    assert writer.exitcode == 0
    assert store.verify_integrity().ok


def test_the_result_as_json(store: GraphStore, backend: BackendHarness) -> None:
    names = _history(store)
    backend.tamperer(store).set_property(names["review"].id, "verdict", "approved")
    data = json.loads(json.dumps(store.verify_integrity().to_json()))
    assert data["first_bad_seq"] is None and data["checked"] == 14 and data["checkpoint"] is None
    if _view(backend) == "as-of":
        assert data["ok"] is True
        return
    assert data["ok"] is False and data["problem"] == data["summary"]
    assert data["tables"]["differences"] == 1 and data["tables"]["ok"] is False
    if _view(backend) is None:
        assert data["tables"]["first_difference"] == {
            "record": "node", "place": "node review:rv1", "seq": 1,
            "problem": 'has property \'verdict\' = "approved" in the tables but "rejected" in the change log',
            "text": 'node review:rv1 has property \'verdict\' = "approved" in the tables but "rejected" in the '
                    "change log (last written by entry 1)",
        }
