"""Questions about structure in the styles a second round of asking found under-covered (search/questions/): terse
keyword questions ("wine@2 consumers", "tumour lineage", "reviews pending"), auditors' ("show evidence of approval
for X", "deployments lacking review"), platform engineers' ("which deployments are active", "what's serving on the
postal line", "drift in production"), politeness at either end, and a commit named by its message — on every
backend, through the service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search import questions
from modelctx.search.service import SearchService
from modelctx.search.when import split_time
from tests.search import world as w
from tests.search.test_questions import COMMIT, CRM_DEPLOY, ETL_RUN, JOB, SWEEP, answered, write_world

K, E = NodeKind, EdgeType


@pytest.mark.parametrize(("query", "name", "parts"), [
    # terse: a name, then only the words of a shape
    ("wine@2 consumers", "downstream", {"x": "wine@2"}),
    ("breast-cancer@2 users", "downstream", {"x": "breast-cancer@2"}),
    ("digits v1 blast radius", "downstream", {"x": "digits v1"}),
    ("tumour-classifier v3 commits", "code_behind", {"x": "tumour-classifier v3"}),
    ("tumour-classifier deployments", "deployments_of", {"x": "tumour-classifier"}),
    ("digit-reader drift", "drifting", {"x": "digit-reader"}),
    ("tumour-classifier v2 reviews", "reviews_of", {"x": "tumour-classifier v2"}),
    ("iris-demo v1 approval evidence", "reviews_of", {"x": "iris-demo v1"}),
    # terse: plain words, answered only when they name a node exactly
    ("tumour lineage", "upstream", {"exact": "tumour"}),
    ("progression versions", "versions_of", {"exact": "progression"}),
    ("wine consumers", "downstream", {"exact": "wine"}),
    ("cancer optuna study runs", "sweep_trials", {"exact": "cancer optuna study", "subject": "runs"}),
    ("churn drift alerts", "drifting", {"exact": "churn"}),
    # sweeps, tersely
    ("sweep runs", "sweep", {"subject": "runs"}),
    ("optuna study trials", "sweep", {"subject": "trials"}),
    ("the sweep trials", "sweep", {"subject": "trials"}),
    # reviews and approvals, as auditors ask
    ("show evidence of approval for tumour v2", "reviews_of", {"x": "tumour v2"}),
    ("proof of sign-off for digit-reader v2", "reviews_of", {"x": "digit-reader v2"}),
    ("show me the approval evidence for progression v2", "reviews_of", {"x": "progression v2"}),
    ("any record of review for iris-demo v1", "reviews_of", {"x": "iris-demo v1"}),
    ("reviews pending", "versions_without", {"lacking": "reviews"}),
    ("pending approvals", "versions_without", {"lacking": "approvals"}),
    ("list the outstanding sign-offs", "versions_without", {"lacking": "sign-offs"}),
    ("approvals still outstanding", "versions_without", {"lacking": "approvals"}),
    ("deployments lacking review", "unapproved_production", {}),
    ("which models went live without sign-off", "unapproved_production", {"env": "live"}),
    ("which models versions were rejected", "versions_in_state", {"state": "rejected"}),
    # data scientists
    ("which experiments touched breast-cancer", "used", {"x": "breast-cancer"}),
    ("what runs touched wine", "used", {"x": "wine"}),
    ("what was derived from the diabetes progression v1 data", "derived", {"x": "diabetes progression v1 data"}),
    ("what models were trained on the cleaned breast cancer data", "trained_on",
     {"x": "cleaned breast cancer data"}),
    # platform engineers: production, deployments, drift
    ("which deployments are active", "in_production", {"active": "active"}),
    ("active deployments", "in_production", {"active": "active"}),
    ("what's active right now", "in_production", {"active": "active"}),
    ("which model version is in production for tumour", "current_production", {"x": "tumour"}),
    ("what model is live for digit-reader", "current_production", {"x": "digit-reader"}),
    ("is churn used in production", "current_production", {"x": "churn"}),
    ("is tumour-classifier still running in production", "current_production", {"x": "tumour-classifier"}),
    ("what's serving on the postal line", "current_production", {"deployment": "postal line"}),
    ("which version is running behind the radiology pilot", "current_production",
     {"deployment": "radiology pilot"}),
    ("drift in production", "drifting", {"prod": "production"}),
    ("data drift in prod", "drifting", {"prod": "prod"}),
    ("production drift", "drifting", {"prod": "production"}),
    ("which production models are drifting", "drifting", {"subject": "models", "prod": "production"}),
    ("open alerts", "drifting", {}),
    ("any critical alerts", "drifting", {"severity": "critical"}),
    ("high severity alerts in production", "drifting", {"severity": "high", "prod": "production"}),
    # politeness and typing
    ("show me all datasets please", "of_kind", {"kind": "datasets"}),
    ("list all deployments, thanks!", "deployed", {}),
    ("could you show me the lineage of tumour-classifier v2?", "upstream", {"x": "tumour-classifier v2"}),
    ("WHO APPROVED TUMOUR V2", "reviews_of", {"who": "WHO", "verb": "APPROVED", "x": "TUMOUR V2"}),
    ("who reviewed \"tumour v3\"", "reviews_of", {"who": "who", "verb": "reviewed", "x": "tumour v3"}),
    ("runs that used 'digits v1'", "used", {"x": "digits v1"}),
    ("what data was tumour version 3 trained on", "training_data", {"x": "tumour version 3"}),
    ("what data was tumour@3 trained on", "training_data", {"x": "tumour@3"}),
    ("whats live", "in_production", {}),
    ("whos reviewed tumour-classifier v3", "reviews_of",
     {"who": "who's", "verb": "reviewed", "x": "tumour-classifier v3"}),
    ("show me the tumour-classifier lineage please", "upstream", {"x": "tumour-classifier"}),
    ("list all the tumour lineage", "upstream", {"exact": "tumour"}),
    ("who is the approver for digit-reader v2", "reviews_of", {"who": "approver", "x": "digit-reader v2"}),
    ("who put progression v2 live", "deployments_of", {"who": "who", "x": "progression v2"}),
    # lacking, as typed
    ("which versions lack approval", "versions_without", {"lacking": "approval"}),
    ("any models awaiting sign off", "versions_without", {"lacking": "sign off"}),
    ("which versions need review", "versions_without", {"lacking": "review"}),
    ("which model versions are unreviewed", "versions_without", {"lacking": "unreviewed"}),
    ("never deployed models", "versions_without", {"lacking": "deployed"}),
    # retired, drift of X, outputs
    ("what got retired", "deployed", {"retired": "retired"}),
    ("what has been rolled back", "deployed", {"retired": "rolled back"}),
    ("monitoring alerts for tumour-classifier", "drifting", {"x": "tumour-classifier"}),
    ("what models did tumour random forest produce", "outputs_of", {"x": "tumour random forest"}),
    # rollback
    ("rollback candidates", "rollback", {}),
    ("rollback options for tumour-classifier", "rollback", {"x": "tumour-classifier"}),
    ("what can we roll back tumour-classifier to", "rollback", {"x": "tumour-classifier"}),
    ("what can tumour-classifier be rolled back to", "rollback", {"x": "tumour-classifier"}),
    ("previous production version of tumour", "rollback", {"x": "tumour"}),
    ("what was live before tumour-classifier v2", "rollback", {"x": "tumour-classifier v2"}),
    ("last known good version of tumour-classifier", "rollback", {"x": "tumour-classifier"}),
    # a verdict in production; lists of what happened; a commit that names a tuning library is a commit
    ("approved models in production", "versions_in_state", {"state": "approved", "env": "production"}),
    ("which production models are approved", "versions_in_state", {"env": "production", "state": "approved"}),
    ("which reviews happened", "of_kind", {"kind": "reviews"}),
    ("which runs started", "of_kind", {"kind": "runs"}),
    ("which models came from the optuna commit", "trained_on", {"x": "optuna commit"}),
    ("progression v2 code", "code_behind", {"x": "progression v2"}),
    ("which versions of tumour were ever in production", "deployments_of", {"x": "tumour"}),
    ("list all sign-offs", "of_kind", {"kind": "sign-offs"}),
])
def test_asked_wordings_parse(query: str, name: str, parts: dict[str, str]) -> None:
    found = questions.match(query)
    assert found is not None and (found[0].name, found[1]) == (name, parts)


@pytest.mark.parametrize("query", [
    "data lineage", "model lineage", "all the commits", "show me every training run", "rejected reviews",
    "is there drift", "is there drift in production", "the latest versions", "production versions",
])
def test_plain_words_that_name_nothing_make_no_terse_question(query: str) -> None:
    """A kind word or a word of the question is no name: these are ranked, or another shape (never ``exact``)."""
    assert all("exact" not in parts for _, parts in questions.matches(query))


def test_drift_words_are_never_a_model_in_production() -> None:
    assert all(shape.name != "current_production" for shape, _ in questions.matches("drift in production"))


@pytest.mark.parametrize(("question", "rest", "start", "end"), [
    # A year or a month after "from", with no end: that period ("commits from 2024" are 2024's).
    ("what did ana change from 2024", "what did ana change", "2024-01-01", "2024-12-31T23:59:59.999999"),
    ("runs from March 2024", "runs", "2024-03-01", "2024-03-31T23:59:59.999999"),
    ("models during 2023", "models", "2023-01-01", "2023-12-31T23:59:59.999999"),
    # A day after "from" starts a span, as before.
    ("runs from 2024-05-01", "runs", "2024-05-01", None),
    # A span between two dates, years or months: from the first's start to the second's end.
    ("runs from 2024-02 to 2024-04", "runs", "2024-02-01", "2024-04-30T23:59:59.999999"),
    ("what was deployed between March and April 2024", "what was deployed", "2024-03-01",
     "2024-04-30T23:59:59.999999"),
    ("commits from 2023 until 2024-01-15", "commits", "2023-01-01", "2024-01-15T23:59:59.999999"),
    # A month without a year before one with it: of that year.
    ("which models were approved from January to March 2024", "which models were approved", "2024-01-01",
     "2024-03-31T23:59:59.999999"),
    ("runs between December 2023 and February", "runs", "2023-12-01", "2024-02-29T23:59:59.999999"),
])
def test_from_a_period_is_that_period(question: str, rest: str, start: str, end: str | None) -> None:
    def at(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None

    text, window = split_time(question, datetime(2024, 5, 15, 14, 30, tzinfo=UTC))
    assert text == rest
    assert window is not None and (window.start, window.end) == (at(start), at(end))


def test_terse_questions_name_an_entity(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    # A name before the shape's words, resolved as any entity is.
    assert [i for i, _ in answered(service.search(f"{w.ONC_DV} consumers", limit=5))] == [
        w.ONC_RUN, w.ONC_MV, w.ONC_DEPLOY_OLD, w.ONC_DEPLOY]
    # Plain words: only when they name a node exactly ("tumour" is a model's name).
    lineage = service.search("tumour lineage", limit=10)
    assert lineage.question is not None and lineage.question.name == "upstream"
    assert [i for i, _ in answered(lineage)][:3] == [w.ONC_RUN, w.ONC_MODEL, w.ONC_DV]
    assert answered(lineage)[-1] == (JOB, "model_version tumour v1 GENERATED_BY run train tumour classifier USED "
                                          "dataset_version breast cancer (cleaned) GENERATED_BY run clean patients "
                                          "nightly INSTANCE_OF job clean_patients")
    assert answered(service.search("tumour versions", limit=3)) == [
        (w.ONC_MV, "model_version tumour v1 VERSION_OF model tumour")]
    assert answered(service.search("tumour deployments", limit=3)) == [
        (w.ONC_DEPLOY_OLD, "deployment onc-old DEPLOYS model_version tumour v1"),
        (w.ONC_DEPLOY, "deployment onc-prod DEPLOYS model_version tumour v1")]
    # Plain words that name no node exactly are not resolved by a search hit: the query is ranked.
    fuzzy = service.search("tumor classifier lineage", limit=3)
    assert fuzzy.question is None and answered(fuzzy) == []
    # The runs of a sweep named exactly, tersely; every sweep's runs without a name.
    trials = [(w.ONC_RUN, "run train tumour classifier CHILD_OF run tumour sweep"),
              (w.ONC_MV, "model_version tumour v1 GENERATED_BY run train tumour classifier CHILD_OF run tumour sweep")]
    assert answered(service.search("tumour sweep runs", limit=3)) == trials
    assert answered(service.search("sweep runs", limit=3)) == trials
    # A version's runs: not a sweep's (it names no run exactly), so the runs behind it, with their sweep.
    behind = service.search("tumour v1 runs", limit=5)
    assert behind.question is not None and behind.question.name == "runs_behind"
    assert [i for i, _ in answered(behind)] == [w.ONC_RUN, SWEEP, ETL_RUN, JOB]


def test_reviews_pending_and_evidence_of_approval(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    assert answered(service.search("reviews pending", limit=3)) == [(w.CRM_MV, "model_version churn v1: no reviews")]
    assert answered(service.search("show evidence of approval for tumour v1", limit=3)) == [
        (w.ONC_REVIEW_NEW, "review onc-r2 REVIEWS model_version tumour v1"),
        (w.ONC_REVIEW_OLD, "review onc-r1 REVIEWS model_version tumour v1")]
    evidence = service.search("approval evidence for churn v1", limit=3)
    assert evidence.question is not None and evidence.question.name == "reviews_of" and answered(evidence) == []
    # An unreviewed version in production, asked the auditor's way.
    assert [i for i, _ in answered(service.search("deployments lacking review", limit=3))] == [w.CRM_MV, CRM_DEPLOY]


def test_active_anywhere_and_what_a_named_deployment_serves(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    staging = node_id(K.DEPLOYMENT, "crm-staging")
    store.write([Node(staging, K.DEPLOYMENT, {"environment": "staging", "status": "active", "project": "crm",
                                              "name": "churn call-centre line"})],
                [Edge(staging, w.CRM_MV, E.DEPLOYS)], actor="test")
    # Active in any environment; in production only when it says so.
    assert {i for i, _ in answered(service.search("which deployments are active", limit=10))} == {
        staging, CRM_DEPLOY, w.ONC_DEPLOY, w.CRM_MV, w.ONC_MV}
    assert {i for i, _ in answered(service.search("what is running in production", limit=10))} == {
        CRM_DEPLOY, w.ONC_DEPLOY, w.CRM_MV, w.ONC_MV}
    # A deployment named by what it is called: the version it serves, then the deployment.
    assert answered(service.search("what's serving on the call-centre line", limit=3)) == [
        (w.CRM_MV, "deployment churn call-centre line DEPLOYS model_version churn v1"),
        (staging, "deployment churn call-centre line DEPLOYS model_version churn v1")]
    # A retired one serves nothing.
    store.write([Node(w.ONC_DEPLOY_OLD, K.DEPLOYMENT, {"environment": "staging", "status": "retired",
                                                       "project": "onc", "name": "tumour staging line"})], [],
                actor="test")
    retired = service.search("what's running on the tumour staging line", limit=3)
    assert retired.question is not None and retired.question.name == "current_production" and answered(retired) == []
    # "Is X used in production": X's version in production now.
    assert answered(service.search("is churn used in production", limit=3)) == [
        (w.CRM_MV, "deployment churn scoring DEPLOYS model_version churn v1"),
        (CRM_DEPLOY, "deployment churn scoring DEPLOYS model_version churn v1")]
    assert [i for i, _ in answered(service.search("which model version is in production for tumour", limit=3))] == [
        w.ONC_MV, w.ONC_DEPLOY]


def test_drift_in_production_and_open_alerts(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    report = node_id(K.MONITORING_REPORT, "onc-1")
    store.write([Node(report, K.MONITORING_REPORT, {"name": "tumour drift", "severity": "high",
                                                    "at": "2024-07-02T00:00:00Z", "project": "onc"})],
                [Edge(report, w.ONC_DEPLOY, E.MONITORS)], actor="test")
    path = "monitoring_report tumour drift MONITORS deployment onc-prod DEPLOYS model_version tumour v1; severity high"
    for query in ("drift in production", "open alerts", "any high alerts", "tumour drift"):
        assert answered(service.search(query, limit=3)) == [
            (w.ONC_DEPLOY, path), (w.ONC_MV, path), (report, path)], query
    assert answered(service.search("which production models are drifting", limit=3)) == [
        (w.ONC_MV, path), (w.ONC_DEPLOY, path), (report, path)]
    critical = service.search("any critical alerts", limit=3)
    assert critical.question is not None and critical.question.name == "drifting" and answered(critical) == []


def test_a_commit_named_by_its_message_and_what_a_version_adds(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    # The commit's title is its hash; its message names it ("the clip outliers commit").
    assert answered(service.search("which runs used the clip outliers commit", limit=3)) == [
        (w.ONC_RUN, "run train tumour classifier USED commit " + COMMIT.partition(":")[2])]
    assert [i for i, _ in answered(service.search("what models were affected by the clip outliers commit",
                                                  limit=5))] == [w.ONC_RUN, w.ONC_MV, w.ONC_DEPLOY_OLD,
                                                                 w.ONC_DEPLOY]
    # "What's new in" a version whose model is known only by its VERSION_OF edge: against the one numbered below.
    later, retrain = node_id(K.MODEL_VERSION, "churn", "2"), node_id(K.RUN, "sdk", "crm-2")
    store.write([Node(later, K.MODEL_VERSION, {"name": "churn v2", "project": "crm"}),
                 Node(retrain, K.RUN, {"name": "retrain churn model", "project": "crm"})],
                [Edge(later, w.CRM_MODEL, E.VERSION_OF), Edge(later, retrain, E.GENERATED_BY),
                 Edge(retrain, w.CRM_DV, E.USED)], actor="test")
    assert answered(service.search("what's new in churn v2", limit=2)) == [
        (retrain, "only in model_version churn v2: model_version churn v2 GENERATED_BY run retrain churn model"),
        (w.CRM_RUN, "only in model_version churn v1: model_version churn v1 GENERATED_BY run train churn model")]
    assert [i for i, _ in answered(service.search("churn versions", limit=3))] == [later, w.CRM_MV]


def _retrain_tumour(store: GraphStore) -> tuple[str, str]:
    """tumour v2, made by a later run that logged a higher accuracy and a lower recall than tumour v1's."""
    later, retrain = node_id(K.MODEL_VERSION, "tumour", "2"), node_id(K.RUN, "sdk", "onc-2")
    store.write([Node(later, K.MODEL_VERSION, {"name": "tumour v2", "project": "onc"}),
                 Node(retrain, K.RUN, {"name": "retrain tumour", "project": "onc", "started_at": "2024-04-01T00:00:00Z",
                                       "metrics": {"accuracy": 0.95, "recall": 0.85}})],
                [Edge(later, w.ONC_MODEL, E.VERSION_OF), Edge(later, retrain, E.GENERATED_BY),
                 Edge(retrain, w.ONC_DV, E.USED)], actor="test")
    return later, retrain


@pytest.mark.parametrize(("query", "parts"), [
    ("best run for tumour-classifier", {"best": "best", "subject": "run", "x": "tumour-classifier"}),
    ("best tumour run", {"best": "best", "exact": "tumour", "subject": "run"}),
    ("top runs of the cancer optuna study", {"best": "top", "subject": "runs", "x": "cancer optuna study"}),
    ("which run has the best accuracy for tumour", {"subject": "run", "best": "best", "metric": "accuracy",
                                                    "x": "tumour"}),
    ("which run of the cancer optuna study had the highest auc", {"subject": "run", "x": "cancer optuna study",
                                                                   "best": "highest", "metric": "auc"}),
    ("which tumour version has the highest accuracy", {"x": "tumour", "subject": "version", "best": "highest",
                                                       "metric": "accuracy"}),
])
def test_best_run_wordings_parse(query: str, parts: dict[str, str]) -> None:
    found = questions.match(query)
    assert found is not None and (found[0].name, found[1]) == ("best_run", parts)


def test_the_best_runs_by_a_metric(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    later, retrain = _retrain_tumour(store)
    newer = "model_version tumour v2 GENERATED_BY run retrain tumour"
    older = "model_version tumour v1 GENERATED_BY run train tumour classifier"
    # No metric named: the one most runs logged (accuracy and recall both twice: by name), highest first.
    assert answered(service.search("best run for tumour", limit=3)) == [
        (retrain, f"{newer}; accuracy 0.95"), (w.ONC_RUN, f"{older}; accuracy 0.93")]
    assert [i for i, _ in answered(service.search("which run has the highest recall for tumour", limit=3))] == [
        w.ONC_RUN, retrain]
    assert [i for i, _ in answered(service.search("which run had the lowest accuracy for tumour", limit=3))] == [
        w.ONC_RUN, retrain]
    # Asked for versions: each version before the run that made it.
    assert answered(service.search("best tumour version", limit=4)) == [
        (later, f"{newer}; accuracy 0.95"), (retrain, f"{newer}; accuracy 0.95"),
        (w.ONC_MV, f"{older}; accuracy 0.93"), (w.ONC_RUN, f"{older}; accuracy 0.93")]
    # On data: the runs that used it.
    assert [i for i, _ in answered(service.search(f"best runs on {w.ONC_DV}", limit=3))] == [retrain, w.ONC_RUN]
    # A metric no run logged: nothing in the graph answers it.
    none = service.search("which run has the best f1 for tumour", limit=3)
    assert none.question is not None and none.question.name == "best_run" and answered(none) == []


def test_a_smaller_loss_or_error_is_the_better_one() -> None:
    from modelctx.vocabulary import lower_is_better

    assert [lower_is_better(m) for m in ("val_loss", "MAE", "rmse", "accuracy", "auc", "r2")] == [
        True, True, True, False, False, False]


def test_rollback_candidates_once_served_in_production(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    later, _ = _retrain_tumour(store)
    serving = node_id(K.DEPLOYMENT, "onc-prod-2")
    store.write([
        Node(serving, K.DEPLOYMENT, {"environment": "production", "status": "active", "project": "onc",
                                     "name": "onc-prod-2", "deployed_at": "2024-04-02T00:00:00Z"}),
        Node(w.ONC_DEPLOY, K.DEPLOYMENT, {"environment": "production", "status": "retired", "project": "onc",
                                          "retired_at": "2024-04-02T00:00:00Z"}),
    ], [Edge(serving, later, E.DEPLOYS)], actor="test")
    found = service.search("rollback candidates for tumour", limit=3)
    assert found.question is not None and found.question.name == "rollback"
    assert [i for i, _ in answered(found)] == [w.ONC_MV]  # staging's retired deployment is no production
    assert answered(found)[0][1].startswith("deployment onc-prod DEPLOYS model_version tumour v1 (retired); approved")
    for query in ("rollback candidates", "what can we roll back tumour to", "what was in production before tumour v2",
                  "previous production version of tumour"):
        assert [i for i, _ in answered(service.search(query, limit=3))] == [w.ONC_MV], query
    # The version named is no candidate for itself; a model never retired from production has none.
    assert answered(service.search("what was in production before tumour v1", limit=3)) == []
    assert answered(service.search("what can we roll back churn to", limit=3)) == []


def test_a_verdict_in_production_and_what_happened_in_a_month(store: GraphStore, service: SearchService) -> None:
    write_world(store)
    # tumour v1 is approved and in production; churn v1 is in production without a review.
    assert [i for i, _ in answered(service.search("approved models in production", limit=3))] == [w.ONC_MV]
    rejected = service.search("which production models are rejected", limit=3)
    assert rejected.question is not None and rejected.question.name == "versions_in_state" and answered(rejected) == []
    assert [i for i, _ in answered(service.search("which reviews happened in February 2024", limit=3))] == [
        w.ONC_REVIEW_NEW, w.ONC_REVIEW_OLD]
    assert [i for i, _ in answered(service.search("which runs started from January to March 2024", limit=3))] == [
        w.ONC_RUN]
