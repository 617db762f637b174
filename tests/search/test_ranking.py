"""Ranking rules on every backend with the real model: exact intent, kind words, the floor, snippets, neighbourhoods."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search.documents import build_document, snippet
from modelctx.search.hybrid import EXACT_SCORE
from modelctx.search.intent import exact_ids, kind_hints, version_refs
from modelctx.search.service import SearchService
from tests.search import world as w

#: Gibberish, and words every text has (stopwords alone match nothing: ``keyword_index.query_terms``).
GIBBERISH = ("xqzv blorf wibble", "asdkjh qwpoei zzkx", "zebra", "the", "what is it")


def ids(hits: list) -> list[str]:
    return [h.id for h in hits]


def test_exact_names_rank_first(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    for query in ("tumour v1", "TUMOUR V1", "tumour@1", w.ONC_MV):
        hits = service.search(query, limit=3)
        assert hits[0].id == w.ONC_MV, query
        assert hits[0].score == EXACT_SCORE
    assert service.search("churn v1", limit=1)[0].id == w.CRM_MV
    # The title of a model: the model, not its versions.
    assert service.search("churn", limit=1)[0].id == w.CRM_MODEL
    # A hard kind filter still applies to an exact name.
    assert w.ONC_MV not in ids(service.search("tumour@1", kind="run", limit=5))


def test_references_resolve_through_the_registry(store: GraphStore) -> None:
    w.write_world(store)
    store.write([Node(w.CRM_MV, NodeKind.MODEL_VERSION, {"aliases": ["production"], "model": "churn"})], [])
    assert exact_ids(store, "churn@production") == [w.CRM_MV]
    assert exact_ids(store, "churn version 1") == [w.CRM_MV]
    assert exact_ids(store, "churn@7") == []
    assert exact_ids(store, "model_version:nope/1") == []
    assert exact_ids(store, "customers who cancel") == []
    # A version as people type one: its own key, and a name said with spaces for its hyphens or underscores.
    hyphenated = "model_version:churn-risk/2"
    store.write([Node("model:churn-risk", NodeKind.MODEL, {"name": "churn-risk"}),
                 Node(hyphenated, NodeKind.MODEL_VERSION, {"model": "churn-risk", "version": 2})], [])
    assert exact_ids(store, "churn/1") == [w.CRM_MV]
    assert exact_ids(store, "churn risk v2") == exact_ids(store, "Churn Risk version 2") == [hyphenated]
    assert exact_ids(store, "churn-risk/2") == exact_ids(store, "churn risk@2") == [hyphenated]
    assert exact_ids(store, "churn risk v3") == exact_ids(store, "churn risk/x") == []
    assert version_refs("churn risk v2") == ["churn risk@2", "churn-risk@2", "churn_risk@2"]
    assert version_refs("churn@production") == ["churn@production"]
    assert version_refs("recall dropped after the feature change") == []
    # The latest version, as people ask for it (MLflow's models:/NAME/latest).
    store.write([Node("model_version:churn-risk/1", NodeKind.MODEL_VERSION, {"model": "churn-risk", "version": 1})],
                [])
    assert exact_ids(store, "latest churn risk") == exact_ids(store, "the latest version of churn-risk") == [
        hyphenated]
    assert exact_ids(store, "churn-risk latest") == [hyphenated]
    assert exact_ids(store, "latest runs") == exact_ids(store, "latest") == []
    # A git hash as people copy it (7 to 40 hex digits, any case): the commit it is a unique prefix of.
    commit = "commit:" + "c0ffee" + "1" * 34
    store.write([Node(commit, NodeKind.COMMIT, {"message": "Clip outliers"})], [])
    assert exact_ids(store, "c0ffee1") == exact_ids(store, "C0FFEE11") == exact_ids(store, commit[7:]) == [commit]
    assert exact_ids(store, "c0ffee") == []  # 6 digits: a word, not a hash
    assert exact_ids(store, "c0ffee2") == []  # no such commit
    # MLflow's URIs and a tracker's run id, as people copy them from MLflow's or Marquez's pages.
    mlflow_run, lineage_run = "9a" * 16, "0190b7d2-8c1e-7a3b-9f4e-2d6c8a1b3e5f"
    store.write([Node(f"run:mlflow/{mlflow_run}", NodeKind.RUN, {"name": "rogue-cat-42"}),
                 Node(f"run:openlineage/{lineage_run}", NodeKind.RUN, {"name": "nightly.features"})], [])
    assert exact_ids(store, "models:/churn/1") == exact_ids(store, "models:/churn@production") == [w.CRM_MV]
    assert exact_ids(store, f"runs:/{mlflow_run}/model") == exact_ids(store, mlflow_run.upper()) == [
        f"run:mlflow/{mlflow_run}"]
    assert exact_ids(store, lineage_run) == [f"run:openlineage/{lineage_run}"]
    assert exact_ids(store, "models:/churn/7") == exact_ids(store, "ab" * 16) == []


def test_kind_words_are_soft_filters(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    assert kind_hints("runs on the cleaned data") == {"run"}
    assert kind_hints("datasets nothing was trained on") == {"dataset", "dataset_version"}
    assert kind_hints("worried about calibration") == frozenset()
    # The words people use for a kind lift it as its own name does.
    assert kind_hints("who gave the sign-off for the churn release") == {"review", "model_version"}
    assert kind_hints("lesson learned about the derived column") == {"insight", "feature"}
    assert kind_hints("the code change behind the alert") == {"commit", "monitoring_report"}
    assert kind_hints("rollouts and their verdicts") == {"deployment", "review"}
    plain = service.search("tumour classifier", limit=13)
    asked = service.search("tumour classifier deployment", limit=13)
    assert asked[0].kind == "deployment"
    assert plain[0].kind != "deployment"
    # Soft: other kinds still come after.
    assert {"model_version", "review"} <= {h.kind for h in asked}


@pytest.mark.parametrize("query", GIBBERISH)
def test_gibberish_finds_nothing(store: GraphStore, service: SearchService, query: str) -> None:
    w.write_world(store)
    for mode in ("hybrid", "vector", "keyword"):
        assert service.search(query, mode=mode) == [], mode


def test_documents_carry_their_neighbourhood(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    service.sync()
    rows = {r.node_id: r for r in service.index.documents(range(13)).values()}
    model_version = rows[w.ONC_MV].context
    assert "run train tumour classifier" in model_version
    assert "review onc-r1: worried that the classifier overfits" in model_version
    assert "dataset version breast cancer (cleaned): duplicate patients removed" in model_version
    assert "environment production" in model_version
    assert "model version churn v1: predicts which telecom customers" in rows[w.CRM_DV].context
    assert "dataset version telecom customers v1" in rows[w.CRM_RUN].context
    # Neighbourhood words rank below the node's own.
    assert ids(service.search("duplicate patients removed", mode="keyword", limit=3))[0] == w.ONC_DV


def test_a_neighbour_change_re_documents_its_dependants_only(store: GraphStore, service: SearchService) -> None:
    w.write_world(store)
    service.sync()
    store.write([Node(w.CRM_DV, NodeKind.DATASET_VERSION, {"description": "prepaid and postpaid accounts"})], [])
    report = service.sync()
    # The dataset version, the run that used it and the model version that run made; not the tumour side.
    assert report.documents == 3
    hits = service.search("prepaid postpaid", mode="keyword", limit=5)
    assert ids(hits)[0] == w.CRM_DV and set(ids(hits)) == {w.CRM_DV, w.CRM_RUN, w.CRM_MV}


def test_snippets_are_never_filler(store: GraphStore, service: SearchService) -> None:
    bare = build_document(Node("model:x", NodeKind.MODEL, {"name": "x"}))
    assert bare.body == "Model model."
    assert snippet(bare.body, "x") == ""
    props = {"name": "r", "params": {"c": 1}, "notes": "baseline fit on all rows"}
    run = build_document(Node("run:r", NodeKind.RUN, props))
    assert snippet(run.body, "anything at all") == "baseline fit on all rows."
    assert snippet(run.body, "params c") == "baseline fit on all rows."
    w.write_world(store)
    for hit in service.search("tumour classifier", limit=13):
        assert hit.snippet == "" or len(hit.snippet.split()) >= 3, hit
        assert not hit.snippet.startswith(("Model model", "ModelVersion model version"))


def test_the_api_and_cli_say_when_nothing_matches(store: GraphStore, backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from modelctx.cli import main

    w.write_world(store)
    uri = backend.uri(tmp_path)
    result = CliRunner().invoke(main, ["--store", uri, "search", "xqzv blorf wibble"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "no results for 'xqzv blorf wibble': nothing in the graph matches it" in result.stdout
    assert "modelctx: loading the embedding model" in result.stderr


def test_fusion_weighs_each_rankers_normalised_scores() -> None:
    from modelctx.search.hybrid import convex_fusion, fuse, normalised

    assert normalised([(7, 0.9), (8, 0.5), (9, 0.4)]) == {7: 1.0, 8: pytest.approx(0.2), 9: 0.0}
    assert normalised([(7, 12.5)]) == {7: 1.0} and normalised([]) == {}
    # 1 leads the vector list by far, 2 leads the keyword list by a hair: 1 wins, as RRF would not decide.
    vector, keyword = [(1, 0.8), (2, 0.3), (3, 0.29)], [(2, 10.0), (1, 9.9), (3, 1.0)]
    fused = convex_fusion([vector, keyword], [0.5, 0.5])
    assert [slot for slot, _ in fused] == [1, 2, 3]
    assert fused[0][1] == pytest.approx(0.5 + 0.5 * 8.9 / 9.0) and fused[2][1] == 0.0
    # Without a vector hit the passage list does not count (the relevance floor turned the query away).
    assert fuse([], [(5, 0.9)], [(6, 3.0)]) == [(6, pytest.approx(0.3))]
