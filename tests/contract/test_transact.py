"""Contract: ``transact`` reads and writes in one transaction, so merges with stored state are never lost."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import pytest

from modelctx.errors import ReadOnlyError, ValidationError
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.backends import BackendHarness

COUNTER = "model:counter"


def _increment(reader: GraphStore) -> tuple[Iterable[Node], Iterable[Edge]]:
    stored = reader.get_nodes([COUNTER]).get(COUNTER)
    count = int(stored.properties["count"]) if stored is not None else 0
    return [Node(COUNTER, NodeKind.MODEL, {"count": count + 1})], []


@pytest.mark.backend_only("the writers open the store under the view: the store is what serialises them")
def test_concurrent_read_modify_writes_lose_nothing(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    """Four writers, each with its own connection, increment one counter 25 times: it ends at 100."""
    uri = backend.uri(tmp_path)
    errors: list[BaseException] = []

    def writer() -> None:
        own = open_store(uri)
        try:
            for _ in range(25):
                own.transact(_increment, actor="test:counter")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert store.get_node(COUNTER).properties == {"count": 100}
    assert store.last_seq() == 100


def test_work_reads_its_own_transaction_and_an_error_rolls_back(store: GraphStore) -> None:
    store.write([Node("run:sdk/r", NodeKind.RUN, {"status": "RUNNING"})], [])

    def complete(reader: GraphStore) -> tuple[list[Node], list[Edge]]:
        run = reader.get_node("run:sdk/r")
        assert run.properties["status"] == "RUNNING"
        return ([Node("run:sdk/r", NodeKind.RUN, {"status": "COMPLETED"}),
                 Node("dataset_version:d/1", NodeKind.DATASET_VERSION, {})],
                [Edge("dataset_version:d/1", "run:sdk/r", EdgeType.GENERATED_BY)])

    result = store.transact(complete, actor="test:t")
    assert (result.nodes_created, result.nodes_updated, result.edges_created) == (1, 1, 1)
    assert store.get_node("run:sdk/r").properties == {"status": "COMPLETED"}
    seq = store.last_seq()

    def broken(reader: GraphStore) -> tuple[list[Node], list[Edge]]:
        dangling = Edge("dataset_version:d/1", "run:sdk/missing", EdgeType.GENERATED_BY)
        return [Node("model:x", NodeKind.MODEL, {})], [dangling]

    with pytest.raises(ValidationError, match="run:sdk/missing"):
        store.transact(broken, actor="test:t")

    def failing(reader: GraphStore) -> tuple[list[Node], list[Edge]]:
        raise ValidationError("the work refused")

    with pytest.raises(ValidationError, match="the work refused"):
        store.transact(failing, actor="test:t")
    assert store.last_seq() == seq and not store.has_node("model:x")
    assert store.transact(lambda reader: ([], []), actor="test:t").changed is False
    assert store.last_seq() == seq


def test_the_past_cannot_be_transacted(store: GraphStore) -> None:
    store.write([Node("model:m", NodeKind.MODEL, {})], [])
    with pytest.raises(ReadOnlyError):
        store.as_of(None).transact(lambda reader: ([Node("model:n", NodeKind.MODEL, {})], []))
