"""Search over a real store (every backend) with the real MiniLM model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.store import GraphStore
from modelctx.search.context import graph_context, shown_with_context
from modelctx.search.documents import Document
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.index import SearchIndex
from modelctx.search.notes import attach_note
from modelctx.search.service import SearchService, time_window
from modelctx.search.vector_index import Filter
from tests.search import world as w


def ids(hits: list) -> list[str]:
    return [h.id for h in hits]


def test_finds_by_meaning_and_by_words(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    by_meaning = service.search("customers who stop paying for their phone plan", mode="vector", limit=3)
    assert w.CRM_MV in ids(by_meaning)
    by_words = service.search("isotonic", mode="keyword")
    # The review says it; the model version it reviews carries it in its neighbourhood, weighted below.
    assert ids(by_words) == [w.ONC_REVIEW_NEW, w.ONC_MV]
    hybrid = service.search("reviewer worried the tumour classifier overfits", limit=3)
    assert hybrid[0].id == w.ONC_REVIEW_OLD
    assert "overfits" in hybrid[0].snippet


def test_params_and_metrics_are_words(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    hits = service.search("learning rate 0.1", mode="keyword", limit=1)
    assert ids(hits) == [w.ONC_RUN]
    assert "learning rate 0.1" in hits[0].snippet


def test_catches_up_after_writes_and_updates(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    assert service.search("gradient boosted forecaster", mode="keyword") == []
    store.write([Node(w.CRM_MV, NodeKind.MODEL_VERSION, {"description": "a gradient boosted forecaster"})], [])
    assert ids(service.search("gradient boosted forecaster", mode="keyword"))[0] == w.CRM_MV
    # The old text is gone from the node and from its dependants' neighbourhoods (the dataset version it used).
    assert service.search("cancel subscription", mode="keyword") == []
    # The new text is in the node's vector and in its dependant's (the dataset version its run used).
    vector = service.search("gradient boosting forecast", mode="vector", limit=2)
    assert set(ids(vector)) == {w.CRM_MV, w.CRM_DV}


def test_notes_join_their_target_document(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    insight = attach_note(store, w.ONC_MV, "recall dropped after the texture feature was rescaled", actor="user:ana")
    assert insight.properties["project"] == "onc" and insight.properties["author"] == "user:ana"
    assert [e.target for e in store.get_edges([insight.id], "out", [EdgeType.ABOUT])] == [w.ONC_MV]
    hits = service.search("texture rescaled", mode="keyword", limit=5)
    assert {insight.id, w.ONC_MV} <= set(ids(hits))
    target = next(h for h in hits if h.id == w.ONC_MV)
    assert "texture" in target.snippet
    assert target.context["insights"][0]["id"] == insight.id


def test_graph_context_for_each_kind(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    hits = {h.id: h for h in service.search("tumour", limit=20)}
    mv = hits[w.ONC_MV].context
    assert [r["id"] for r in mv["run"]] == [w.ONC_RUN]
    assert [r["id"] for r in mv["datasets"]] == [w.ONC_DV]
    assert (mv["approval"]["id"], mv["approval"]["verdict"], mv["approval"]["state"]) == (
        w.ONC_REVIEW_NEW, "approved", "approved")
    assert [d["id"] for d in mv["active_deployments"]] == [w.ONC_DEPLOY]
    run = hits[w.ONC_RUN].context
    assert [r["id"] for r in run["model_versions"]] == [w.ONC_MV]
    assert [r["id"] for r in run["datasets_used"]] == [w.ONC_DV]
    dv = {h.id: h for h in service.search("cleaned breast cancer data", limit=20)}[w.ONC_DV].context
    assert [r["id"] for r in dv["used_by_runs"]] == [w.ONC_RUN]
    assert [r["id"] for r in dv["model_versions"]] == [w.ONC_MV]


def test_filters_kind_project_and_time(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    for mode in ("hybrid", "vector", "keyword"):
        runs = service.search("train model", kind="run", mode=mode)
        assert set(ids(runs)) == {w.ONC_RUN, w.CRM_RUN}
        crm = service.search("model", project="crm", mode=mode, limit=50)
        assert crm and all(h.project == "crm" for h in crm)
        june = service.search("train", kind="run", mode=mode, since=time_window("2024-05-01", None)[0])
        assert ids(june) == [w.CRM_RUN]
        feb = service.search("train", kind="run", mode=mode, until=time_window(None, "2024-03-01")[1])
        assert ids(feb) == [w.ONC_RUN]
        # A bare date is the whole day for both bounds: the crm run started 2024-06-01T09:00Z.
        since, until = time_window("2024-06-01", "2024-06-01")
        assert ids(service.search("train", kind="run", mode=mode, since=since, until=until)) == [w.CRM_RUN]
        since, until = time_window("2024-06-02", None)
        assert ids(service.search("train", kind="run", mode=mode, since=since)) == []


def test_project_scope_never_leaks(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    # A crm run that used onc's data: an edge across projects.
    store.write([], [Edge(w.CRM_RUN, w.ONC_DV, EdgeType.USED, {"role": "benchmark"})])
    attach_note(store, w.CRM_MV, "churn spikes every December around contract renewals", actor="user:bo")
    queries = ["breast cancer tumour", "telecom churn December", "train model", "review calibration"]
    onc = ScopedGraphStore(store, "onc")
    for mode in ("hybrid", "vector", "keyword"):
        for query in queries:
            hits = service.search(query, mode=mode, limit=50, store=onc)
            for hit in hits:
                assert hit.project == "onc"
                assert "December" not in hit.snippet and "telecom" not in hit.snippet
                for value in hit.context.values():
                    for ref in value if isinstance(value, list) else [value] if value else []:
                        if "id" not in ref:
                            continue
                        assert store.get_node(ref["id"]).properties.get("project") == "onc", (query, hit.id, ref)
    dv = next(h for h in service.search("cleaned breast cancer", store=onc, limit=20) if h.id == w.ONC_DV)
    assert [r["id"] for r in dv.context["used_by_runs"]] == [w.ONC_RUN]
    assert service.search("telecom", store=onc, project="crm") == []
    crm = ScopedGraphStore(store, "crm")
    crm_run = next(h for h in service.search("train churn", store=crm, limit=20) if h.id == w.CRM_RUN)
    assert crm_run.context["datasets_used"] == [{"id": w.CRM_DV, "kind": "dataset_version",
                                                 "title": "telecom customers v1"}]


def test_index_persists_and_reuses_embeddings(store: GraphStore, tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    w.write_world(store)
    first = SearchService(store, tmp_path / "idx", embedder)
    report = first.sync()
    # Each document's text and its passage (the node's own words); the 8 nodes without a neighbourhood (the
    # dataset, the two models) or without prose of their own (the two runs, a model version, the two deployments:
    # documents.passage_text) have one text for both.
    assert (report.documents, report.embedded) == (13, 13 + 5)
    first.close()
    second = SearchService(store, tmp_path / "idx", embedder)
    assert second.sync().documents == 0
    # An unchanged node written again is not embedded again; a rebuild reuses the cache. The run's text (its
    # passage too: it has no prose) changed; its dependants' documents quote none of what changed.
    store.write([Node(w.ONC_RUN, NodeKind.RUN, {"status": "finished"})], [])
    assert second.sync().embedded == 1
    rebuilt = second.sync(rebuild=True)
    assert rebuilt.rebuilt and rebuilt.documents == 13 and rebuilt.embedded == 0
    assert ids(second.search("isotonic", mode="keyword")) == [w.ONC_REVIEW_NEW, w.ONC_MV]
    second.close()


class RenamedEmbedder:
    """The same vectors under another model name: only the index mechanics can tell."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner = inner
        self.name = "another/model"
        self.dim = inner.dim
        self.semantic = True

    def embed(self, texts):  # type: ignore[no-untyped-def]
        return self.inner.embed(texts)

    def embed_query(self, text):  # type: ignore[no-untyped-def]
        return self.inner.embed_query(text)


def test_another_model_forces_a_rebuild(store: GraphStore, tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    w.write_world(store)
    SearchService(store, tmp_path / "idx", embedder).close()
    first = SearchService(store, tmp_path / "idx", embedder)
    first.sync()
    first.close()
    other = SearchService(store, tmp_path / "idx", RenamedEmbedder(embedder))  # type: ignore[arg-type]
    report = other.sync()
    assert report.embedded == 13 + 5 and report.from_seq == 0  # texts and the passages that differ from them
    other.close()


def test_a_replaced_store_forces_a_rebuild(tmp_path: Path, embedder: MiniLMEmbedder, backend) -> None:  # type: ignore[no-untyped-def]
    from tests.backends import make_store

    old = make_store(backend, tmp_path / "a")
    w.write_world(old)
    service = SearchService(old, tmp_path / "idx", embedder)
    service.sync()
    service.close()
    old.close()
    new = make_store(backend, tmp_path / "b")
    new.write([Node(node_id(NodeKind.MODEL, "solo"), NodeKind.MODEL, {"description": "a lonely model"})], [])
    new.write([Node(node_id(NodeKind.MODEL, "solo"), NodeKind.MODEL, {"owner": "x"})], [])
    replaced = SearchService(new, tmp_path / "idx", embedder)
    report = replaced.sync()
    assert report.rebuilt
    assert ids(replaced.search("model", limit=50)) == [node_id(NodeKind.MODEL, "solo")]
    replaced.close()
    new.close()


@pytest.mark.parametrize("query", ['AND "x', "col:* NEAR(", "^", "'; DROP TABLE docs; --", "***"])
def test_odd_queries_are_just_words(store: GraphStore, service: SearchService, query: str) -> None:
    w.write_world(store)
    for mode in ("hybrid", "keyword"):
        service.search(query, mode=mode)
    assert ids(service.search("isotonic", mode="keyword")) == [w.ONC_REVIEW_NEW, w.ONC_MV]


def test_passages_are_the_nodes_own_words(store: GraphStore, service: SearchService, embedder: MiniLMEmbedder) -> None:
    """A document's passage vector embeds its own words alone (``passage_text``), its vector its neighbourhood too;
    a node without prose of its own has one vector for both."""
    from modelctx.search.documents import embedding_text, passage_text

    w.write_world(store)
    service.sync()
    slot, bare = service.index.exact_slots([w.ONC_REVIEW_NEW, w.ONC_MV], "", Filter())
    rows = service.index.documents([slot, bare])
    row = rows[slot]
    document = Document(row.node_id, row.kind, row.project, row.at, row.title, row.body, row.context)
    assert row.context  # the review quotes the model version it reviews and its model
    own, enriched = embedder.embed([passage_text(document), embedding_text(document)])
    assert float(own @ enriched) < 0.99  # two different texts
    query = embedder.embed_query("tumour classifier")
    passages = dict(service.index.passage_search(query, 50, Filter()))
    vectors = dict(service.index.vector_search(query, 50, Filter()))
    assert passages[slot] == pytest.approx(float(own @ query), abs=1e-4)
    assert vectors[slot] == pytest.approx(float(enriched @ query), abs=1e-4)
    # The model version says only "framework sklearn" itself: its passage is its neighbourhood-enriched text.
    assert rows[bare].context and passages[bare] == pytest.approx(vectors[bare], abs=1e-5)


def test_an_index_of_an_older_layout_is_rebuilt_on_open(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    """An index written before passages (layout 3) is re-documented when opened, reusing its cached vectors."""
    from modelctx.search import sql
    from modelctx.search.index import SCHEMA_VERSION
    from tests.search_eval.backends import new_sqlite

    store = new_sqlite(tmp_path / "store")
    w.write_world(store)
    first = SearchIndex(store, tmp_path / "idx", embedder)
    first.sync()
    first.conn.execute(sql.SET_META, ("schema", "3"))
    first.close()
    reopened = SearchIndex(store, tmp_path / "idx", embedder)
    assert (reopened.last_seq, reopened.count()) == (0, 0)
    report = reopened.sync()
    assert (report.from_seq, report.documents, report.embedded) == (0, 13, 0)
    assert reopened._meta("schema") == SCHEMA_VERSION
    assert len(reopened.passage_search(embedder.embed_query("tumour"), 5, Filter())) == 5
    reopened.close()
    store.close()


@pytest.fixture
def synced_index(tmp_path: Path, embedder: MiniLMEmbedder) -> Iterator[tuple[GraphStore, SearchIndex]]:
    """The search world on SQLite with its embedded index caught up; both closed after the test."""
    from tests.search_eval.backends import new_sqlite

    store = new_sqlite(tmp_path / "store")
    w.write_world(store)
    index = SearchIndex(store, tmp_path / "idx", embedder)
    index.sync()
    yield store, index
    index.close()
    store.close()


def test_an_index_write_commits_whole_or_not_at_all(synced_index: tuple[GraphStore, SearchIndex]) -> None:
    """Every write to the index file is one transaction (``SearchIndex._writing``): an interrupt rolls it back."""
    from modelctx.search import sql

    store, index = synced_index
    synced = index._meta("last_seq")
    with pytest.raises(KeyboardInterrupt):
        with index._writing():
            index.conn.execute(sql.SET_META, ("last_seq", "999"))
            raise KeyboardInterrupt
    assert (index.conn.in_transaction, index._meta("last_seq"), synced) == (False, synced, str(store.last_seq()))
    with index._writing():
        index.conn.execute(sql.SET_META, ("last_seq", "998"))
    assert (index.conn.in_transaction, index._meta("last_seq")) == (False, "998")


def test_catching_up_waits_for_the_vector_searches_in_progress(
    synced_index: tuple[GraphStore, SearchIndex], embedder: MiniLMEmbedder
) -> None:
    """Vector searches run side by side outside the index lock; whatever changes the vectors waits for them."""
    import threading

    store, index = synced_index
    query = embedder.embed_query("gradient boosted fraud detector")
    before = index.vector_search(query, 3, Filter())
    fraud = node_id(NodeKind.MODEL, "fraud-detector")
    store.write([Node(fraud, NodeKind.MODEL, {"name": "fraud-detector",
                                              "description": "gradient boosted fraud detector"})], [])
    synced = threading.Event()
    with index._reading_vectors():  # a search in progress
        # Other threads still search meanwhile (the passages of the same query, another request).
        assert index.vector_search(query, 3, Filter()) == before
        catching_up = threading.Thread(target=lambda: (index.sync(), synced.set()))
        catching_up.start()
        assert not synced.wait(0.3)
    catching_up.join(30)
    assert synced.is_set()
    found = index.vector_search(query, 3, Filter())
    assert index.documents([found[0][0]])[found[0][0]].node_id == fraud and fraud not in {
        row.node_id for row in index.documents(s for s, _ in before).values()}


def test_node_ids_come_from_memory_and_the_file_alike(
    synced_index: tuple[GraphStore, SearchIndex], tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    """``node_ids`` names every slot's node as its document does: after a sync, for a document another
    instance wrote since (read from the file), after a reopen from the snapshot, and never for an empty slot."""
    store, index = synced_index
    count = index.count()
    every = dict(index.node_ids(range(count + 5)))
    assert every == {slot: row.node_id for slot, row in index.documents(range(count)).items()}
    assert len(every) == count and w.ONC_MV in every.values()
    fraud = node_id(NodeKind.MODEL, "fraud-detector")
    store.write([Node(fraud, NodeKind.MODEL, {"name": "fraud-detector"})], [])
    writer = index.writer()
    writer.sync(memory=False)  # the background catch-up's way: this instance has not refreshed
    writer.close()
    assert index.vectors.size == count  # not in memory yet
    (new_slot,) = [s for s, n in index.node_ids(range(count + 5)).items() if n == fraud]
    assert new_slot == count
    index.refresh()
    assert index.node_ids([new_slot, count + 1]) == {new_slot: fraud}
    reopened = SearchIndex(store, tmp_path / "idx", embedder)
    reopened.sync()
    assert reopened.node_ids(range(count + 5)) == {**every, new_slot: fraud}
    reopened.close()


def test_shown_with_context_reads_what_the_nodes_then_their_context_read(store: GraphStore) -> None:
    """``context.shown_with_context`` (three reads) gives the nodes a view shows among the ids, in order, and
    exactly :func:`graph_context`'s context for them, for the whole store and for a project's view."""
    w.write_world(store)
    missing = node_id(NodeKind.RUN, "sdk", "never-written")
    asked = [w.ONC_MV, missing, w.CRM_MV, w.ONC_RUN, w.ONC_DV, w.CRM_DV, w.ONC_REVIEW_NEW, w.ONC_DEPLOY, w.ONC_DATASET]
    for view in (store, ScopedGraphStore(store, "crm")):
        nodes = view.get_nodes(asked)
        expected = [nodes[i] for i in asked if i in nodes]
        shown, contexts = shown_with_context(view, asked)
        assert shown == expected
        assert contexts == graph_context(view, expected)
    assert [n.id for n in shown] == [w.CRM_MV, w.CRM_DV]  # the project's view: the onc nodes are hidden
    assert [r["id"] for r in contexts[w.CRM_MV]["run"]] == [w.CRM_RUN]
    assert [r["id"] for r in contexts[w.CRM_MV]["datasets"]] == [w.CRM_DV]
    assert shown_with_context(store, [missing]) == ([], {})
