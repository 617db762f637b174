"""Writes pause Python's cyclic collector (``graph/collector.py``) and always give it back as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from modelctx.errors import ValidationError
from modelctx.graph.collector import collector_paused
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_write_runs_with_the_collector_paused_and_resumes_it(store: GraphStore, collector_on: None) -> None:
    seen: list[bool] = []

    def work(reader: GraphStore) -> tuple[list[Node], list[Edge]]:
        seen.append(gc.isenabled())
        return [Node("model:m", NodeKind.MODEL)], []

    assert store.transact(work, actor="test").nodes_created == 1
    assert seen == [False]
    assert gc.isenabled() is True


def test_a_failing_write_resumes_the_collector(store: GraphStore, collector_on: None) -> None:
    store.write([Node("model:m", NodeKind.MODEL)], [])
    with pytest.raises(ValidationError, match="node model:ghost does not exist"):  # fails in the backend
        store.write([Node("model_version:m/1", NodeKind.MODEL_VERSION)],
                    [Edge("model_version:m/1", "model:ghost", EdgeType.VERSION_OF)])
    assert gc.isenabled() is True
    with pytest.raises(ValidationError):  # fails before the backend: a record that is not JSON
        store.write([Node("model:x", NodeKind.MODEL, {"bad": object()})], [])
    assert gc.isenabled() is True

    def failing(reader: GraphStore) -> tuple[list[Node], list[Edge]]:
        raise RuntimeError("work failed")

    with pytest.raises(RuntimeError, match="work failed"):
        store.transact(failing, actor="test")
    assert gc.isenabled() is True
    assert [n.id for n in store.find_nodes()] == ["model:m"]


def test_a_collector_the_caller_disabled_stays_disabled(store: GraphStore, collector_on: None) -> None:
    gc.disable()
    assert store.write([Node("model:m", NodeKind.MODEL)], []).nodes_created == 1
    assert gc.isenabled() is False


def test_overlapping_pauses_resume_when_the_last_ends(collector_on: None) -> None:
    """Threads writing at once share one pause: the first to end leaves it paused for the other."""
    first_in, second_out = threading.Event(), threading.Event()
    during: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_out.wait(5)
            during.append(gc.isenabled())

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        assert gc.isenabled() is False
    second_out.set()
    thread.join(5)
    assert during == [False]
    assert gc.isenabled() is True
