"""The SQLite write path in bulk: batching changes nothing stored, arrays are appended byte-exact in SQL,
and ids remembered from earlier batches are only ever committed ones (``graph/backends/sqlite_writes.py``)."""

from __future__ import annotations

import json
import sqlite3
from array import array
from pathlib import Path

import pytest

from modelctx.errors import ValidationError
from modelctx.graph.backends.sqlite import SqliteGraphStore
from modelctx.graph.backends.sqlite_codec import pack
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

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
