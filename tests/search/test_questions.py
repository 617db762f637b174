"""Questions about structure answered from the graph (search/questions.py), on every backend, through the
service, the CLI and the API — and never across a project scope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.store import GraphStore
from modelctx.search import questions
from modelctx.search.service import SearchService
from tests.api.indexing import wait_until_indexed
from tests.backends import BackendHarness
from tests.search import world as w

K, E = NodeKind, EdgeType
JOB = node_id(K.JOB, "etl", "clean_patients")
ETL_RUN = node_id(K.RUN, "openlineage", "etl-1")
SWEEP = node_id(K.RUN, "sdk", "onc-sweep")
ADA = node_id(K.PERSON, "ada@example.com")
COMMIT = node_id(K.COMMIT, "a" * 40)
CRM_DEPLOY = node_id(K.DEPLOYMENT, "crm-prod")
CRM_IDS = {w.CRM_DV, w.CRM_RUN, w.CRM_MV, w.CRM_MODEL, CRM_DEPLOY}


def write_world(store: GraphStore) -> None:
    """tests/search/world.py plus an ETL job, a sweep, a person's commit and crm's unreviewed production deployment."""
    w.write_world(store)
    onc = {"project": "onc"}
    store.write([
        Node(JOB, K.JOB, {"name": "clean_patients", **onc}),
        Node(ETL_RUN, K.RUN, {"name": "clean patients nightly", **onc}),
        Node(SWEEP, K.RUN, {"name": "tumour sweep", **onc}),
        Node(ADA, K.PERSON, {"name": "Ada Lovelace", "email": "ada@example.com"}),
        Node(COMMIT, K.COMMIT, {"message": "Clip outliers before scaling", "author": "Ada Lovelace"}),
        Node(CRM_DEPLOY, K.DEPLOYMENT, {"environment": "production", "status": "active", "project": "crm",
                                        "name": "churn scoring"}),
    ], [
        Edge(ETL_RUN, JOB, E.INSTANCE_OF), Edge(w.ONC_DV, ETL_RUN, E.GENERATED_BY),
        Edge(w.ONC_RUN, SWEEP, E.CHILD_OF), Edge(w.ONC_RUN, COMMIT, E.USED, {"role": "code"}),
        Edge(COMMIT, ADA, E.ATTRIBUTED_TO, {"role": "author"}), Edge(CRM_DEPLOY, w.CRM_MV, E.DEPLOYS),
    ], actor="test")


def answered(hits: list[object]) -> list[tuple[str, str]]:
    return [(h.id, h.answer) for h in hits if h.answer is not None]  # type: ignore[attr-defined]


# -- the parser ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", questions.SHAPES, ids=lambda s: s.example)
def test_every_documented_example_is_recognised_as_its_shape(shape: questions.Shape) -> None:
    found = questions.match(shape.example)
    assert found is not None and found[0].name == shape.name


def test_every_shape_says_what_it_asks() -> None:
    assert {shape.name for shape in questions.SHAPES} == set(questions.MEANINGS)
    assert all(questions.MEANINGS[name] for name in questions.MEANINGS)


@pytest.mark.parametrize(("query", "name", "parts"), [
    ("what read the output of nightly_etl", "used_output", {"x": "nightly_etl"}),
    ("which runs used data produced by the nightly_etl job", "used_output", {"x": "nightly_etl job"}),
    ("jobs that read the dataset written by nightly_etl", "used_output", {"x": "nightly_etl"}),
    ("runs consuming the output of nightly_etl", "used_output", {"x": "nightly_etl"}),
    ("which runs consumed breast-cancer?", "used", {"x": "breast-cancer"}),
    ("what used breast-cancer", "used", {"x": "breast-cancer"}),
    ("runs reading breast-cancer", "used", {"x": "breast-cancer"}),
    ("models trained on wine", "trained_on", {"x": "wine"}),
    ("which model versions used the robust texture feature", "trained_on", {"x": "robust texture feature"}),
    ("what models use wine", "trained_on", {"x": "wine"}),
    ("what did alice change", "person_did", {"person": "alice", "verb": "change"}),
    ("what has alice reviewed", "person_did", {"person": "alice", "verb": "reviewed"}),
    ("what did alice deploy", "person_did", {"person": "alice", "verb": "deploy"}),
    ("what did alice work on", "person_did", {"person": "alice", "verb": "work"}),
    ("what alice changed", "person_did", {"person": "alice", "verb": "changed"}),
    ("commits authored by alice", "person_did", {"verb": "commits", "person": "alice"}),
    ("alice's deployments", "person_did", {"person": "alice", "verb": "deployments"}),
    ("deployed without approval", "unapproved_production", {}),
    ("production models missing a review", "unapproved_production", {}),
    ("unapproved deployments", "unapproved_production", {}),
    ("from the sweep", "sweep", {}),
    ("versions from the sweep", "sweep", {"subject": "versions"}),
    ("models from a grid search", "sweep", {"subject": "models"}),
    ("sweep results", "sweep", {}),
    ("unused datasets", "untrained_datasets", {}),
    ("datasets never used for training", "untrained_datasets", {}),
    ("which datasets have no models", "untrained_datasets", {}),
    ("current production model for tumour", "current_production", {"x": "tumour"}),
    ("what's deployed for tumour", "current_production", {"x": "tumour"}),
    ("which version of tumour is deployed", "current_production", {"x": "tumour"}),
    ("what changed between tumour v1 and tumour v2", "changed_between", {"a": "tumour v1", "b": "tumour v2"}),
    ("what changed from tumour v1 to tumour v2", "changed_between", {"a": "tumour v1", "b": "tumour v2"}),
    ("diff between tumour v2 and v3", "changed_between", {"a": "tumour v2", "b": "v3"}),
    ("how does tumour v2 differ from tumour v1", "changed_between", {"b": "tumour v2", "a": "tumour v1"}),
    ("who approved tumour v2", "reviews_of", {"x": "tumour v2"}),
    ("which model is currently in production for churn", "current_production", {"x": "churn"}),
    ("which datasets were used to train churn v2", "training_data", {"x": "churn v2"}),
    ("training data of churn v2", "training_data", {"x": "churn v2"}),
    ("features used to train churn v2", "training_data", {"x": "churn v2"}),
    ("lineage of churn v2", "upstream", {"x": "churn v2"}),
    ("show me the runs from the hyperparameter sweep", "sweep", {"subject": "runs"}),
    ("Can you tell me which runs consumed breast-cancer?", "used", {"x": "breast-cancer"}),
    ("please list the models trained on wine", "trained_on", {"x": "wine"}),
    ("where is progression v2 deployed", "deployments_of", {"x": "progression v2"}),
])
def test_wording_variants_parse(query: str, name: str, parts: dict[str, str]) -> None:
    found = questions.match(query)
    assert found is not None and (found[0].name, found[1]) == (name, parts)


@pytest.mark.parametrize("query", [
    "breast cancer tumour", "tumour v1", "why did recall drop after the feature change",
    "models trained on the cleaned cancer data that a reviewer worried about", "calibration review",
])
def test_other_queries_are_not_questions(query: str) -> None:
    assert questions.match(query) is None


def test_parts_are_cleaned_and_kind_words_narrow() -> None:
    shape, parts = questions.match("Which runs used the output of the job 'clean_patients'?") or (None, {})
    assert shape is not None and shape.name == "used_output" and parts == {"x": "clean_patients"}
    assert questions.narrowed("robust texture feature", questions.DATA_KINDS) == ("robust texture", (K.FEATURE,))
    assert questions.narrowed("texture", questions.DATA_KINDS) == ("texture", questions.DATA_KINDS)


# -- answers through the service -----------------------------------------------------------------


def test_runs_that_used_the_output_of_a_job(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    hits = service.search("runs that used the output of clean_patients", limit=5)
    assert answered(hits) == [(w.ONC_RUN, "run train tumour classifier USED dataset_version breast cancer (cleaned) "
                                          "GENERATED_BY run clean patients nightly INSTANCE_OF job clean_patients")]
    assert len(hits) == 5 and hits[0].score > hits[1].score  # ranked hits fill the other places
    assert hits[0].to_json()["answer"] == answered(hits)[0][1]
    assert all(h.to_json()["answer"] is None for h in hits[1:])


def test_model_versions_trained_on_and_person_changed(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    trained = service.search("model versions trained on breast cancer (cleaned)", limit=3)
    assert answered(trained) == [(w.ONC_MV, "model_version tumour v1 GENERATED_BY run train tumour classifier USED "
                                            "dataset_version breast cancer (cleaned)")]
    changed = service.search("what did Ada Lovelace change?", limit=3)
    assert answered(changed) == [(COMMIT, f"commit {'a' * 40} ATTRIBUTED_TO person Ada Lovelace")]


def test_production_sweep_and_current_version(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    unapproved = service.search("which models are in production without approval", limit=4)
    path = "deployment churn scoring DEPLOYS model_version churn v1; unreviewed: no approved review (no reviews at all)"
    assert answered(unapproved) == [(w.CRM_MV, path), (CRM_DEPLOY, path)]
    only = service.search("in production without approval", kind="deployment", limit=1)
    assert answered(only) == [(CRM_DEPLOY, path)]
    swept = service.search("model versions that came out of a hyperparameter sweep", limit=2)
    assert answered(swept) == [(w.ONC_MV, "model_version tumour v1 GENERATED_BY run train tumour classifier "
                                          "CHILD_OF run tumour sweep")]
    trials = service.search("runs from the sweep", limit=3)
    assert answered(trials)[0] == (w.ONC_RUN, "run train tumour classifier CHILD_OF run tumour sweep")
    current = service.search("current production model for tumour", limit=3)
    assert answered(current) == [(w.ONC_MV, "deployment onc-prod DEPLOYS model_version tumour v1"),
                                 (w.ONC_DEPLOY, "deployment onc-prod DEPLOYS model_version tumour v1")]


def test_questions_are_ranked_only_in_hybrid_mode(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    for mode in ("keyword", "vector"):
        assert answered(service.search("in production without approval", mode=mode)) == []


def test_a_scoped_caller_gets_no_other_project_answer(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    onc = ScopedGraphStore(store, "onc")
    for query in ("which models are in production without approval", "runs that used telecom customers v1",
                  "model versions trained on telecom customers v1", "current production model for churn",
                  "deployments of churn", "what changed between tumour v1 and churn v1"):
        hits = service.search(query, store=onc, limit=20)
        assert all(h.project in ("onc", None) for h in hits), (query, [(h.id, h.answer) for h in hits])
        assert not {h.id for h in hits} & CRM_IDS, query
        assert all("churn" not in (h.answer or "") and "telecom" not in (h.answer or "") for h in hits), query
    assert answered(service.search("in production without approval", store=onc)) == []
    crm = ScopedGraphStore(store, "crm")
    assert [i for i, _ in answered(service.search("in production without approval", store=crm))] == [
        w.CRM_MV, CRM_DEPLOY]


# -- the CLI and the API ----------------------------------------------------------------------------


def test_cli_shows_the_answer(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    write_world(store)
    uri = backend.uri(tmp_path)
    query = "which models are in production without approval"
    result = CliRunner().invoke(main, ["--store", uri, "search", query, "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)["hits"]
    assert [h["id"] for h in hits[:2]] == [w.CRM_MV, CRM_DEPLOY]
    assert hits[0]["answer"].startswith("deployment churn scoring DEPLOYS model_version churn v1; unreviewed")
    result = CliRunner().invoke(main, ["--store", uri, "search", query, "--limit", "2"])
    assert result.exit_code == 0
    assert "deployment churn scoring DEPLOYS model_version churn v1; unreviewed" in result.output
    # Read as a question that nothing answers (every dataset here was trained on): the CLI says so above the
    # ranked hits, and the JSON says what it was read as.
    query = "datasets no model was trained on"
    result = CliRunner().invoke(main, ["--store", uri, "search", query, "--limit", "2"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "read as a question about structure ('datasets no model version was trained on'): "
        "nothing in the graph answers it; any hits are ranked by words and meaning, not answers")
    result = CliRunner().invoke(main, ["--store", uri, "search", query, "--limit", "2", "--json"])
    assert json.loads(result.stdout)["question"] == {
        "shape": "untrained_datasets", "reads_as": "datasets no model version was trained on", "answers": 0}


@pytest.fixture
def api(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings

    write_world(store)
    client = Client.open(backend.uri(tmp_path), actor="user:api", settings=Settings(home=tmp_path / "home"))
    app = create_app(client)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        test_client.modelctx_client = client  # type: ignore[attr-defined]
        yield test_client
    service = getattr(app.state, "search_service", None)
    if service is not None:
        service.close()
    client.close()


def test_api_answers_within_the_callers_scope(api) -> None:  # type: ignore[no-untyped-def]
    from modelctx.api.tokens import create_token

    wait_until_indexed(api)
    query = {"q": "which models are in production without approval", "limit": 5}
    hits = api.get("/api/v1/search", params=query).json()["hits"]
    assert [h["id"] for h in hits[:2]] == [w.CRM_MV, CRM_DEPLOY] and hits[0]["answer"].endswith("(no reviews at all)")
    _, secret = create_token(api.modelctx_client, "onc", "reader", "onc")
    scoped = api.get("/api/v1/search", params=query, headers={"Authorization": f"Bearer {secret}"}).json()["hits"]
    assert scoped and all(h["project"] in ("onc", None) and h["answer"] is None for h in scoped)
    assert not {h["id"] for h in scoped} & CRM_IDS


def test_the_guide_lists_every_shape_with_its_example() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide" / "search.md").read_text(encoding="utf-8")
    section = guide.split("### Questions about structure", 1)[1]
    assert all(f"`{shape.example}`" in section for shape in questions.SHAPES)
