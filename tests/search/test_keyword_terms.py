"""On a large index, keyword search leaves out the terms half the documents contain (no IDF), ranking as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import modelctx.search.keyword_index as keyword_index
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search.embedder import KeywordOnlyEmbedder
from modelctx.search.index import SearchIndex
from modelctx.search.keyword_index import TermCounts, keyword_search
from modelctx.search.vector_index import Filter

DOCS = 40
RARE = (3, 17, 29)


@pytest.fixture
def index(store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SearchIndex]:
    monkeypatch.setattr(keyword_index, "COMMON_TERMS_FROM_DOCS", 20)  # "large" from 20 documents, for the test
    store.write([
        Node(node_id(NodeKind.RUN, "t", str(i)), NodeKind.RUN, {
            "name": f"nightly pipeline {i}",
            "description": "isotonic calibration of scores" if i in RARE else f"batch {i} of the pipeline",
        }) for i in range(DOCS)
    ], [])
    opened = SearchIndex(store, tmp_path / "search", KeywordOnlyEmbedder())
    opened.sync()
    try:
        yield opened
    finally:
        opened.close()


def test_terms_with_no_idf_are_left_out_and_the_ranking_stays(index: SearchIndex) -> None:
    counts = TermCounts()
    assert counts.common(index.conn, ['"pipeline"', '"isotonic"', '"nightly"'], DOCS) == {'"pipeline"', '"nightly"'}
    everything = keyword_search(index.conn, "isotonic nightly pipeline", 10, Filter())
    pruned = keyword_search(index.conn, "isotonic nightly pipeline", 10, Filter(), TermCounts())
    rare = {node_id(NodeKind.RUN, "t", str(i)) for i in RARE}
    slots = index.documents(slot for slot, _ in everything + pruned)
    # Without the common terms only the three documents that share a telling word match, in the same order.
    assert [slots[s].node_id for s, _ in pruned] == [slots[s].node_id for s, _ in everything][:3]
    assert {slots[s].node_id for s, _ in pruned} == rare
    assert len(everything) == 10  # the other seven matched only words every document has
    # A query of common words alone is searched as typed.
    assert len(keyword_search(index.conn, "nightly pipeline", 10, Filter(), TermCounts())) == 10
    assert len(index.keyword_search("isotonic pipeline", 10, Filter())) == 3  # the index uses its counts


def test_a_small_index_searches_every_term(index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyword_index, "COMMON_TERMS_FROM_DOCS", DOCS + 1)
    assert len(keyword_search(index.conn, "isotonic pipeline", 10, Filter(), TermCounts())) == 10
