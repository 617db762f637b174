"""BM25 scored in memory (``search/keyword_index.py`` ``Postings``) gives FTS5's ``bm25()`` lists exactly.

Same slots, same order (ties by slot) and the same float scores, for every
query of the evaluation sets, at several depths, unfiltered and with every
kind of filter (the in-memory search keeps what the vector index's mask
allows, FTS5 what ``KEYWORD_SEARCH`` keeps in SQL), after documents are
rewritten and added, and after a rebuild.
(The queries of every evaluation set run on the development world.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search import keyword_index
from modelctx.search.catchup import CatchUp
from modelctx.search.embedder import KeywordOnlyEmbedder
from modelctx.search.index import SearchIndex
from modelctx.search.keyword_index import Postings
from modelctx.search.service import SearchService
from modelctx.search.vector_index import Filter
from tests.backends import sqlite_only
from tests.search_eval.holdout.queries import QUERIES as HOLDOUT_QUERIES
from tests.search_eval.independent.queries import QUERIES as INDEPENDENT_QUERIES
from tests.search_eval.queries import QUERIES as DEV_QUERIES
from tests.search_eval.world import write_world

DEPTHS = (1, 10, 50)
#: Ties (the same text twice), stems, diacritics, a stopword-only query, an underscore (an FTS5 phrase).
EXTRA = ("calibration drift", "calibrated calibrations", "café", "the of", "feature_store refresh", "zzzz nothing",
         "tumour classifier v3", "nightly retrain")


Ranked = list[tuple[int, float]]


#: Every kind of filter: a kind, a project, a project's scope (its own and project-less documents), both,
#: a time window (2024-02-01 on, up to 2024-03-31), a kind and a project nothing has.
FILTERS = (Filter(kind="run"), Filter(project="clinic"), Filter(scope="clinic"),
           Filter(kind="model_version", scope="clinic"), Filter(since=1706745600.0), Filter(until=1711929599.0),
           Filter(kind="review", project="no-such-project"))


def _lists(index: SearchIndex, queries: list[str], where: Filter | None = None) -> tuple[list[Ranked], list[Ranked]]:
    """Each query's lists at each depth: in memory, and from FTS5's ``bm25()``."""
    memory: list[Ranked] = []
    fts5: list[Ranked] = []
    for query in queries:
        for k in DEPTHS:
            memory.append(index.keyword_search(query, k, where or Filter()))
            fts5.append(index.keyword_search(query, k, where or Filter(), in_memory=False))
    return memory, fts5


def _run(i: int, description: str) -> Node:
    properties = {"name": f"nightly retrain {i}", "description": description}
    return Node(node_id(NodeKind.RUN, "t", str(i)), NodeKind.RUN, properties)


@pytest.fixture
def index(store: GraphStore, tmp_path: Path) -> Iterator[SearchIndex]:
    write_world(store)
    store.write([_run(i, "calibration drift of the scores" if i % 3 else "isotonic calibration, café feature_store")
                 for i in range(30)], [])
    opened = SearchIndex(store, tmp_path / "search", KeywordOnlyEmbedder())
    opened.sync()
    try:
        yield opened
    finally:
        opened.close()


def test_every_evaluation_query_gets_fts5s_list(index: SearchIndex) -> None:
    sets = (DEV_QUERIES, INDEPENDENT_QUERIES, HOLDOUT_QUERIES)
    queries = [q for queries in sets for _, q, _ in queries] + list(EXTRA)
    memory, fts5 = _lists(index, queries)
    assert memory == fts5
    assert sum(1 for found in fts5 if found) >= len(queries)  # most queries match something at every depth
    # Tied scores come in slot order, as FTS5's sorter keeps them.
    tied = index.keyword_search("calibration drift", 50, Filter())
    assert len({score for _, score in tied}) < len(tied)


@pytest.mark.parametrize("where", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in vars_of(f).items()))
def test_filtered_queries_get_fts5s_list(index: SearchIndex, where: Filter) -> None:
    """With a filter, the in-memory lists keep what ``KEYWORD_SEARCH`` keeps: the same lists at every depth."""
    sets = (DEV_QUERIES, INDEPENDENT_QUERIES, HOLDOUT_QUERIES)
    queries = [q for queries in sets for _, q, _ in queries] + list(EXTRA)
    memory, fts5 = _lists(index, queries, where)
    assert memory == fts5
    unfiltered, _ = _lists(index, queries)
    matched = sum(1 for found in fts5 if found)
    if where.project == "no-such-project":
        assert matched == 0
    else:
        assert 0 < matched and memory != unfiltered  # the filter keeps some matches and drops others


def vars_of(where: Filter) -> dict[str, object]:
    return {k: getattr(where, k) for k in ("kind", "project", "scope", "since", "until") if getattr(where, k)}


def test_rewritten_and_new_documents(index: SearchIndex, store: GraphStore) -> None:
    _lists(index, list(EXTRA))  # postings of these terms are now cached
    store.write([_run(i, "isotonic calibration nightly" if i % 2 else "a new text about drift")
                 for i in range(0, 40, 3)], [])
    index.sync()
    memory, fts5 = _lists(index, list(EXTRA) + ["isotonic", "new text", "drift"])
    assert memory == fts5
    for where in FILTERS:
        memory, fts5 = _lists(index, list(EXTRA) + ["isotonic", "new text", "drift"], where)
        assert memory == fts5
    assert index.keyword_search("isotonic", 50, Filter()) != []
    index.sync(rebuild=True)
    memory, fts5 = _lists(index, list(EXTRA))
    assert memory == fts5


def test_new_documents_without_a_term_change_its_scores(index: SearchIndex, store: GraphStore) -> None:
    """A term's weights are kept between searches (``Postings._weighted``); a write that adds none of its documents
    still changes the average document size, so its scores change, as FTS5's do."""
    before = index.keyword_search("tumour classifier", 10, Filter())
    assert before and before == index.keyword_search("tumour classifier", 10, Filter(), in_memory=False)
    store.write([_run(100 + i, "a much longer note " * 40) for i in range(20)], [])
    index.sync()
    after = index.keyword_search("tumour classifier", 10, Filter())
    assert after == index.keyword_search("tumour classifier", 10, Filter(), in_memory=False)
    old, new = dict(before), dict(after)
    assert old[after[0][0]] < new[after[0][0]]  # its best document is shorter than the average now, by more
    assert all(new[slot] > old[slot] for slot in old.keys() & new.keys())


def test_read_ahead_holds_the_postings_of_frequent_words(index: SearchIndex) -> None:
    """``SearchIndex.read_ahead`` (the server's catch-up thread, once caught up) reads the postings of the words in
    many documents, most first, so that no search reads them; the lists stay FTS5's."""
    postings = index._postings
    frequent = postings.frequent_tokens(index.conn, 5)
    assert "calibr" in frequent and "drift" in frequent  # 20 of the fixture's 30 runs say "calibration drift"
    counts = dict(index.conn.execute("SELECT term, doc FROM temp.docs_fts_rows").fetchall())
    assert [counts[t] for t in frequent] == sorted((counts[t] for t in frequent), reverse=True)
    assert all(5 <= counts[t] < index.count() / 2 for t in frequent)
    assert index.read_ahead(lambda: True, min_docs=5) == 0  # stopped before the first word
    assert not set(frequent) & postings._cached.keys()
    held = index.read_ahead(min_docs=5)
    assert set(frequent) <= postings._cached.keys()
    assert held == sum(len(postings._cached[t][0]) for t in frequent)
    assert postings.read_ahead(index.conn, "zzzz", budget=1) is None  # the budget is spent: nothing more is read
    assert "zzzz" not in postings._cached
    memory, fts5 = _lists(index, list(EXTRA))
    assert memory == fts5
    # Read ahead once: until the cache starts afresh (here a rebuild of the index), asking again reads nothing.
    assert index.read_ahead(min_docs=5) == 0
    index.sync(rebuild=True)
    index.refresh()
    assert not set(frequent) & postings._cached.keys()
    assert index.read_ahead(min_docs=5) == held and set(frequent) <= postings._cached.keys()


@sqlite_only
def test_the_catch_up_reads_ahead_once_caught_up(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_world(store)
    store.write([_run(i, "calibration drift of the scores") for i in range(30)], [])
    monkeypatch.setattr(keyword_index, "READ_AHEAD_MIN_DOCS", 5)
    service = SearchService(store, tmp_path / "search", KeywordOnlyEmbedder())
    catchup = CatchUp(service, 3600)
    try:
        catchup.start()
        deadline = time.monotonic() + 30
        while "drift" not in service.index._postings._cached and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.05)
        assert service.pending_changes() == 0
        assert {"calibr", "drift"} <= service.index._postings._cached.keys()  # type: ignore[attr-defined]
    finally:
        catchup.stop()
        service.close()


def test_a_phrase_term_is_left_to_fts5(index: SearchIndex) -> None:
    postings = Postings()
    try:
        assert postings.tokens("calibrations") == ("calibr",)
        assert postings.tokens("Café") == ("cafe",)
        assert postings.tokens("feature_store") == ("featur", "store")
        assert postings.search(index.conn, ["feature_store"], 10) is None
        assert postings.search(index.conn, ["calibrations"], 10) == index.keyword_search(
            "calibrations", 10, Filter(), in_memory=False)
    finally:
        postings.close()


def test_an_empty_index_matches_nothing(store: GraphStore, tmp_path: Path) -> None:
    opened = SearchIndex(store, tmp_path / "empty", KeywordOnlyEmbedder())
    try:
        opened.sync()
        assert opened.keyword_search("calibration", 10, Filter()) == []
        assert opened.keyword_search("calibration", 10, Filter(), in_memory=False) == []
    finally:
        opened.close()
