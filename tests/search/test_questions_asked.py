"""Questions about structure as a new user typed them on the demo world (search/questions/), beyond the wordings of
tests/search/test_questions.py: drift of a named severity, a name holding in / on / by, what a run produced, the
runs of a sweep or an experiment, what was deployed, and answers kept by the time of the act that makes them one —
on every backend, through the service."""

from __future__ import annotations

import pytest

from modelctx.governance import facts
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search import questions
from modelctx.search.questions.answers import alert_severity
from modelctx.search.service import SearchService
from modelctx.vocabulary import Severity, Verdict
from tests.search import world as w
from tests.search.test_questions import CRM_DEPLOY, SWEEP, answered, write_world

K, E = NodeKind, EdgeType


@pytest.mark.parametrize(("query", "name", "parts"), [
    # lineage
    ("everything downstream of breast-cancer@1", "downstream", {"x": "breast-cancer@1"}),
    ("which dataset version was used to train wine-cultivar v2", "training_data", {"x": "wine-cultivar v2"}),
    ("tumour-classifier v3 inputs", "training_data", {"x": "tumour-classifier v3"}),
    ("which models came from the tumour random forest run", "trained_on", {"x": "tumour random forest run"}),
    ("which models does diabetes@2 feed", "trained_on", {"x": "diabetes@2"}),
    ("what did tumour random forest produce", "outputs_of", {"x": "tumour random forest"}),
    ("what is the output of tumour gradient boosting", "outputs_of", {"x": "tumour gradient boosting"}),
    ("what came out of tumour random forest", "outputs_of", {"x": "tumour random forest"}),
    ("upstream lineage of tumour-classifier v2", "upstream", {"x": "tumour-classifier v2"}),
    ("downstream lineage of breast-cancer@2", "downstream", {"x": "breast-cancer@2"}),
    ("everything that went into diabetes-progression v1", "upstream", {"x": "diabetes-progression v1"}),
    ("which models would need retraining if wine@2 changed", "downstream", {"x": "wine@2"}),
    ("which model versions have been approved by Grace Hopper", "person_did",
     {"noun": "versions", "verb": "approved", "person": "Grace Hopper"}),
    ("what did the texture_mean_robust feature feed into", "downstream", {"x": "texture_mean_robust feature"}),
    ("what models were affected by the leak fix commit", "downstream", {"x": "leak fix commit"}),
    ("which datasets are derived from breast cancer raw export", "derived", {"x": "breast cancer raw export"}),
    ("iris-demo v1 approval status", "reviews_of", {"x": "iris-demo v1"}),
    ("what alerts are open", "drifting", {}),
    ("which production models have high drift", "drifting",
     {"subject": "models", "severity": "high", "prod": "production"}),
    # who
    ("which reviewer rejected wine-cultivar v1", "reviews_of",
     {"who": "which reviewer", "verb": "rejected", "x": "wine-cultivar v1"}),
    ("who requested changes on tumour-classifier v3", "reviews_of",
     {"who": "who", "verb": "requested changes on", "x": "tumour-classifier v3"}),
    ("who put tumour-classifier v2 into production", "deployments_of", {"who": "who", "x": "tumour-classifier v2"}),
    ("which versions does Grace Hopper approve", "person_did",
     {"noun": "versions", "person": "Grace Hopper", "verb": "approve"}),
    # production, deployments
    ("which models are in staging right now", "in_production", {"env": "staging"}),
    ("which model is serving production traffic for tumour-classifier", "current_production",
     {"x": "tumour-classifier"}),
    ("what was deployed to staging", "deployed", {"env": "staging"}),
    ("which models were deployed", "deployed", {}),
    ("recent deployments", "deployed", {}),
    ("which deployments happened", "deployed", {}),
    ("which versions were deployed without approval", "unapproved_production", {}),
    ("which production models are missing approval", "unapproved_production", {"env": "production"}),
    # review states and what is lacking
    ("which versions are still awaiting review", "versions_without", {"lacking": "review"}),
    ("which versions are not deployed anywhere", "versions_without", {"lacking": "deployed"}),
    ("what got rejected", "versions_in_state", {"state": "rejected"}),
    # unused data
    ("which dataset versions are unused", "untrained_datasets", {}),
    ("which datasets have no downstream models", "untrained_datasets", {}),
    # changes between versions
    ("what's different between tumour-classifier@2 and tumour-classifier@3", "changed_between",
     {"a": "tumour-classifier@2", "b": "tumour-classifier@3"}),
    ("what's the difference between tumour v2 and tumour v3", "changed_between", {"a": "tumour v2", "b": "tumour v3"}),
    # sweeps and experiments
    ("what runs came out of the cancer optuna study", "sweep", {"subject": "runs"}),
    ("what was the best trial of the sweep", "sweep", {"subject": "trial"}),
    ("which trials belong to the optuna study", "sweep_trials", {"subject": "trials", "x": "optuna study"}),
    ("which runs are children of cancer optuna study", "sweep_trials",
     {"subject": "runs", "x": "cancer optuna study"}),
    ("runs in the churn experiment", "sweep_trials", {"subject": "runs", "x": "churn experiment"}),
    ("how many trials did tumour sweep have", "sweep_trials", {"subject": "trials", "x": "tumour sweep"}),
    ("which sweep produced tumour v1", "runs_behind", {"x": "tumour v1"}),
    ("what is the hyperparameter search behind tumour v1", "runs_behind", {"x": "tumour v1"}),
    # drift, of a severity
    ("which deployments have critical drift alerts", "drifting", {"subject": "deployments", "severity": "critical"}),
    ("critical drift", "drifting", {"severity": "critical"}),
    ("warning-level drift", "drifting", {"severity": "warning"}),
    ("show me severe drift alerts", "drifting", {"severity": "severe"}),
    ("which deployments have high severity drift", "drifting", {"subject": "deployments", "severity": "high"}),
    ("is there critical drift in production", "drifting", {"severity": "critical", "prod": "production"}),
    ("which models have drift warnings", "drifting", {"subject": "models"}),
    ("any drift on tumour-classifier", "drifting", {"x": "tumour-classifier"}),
    ("what is the drift on tumour", "drifting", {"x": "tumour"}),
    ("what changed since tumour-classifier v2", "changed_between", {"since": "tumour-classifier v2"}),
    ("which features changed between progression v1 and v2", "changed_between",
     {"kind": "features", "a": "progression v1", "b": "v2"}),
    ("which commits are between tumour v2 and tumour v3", "changed_between",
     {"kind": "commits", "a": "tumour v2", "b": "tumour v3"}),
    ("show the diff between tumour v2 and tumour v3", "changed_between", {"a": "tumour v2", "b": "tumour v3"}),
    ("what was reviewed", "reviewed", {}),
    ("recent reviews", "reviewed", {}),
    ("what was trained", "trained", {}),
    ("which models were retrained", "trained", {}),
    ("which models drifted", "drifting", {"subject": "models"}),
    ("who is responsible for tumour-classifier", "who", {"x": "tumour-classifier"}),
    # a name holding in / on / by: read whole, answered only when it names a node exactly
    ("versions of scored on holdout", "versions_of", {"exact": "scored on holdout"}),
    ("latest version of sales-in-2024", "versions_of", {"exact": "sales-in-2024"}),
    # "how many" opens any question a "which" opens; "do we have" asks what is in production
    ("how many runs used breast-cancer", "used", {"x": "breast-cancer"}),
    ("how many models were rejected", "versions_in_state", {"state": "rejected"}),
    ("how many datasets are unused", "untrained_datasets", {}),
    ("what models do we have in production", "in_production", {}),
    ("which models does the team have in production", "in_production", {}),
    ("how many models are in production", "in_production", {}),
    # retired deployments
    ("which deployments are retired", "deployed", {"retired": "retired"}),
    ("which models were rolled back", "deployed", {"retired": "rolled back"}),
    ("retired deployments", "deployed", {"retired": "retired"}),
    ("which models were retired from production", "deployed", {"retired": "retired", "env": "production"}),
    # the environment behind X
    ("which environment did tumour-classifier v2 run in", "environment_of", {"x": "tumour-classifier v2"}),
    ("what python version was wine-cultivar v1 trained with", "environment_of", {"x": "wine-cultivar v1"}),
    ("which packages did the tumour gradient boosting run use", "environment_of",
     {"x": "tumour gradient boosting run"}),
    ("environment of tumour-classifier v2", "environment_of", {"x": "tumour-classifier v2"}),
    ("tumour-classifier v2 environment", "environment_of", {"x": "tumour-classifier v2"}),
    # is X used: what is downstream of it
    ("is the wine draft used anywhere", "downstream", {"x": "wine draft"}),
    ("is breast-cancer@1 still used", "downstream", {"x": "breast-cancer@1"}),
    ("are the iris features used by any models", "downstream", {"x": "iris features"}),
    ("does anything use breast-cancer", "downstream", {"x": "breast-cancer"}),
    # reviews by the verdict they gave
    ("which reviews were rejections", "reviews_in_state", {"state": "rejections"}),
    ("rejected reviews", "reviews_in_state", {"state": "rejected"}),
    ("reviews that requested changes", "reviews_in_state", {"state": "requested changes"}),
    ("which reviews turned down a model", "reviews_in_state", {"state": "turned down"}),
    ("show me all approving reviews", "reviews_in_state", {"state": "approving"}),
    ("which reviews were approved by Grace", "person_did", {"noun": "reviews", "verb": "approved", "person": "Grace"}),
    # a list of one kind, last of all shapes
    ("list all datasets", "of_kind", {"kind": "datasets"}),
    ("show me every training run", "of_kind", {"kind": "training run"}),
    ("which runs do we have", "of_kind", {"kind": "runs"}),
    ("which runs ran", "of_kind", {"kind": "runs"}),
    ("how many models are there", "of_kind", {"kind": "models"}),
    ("all the commits", "of_kind", {"kind": "commits"}),
    ("what experiments exist", "of_kind", {"kind": "experiments"}),
    ("list the deployments", "deployed", {}),  # a shape above says more
    ("which models were trained", "trained", {}),
])
def test_asked_wordings_parse(query: str, name: str, parts: dict[str, str]) -> None:
    found = questions.match(query)
    assert found is not None and (found[0].name, found[1]) == (name, parts)


@pytest.mark.parametrize("query", ["runs", "datasets", "the runs", "runs of tumour", "which runs used breast-cancer"])
def test_a_bare_kind_word_is_no_list(query: str) -> None:
    assert all(shape.name != "of_kind" for shape, _ in questions.matches(query))


def test_the_environment_a_version_was_trained_in(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    env = node_id(K.ENVIRONMENT, "e" * 64)
    store.write([Node(env, K.ENVIRONMENT, {"name": "python 3.11.7 (181 packages)", "python": "3.11.7"})],
                [Edge(w.ONC_RUN, env, E.USED)], actor="test")
    found = service.search("which environment did tumour v1 run in", limit=3)
    assert found.question is not None and found.question.name == "environment_of"
    assert answered(found) == [(env, "model_version tumour v1 GENERATED_BY run train tumour classifier USED "
                                     "environment python 3.11.7 (181 packages)")]
    assert answered(service.search("which environment did churn v1 run in", limit=3)) == []


def test_retired_deployments_are_those_no_longer_active(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    retired = [i for i, _ in answered(service.search("which deployments are retired", limit=10))]
    assert retired == [w.ONC_DEPLOY_OLD, w.ONC_MV]
    assert answered(service.search("which models were retired from production", limit=10)) == []
    assert [i for i, _ in answered(service.search("which models were rolled back from staging", limit=10))] == [
        w.ONC_DEPLOY_OLD, w.ONC_MV]


def test_is_x_used_answers_what_is_downstream_of_it(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    used = answered(service.search(f"is {w.ONC_DV} used anywhere", limit=10))
    assert used and used == answered(service.search(f"what is downstream of {w.ONC_DV}", limit=10))
    assert used[0][0] == w.ONC_RUN


def test_reviews_by_the_verdict_they_gave(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    rejection = node_id(K.REVIEW, "crm-r9")
    store.write([Node(rejection, K.REVIEW, {"verdict": "rejected", "reviewer": "bob", "at": "2024-07-01T00:00:00Z",
                                            "project": "crm"})], [Edge(rejection, w.CRM_MV, E.REVIEWS)], actor="test")
    assert answered(service.search("which reviews were rejections", limit=5)) == [
        (rejection, "review crm-r9 REVIEWS model_version churn v1")]
    approvals = [i for i, _ in answered(service.search("approved reviews", limit=5))]
    assert approvals and all(
        facts.verdict_of(n) is Verdict.APPROVED for n in store.get_nodes(approvals).values())
    assert rejection not in approvals and w.ONC_REVIEW_NEW in approvals


def test_a_list_of_one_kind_newest_first_in_the_time_asked(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    everything = service.search("which runs do we have", limit=10)
    assert everything.question is not None and everything.question.name == "of_kind"
    runs = [i for i, _ in answered(everything)]
    assert runs[:2] == [w.CRM_RUN, w.ONC_RUN]  # by started_at, newest first; runs with no time come after
    assert set(runs) == {w.CRM_RUN, w.ONC_RUN, node_id(K.RUN, "openlineage", "etl-1"), SWEEP}
    assert answered(everything)[0] == (w.CRM_RUN, "run train churn model")
    # A time phrase keeps the runs whose start it holds (search/when.py).
    assert [i for i, _ in answered(service.search("which runs ran in February 2024", limit=10))] == [w.ONC_RUN]
    assert [i for i, _ in answered(service.search("which runs ran in 2023", limit=10))] == []
    # Models record no time of their own: both, in a fixed order.
    assert [i for i, _ in answered(service.search("list all models", limit=10))] == [w.CRM_MODEL, w.ONC_MODEL]
    # In a time, such a node is timed as a ranked hit is: when it first entered the change log (written just now).
    assert [i for i, _ in answered(service.search("which models were added today", limit=10))] == [
        w.CRM_MODEL, w.ONC_MODEL]
    assert answered(service.search("which models were added in 2023", limit=10)) == []
    assert set(service.first_seen([w.CRM_MODEL, "model:nope"])) == {w.CRM_MODEL}


@pytest.mark.parametrize("query", ["is there drift", "is there drift in production"])
def test_drift_without_a_severity_or_a_subject_stays_ranked(query: str) -> None:
    assert questions.match(query) is None


@pytest.mark.parametrize("query", ["which runs are in production", "runs in production", "runs in the staging env"])
def test_an_environment_is_no_sweep_experiment_or_run(query: str) -> None:
    assert all(shape.name not in ("sweep_trials", "runs_behind") for shape, _ in questions.matches(query))


def test_a_severity_as_typed_reads_on_the_monitoring_scale() -> None:
    assert [s for s in Severity if alert_severity("critical")(s)] == [Severity.CRITICAL]
    assert [s for s in Severity if alert_severity("warning")(s)] == [Severity.MEDIUM]
    assert [s for s in Severity if alert_severity("warning-level")(s)] == [Severity.MEDIUM]
    assert [s for s in Severity if alert_severity("severe")(s)] == [Severity.HIGH, Severity.CRITICAL]
    assert [s for s in Severity if alert_severity("minor")(s)] == [Severity.LOW]


def test_drift_of_the_severity_named(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    loud, mild = node_id(K.MONITORING_REPORT, "crm-1"), node_id(K.MONITORING_REPORT, "onc-1")
    store.write([
        Node(loud, K.MONITORING_REPORT, {"name": "churn drift", "severity": "critical", "at": "2024-07-01T00:00:00Z",
                                         "project": "crm"}),
        Node(mild, K.MONITORING_REPORT, {"name": "tumour drift", "severity": "warning", "at": "2024-07-02T00:00:00Z",
                                         "project": "onc"}),
    ], [Edge(loud, CRM_DEPLOY, E.MONITORS), Edge(mild, w.ONC_DEPLOY, E.MONITORS)], actor="test")
    critical = ("monitoring_report churn drift MONITORS deployment churn scoring DEPLOYS model_version churn v1; "
                "severity critical")
    medium = ("monitoring_report tumour drift MONITORS deployment onc-prod DEPLOYS model_version tumour v1; "
              "severity medium")
    assert answered(service.search("which deployments have critical drift alerts", limit=5)) == [
        (CRM_DEPLOY, critical), (w.CRM_MV, critical), (loud, critical)]
    assert answered(service.search("warning-level drift", limit=5)) == [
        (w.ONC_DEPLOY, medium), (w.ONC_MV, medium), (mild, medium)]
    assert [i for i, _ in answered(service.search("severe drift alerts", limit=5))] == [CRM_DEPLOY, w.CRM_MV, loud]
    assert [i for i, _ in answered(service.search("is there critical drift in production", limit=5))] == [
        CRM_DEPLOY, w.CRM_MV, loud]
    # Without a severity: both, most severe first.
    assert [i for i, _ in answered(service.search("which models have drift warnings", limit=6))] == [
        w.CRM_MV, CRM_DEPLOY, loud, w.ONC_MV, w.ONC_DEPLOY, mild]
    assert [i for i, _ in answered(service.search("any drift on tumour", limit=5))] == [w.ONC_DEPLOY, w.ONC_MV, mild]
    nothing = service.search("which models have low severity drift", limit=3)
    assert nothing.question is not None and nothing.question.name == "drifting" and answered(nothing) == []


def test_a_name_holding_in_or_on_is_read_whole_when_it_names_a_node(store: GraphStore,
                                                                       service: SearchService) -> None:
    write_world(store)
    model = node_id(K.MODEL, "scored on holdout")
    first, second = node_id(K.MODEL_VERSION, "scored on holdout", "1"), node_id(K.MODEL_VERSION, "scored on holdout",
                                                                                 "2")
    store.write([
        Node(model, K.MODEL, {"name": "scored on holdout", "project": "onc"}),
        Node(first, K.MODEL_VERSION, {"name": "scored on holdout v1", "model": "scored on holdout", "version": 1,
                                      "project": "onc"}),
        Node(second, K.MODEL_VERSION, {"name": "scored on holdout v2", "model": "scored on holdout", "version": 2,
                                       "project": "onc"}),
    ], [Edge(first, model, E.VERSION_OF), Edge(second, model, E.VERSION_OF)], actor="test")
    assert answered(service.search("versions of scored on holdout", limit=3)) == [
        (second, "model_version scored on holdout v2 VERSION_OF model scored on holdout (the latest of 2)"),
        (first, "model_version scored on holdout v1 VERSION_OF model scored on holdout")]
    assert [i for i, _ in answered(service.search("latest version of scored on holdout", limit=3))] == [second, first]
    # Not a name: the trailing words stay a clause of another question (here none answers it: ranked).
    churn = service.search("versions of churn in production", limit=3)
    assert churn.question is None and answered(churn) == []
    # A model whose versions carry no model property: found by their VERSION_OF edges.
    assert [i for i, _ in answered(service.search("versions of tumour", limit=3))] == [w.ONC_MV]


def test_what_a_run_or_job_produced_and_the_runs_of_a_sweep_or_experiment(store: GraphStore,
                                                                          service: SearchService) -> None:
    write_world(store)
    made = "dataset_version breast cancer (cleaned) GENERATED_BY run clean patients nightly"
    assert answered(service.search("what did clean patients nightly produce", limit=3)) == [(w.ONC_DV, made)]
    assert answered(service.search("what were the outputs of the clean_patients job", limit=3)) == [
        (w.ONC_DV, made + " INSTANCE_OF job clean_patients")]
    assert answered(service.search("which trials belong to tumour sweep", limit=3)) == [
        (w.ONC_RUN, "run train tumour classifier CHILD_OF run tumour sweep"),
        (w.ONC_MV, "model_version tumour v1 GENERATED_BY run train tumour classifier CHILD_OF run tumour sweep")]
    # The sweep behind a version: its run's parent (CHILD_OF), after the run.
    trained = "model_version tumour v1 GENERATED_BY run train tumour classifier"
    assert answered(service.search("which sweep produced tumour v1", limit=2)) == [
        (w.ONC_RUN, trained), (SWEEP, f"{trained} CHILD_OF run tumour sweep")]
    experiment = node_id(K.EXPERIMENT, "churn-experiments")
    store.write([Node(experiment, K.EXPERIMENT, {"name": "churn experiments", "project": "crm"})],
                [Edge(w.CRM_RUN, experiment, E.PART_OF)], actor="test")
    assert answered(service.search("which runs were logged to the churn experiments experiment", limit=3)) == [
        (w.CRM_RUN, "run train churn model PART_OF experiment churn experiments"),
        (w.CRM_MV, "model_version churn v1 GENERATED_BY run train churn model PART_OF experiment churn experiments")]
    assert answered(service.search("which run trained churn v1", limit=3)) == [
        (w.CRM_RUN, "model_version churn v1 GENERATED_BY run train churn model"),
        (experiment, "model_version churn v1 GENERATED_BY run train churn model PART_OF experiment churn experiments")]
    assert answered(service.search("what came out of churn experiments", limit=3)) == [
        (w.CRM_MV, "model_version churn v1 GENERATED_BY run train churn model PART_OF experiment churn experiments")]


def test_what_was_reviewed_or_trained_changes_since_a_version_and_who_is_responsible(
        store: GraphStore, service: SearchService) -> None:
    write_world(store)
    later, retrain = node_id(K.MODEL_VERSION, "churn", "2"), node_id(K.RUN, "sdk", "crm-2")
    store.write([
        Node(w.CRM_MV, K.MODEL_VERSION, {"name": "churn v1", "model": "churn", "version": 1, "project": "crm"}),
        Node(later, K.MODEL_VERSION, {"name": "churn v2", "model": "churn", "version": 2, "project": "crm"}),
        Node(retrain, K.RUN, {"name": "retrain churn model", "project": "crm"}),
    ], [Edge(later, w.CRM_MODEL, E.VERSION_OF), Edge(later, retrain, E.GENERATED_BY),
        Edge(retrain, w.CRM_DV, E.USED)], actor="test")
    # Since v1: up to the model's latest version, v2 (the data is the same; the runs differ).
    assert answered(service.search("what changed since churn v1", limit=3)) == [
        (retrain, "only in model_version churn v2: model_version churn v2 GENERATED_BY run retrain churn model"),
        (w.CRM_RUN, "only in model_version churn v1: model_version churn v1 GENERATED_BY run train churn model")]
    # Only the kind named.
    assert answered(service.search("which runs changed between churn v1 and churn v2", limit=3)) == [
        (retrain, "only in model_version churn v2: model_version churn v2 GENERATED_BY run retrain churn model"),
        (w.CRM_RUN, "only in model_version churn v1: model_version churn v1 GENERATED_BY run train churn model")]
    assert answered(service.search("which datasets changed between churn v1 and churn v2", limit=3)) == []
    # The reviews, newest first (February 20th, then 12th of 2024), each after the version it reviews.
    reviewed = answered(service.search("what was reviewed in February 2024", limit=3))
    assert reviewed == [(w.ONC_MV, "review onc-r2 REVIEWS model_version tumour v1"),
                        (w.ONC_REVIEW_NEW, "review onc-r2 REVIEWS model_version tumour v1"),
                        (w.ONC_REVIEW_OLD, "review onc-r1 REVIEWS model_version tumour v1")]
    assert answered(service.search("what was reviewed in 2023", limit=3)) == []
    # What was trained in June 2024: churn v1, by its run (the version itself records no time).
    assert answered(service.search("what was trained in June 2024", limit=3)) == [
        (w.CRM_MV, "model_version churn v1 GENERATED_BY run train churn model"),
        (w.CRM_RUN, "model_version churn v1 GENERATED_BY run train churn model")]
    # Derived from a dataset version: what a run made from it (the tests/search/test_questions.py world: the ETL
    # run's output is not downstream of the data it cleaned, so breast cancer's dataset has none).
    feature = node_id(K.FEATURE, "cancer", "texture_robust")
    store.write([Node(feature, K.FEATURE, {"name": "texture robust", "project": "onc"})],
                [Edge(feature, w.ONC_DV, E.DERIVED_FROM)], actor="test")
    assert answered(service.search("which features are derived from breast cancer (cleaned)", limit=3)) == [
        (feature, "feature texture robust DERIVED_FROM dataset_version breast cancer (cleaned)")]
    # "Who is responsible for X" names no verb: who owns it (here nobody is named: the model itself).
    assert answered(service.search("who is responsible for churn", limit=2)) == [(w.CRM_MODEL, "model churn")]


def test_deployed_anywhere_and_answers_kept_by_the_time_of_their_act(store: GraphStore,
                                                                      service: SearchService) -> None:
    write_world(store)
    staging = node_id(K.DEPLOYMENT, "crm-staging")
    store.write([
        Node(staging, K.DEPLOYMENT, {"environment": "staging", "status": "active", "project": "crm",
                                     "name": "churn staging", "deployed_at": "2024-05-01T00:00:00Z"}),
        Node(CRM_DEPLOY, K.DEPLOYMENT, {"environment": "production", "status": "active", "project": "crm",
                                        "name": "churn scoring", "deployed_at": "2024-06-15T00:00:00Z"}),
    ], [Edge(staging, w.CRM_MV, E.DEPLOYS)], actor="test")
    # "deployed" without production: any active deployment; production named: production only.
    anywhere = service.search("which versions were deployed without approval", limit=6)
    assert [i for i, _ in answered(anywhere)] == [w.CRM_MV, CRM_DEPLOY, staging]
    assert [i for i, _ in answered(service.search("which production models are missing approval", limit=6))] == [
        w.CRM_MV, CRM_DEPLOY]
    # What was deployed: active or retired, newest first; to an environment named.
    to_staging = service.search("what was deployed to staging", limit=6)
    assert [i for i, _ in answered(to_staging)] == [staging, w.CRM_MV, w.ONC_DEPLOY_OLD, w.ONC_MV]
    assert answered(to_staging)[0] == (staging, "deployment churn staging DEPLOYS model_version churn v1")
    # A version deployed in May 2024 is kept by its deployment's time, not its own (it records none).
    may = service.search("which models were deployed in May 2024", limit=4)
    assert [i for i, _ in answered(may)] == [staging, w.CRM_MV]
    assert may.reads_as == "every deployment, active or retired (to a named environment), and the version it " \
                           "serves (in May 2024)"
    # A version approved in February 2024 is kept by the review in force, whatever the version's own time.
    assert [i for i, _ in answered(service.search("which models were approved in 2024", limit=3))] == [w.ONC_MV]
    assert answered(service.search("which models were approved in 2023", limit=3)) == []
    # Production now, asked with a time: the deployment's.
    assert [i for i, _ in answered(service.search("what is running in production in June 2024", limit=4))] == [
        CRM_DEPLOY, w.CRM_MV]
