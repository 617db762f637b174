"""Contract: a store keeps API tokens (``graph/credentials.py``) beside the graph, never in it; views keep none."""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.synchronize
from pathlib import Path

import pytest

from modelctx.errors import ConflictError, PermissionDeniedError
from modelctx.graph.credentials import TokenInfo, TokenTable
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.snapshot import SnapshotGraphStore
from modelctx.graph.store import GraphStore, open_store
from tests.backends import BackendHarness

NOT_ON_VIEWS = "a view keeps no credentials (test_a_view_refuses_token_operations)"
T0 = "2026-01-01T00:00:00+00:00"
T1 = "2026-01-02T00:00:00+00:00"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _view(backend: BackendHarness) -> str | None:
    return getattr(backend, "view", None)


def test_a_view_refuses_token_operations(store: GraphStore, backend: BackendHarness) -> None:
    view = _view(backend)
    if view is None:
        assert isinstance(store.tokens, TokenTable)
        return
    expected = {"scoped": "API tokens are not managed through the view of project 'contract'",
                "as-of": "API tokens are kept by the store itself, not by the view "}[view]
    with pytest.raises(PermissionDeniedError, match=expected):
        store.tokens.list_all()


@pytest.mark.backend_only(NOT_ON_VIEWS)
def test_add_find_list_revoke_count(store: GraphStore) -> None:
    tokens = store.tokens
    assert tokens.list_all() == [] and tokens.count_active() == 0
    assert tokens.find_by_digest(digest("nothing")) is None
    first = tokens.add("ci", digest("a"), "writer", "churn", T0)
    second = tokens.add("root", digest("b"), "admin", None, T0)
    assert isinstance(first.id, int) and second.id > first.id
    assert first == TokenInfo(first.id, "ci", "writer", "churn", T0, None)
    assert tokens.find_by_digest(digest("a")) == first
    assert tokens.find_by_digest(digest("b")) == second
    assert tokens.list_all() == [first, second]
    assert tokens.count_active() == 2
    revoked = tokens.revoke("ci", T1)
    assert revoked == TokenInfo(first.id, "ci", "writer", "churn", T0, T1)
    assert tokens.find_by_digest(digest("a")) == revoked  # found, and known to be revoked
    assert tokens.revoke("ci", T1) is None  # nothing active by that name any more
    assert tokens.revoke("nobody", T1) is None
    assert tokens.count_active() == 1
    assert tokens.list_all() == [revoked, second]


@pytest.mark.backend_only(NOT_ON_VIEWS)
def test_a_name_is_held_by_one_active_token_and_a_digest_by_one_token(store: GraphStore) -> None:
    tokens = store.tokens
    held = tokens.add("ci", digest("a"), "reader", None, T0)
    with pytest.raises(ConflictError):
        tokens.add("ci", digest("b"), "admin", None, T0)
    with pytest.raises(ConflictError):
        tokens.add("other", digest("a"), "reader", None, T0)  # the same secret twice
    assert tokens.list_all() == [held]  # nothing of a refused token was stored
    # revoked tokens release their name, and any number of revoked tokens may share one
    tokens.revoke("ci", T1)
    again = tokens.add("ci", digest("c"), "admin", "fraud", T1)
    old = tokens.add("ci", digest("d"), "reader", None, T0, revoked_at=T1)  # imported already revoked
    assert [(t.name, t.revoked) for t in tokens.list_all()] == [("ci", True), ("ci", False), ("ci", True)]
    assert tokens.count_active() == 1
    assert tokens.find_by_digest(digest("c")) == again and old.revoked_at == T1


@pytest.mark.backend_only(NOT_ON_VIEWS)
def test_revoking_for_a_project_leaves_other_projects_tokens(store: GraphStore) -> None:
    tokens = store.tokens
    tokens.add("fraud-reader", digest("a"), "reader", "fraud", T0)
    tokens.add("everything", digest("b"), "reader", None, T0)
    assert tokens.revoke("fraud-reader", T1, project="churn") is None
    assert tokens.revoke("everything", T1, project="churn") is None
    assert tokens.count_active() == 2
    revoked = tokens.revoke("fraud-reader", T1, project="fraud")
    assert revoked is not None and revoked.revoked_at == T1


@pytest.mark.backend_only(NOT_ON_VIEWS)
def test_tokens_are_not_part_of_the_graph(store: GraphStore) -> None:
    store.write([Node("model:m", NodeKind.MODEL, {"name": "m"})], [])
    seq = store.last_seq()
    store.tokens.add("ci", digest("a"), "admin", None, T0)
    store.tokens.revoke("ci", T1)
    store.tokens.add("ci", digest("b"), "admin", None, T1)
    assert store.last_seq() == seq  # no change-log entry
    assert store.counts() == {"nodes": {"model": 1}, "edges": {}}
    assert [n.id for n in store.iter_nodes()] == ["model:m"]
    assert store.find_ids("token") == [] and store.find_ids("ci") == []
    assert store.verify().ok
    assert store.verify_integrity().ok
    replayed = SnapshotGraphStore.at(store, None)  # what copy, export and the as-of view read
    assert [n.id for n in replayed.iter_nodes()] == ["model:m"]


def _claim_names(uri: str, worker: int, names: int, start: multiprocessing.synchronize.Barrier,
                 won: multiprocessing.Queue[str]) -> None:
    store = open_store(uri)
    try:
        start.wait(120)  # both processes have their store open: they start adding together
        for n in range(names):
            try:
                store.tokens.add(f"race-{n}", digest(f"{worker}-{n}"), "reader", None, T0)
            except ConflictError:
                continue
            won.put(f"race-{n}")
    finally:
        store.close()


@pytest.mark.backend_only(NOT_ON_VIEWS)
def test_two_processes_racing_for_names_never_share_one(
    store: GraphStore, backend: BackendHarness, tmp_path: Path
) -> None:
    """Two processes add tokens of the same 15 names at once: each name ends with exactly one active token."""
    uri = backend.uri(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    won: multiprocessing.Queue[str] = ctx.Queue()
    workers = [ctx.Process(target=_claim_names, args=(uri, w, 15, start, won)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=300)
    assert [p.exitcode for p in workers] == [0, 0]
    claimed = sorted(won.get(timeout=10) for _ in range(15))
    assert won.empty()
    assert claimed == sorted(f"race-{n}" for n in range(15))
    active = [t.name for t in store.tokens.list_all() if not t.revoked]
    assert sorted(active) == claimed
