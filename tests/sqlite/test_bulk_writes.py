"""The SQLite write path in bulk: batching changes nothing stored, arrays are appended byte-exact in SQL,
and ids remembered from earlier batches are only ever committed ones (``graph/backends/sqlite_writes.py``)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelctx.errors import ValidationError
from modelctx.graph.backends import sqlite_arrays
from modelctx.graph.backends.sqlite import SqliteGraphStore
from modelctx.graph.backends.sqlite_cache import AdjacencyCache
from modelctx.graph.backends.sqlite_codec import pack
from modelctx.graph.model import Edge, EdgeRemoval, EdgeType, Node, NodeKind
from modelctx.graph.scoped import scoped
from modelctx.ingest.runner import run_ingest

K = NodeKind
E = EdgeType


def _graph() -> tuple[list[Node], list[Edge]]:
    """Runs using shared features and a commit: every batch of edges touches nodes of earlier batches."""
    nodes = [Node(f"commit:{i:040x}", K.COMMIT, {"message": f"c{i}"}) for i in range(3)]
    nodes += [Node(f"feature:g/f{i}", K.FEATURE, {"dtype": "float", "rank": i}) for i in range(40)]
    nodes += [Node(f"run:bench/r{i}", K.RUN, {"status": "FINISHED", "name": f"r{i}"}) for i in range(60)]
    edges = []
    for r in range(60):
        for f in range((r * 7) % 40, (r * 7) % 40 + 5):
            edges.append(Edge(f"run:bench/r{r}", f"feature:g/f{f % 40}", E.USED, {"role": "feature"}))
        edges.append(Edge(f"run:bench/r{r}", f"commit:{r % 3:040x}", E.USED, {"role": "code", "n": [r]}))
    return nodes, edges


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the graph tables; each node's arrays as sorted entries (their order follows the batching)."""
    with sqlite3.connect(path) as conn:
        adjacency = [
            (nid, sorted(array("q", up)), sorted(array("q", down)), typeof)
            for nid, up, down, typeof in conn.execute(
                "SELECT nid, up, down, typeof(up) || typeof(down) FROM adjacency ORDER BY nid")
        ]
        return {
            "nodes": conn.execute("SELECT nid, id, kind, props FROM nodes ORDER BY nid").fetchall(),
            "edges": conn.execute("SELECT src, type, dst, props FROM edges ORDER BY src, type, dst").fetchall(),
            "adjacency": adjacency,
        }


def _log_records(store: SqliteGraphStore) -> list[tuple[str, dict[str, object]]]:
    """Each logged record with its operation, in log order (entries split records by batch and size)."""
    return [(c.op, record) for c in store.changes() for records in c.payload.values() for record in records]


def test_one_large_batch_stores_exactly_what_small_batches_store(tmp_path: Path) -> None:
    nodes, edges = _graph()
    large = SqliteGraphStore(tmp_path / "large.db")
    large.write(nodes, edges, actor="bulk")
    small = SqliteGraphStore(tmp_path / "small.db")
    for start in range(0, len(nodes), 17):
        small.write(nodes[start : start + 17], [], actor="bulk")
    for start in range(0, len(edges), 23):
        small.write([], edges[start : start + 23], actor="bulk")

    assert _tables(tmp_path / "large.db") == _tables(tmp_path / "small.db")
    assert _tables(tmp_path / "large.db")["adjacency"][0][3] == "blobblob"
    records = _log_records(large)
    assert records == _log_records(small)
    assert len(records) == len(nodes) + len(edges) == 103 + 360
    assert [json.dumps(r, sort_keys=True) for _op, r in records[:1]] == [
        json.dumps({"id": f"commit:{0:040x}", "kind": "commit", "properties": {"message": "c0"}}, sort_keys=True)]
    for store in (large, small):
        assert store.verify().ok
        integrity = store.verify_integrity()
        assert integrity.problem is None
    assert large.last_seq() == 2  # one entry of nodes, one of edges
    assert small.last_seq() == 7 + 16
    large.close()
    small.close()


def test_arrays_keep_every_byte_when_appended_in_sql(tmp_path: Path) -> None:
    """Entries full of zero bytes (nid 0 is never used, but kind and type codes 0 are) survive the SQL append."""
    store = SqliteGraphStore(tmp_path / "g.db")
    store.write([Node("project:p", K.PROJECT), Node("person:a", K.PERSON)], [])
    store.write([Node("run:x/1", K.RUN)], [Edge("run:x/1", "project:p", E.IN_PROJECT)])
    store.write([Node("run:x/2", K.RUN)], [Edge("run:x/2", "project:p", E.IN_PROJECT),
                                           Edge("run:x/1", "person:a", E.ATTRIBUTED_TO)])
    store.close()
    with sqlite3.connect(tmp_path / "g.db") as conn:
        nid = dict(conn.execute("SELECT id, nid FROM nodes"))
        rows = {n: (up, down, t) for n, up, down, t in conn.execute(
            "SELECT nid, up, down, typeof(up) || typeof(down) FROM adjacency")}
    project, person, run1, run2 = nid["project:p"], nid["person:a"], nid["run:x/1"], nid["run:x/2"]
    p, r = K.PROJECT.code, K.RUN.code
    assert rows[project] == (b"", array("q", [pack(run1, E.IN_PROJECT.code, r),
                                              pack(run2, E.IN_PROJECT.code, r)]).tobytes(), "blobblob")
    assert rows[run1] == (array("q", [pack(project, E.IN_PROJECT.code, p),
                                      pack(person, E.ATTRIBUTED_TO.code, K.PERSON.code)]).tobytes(), b"", "blobblob")
    assert rows[person][1] == array("q", [pack(run1, E.ATTRIBUTED_TO.code, r)]).tobytes()


def test_a_rolled_back_batch_leaves_no_id_behind(tmp_path: Path) -> None:
    """Nodes of a batch that failed are not remembered: a later edge to one of them is refused, not dangling."""
    store = SqliteGraphStore(tmp_path / "g.db")
    store.write([Node("model:m", K.MODEL)], [])
    with pytest.raises(ValidationError, match="node model:ghost does not exist"):
        # fails inside the transaction, after its new node was inserted (edges come after nodes)
        store.write([Node("model:new", K.MODEL), Node("model_version:m/1", K.MODEL_VERSION)],
                    [Edge("model_version:m/1", "model:ghost", E.VERSION_OF)])
    with pytest.raises(ValidationError, match="node model:new does not exist"):
        store.write([Node("model_version:new/1", K.MODEL_VERSION)],
                    [Edge("model_version:new/1", "model:new", E.VERSION_OF)])
    assert store.get_nodes(["model:new", "model_version:new/1", "model_version:m/1"]) == {}
    assert store.write([Node("model:new", K.MODEL)], []).nodes_created == 1
    assert store.verify_integrity().problem is None
    store.close()


def test_nodes_another_writer_committed_are_read(tmp_path: Path) -> None:
    """A store resolves endpoints it never saw written (another process, another store on the file) from the file."""
    first = SqliteGraphStore(tmp_path / "g.db")
    second = SqliteGraphStore(tmp_path / "g.db")
    first.write([Node("model:m", K.MODEL)], [])
    second.write([Node("model:other", K.MODEL)], [])  # its own ids: remembered by second only
    first.write([Node("model_version:m/1", K.MODEL_VERSION), Node("model_version:other/1", K.MODEL_VERSION)],
                [Edge("model_version:m/1", "model:m", E.VERSION_OF),
                 Edge("model_version:other/1", "model:other", E.VERSION_OF)])
    edges = second.get_edges(["model:other", "model:m"], "in")
    assert [(e.source, e.target) for e in edges] == [
        ("model_version:m/1", "model:m"), ("model_version:other/1", "model:other")]
    assert first.verify_integrity().problem is None
    first.close()
    second.close()


# -- bulk imports: adjacency entries deferred to pending rows, folded later (graph/backends/sqlite_arrays.py) -----

ALL_TYPES = list(EdgeType)


def _lineage() -> tuple[list[Node], list[Edge]]:
    """``_graph`` plus derivation chains (walks many levels deep) and features derived from the chains' ends."""
    nodes, edges = _graph()
    for c in range(4):
        nodes += [Node(f"dataset_version:d{c}/{i}", K.DATASET_VERSION, {"rows": i}) for i in range(12)]
        edges += [Edge(f"dataset_version:d{c}/{i}", f"dataset_version:d{c}/{i - 1}", E.DERIVED_FROM)
                  for i in range(1, 12)]
    edges += [Edge(f"feature:g/f{f}", f"dataset_version:d{f % 4}/11", E.DERIVED_FROM) for f in range(40)]
    return nodes, edges


def _answers(store: SqliteGraphStore, ids: list[str]) -> dict[tuple[str, str], dict[str, int]]:
    """Every node's closure both ways over every edge type: what every reader of the arrays must agree on."""
    return {(i, way): store.reachable([i], way, edge_types=ALL_TYPES) for i in ids for way in ("up", "down")}


def _engines(path: Path) -> list[SqliteGraphStore]:
    """The file walked from rows only and from a snapshot loaded at once (``graph/backends/sqlite_cache.py``)."""
    rows = SqliteGraphStore(path)
    rows._adjacency = AdjacencyCache(limit=0)
    memory = SqliteGraphStore(path)
    memory._adjacency = AdjacencyCache(eager=True)
    return [rows, memory]


def _pending(path: Path) -> tuple[int, int]:
    """(pending rows, pending entries) of the file."""
    with sqlite3.connect(path) as conn:
        rows, entries = conn.execute("SELECT count(*), coalesce(sum(entries), 0) FROM adjacency_pending").fetchone()
    return rows, entries


def _batches(nodes: list[Node], edges: list[Edge]) -> list[tuple[list[Node], list[Edge]]]:
    return ([(nodes[s : s + 17], []) for s in range(0, len(nodes), 17)]
            + [([], edges[s : s + 23]) for s in range(0, len(edges), 23)])


@pytest.fixture
def reference(tmp_path: Path) -> tuple[dict[str, list[tuple[object, ...]]], dict[tuple[str, str], dict[str, int]]]:
    """Tables and closures of the lineage graph written in one batch, outside any bulk import."""
    nodes, edges = _lineage()
    store = SqliteGraphStore(tmp_path / "reference.db")
    store.write(nodes, edges, actor="bulk")
    answers = _answers(store, [n.id for n in nodes])
    store.close()
    assert _pending(tmp_path / "reference.db") == (0, 0)
    assert answers[("dataset_version:d0/11", "up")] == {f"dataset_version:d0/{i}": 11 - i for i in range(10, -1, -1)}
    assert answers[("dataset_version:d1/0", "down")]["run:bench/r0"] == 13  # the run using feature f1 (chain d1)
    return _tables(tmp_path / "reference.db"), answers


def _one_batch_answers(path: Path, nodes: list[Node], edges: list[Edge]) -> dict[tuple[str, str], dict[str, int]]:
    """The closures of ``nodes`` and ``edges`` written in one batch outside any bulk import."""
    store = SqliteGraphStore(path)
    store.write(nodes, edges, actor="bulk")
    answers = _answers(store, [n.id for n in nodes])
    store.close()
    return answers


def test_a_bulk_import_reads_like_one_batch_at_every_step(tmp_path: Path, reference: tuple[Any, Any]) -> None:
    tables, answers = reference
    nodes, edges = _lineage()
    ids = [n.id for n in nodes]
    path = tmp_path / "bulk.db"
    store = SqliteGraphStore(path)
    rows, memory = _engines(path)
    batches = _batches(nodes, edges)
    node_batches = len(batches) - (len(edges) + 22) // 23
    halfway = node_batches + 11  # 11 batches of edges written, the rest to come
    with store.bulk():
        for number, (batch_nodes, batch_edges) in enumerate(batches, start=1):
            store.write(batch_nodes, batch_edges, actor="bulk")
            if number == halfway:
                written = edges[: 11 * 23]
                expected = _one_batch_answers(tmp_path / "half.db", nodes, written)
                assert _pending(path) == (11, 2 * len(written))
                for reader in (store, rows, memory):
                    assert _answers(reader, ids) == expected
                assert store.verify_integrity().problem is None
        # Every write of edges is one pending row (the writes of nodes add none), and every walk sees them.
        assert _pending(path) == (len(batches) - node_batches, 2 * len(edges))
        for reader in (store, rows, memory):
            assert _answers(reader, ids) == answers
        assert store.verify_integrity().problem is None
    assert _pending(path) == (0, 0)  # folded when the block ended
    assert _tables(path) == tables
    for reader in (store, rows, memory):
        assert _answers(reader, ids) == answers
    assert store.verify_integrity().problem is None
    assert store.verify().ok
    for s in (store, rows, memory):
        s.close()


def _killed_import(path: Path, defer_index_at: int | None = None) -> Path:
    """A store at ``path`` whose process was killed inside ``bulk()`` after writing every batch of ``_lineage``."""
    bound = "" if defer_index_at is None else f"store.defer_index_at = {defer_index_at}"
    script = textwrap.dedent(f"""
        import os
        from modelctx.graph.backends.sqlite import SqliteGraphStore
        from tests.sqlite.test_bulk_writes import _batches, _lineage
        store = SqliteGraphStore({str(path)!r})
        {bound}
        with store.bulk():
            for batch_nodes, batch_edges in _batches(*_lineage()):
                store.write(batch_nodes, batch_edges, actor="bulk")
            os._exit(0)  # killed: the block never ends
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parents[2])
    return path


def test_a_bulk_import_killed_midway_reads_right_and_the_next_write_folds(
    tmp_path: Path, reference: tuple[Any, Any]
) -> None:
    """A process killed inside bulk() (no fold at its end) leaves a store that reads exactly right when reopened."""
    tables, answers = reference
    path = _killed_import(tmp_path / "killed.db")
    nodes, edges = _lineage()
    assert _pending(path)[1] == 2 * len(edges)
    readers = [SqliteGraphStore(path), *_engines(path)]
    for reader in readers:
        assert _answers(reader, [n.id for n in nodes]) == answers
    assert readers[0].verify_integrity().problem is None
    # The next write, outside any bulk import, folds what the killed one left, then adds its own entries.
    readers[0].write([Node("dataset_version:d0/12", K.DATASET_VERSION)],
                     [Edge("dataset_version:d0/12", "dataset_version:d0/11", E.DERIVED_FROM)])
    assert _pending(path) == (0, 0)
    assert readers[1].reachable(["dataset_version:d0/12"], "up")["dataset_version:d0/0"] == 12
    assert readers[2].reachable(["dataset_version:d0/0"], "down")["dataset_version:d0/12"] == 12
    assert readers[0].verify_integrity().problem is None
    for reader in readers:
        reader.close()


def test_a_rolled_back_write_inside_a_bulk_import_defers_nothing(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    with store.bulk():
        store.write(nodes, edges[:100], actor="bulk")
        before = _pending(path)
        assert before == (1, 200)
        with pytest.raises(ValidationError, match="node model:ghost does not exist"):
            store.write([Node("model_version:m/1", K.MODEL_VERSION)],
                        [*edges[100:200], Edge("model_version:m/1", "model:ghost", E.VERSION_OF)], actor="bulk")
        assert _pending(path) == before
        store.write([], edges[100:], actor="bulk")
    assert _pending(path) == (0, 0)
    expected = _one_batch_answers(tmp_path / "one.db", nodes, edges)
    assert _answers(store, [n.id for n in nodes]) == expected
    assert store.verify_integrity().problem is None
    store.close()


def test_a_write_with_no_new_edge_inside_a_bulk_import_leaves_no_pending_row(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    store.write(nodes, edges[:100], actor="setup")
    with store.bulk():
        store.write([], edges[:100], actor="bulk")  # every edge already stored: nothing new to defer
        assert _pending(path) == (0, 0)
        store.write([], [Edge(e.source, e.target, e.type, {"note": "changed"}) for e in edges[:10]], actor="bulk")
        assert _pending(path) == (0, 0)  # property updates add no neighbour entry either
        store.write([], edges[100:110], actor="bulk")
        assert _pending(path) == (1, 20)
    assert _pending(path) == (0, 0)
    assert store.verify_integrity().problem is None
    store.close()


def test_an_error_inside_a_bulk_block_still_folds_what_was_committed(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    with pytest.raises(RuntimeError, match="the source broke"), store.bulk():
        store.write(nodes, edges, actor="bulk")
        assert _pending(path) == (1, 2 * len(edges))
        raise RuntimeError("the source broke")
    assert _pending(path) == (0, 0)
    assert _answers(store, [n.id for n in nodes]) == _one_batch_answers(tmp_path / "one.db", nodes, edges)
    store.close()


def test_pending_entries_stay_within_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: tuple[Any, Any]
) -> None:
    """Past FOLD_AT a write folds everything pending with its own entries: a bulk import's memory stays bounded."""
    tables, answers = reference
    monkeypatch.setattr(sqlite_arrays, "FOLD_AT", 100)
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    seen = []
    with store.bulk(), store.bulk():  # blocks nest: the fold waits for the outer one
        for batch_nodes, batch_edges in _batches(nodes, edges):
            store.write(batch_nodes, batch_edges, actor="bulk")
            seen.append(_pending(path)[1])
    # Nodes add no entries; two writes of 23 edges (two entries each) fit in 100, the third folds them with its own.
    node_writes = (len(nodes) + 16) // 17
    assert len(edges) == 444
    assert seen == [0] * node_writes + [46, 92, 0] * 6 + [46, 46 + 2 * (444 - 19 * 23)]
    assert _tables(path) == tables
    assert _answers(store, [n.id for n in nodes]) == answers
    store.close()


def test_edge_removals_inside_a_bulk_import(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    gone = [edge for edge in edges if edge.type is E.DERIVED_FROM and edge.source.startswith("feature:")]
    with store.bulk():
        store.write(nodes, edges, actor="bulk")
        result = store.write([], [EdgeRemoval(e.source, e.target, e.type) for e in gone], actor="bulk")
        assert result.edges_removed == 40
        assert _pending(path) == (0, 0)  # a removal edits the rows: it folds first
        store.write([], gone[:1], actor="bulk")
        assert _pending(path) == (1, 2)
        # Removing an edge that is not stored edits no row, so nothing is folded.
        assert store.write([], [EdgeRemoval(gone[1].source, gone[1].target, gone[1].type)]).edges_removed == 0
        assert _pending(path) == (1, 2)
        kept = [e for e in edges if e not in gone[1:]]
        assert _answers(store, [n.id for n in nodes]) == _one_batch_answers(tmp_path / "one.db", nodes, kept)
        assert store.verify_integrity().problem is None
    store.close()


def test_verify_names_a_pending_entry_no_edge_backs(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    with store.bulk():
        store.write(nodes, edges, actor="bulk")
        with sqlite3.connect(path) as conn:
            nid = dict(conn.execute("SELECT id, nid FROM nodes"))
            stray = array("q", [pack(nid["commit:" + "0" * 40], E.USED.code, K.COMMIT.code)])
            conn.execute("INSERT INTO adjacency_pending (entries, up_nodes, up, down_nodes, down) "
                         "VALUES (1, ?, ?, x'', x'')",
                         (array("q", [nid["run:bench/r1"], 1]).tobytes(), stray.tobytes()))
        problem = store.verify_integrity().problem
        assert problem is not None
        assert problem.startswith("tables differ from the change log: adjacency of node run:bench/r1 holds a USED "
                                  f"edge to commit:{'0' * 40} in its up array that the edges table does not")
    store.close()


def test_a_schema_3_store_upgrades_itself(tmp_path: Path) -> None:
    """A store written before pending rows existed gets their table at its first open, and imports in bulk."""
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    store.write(nodes, edges[:50], actor="old")
    store.close()
    with sqlite3.connect(path) as conn:  # back to schema 3, as an older modelctx left it
        conn.execute("DROP TABLE adjacency_pending")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    store = SqliteGraphStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("4",)
    with store.bulk():
        store.write([], edges[50:], actor="bulk")
        assert _pending(path) == (1, 2 * (len(edges) - 50))
    assert _answers(store, [n.id for n in nodes]) == _one_batch_answers(tmp_path / "one.db", nodes, edges)
    assert store.verify_integrity().problem is None
    store.close()


def test_the_ingest_runner_imports_batch_after_batch_in_bulk(tmp_path: Path, reference: tuple[Any, Any]) -> None:
    """A per-batch ingest (git, MLflow, OpenLineage files) defers while it runs and leaves nothing pending."""
    tables, answers = reference
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    nodes, edges = _lineage()
    during: list[tuple[int, int]] = []

    class Lineage:
        name = "lineage"

        def records(self) -> Iterator[Node | Edge]:
            yield from nodes
            yield from edges[:300]
            during.append(_pending(path))  # read between batches, while the import runs
            yield from edges[300:]

    report = run_ingest(store, Lineage(), actor="bulk", batch_size=50)
    assert report.batches == (len(nodes) + len(edges) + 49) // 50
    # The batches ending before the 300th edge: those of edges only, and the one holding the last nodes.
    assert during == [(6, 2 * 300 - 2 * ((len(nodes) + 300) % 50))]
    assert _pending(path) == (0, 0)
    assert _tables(path) == tables
    assert _answers(store, [n.id for n in nodes]) == answers
    store.close()


def test_a_write_from_another_store_during_a_bulk_import_folds_and_reads_stay_exact(
    tmp_path: Path, reference: tuple[Any, Any]
) -> None:
    """Another writer on the file (another process, an API server) writing while an import defers: its write folds
    what is pending first, the import then defers again, and every reader sees every edge throughout."""
    tables, answers = reference
    path = tmp_path / "g.db"
    importer = SqliteGraphStore(path)
    other = SqliteGraphStore(path)
    nodes, edges = _lineage()
    extra = [Node("model:other", K.MODEL), Node("model_version:other/1", K.MODEL_VERSION)]
    link = [Edge("model_version:other/1", "model:other", E.VERSION_OF)]
    with importer.bulk():
        importer.write(nodes, edges[:200], actor="bulk")
        assert _pending(path) == (1, 400)
        other.write(extra, link, actor="api")  # outside any bulk block
        assert _pending(path) == (0, 0)
        importer.write([], edges[200:], actor="bulk")
        assert _pending(path) == (1, 2 * (len(edges) - 200))
        assert other.reachable(["model_version:other/1"], "up") == {"model:other": 1}
        assert _answers(other, [n.id for n in nodes]) == answers
    assert _pending(path) == (0, 0)
    with_extra = _one_batch_answers(tmp_path / "one.db", nodes + extra, edges + link)
    assert _answers(importer, [n.id for n in nodes + extra]) == with_extra
    assert importer.verify_integrity().problem is None
    importer.close()
    other.close()


def test_a_project_view_imports_in_bulk_into_its_store(tmp_path: Path) -> None:
    """Writes through a project's view land in the store, so the view's bulk() is the store's."""
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    view = scoped(store, "p")
    assert view is not store
    with view.bulk():
        store.write([Node("model:m", K.MODEL), Node("model_version:m/1", K.MODEL_VERSION)],
                    [Edge("model_version:m/1", "model:m", E.VERSION_OF)], actor="bulk")
        assert _pending(path) == (1, 2)
        assert store.reachable(["model_version:m/1"], "up") == {"model:m": 1}
    assert _pending(path) == (0, 0)
    assert store.reachable(["model:m"], "down") == {"model_version:m/1": 1}
    store.close()


# -- bulk imports: the edges' index by target dropped and built again (graph/backends/sqlite_writes.py) ---------

_EDGES_BY_DST_SQL = "CREATE INDEX edges_by_dst ON edges (dst, type, src)"


def _dst_index(path: Path) -> str | None:
    """The stored definition of the edges' index by target (None when the file has none)."""
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'edges_by_dst'").fetchone()
    return None if row is None else str(row[0])


def _dst_index_root(path: Path) -> int:
    """The first page of the index by target: a new one once the index was dropped and built again."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'edges_by_dst'").fetchone()[0])


def _edges_in(store: SqliteGraphStore, ids: list[str]) -> list[tuple[str, str, str]]:
    """Every edge into each of ``ids``: the reads that use the index by target."""
    return [(e.source, e.type.value, e.target) for e in store.get_edges(ids, direction="in")]


def test_a_large_bulk_import_drops_the_index_by_target_and_builds_it_at_its_end(
    tmp_path: Path, reference: tuple[Any, Any]
) -> None:
    tables, answers = reference
    nodes, edges = _lineage()
    ids = [n.id for n in nodes]
    expected_in = _edges_in(SqliteGraphStore(tmp_path / "reference.db"), ids)
    assert len(expected_in) == len(edges) == 444
    path = tmp_path / "bulk.db"
    store = SqliteGraphStore(path)
    store.defer_index_at = 100  # the bound, at this graph's size (10 edge writes of 23 are 230: 100 passed at 115)
    assert _dst_index(path) == _EDGES_BY_DST_SQL
    present = []
    with store.bulk():
        for batch_nodes, batch_edges in _batches(nodes, edges):
            store.write(batch_nodes, batch_edges, actor="bulk")
            present.append(_dst_index(path) is not None)
        # Nothing stored before the import: dropped by the write that passed 100 edges, the fifth of 23.
        node_writes = (len(nodes) + 16) // 17
        assert present == [True] * (node_writes + 4) + [False] * (len(present) - node_writes - 4)
        assert _edges_in(store, ids) == expected_in  # reads by target scan the edges meanwhile: the same answers
        assert _answers(store, ids) == answers
    assert _dst_index(path) == _EDGES_BY_DST_SQL  # built again, as migration 1 wrote it
    assert _tables(path) == tables
    assert _edges_in(store, ids) == expected_in
    assert store.verify_integrity().problem is None
    store.close()


def test_a_small_bulk_import_into_a_larger_store_keeps_the_index(tmp_path: Path) -> None:
    nodes, edges = _lineage()
    path = tmp_path / "g.db"
    store = SqliteGraphStore(path)
    store.defer_index_at = 100
    store.write(nodes, edges[:300], actor="setup")
    with store.bulk():
        for start in range(300, 444, 24):
            store.write([], edges[start : start + 24], actor="bulk")
            # 144 edges into a table of 300: past the bound, but fewer than the table held, so the index stays.
            assert _dst_index(path) == _EDGES_BY_DST_SQL
    assert store._bulk_edges == 0 and not store._dst_index_dropped  # counted anew by the next import
    with store.bulk():
        store.write([], [Edge(f"feature:g/f{f}", f"dataset_version:d{c}/0", E.DERIVED_FROM)
                         for f in range(40) for c in range(4) if c != f % 4], actor="bulk")
        assert _dst_index(path) == _EDGES_BY_DST_SQL  # 120 new edges, the table 444 before them
    assert store.verify_integrity().problem is None
    store.close()


def test_a_store_opened_after_an_import_killed_without_its_index_builds_it(
    tmp_path: Path, reference: tuple[Any, Any]
) -> None:
    tables, answers = reference
    path = _killed_import(tmp_path / "killed.db", defer_index_at=100)
    assert _dst_index(path) is None
    store = SqliteGraphStore(path)
    assert _dst_index(path) == _EDGES_BY_DST_SQL
    nodes, _edges = _lineage()
    assert _answers(store, [n.id for n in nodes]) == answers
    store.write([Node("dataset_version:d0/12", K.DATASET_VERSION)], [], actor="after")  # any write: folds nothing
    with store.bulk():
        pass  # the end of an import folds what the killed one left
    assert _pending(path) == (0, 0)
    assert _tables(path) == {**tables, "nodes": [*tables["nodes"], (len(nodes) + 1, "dataset_version:d0/12",
                                                                    K.DATASET_VERSION.code, "{}")]}
    assert store.verify_integrity().problem is None
    store.close()


def test_a_large_copy_builds_the_index_by_target_in_its_transaction(tmp_path: Path, reference: tuple[Any, Any]) -> None:
    from modelctx.graph.copy import copy_graph

    tables, answers = reference
    nodes, edges = _lineage()
    ids = [n.id for n in nodes]
    source = SqliteGraphStore(tmp_path / "reference.db")
    expected_in = _edges_in(source, ids)
    copies = {}
    for name, bound in (("kept", 100_000), ("rebuilt", 100)):
        target = SqliteGraphStore(tmp_path / f"{name}.db")
        target.defer_index_at = bound
        root = _dst_index_root(tmp_path / f"{name}.db")
        # Transactions of 300 records: 143 nodes and 157 edges (past 100, into an empty table: dropped and built
        # again before the commit), then 287 edges (more than 100, but fewer than the 157 stored: kept).
        copy_graph(source, target, records_per_transaction=300)
        assert _dst_index(tmp_path / f"{name}.db") == _EDGES_BY_DST_SQL
        assert (_dst_index_root(tmp_path / f"{name}.db") != root) is (name == "rebuilt")
        assert _edges_in(target, ids) == expected_in
        assert _answers(target, ids) == answers
        assert target.verify_integrity().problem is None
        copies[name] = _tables(tmp_path / f"{name}.db")
        target.close()
    assert copies["rebuilt"] == copies["kept"]
    source.close()


def test_a_store_without_its_index_by_target_opens_while_another_writer_holds_the_lock(
    tmp_path: Path, reference: tuple[Any, Any]
) -> None:
    _tables_expected, answers = reference
    nodes, edges = _lineage()
    ids = [n.id for n in nodes]
    path = tmp_path / "locked.db"
    store = SqliteGraphStore(path)
    store.write(nodes, edges, actor="setup")
    expected_in = _edges_in(store, ids)
    store.close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("DROP INDEX edges_by_dst")  # as an import killed while it had dropped it leaves the file
    writer.execute("BEGIN IMMEDIATE")  # another writer (an import between two of its batches) holds the lock
    try:
        reader = SqliteGraphStore(path, busy_timeout_s=0.2)
        assert _dst_index(path) is None  # it could not build it, and opened anyway
        assert _edges_in(reader, ids) == expected_in
        assert _answers(reader, ids) == answers
        reader.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    SqliteGraphStore(path).close()
    assert _dst_index(path) == _EDGES_BY_DST_SQL
