"""SQLite closures from rows and from the in-memory adjacency snapshot (graph/backends/sqlite_cache.py).

The contract suite runs every traversal test on ``?traversal=memory`` too; these
tests follow one store across the switch from rows to memory, and across a write
by another process after it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modelctx.graph.backends.sqlite import SqliteGraphStore
from modelctx.graph.backends.sqlite_cache import AdjacencyCache
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

LENGTH = 30


def _chain(store: SqliteGraphStore) -> None:
    """dataset_version:d/0 <- d/1 <- ... <- d/29, each a version of dataset:d."""
    nodes = [Node("dataset:d", NodeKind.DATASET)]
    nodes += [Node(f"dataset_version:d/{i}", NodeKind.DATASET_VERSION) for i in range(LENGTH)]
    edges = [Edge(f"dataset_version:d/{i}", "dataset:d", EdgeType.VERSION_OF) for i in range(LENGTH)]
    edges += [Edge(f"dataset_version:d/{i}", f"dataset_version:d/{i - 1}", EdgeType.DERIVED_FROM)
              for i in range(1, LENGTH)]
    store.write(nodes, edges)


def test_the_default_engine_moves_to_memory_with_the_same_answers(tmp_path: Path) -> None:
    store = SqliteGraphStore(tmp_path / "g.db")
    _chain(store)
    top = f"dataset_version:d/{LENGTH - 1}"
    from_rows = store.reachable([top], "up")
    assert store._adjacency.in_memory is False  # one walk never loads the arrays
    expected = {"dataset:d": 1, **{f"dataset_version:d/{i}": LENGTH - 1 - i for i in range(LENGTH - 2, -1, -1)}}
    assert list(from_rows.items()) == list(expected.items())  # nearest first, then by insertion (nid) order
    # The first walk read every row of the chain: more than a quarter of the store, so the next loads them all.
    from_memory = store.reachable([top], "up")
    assert store._adjacency.in_memory is True
    assert list(from_memory.items()) == list(expected.items())
    assert store.reachable([top], "up", kinds=[NodeKind.DATASET]) == {"dataset:d": 1}
    assert store.reachable([top], "up", max_depth=2) == {
        "dataset:d": 1, f"dataset_version:d/{LENGTH - 2}": 1, f"dataset_version:d/{LENGTH - 3}": 2}
    assert store.reachable([top], "up", edge_types=[EdgeType.VERSION_OF]) == {"dataset:d": 1}
    down = store.reachable(["dataset_version:d/0"], "down")
    assert down == {f"dataset_version:d/{i}": i for i in range(1, LENGTH)}
    assert store.reachable([], "down") == {}
    assert store.reachable(["dataset:d", "dataset_version:d/0"], "down", max_depth=1) == {
        "dataset_version:d/1": 1, **{f"dataset_version:d/{i}": 1 for i in range(2, LENGTH)}}
    store.close()


def test_memory_answers_follow_a_write_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path, traversal="memory")
    _chain(store)
    assert store.reachable(["dataset_version:d/0"], "down", max_depth=1) == {"dataset_version:d/1": 1}
    assert store._adjacency.in_memory is True
    writer = textwrap.dedent(f"""
        from modelctx.graph.backends.sqlite import SqliteGraphStore
        from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
        store = SqliteGraphStore({str(path)!r})
        store.write([Node("dataset_version:d/new", NodeKind.DATASET_VERSION)],
                    [Edge("dataset_version:d/new", "dataset_version:d/0", EdgeType.DERIVED_FROM)])
        store.close()
    """)
    subprocess.run([sys.executable, "-c", writer], check=True, timeout=60)
    assert store.reachable(["dataset_version:d/0"], "down", max_depth=1) == {
        "dataset_version:d/1": 1, "dataset_version:d/new": 1}
    assert store.reachable(["dataset_version:d/new"], "up", kinds=[NodeKind.DATASET]) == {"dataset:d": 2}
    # A write through this store is seen at once too.
    store.write([], [Edge("dataset_version:d/new", "dataset_version:d/5", EdgeType.DERIVED_FROM)])
    assert store.reachable(["dataset_version:d/5"], "down", max_depth=1) == {
        "dataset_version:d/6": 1, "dataset_version:d/new": 1}
    store.close()


@pytest.mark.parametrize("bounds", [{"limit": LENGTH // 2}, {"max_bytes": 8 * LENGTH}], ids=["nodes", "bytes"])
def test_a_store_too_large_for_memory_walks_from_rows(tmp_path: Path, bounds: dict[str, int]) -> None:
    store = SqliteGraphStore(tmp_path / "g.db", traversal="memory")
    store._adjacency = AdjacencyCache(eager=True, **bounds)  # the chain's arrays do not fit
    _chain(store)
    for _ in range(2):
        assert len(store.reachable([f"dataset_version:d/{LENGTH - 1}"], "up")) == LENGTH
        assert store._adjacency.in_memory is False
    store.close()
