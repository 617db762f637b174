"""The search index kept in Neo4j (``search/store_index.py``, ``graph/backends/neo4j_search.py``).

The store's own tests of the index mechanics: compare-and-set between two
writers, resuming after a kill, user text never being Lucene syntax, and
filters that still return ``k`` vector hits when they are selective. The
ranking itself runs through tests/search on every backend.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from modelctx.graph.backends.neo4j import Neo4jGraphStore
from modelctx.graph.backends.neo4j_search import OVERFETCH, Neo4jSearchDocs, lucene_query
from modelctx.graph.search_docs import DocWrite
from modelctx.search import indexing
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.index import open_index
from modelctx.search.service import SearchService
from modelctx.search.store_index import StoreIndex
from modelctx.search.vector_index import Filter
from tests.search import world as w


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    model = MiniLMEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture
def second_store(neo4j_uri: str, neo4j_store: Neo4jGraphStore) -> Iterator[Neo4jGraphStore]:
    """A second connection to the same server: another process, as far as the index can tell."""
    store = Neo4jGraphStore.from_uri(neo4j_uri)
    try:
        yield store
    finally:
        store.close()


def test_the_store_resident_index_is_chosen_for_neo4j(neo4j_store: Neo4jGraphStore, tmp_path: Path,
                                                       embedder: MiniLMEmbedder) -> None:
    index = open_index(neo4j_store, tmp_path / "search", embedder)
    assert isinstance(index, StoreIndex)
    assert not (tmp_path / "search").exists()  # nothing beside the process


def _documents(store: Neo4jGraphStore) -> dict[str, tuple[str, str, str]]:
    docs = Neo4jSearchDocs(store)
    rows = docs.documents(list(range(docs.count() + 50)))
    return {row.node_id: (row.title, row.body, row.context) for row in rows.values()}


def test_two_writers_catching_up_at_once_apply_every_chunk_once(
    neo4j_store: Neo4jGraphStore, second_store: Neo4jGraphStore, tmp_path: Path,
    embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(indexing, "FLUSH_DOCS", 3)  # many chunks, so the writers interleave
    w.write_world(neo4j_store)
    target = neo4j_store.last_seq()
    writers = [StoreIndex(s, embedder, Neo4jSearchDocs(s)) for s in (neo4j_store, second_store)]
    reports = []
    threads = [threading.Thread(target=lambda i=i: reports.append(i.sync())) for i in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(reports) == 2
    assert all(r.to_seq == target for r in reports)
    assert writers[0].last_seq == writers[1].last_seq == target
    docs = Neo4jSearchDocs(neo4j_store)
    assert docs.count() == 13
    slots = docs.slots_by_node([w.ONC_MV, w.CRM_MV, w.ONC_DATASET])
    assert len(set(slots.values())) == 3
    together = _documents(neo4j_store)
    # The same documents as one writer alone builds from scratch.
    alone = StoreIndex(neo4j_store, embedder, Neo4jSearchDocs(neo4j_store))
    report = alone.sync(rebuild=True)
    assert report.rebuilt and report.to_seq == target and report.embedded == 0  # the vectors were reused
    assert _documents(neo4j_store) == together
    assert docs.count() == 13


class _Killed(Exception):
    pass


def test_a_killed_catch_up_resumes_where_it_committed(
    neo4j_store: Neo4jGraphStore, tmp_path: Path, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexing, "FLUSH_DOCS", 2)
    w.write_world(neo4j_store)
    target = neo4j_store.last_seq()
    committed: list[int] = []

    def kill_after_first_chunk(done: int, total: int) -> None:
        committed.append(done)
        raise _Killed

    first = StoreIndex(neo4j_store, embedder, Neo4jSearchDocs(neo4j_store))
    with pytest.raises(_Killed):
        first.sync(kill_after_first_chunk)
    assert first.last_seq == committed[0] < target
    resumed = StoreIndex(neo4j_store, embedder, Neo4jSearchDocs(neo4j_store)).sync()
    assert (resumed.from_seq, resumed.to_seq, resumed.rebuilt) == (committed[0], target, False)
    assert Neo4jSearchDocs(neo4j_store).count() == 13


def test_a_stale_writer_commits_nothing(neo4j_store: Neo4jGraphStore) -> None:
    docs = Neo4jSearchDocs(neo4j_store)
    start = docs.reset("m", 2, "1")
    doc = DocWrite("run:a", "run", None, None, "a", "", "", "d1", [1.0, 0.0])
    assert docs.commit([doc], start, 5, "h5")
    assert not docs.commit([doc], start, 7, "h7")  # still believes the index is at 0
    state = docs.state()
    assert state is not None and (state.last_seq, state.last_hash) == (5, "h5")
    assert docs.commit([doc], docs.reset("m", 2, "1"), 1, "x")  # a writer of the fresh generation commits


@pytest.mark.parametrize("query", [
    "isotonic AND (calibration", "title:isotonic*", 'calibration" OR "x', "isotonic\\ calibration~2",
    "(isotonic) || calibration^10", "+isotonic -calibration [a TO z] {b} /re/",
])
def test_user_text_is_never_lucene_syntax(neo4j_store: Neo4jGraphStore, tmp_path: Path,
                                          embedder: MiniLMEmbedder, query: str) -> None:
    w.write_world(neo4j_store)
    service = SearchService(neo4j_store, tmp_path / "search", embedder)
    service.sync()
    words = " ".join(re.findall(r"\w+", query))
    assert service.index.keyword_search(query, 10, Filter()) == service.index.keyword_search(words, 10, Filter())
    assert service.index.keyword_search(query, 10, Filter())  # the words still match
    hits = [h.id for h in service.search(query, mode="keyword", with_context=False)]
    assert w.ONC_REVIEW_NEW in hits


def test_lucene_query_quotes_every_term() -> None:
    assert lucene_query(['a"b', "c\\"]) == (
        'title:"a\\"b"^2 OR body:"a\\"b"^1 OR context:"a\\"b"^0.1 '
        'OR title:"c\\\\"^2 OR body:"c\\\\"^1 OR context:"c\\\\"^0.1'
    )
    assert lucene_query([]) is None


def test_a_selective_filter_still_returns_k_vector_hits(neo4j_store: Neo4jGraphStore) -> None:
    """295 documents near the query, 5 of a kind far from it: the filtered query over-fetches
    ``OVERFETCH * k`` neighbours, finds none of that kind, and ranks that kind exactly instead."""
    rng = np.random.default_rng(7)
    dim = 16
    query = np.zeros(dim, dtype=np.float32)
    query[0] = 1.0

    def unit(vector: np.ndarray) -> list[float]:
        return [float(x) for x in vector / np.linalg.norm(vector)]

    docs = Neo4jSearchDocs(neo4j_store)
    state = docs.reset("test-model", dim, "1")
    near = [DocWrite(f"run:near-{i}", "run", None, None, f"near {i}", "", "", f"n{i}",
                     unit(query + 0.3 * rng.standard_normal(dim).astype(np.float32))) for i in range(295)]
    far_vectors = [unit(-query + 0.5 * rng.standard_normal(dim).astype(np.float32)) for _ in range(5)]
    far = [DocWrite(f"dataset:far-{i}", "dataset", "p", None, f"far {i}", "", "", f"f{i}", far_vectors[i])
           for i in range(5)]
    assert docs.commit([*near, *far], state, 1, "h")
    k = 3
    assert OVERFETCH * k < len(near)  # the approximate neighbours hold no dataset
    found = docs.vector(query.tolist(), k, Filter(kind="dataset"))
    exact = sorted(range(5), key=lambda i: -float(np.dot(far_vectors[i], query)))[:k]
    slots = docs.slots_by_node([f"dataset:far-{i}" for i in exact])
    assert [slot for slot, _ in found] == [slots[f"dataset:far-{i}"] for i in exact]
    assert [round(score, 4) for _, score in found] == [round(float(np.dot(far_vectors[i], query)), 4) for i in exact]
    assert len(docs.vector(query.tolist(), 10, Filter(project="p"))) == 5  # all there are
    unfiltered = docs.vector(query.tolist(), 10, Filter())
    assert len(unfiltered) == 10 and all(s < 295 for s, _ in unfiltered)  # near ones got the first slots


def test_a_search_before_anything_was_indexed_finds_nothing(neo4j_store: Neo4jGraphStore, tmp_path: Path,
                                                            embedder: MiniLMEmbedder) -> None:
    w.write_world(neo4j_store)
    index = StoreIndex(neo4j_store, embedder, Neo4jSearchDocs(neo4j_store))
    assert index.keyword_search("tumour", 10, Filter()) == []
    assert index.vector_search(embedder.embed_query("tumour"), 10, Filter()) == []
    assert (index.last_seq, index.count()) == (0, 0)
    service = SearchService(neo4j_store, tmp_path / "search", embedder)
    assert service.pending_changes() == neo4j_store.last_seq() > 0
    hits = service.search("tumour", catch_up=False)  # the API's way: what is indexed, nothing yet
    assert hits == []


def test_an_index_of_an_older_layout_is_rebuilt(neo4j_store: Neo4jGraphStore, embedder: MiniLMEmbedder) -> None:
    """Documents stored before passages (layout 1) are re-documented at the next catch-up, reusing their vectors."""
    from modelctx.search.store_index import SCHEMA_VERSION

    w.write_world(neo4j_store)
    docs = Neo4jSearchDocs(neo4j_store)
    index = StoreIndex(neo4j_store, embedder, docs)
    index.sync()
    state = docs.state()
    assert state is not None
    old = docs.reset(state.model, state.dim, "1")
    assert (old.schema, index.last_seq) == ("1", 0)  # an index of another layout covers nothing
    report = index.sync()
    assert report.rebuilt and (report.from_seq, report.documents, report.embedded) == (0, 13, 0)
    assert (docs.state().schema, docs.count()) == (SCHEMA_VERSION, 13)  # type: ignore[union-attr]
    slot = docs.slots_by_node([w.ONC_MV])[w.ONC_MV]
    hits = dict(index.passage_search(embedder.embed_query("tumour classifier"), 50, Filter()))
    assert slot in hits
