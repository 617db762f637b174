"""Questions about structure answered from the graph (search/questions/), on every backend, through the
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
    ("production models missing a review", "unapproved_production", {"env": "production"}),
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
    ("who approved tumour v2", "reviews_of", {"who": "who", "verb": "approved", "x": "tumour v2"}),
    ("which model is currently in production for churn", "current_production", {"x": "churn"}),
    ("which datasets were used to train churn v2", "training_data", {"x": "churn v2"}),
    ("training data of churn v2", "training_data", {"x": "churn v2"}),
    ("features used to train churn v2", "training_data", {"x": "churn v2"}),
    ("lineage of churn v2", "upstream", {"x": "churn v2"}),
    ("show me the runs from the hyperparameter sweep", "sweep", {"subject": "runs"}),
    ("Can you tell me which runs consumed breast-cancer?", "used", {"x": "breast-cancer"}),
    ("please list the models trained on wine", "trained_on", {"x": "wine"}),
    ("where is progression v2 deployed", "deployments_of", {"x": "progression v2"}),
    # as people phrase them (issue 15 item 4): synonyms, passive voice, possessives, fragments, "who" questions
    ("prod models no approval", "unapproved_production", {"env": "prod"}),
    ("anything serving in production that nobody green-lit", "unapproved_production", {"env": "production"}),
    ("which datasets were used by the churn training run", "training_data", {"x": "churn training run"}),
    ("what data went into churn v2", "training_data", {"x": "churn v2"}),
    ("churn model's training data", "training_data", {"x": "churn model"}),
    ("what was churn v2 fit on", "training_data", {"x": "churn v2"}),
    ("churn v2 lineage", "upstream", {"x": "churn v2"}),
    ("clean_patients downstream", "downstream", {"x": "clean_patients"}),
    ("how was churn v2 built", "upstream", {"x": "churn v2"}),
    ("what depends on wine", "downstream", {"x": "wine"}),
    ("what breaks if the wine table changes", "downstream", {"x": "wine table"}),
    ("what would be affected if we drop wine@2", "downstream", {"x": "wine@2"}),
    ("impact of changing wine", "downstream", {"x": "wine"}),
    ("list the runs that ingested wine", "used", {"x": "wine"}),
    ("jobs that relied on wine", "used", {"x": "wine"}),
    ("models fit on wine", "trained_on", {"x": "wine"}),
    ("which models were retrained on wine@2", "trained_on", {"x": "wine@2"}),
    ("is churn v2 approved", "reviews_of", {"x": "churn v2"}),
    ("has churn v2 been signed off yet", "reviews_of", {"x": "churn v2"}),
    ("approval status of churn v2", "reviews_of", {"x": "churn v2"}),
    ("who green-lit churn@2", "reviews_of", {"who": "who", "verb": "green-lit", "x": "churn@2"}),
    ("when was churn v2 deployed", "deployments_of", {"x": "churn v2"}),
    ("where is churn running", "deployments_of", {"x": "churn"}),
    ("who shipped churn version 2", "deployments_of", {"who": "who", "x": "churn version 2"}),
    ("is churn v2 live", "deployments_of", {"x": "churn v2"}),
    ("which commit produced churn v2", "code_behind", {"x": "churn v2"}),
    ("what code went into churn v2", "code_behind", {"x": "churn v2"}),
    ("who trained churn v2", "who", {"verb": "trained", "x": "churn v2"}),
    ("who owns churn", "who", {"verb": "owns", "x": "churn"}),
    ("who is the owner of churn", "who", {"verb": "owner", "x": "churn"}),
    ("what's running in production right now", "in_production", {}),
    ("all production models", "in_production", {}),
    ("churn prod version", "current_production", {"x": "churn"}),
    ("which version of the churn model is currently serving traffic", "current_production", {"x": "churn model"}),
    ("models from HPO trials", "sweep", {"subject": "models"}),
    ("datasets with zero consumers", "untrained_datasets", {}),
    ("which datasets has nobody trained a model on yet", "untrained_datasets", {}),
    ("diff churn@1 churn@2", "changed_between", {"a": "churn@1", "b": "churn@2"}),
    ("commits alice pushed", "person_did", {"noun": "commits", "person": "alice", "verb": "pushed"}),
    ("what did alice turn down", "person_did", {"person": "alice", "verb": "turn down"}),
    ("alice's releases", "person_did", {"person": "alice", "verb": "releases"}),
    ("what has bob been working on", "person_did", {"person": "bob", "verb": "working"}),
    ("List all deployments by carol", "person_did", {"verb": "deployments", "person": "carol"}),
    ("models rejected by dave", "person_did", {"noun": "models", "verb": "rejected", "person": "dave"}),
    ("Which runs did alice launch?", "person_did", {"noun": "runs", "person": "alice", "verb": "launch"}),
    ("Which production models haven't been approved?", "unapproved_production", {"env": "production"}),
    ("unreviewed models in production", "unapproved_production", {"env": "production"}),
    ("which runs were part of the optuna sweep", "sweep", {"subject": "runs"}),
    ("List datasets that no model uses", "untrained_datasets", {}),
    ("How does churn@3 compare to churn@2?", "changed_between", {"b": "churn@3", "a": "churn@2"}),
    ("Which environments is churn deployed to?", "deployments_of", {"x": "churn"}),
    ("who deployed churn to production", "deployments_of", {"who": "who", "x": "churn"}),
    ("Is the churn model approved for production?", "reviews_of", {"x": "churn model"}),
    ("Which dataset version trained churn v3?", "training_data", {"x": "churn v3"}),
    ("What features does churn v3 use?", "training_data", {"x": "churn v3"}),
    ("what are the inputs to churn v3", "training_data", {"x": "churn v3"}),
    ("show the lineage for churn v3", "upstream", {"x": "churn v3"}),
    ("trace churn v3 back to its source data", "upstream", {"x": "churn v3"}),
    ("What runs produced churn v3?", "runs_behind", {"x": "churn v3"}),
    ("which experiment produced churn v3", "runs_behind", {"x": "churn v3"}),
    ("What git commit is churn v3 built from?", "code_behind", {"x": "churn v3"}),
    ("who created the fraud model", "who", {"verb": "created", "x": "fraud model"}),
    ("which models are affected if customers v3 has a bug", "downstream", {"x": "customers v3"}),
    ("What models are in production?", "in_production", {}),
    ("list all production deployments", "in_production", {}),
    ("what's deployed in staging", "in_production", {"env": "staging"}),
    ("show models in staging", "in_production", {"env": "staging"}),
    ("staging deployments", "in_production", {"env": "staging"}),
    ("find every run that read from the raw export", "used", {"x": "raw export"}),
    ("runs where customers v2 was an input", "used", {"x": "customers v2"}),
    ("any models trained off customers v2?", "trained_on", {"x": "customers v2"}),
    ("what was used to train churn v3", "training_data", {"x": "churn v3"}),
    ("which datasets went into training churn v3", "training_data", {"x": "churn v3"}),
    ("what feeds into churn v3", "upstream", {"x": "churn v3"}),
    ("Show everything alice touched", "person_did", {"person": "alice", "verb": "touched"}),
    ("approvals given by dave", "person_did", {"verb": "approvals", "person": "dave"}),
    ("which tables aren't used by any model", "untrained_datasets", {}),
    ("what version of churn is deployed right now", "current_production", {"x": "churn"}),
    ("current churn model", "current_production", {"x": "churn"}),
    ("what's new in churn v3 compared to v2", "changed_between", {"b": "churn v3", "a": "v2"}),
    ("has anyone reviewed churn v3", "reviews_of", {"x": "churn v3"}),
    ("where does churn v3 run", "deployments_of", {"x": "churn v3"}),
    ("which endpoints serve churn", "deployments_of", {"x": "churn"}),
    ("deployment history of churn", "deployments_of", {"x": "churn"}),
    ("which models were rejected", "versions_in_state", {"state": "rejected"}),
    ("which model versions have been turned down by a reviewer", "versions_in_state", {"state": "turned down"}),
    ("approved models", "versions_in_state", {"state": "approved"}),
    ("which versions failed review", "versions_in_state", {"state": "failed"}),
    ("models with changes requested", "versions_in_state", {"state": "changes requested"}),
    ("what is the latest version of churn", "versions_of", {"x": "churn"}),
    ("churn's newest version", "versions_of", {"x": "churn"}),
    ("the most recent churn version", "versions_of", {"x": "churn"}),
    ("list the versions of the churn model", "versions_of", {"x": "churn model"}),
    ("how many versions does churn have", "versions_of", {"x": "churn"}),
    ("churn-model versions", "versions_of", {"x": "churn-model"}),
    ("which versions of churn are in production", "current_production", {"x": "churn"}),
    ("which churn version is serving in prod", "current_production", {"x": "churn"}),
    ("show me everything trained with churn@2", "trained_on", {"x": "churn@2"}),
    ("which runs read the data that nightly_etl wrote", "used_output", {"x": "nightly_etl"}),
    ("models trained on the output of nightly_etl", "trained_on", {"x": "nightly_etl"}),
    ("models in prod that skipped review", "unapproved_production", {"env": "prod"}),
    ("models that came out of tuning", "sweep", {}),
    ("which runs were trials of a sweep", "sweep", {"subject": "runs"}),
    ("which datasets does no model use", "untrained_datasets", {}),
    ("what is different in churn v2", "changed_between", {"b": "churn v2"}),
    ("what changed in churn@3", "changed_between", {"b": "churn@3"}),
    ("who wrote the code for churn v2", "who", {"verb": "wrote", "x": "churn v2"}),
    ("which job wrote customers v2", "runs_behind", {"x": "customers v2"}),
    ("what produced customers v2", "runs_behind", {"x": "customers v2"}),
    ("what feeds customers v2", "upstream", {"x": "customers v2"}),
    ("which tables have no consumers", "untrained_datasets", {}),
    ("what is drifting", "drifting", {}),
    ("which deployments are drifting in production", "drifting", {"subject": "deployments", "prod": "production"}),
    ("models with drift", "drifting", {"subject": "models"}),
    ("drift alerts", "drifting", {}),
    ("where has drift been detected", "drifting", {}),
    ("is churn v2 drifting", "drifting", {"x": "churn v2"}),
    ("does churn have drift", "drifting", {"x": "churn"}),
    ("which runs used customers v2 as training data", "used", {"x": "customers v2"}),
    ("which model versions have no reviews", "versions_without", {"lacking": "reviews"}),
    ("Which models have never been deployed?", "versions_without", {"lacking": "deployed"}),
    ("which models haven't been approved", "versions_without", {"lacking": "approved"}),
    ("unreviewed model versions", "versions_without", {"lacking": "unreviewed"}),
])
def test_wording_variants_parse(query: str, name: str, parts: dict[str, str]) -> None:
    found = questions.match(query)
    assert found is not None and (found[0].name, found[1]) == (name, parts)


@pytest.mark.parametrize("query", [
    "breast cancer tumour", "tumour v1", "why did recall drop after the feature change",
    "models trained on the cleaned cancer data that a reviewer worried about", "calibration review",
    # plain keyword and paraphrase queries that share words with the shapes stay ranked
    "production model monitoring", "approval workflow for production", "hyperparameter tuning guide", "optuna",
    "data lineage graph", "how do I deploy a model", "commit messages about scaling", "when was the last drift report",
    "what breaks", "who reviewed", "training data", "serving latency", "tumour prod", "author guidelines",
    "the hospital's biopsy dump untouched, with the repeats still in",
    "new harvest's wine measurements nobody has checked yet",
    "automatic tuning replaced exhaustive search over settings",
    "forty automated trials searching the boosting settings",
    "which model runs in the x-ray pilot", "signed off after checking on patients from a second hospital",
    "old test-environment copy of the first tumour classifier, now switched off", "what is the accuracy of tumour v2",
    "history of the project", "trace logs", "models in sklearn",
    "versions without the texture feature", "data lineage", "model lineage", "feature origins", "is there drift",
    "compare metrics", "live demo",
    "which model was turned down because it was unsafe", "tumour detector live in the x-ray department trial",
    "models made by fine-tuning a pretrained network", "the okay given to the grape classifier, and for what use",
])
def test_other_queries_are_not_questions(query: str) -> None:
    assert questions.match(query) is None


def test_parts_are_cleaned_and_kind_words_narrow() -> None:
    shape, parts = questions.match("Which runs used the output of the job 'clean_patients'?") or (None, {})
    assert shape is not None and shape.name == "used_output" and parts == {"x": "clean_patients"}
    assert questions.narrowed("robust texture feature", questions.DATA_KINDS) == ("robust texture", (K.FEATURE,))
    assert questions.narrowed("texture", questions.DATA_KINDS) == ("texture", questions.DATA_KINDS)


def test_exact_node_reads_keys_refs_and_names_and_blank_text_names_nothing(store: GraphStore) -> None:
    write_world(store)
    asked = [("tumour", (K.MODEL, K.MODEL_VERSION)), ("tumour", (K.MODEL_VERSION, K.MODEL)),
             ("tumour", (K.MODEL_VERSION,)), ("tumour v1", (K.MODEL_VERSION,)), ("Ada Lovelace", (K.PERSON,)),
             ("ada@example.com", (K.PERSON,)), ("", (K.MODEL,)), ("   ", (K.PERSON,)),
             ("no-such-model", (K.MODEL, K.MODEL_VERSION))]
    found = [questions.exact_node(store, text, kinds) for text, kinds in asked]
    assert [None if node is None else node.id for node in found] == [
        w.ONC_MODEL, w.ONC_MODEL, None, w.ONC_MV, ADA, ADA, None, None, None]


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


def test_who_code_behind_and_what_runs_in_production(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    code = "model_version tumour v1 GENERATED_BY run train tumour classifier USED commit " + "a" * 40
    assert answered(service.search("which commit produced tumour v1", limit=3)) == [(COMMIT, code)]
    assert answered(service.search("who changed tumour v1", limit=3)) == [
        (ADA, f"{code} ATTRIBUTED_TO person Ada Lovelace"), (COMMIT, code)]
    live = answered(service.search("what's running in production right now", limit=10))
    assert live == [(CRM_DEPLOY, "deployment churn scoring DEPLOYS model_version churn v1"),
                    (w.CRM_MV, "deployment churn scoring DEPLOYS model_version churn v1"),
                    (w.ONC_DEPLOY, "deployment onc-prod DEPLOYS model_version tumour v1"),
                    (w.ONC_MV, "deployment onc-prod DEPLOYS model_version tumour v1")]
    depends = answered(service.search("what depends on breast cancer (cleaned)", limit=3))
    assert depends[:2] == [(w.ONC_RUN, "run train tumour classifier USED dataset_version breast cancer (cleaned)"),
                           (w.ONC_MV, "model_version tumour v1 GENERATED_BY run train tumour classifier USED "
                                      "dataset_version breast cancer (cleaned)")]
    trained = "model_version tumour v1 GENERATED_BY run train tumour classifier"
    etl = f"{trained} USED dataset_version breast cancer (cleaned) GENERATED_BY run clean patients nightly"
    # The run, the sweep it is a trial of (nearer than the data's run), then the run and job that made its data.
    assert answered(service.search("which run trained tumour v1", limit=4)) == [
        (w.ONC_RUN, trained), (SWEEP, f"{trained} CHILD_OF run tumour sweep"), (ETL_RUN, etl),
        (JOB, f"{etl} INSTANCE_OF job clean_patients")]
    # Another environment: only active deployments count (onc-old, in staging, is retired).
    assert questions.answer("what's deployed in staging", store, lambda text, kinds: None)[:2] == (
        questions.match("what's deployed in staging")[0], [])  # type: ignore[index]
    canary = node_id(K.DEPLOYMENT, "churn-staging")
    store.write([Node(canary, K.DEPLOYMENT, {"environment": "Staging", "status": "active", "project": "crm"})],
                [Edge(canary, w.CRM_MV, E.DEPLOYS)], actor="test")
    assert answered(service.search("which models are running in staging", limit=3)) == [
        (canary, "deployment churn-staging DEPLOYS model_version churn v1"),
        (w.CRM_MV, "deployment churn-staging DEPLOYS model_version churn v1")]
    assert answered(service.search("which model versions have no reviews", limit=3)) == [
        (w.CRM_MV, "model_version churn v1: no reviews")]
    assert [i for i, _ in answered(service.search("models that were never deployed", limit=3))] == []
    reviews = [i for i, _ in answered(service.search("is tumour v1 approved", limit=3))]
    assert reviews == [w.ONC_REVIEW_NEW, w.ONC_REVIEW_OLD]


def test_walk_answers_are_nearest_first_then_newest_then_by_name(store: GraphStore) -> None:
    """One hop's answers never come in the order the store lists edges (it follows ids, random for MLflow's runs)."""
    data = node_id(K.DATASET_VERSION, "orders", "1")
    derived = node_id(K.DATASET_VERSION, "orders-clean", "1")
    # Neither the ids nor the order the edges are written in follow the expected order.
    runs = {name: node_id(K.RUN, "mlflow", ident) for name, ident in
            [("beta", "a1"), ("alpha", "b2"), ("charlie", "c3"), ("delta", "a0"), ("echo", "0e")]}
    started = {"alpha": "2024-03-01T00:00:00+00:00", "beta": "2024-01-01T00:00:00+00:00",
               "echo": "2024-06-01T00:00:00+00:00"}
    store.write(
        [Node(data, K.DATASET_VERSION, {"name": "orders", "version": "1"}),
         Node(derived, K.DATASET_VERSION, {"name": "orders-clean", "version": "1"}),
         *[Node(ident, K.RUN, {"name": name, **({"started_at": started[name]} if name in started else {})})
           for name, ident in runs.items()]],
        [Edge(derived, data, E.DERIVED_FROM), Edge(runs["echo"], derived, E.USED),
         *[Edge(runs[name], data, E.USED) for name in ("delta", "charlie", "alpha", "beta")]], actor="test")
    found = questions.answer("which runs used orders v1", store, lambda text, kinds: store.get_nodes([data])[data])
    assert found is not None and found.shape.name == "used"
    # One hop: the dated runs newest first, then the undated by name; the run two hops away last, though newest.
    assert [a.node.title for a in found.answers] == ["alpha", "beta", "charlie", "delta", "echo"]
    assert found.answers[-1].path == ("run echo USED dataset_version orders-clean DERIVED_FROM "
                                      "dataset_version orders")


def test_versions_by_review_verdict_and_latest_version(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    model = node_id(K.MODEL, "triage")
    versions = {n: node_id(K.MODEL_VERSION, "triage", str(n)) for n in (1, 2, 10)}
    rejection, request = node_id(K.REVIEW, "triage-r1"), node_id(K.REVIEW, "triage-r2")
    store.write([
        Node(model, K.MODEL, {"name": "triage", "project": "onc", "owner": "zoe@example.com"}),
        *(Node(v, K.MODEL_VERSION, {"name": f"triage v{n}", "model": "triage", "version": str(n), "project": "onc"})
          for n, v in versions.items()),
        Node(rejection, K.REVIEW, {"verdict": "rejected", "reviewer": "bob", "at": "2024-03-01T00:00:00Z",
                                   "project": "onc"}),
        Node(request, K.REVIEW, {"verdict": "changes_requested", "reviewer": "eve", "at": "2024-03-02T00:00:00Z",
                                 "project": "onc"}),
    ], [*(Edge(v, model, E.VERSION_OF) for v in versions.values()),
        Edge(rejection, versions[2], E.REVIEWS), Edge(request, versions[10], E.REVIEWS),
        Edge(versions[2], w.ONC_RUN, E.GENERATED_BY)], actor="test")
    assert answered(service.search("which models were rejected", limit=3)) == [
        (versions[2], "model_version triage v2: rejected: no approved review: rejected by bob at "
                      "2024-03-01T00:00:00Z (review:triage-r1)")]
    assert [i for i, _ in answered(service.search("which model versions were approved", limit=5))] == [w.ONC_MV]
    assert {i for i, _ in answered(service.search("which versions failed review", limit=5))} == {
        versions[2], versions[10]}
    # Latest by version number (``graph/refs.py``: NAME alone names the same one), not by text: 10 after 2.
    latest = service.search("what is the latest version of triage?", limit=4)
    assert answered(latest) == [
        (versions[10], "model_version triage v10 VERSION_OF model triage (the latest of 3)"),
        (versions[2], "model_version triage v2 VERSION_OF model triage"),
        (versions[1], "model_version triage v1 VERSION_OF model triage")]
    assert latest.question is not None and latest.question.name == "versions_of"
    # A version named stands for its model.
    assert [i for i, _ in answered(service.search("versions of triage v1", limit=4))] == [
        versions[10], versions[2], versions[1]]
    # "What's new in" one version: against the version numbered just below it.
    new = service.search("what's new in triage v2", limit=3)
    assert new.question is not None and new.question.name == "changed_between"
    assert answered(new)[0] == (w.ONC_RUN, "only in model_version triage v2: model_version triage v2 GENERATED_BY "
                                           "run train tumour classifier")
    # "Who approved / rejected / requested changes on X": the reviews that gave that verdict; "who reviewed": all.
    approval = node_id(K.REVIEW, "triage-r3")
    store.write([Node(approval, K.REVIEW, {"verdict": "approved", "reviewer": "amy", "at": "2024-03-03T00:00:00Z",
                                           "project": "onc"})], [Edge(approval, versions[2], E.REVIEWS)], actor="test")
    for query, expected in (("who approved triage", [approval]), ("who rejected triage", [rejection]),
                            ("who turned down triage", [rejection]),
                            ("which reviewer requested changes on triage", [request]),
                            ("who signed off on triage v2", [approval]), ("who rejected triage v10", []),
                            ("who reviewed triage", [approval, request, rejection]),
                            ("who has vetted triage", [approval, request, rejection])):
        found = service.search(query, limit=5)
        assert found.question is not None and found.question.name == "reviews_of", query
        assert [i for i, _ in answered(found)] == expected, query
    first = service.search("what's new in triage v1", limit=3)  # nothing before it: ranked, not answered
    assert first.question is None and answered(first) == []
    # An owner no person node is: the model answers, saying who its property names.
    assert answered(service.search("who owns triage", limit=3)) == [(model, "model triage; owner: zoe@example.com")]


def test_drifting_deployments_are_those_with_an_open_alert(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    quiet, loud = node_id(K.MONITORING_REPORT, "onc-1"), node_id(K.MONITORING_REPORT, "crm-1")
    old_loud = node_id(K.MONITORING_REPORT, "onc-0")
    store.write([
        # onc-prod: an old critical report, then a quiet one — no open alert.
        Node(old_loud, K.MONITORING_REPORT, {"severity": "critical", "at": "2024-03-01T00:00:00Z", "project": "onc"}),
        Node(quiet, K.MONITORING_REPORT, {"severity": "ok", "at": "2024-04-01T00:00:00Z", "project": "onc"}),
        Node(loud, K.MONITORING_REPORT, {"name": "churn drift", "severity": "critical", "at": "2024-07-01T00:00:00Z",
                                         "project": "crm"}),
    ], [Edge(old_loud, w.ONC_DEPLOY, E.MONITORS), Edge(quiet, w.ONC_DEPLOY, E.MONITORS),
        Edge(loud, CRM_DEPLOY, E.MONITORS)], actor="test")
    path = ("monitoring_report churn drift MONITORS deployment churn scoring DEPLOYS model_version churn v1; "
            "severity critical")
    assert answered(service.search("which models are drifting", limit=5)) == [
        (w.CRM_MV, path), (CRM_DEPLOY, path), (loud, path)]
    assert [i for i, _ in answered(service.search("what is drifting", limit=5))] == [CRM_DEPLOY, w.CRM_MV, loud]
    assert answered(service.search("is tumour v1 drifting", limit=5)) == []
    assert [i for i, _ in answered(service.search("does churn have drift", limit=5))] == [CRM_DEPLOY, w.CRM_MV, loud]
    # Drift asked of production leaves out an alerting deployment elsewhere; asked of none, it counts.
    canary, canary_report = node_id(K.DEPLOYMENT, "churn-canary"), node_id(K.MONITORING_REPORT, "canary-1")
    store.write([
        Node(canary, K.DEPLOYMENT, {"environment": "staging", "status": "active", "project": "crm",
                                    "name": "churn canary"}),
        Node(canary_report, K.MONITORING_REPORT, {"name": "canary drift", "severity": "high",
                                                  "at": "2024-07-02T00:00:00Z", "project": "crm"}),
    ], [Edge(canary, w.CRM_MV, E.DEPLOYS), Edge(canary_report, canary, E.MONITORS)], actor="test")
    everywhere = [i for i, _ in answered(service.search("which deployments are drifting", limit=10))]
    assert everywhere == [CRM_DEPLOY, w.CRM_MV, loud, canary, canary_report]
    for asked in ("drift in production", "which production models are drifting", "which models are drifting in prod"):
        assert {i for i, _ in answered(service.search(asked, limit=10))} == {CRM_DEPLOY, w.CRM_MV, loud}, asked
    # The environment an unapproved deployment is asked of: staging's, not production's.
    assert [i for i, _ in answered(service.search("deployments without approval in staging", limit=10))] == [
        w.CRM_MV, canary]
    assert [i for i, _ in answered(service.search("unapproved models in production", limit=10))] == [
        w.CRM_MV, CRM_DEPLOY]
    # The same rule as the audit's open alerts (governance/facts.py open_alert).
    from modelctx.governance import facts
    assert facts.open_alert(store, store.get_node(w.ONC_DEPLOY)) is None
    assert facts.open_alert(store, store.get_node(CRM_DEPLOY))[0].id == loud  # type: ignore[index]


def test_questions_are_ranked_only_in_hybrid_mode(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    for mode in ("keyword", "vector"):
        assert answered(service.search("in production without approval", mode=mode)) == []


def test_a_scoped_caller_gets_no_other_project_answer(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    onc = ScopedGraphStore(store, "onc")
    for query in ("which models are in production without approval", "runs that used telecom customers v1",
                  "model versions trained on telecom customers v1", "current production model for churn",
                  "deployments of churn", "what changed between tumour v1 and churn v1",
                  "what's running in production right now", "who trained churn v1",
                  "what depends on telecom customers v1", "which models were rejected", "latest version of churn",
                  "what's new in churn v1", "which runs read the data that clean patients nightly wrote",
                  "what is drifting"):
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
