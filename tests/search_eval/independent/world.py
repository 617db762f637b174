# ruff: noqa: E501  (texts read better unbroken)
"""The independent evaluation world, made only by the real ingestors (see README.md).

A payments / retention / retail-demand company, unlike the demo world
(oncology, wine, diabetes) and the development world (tests/search_eval/world.py):

- data files written to a temporary folder and read by the dataset ingestor;
- a git repository made with the git CLI (three authors, real commits), read
  by the git ingestor;
- OpenLineage RunEvents built with the openlineage-python client objects and
  read by the OpenLineage ingestor (two ETL jobs, their inputs and outputs);
- MLflow runs logged by MLflow itself (a baseline and a nested
  hyperparameter sweep, registered model versions), read by the MLflow ingestor;
- runs tracked with the modelctx SDK (``TrackedRun``) over the git repository;
- reviews and deployments from records files (records ingestor);
- notes through ``modelctx/search/notes.py``.

``build_world(folder)`` returns the store and the map key → node id that the
judgements in ``queries.py`` use. Keys are resolved after the build from what
the ingestors wrote (MLflow run ids are random), so judgements are node ids.
"""

from __future__ import annotations

import os
import random
import subprocess
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from modelctx.client import Client
from modelctx.graph.ids import node_id
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore, open_store

K = NodeKind
PEOPLE = {
    "priya": ("Priya Natarajan", "priya@northwind.example"),
    "tomas": ("Tomas Berg", "tomas@northwind.example"),
    "mei": ("Mei Chen", "mei@northwind.example"),
}
T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


@dataclass(slots=True)
class IndependentWorld:
    store: GraphStore
    client: Client
    ids: dict[str, str]
    home: Path


# -- files ------------------------------------------------------------------------------


def _write_data(folder: Path) -> dict[str, Path]:
    """Synthetic tables (numpy, fixed seeds): what the ingestors read."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    paths: dict[str, Path] = {}

    def save(name: str, frame: Any) -> None:
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
        paths[name] = path

    n = 600
    tx = pd.DataFrame({
        "amount": np.round(rng.lognormal(3.0, 1.0, n), 2),
        "merchant_category": rng.choice(["grocery", "fuel", "cafe", "electronics", "travel"], n),
        "hour": rng.integers(0, 24, n),
        "is_fraud": (rng.random(n) < 0.05).astype(int),
    })
    save("card-transactions/ledger_2025_08", tx)
    enriched = tx.assign(merchant_risk=rng.random(n).round(3), velocity_1h=rng.integers(0, 6, n))
    save("transactions-enriched/enriched_2025_08", enriched)
    accounts = pd.DataFrame({
        "tenure_days": rng.integers(1, 2000, 500), "monthly_fee": np.round(rng.uniform(5, 60, 500), 2),
        "support_tickets": rng.poisson(1.2, 500), "cancelled": (rng.random(500) < 0.2).astype(int),
    })
    save("customer-accounts/accounts_2025_06", accounts.iloc[:350])
    save("customer-accounts/accounts_2025_08", accounts)
    features = accounts[accounts.tenure_days >= 30].assign(
        fee_per_ticket=lambda f: (f.monthly_fee / (1 + f.support_tickets)).round(3))
    save("churn-features/features_2025_08", features)
    days = pd.date_range("2024-01-01", periods=400, freq="D")
    sales = pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "store": rng.choice(["N1", "N2", "S1"], 400),
                          "weekday": days.day_of_week, "holiday": (rng.random(400) < 0.03).astype(int),
                          "units": rng.poisson(120, 400)})
    save("store-sales/sales_2024", sales)
    calls = pd.DataFrame({"call_seconds": rng.integers(20, 1800, 300),
                          "topic": rng.choice(["billing", "outage", "upgrade"], 300)})
    save("call-centre-logs/calls_2025_q2", calls)
    return paths


def _git(repo: Path, who: str, *args: str, when: datetime | None = None) -> str:
    name, email = PEOPLE[who]
    stamp = (when or T0).isoformat()
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name,
           "GIT_COMMITTER_EMAIL": email, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _commit(repo: Path, who: str, file: str, text: str, message: str, day: int) -> str:
    path = repo / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    _git(repo, who, "add", file)
    _git(repo, who, "commit", "-q", "-m", message, when=T0 + timedelta(days=day))
    return _git(repo, who, "rev-parse", "HEAD")


# -- OpenLineage ---------------------------------------------------------------------------


def _etl_events(job: str, description: str, source: Path, target: Path, sha: str, at: datetime) -> list[Any]:
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import documentation_job, source_code_location_job

    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"independent/{job}"))
    facets = {
        "documentation": documentation_job.DocumentationJobFacet(description=description),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://git.northwind.example/ml.git", version=sha),
    }

    def event(state: Any, moment: datetime) -> Any:
        return RunEvent(eventType=state, eventTime=moment.isoformat(), run=Run(runId=run_id),
                        job=Job(namespace="northwind-etl", name=job, facets=facets),
                        producer="https://northwind.example/airflow",
                        inputs=[InputDataset(namespace="file", name=str(source))],
                        outputs=[OutputDataset(namespace="file", name=str(target))])

    return [event(RunState.START, at), event(RunState.COMPLETE, at + timedelta(minutes=7))]


# -- MLflow --------------------------------------------------------------------------------


def _mlflow_runs(root: Path, data: dict[str, Path], shas: dict[str, str]) -> str:
    """The churn experiment logged by MLflow; returns its tracking URI."""
    import mlflow
    import pandas as pd
    from mlflow.tracking import MlflowClient
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("retention-churn", artifact_location=(root / "artifacts").as_uri())
    client.set_experiment_tag(experiment, "mlflow.note.content",
                              "Who is about to cancel their subscription, for the retention team's outreach list.")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    requirements = ["scikit-learn"]
    try:
        old = pd.read_csv(data["customer-accounts/accounts_2025_06"])
        with mlflow.start_run(experiment_id=experiment, run_name="churn logistic baseline"):
            mlflow.set_tags({"mlflow.source.git.commit": shas["init"],
                             "mlflow.note.content": "Plain logistic regression on the June accounts snapshot; "
                                                    "a yardstick for anything fancier."})
            mlflow.log_params({"C": 1.0, "class_weight": "balanced"})
            mlflow.log_input(mlflow.data.from_pandas(old, source=str(data["customer-accounts/accounts_2025_06"]),
                                                     name="accounts-june", targets="cancelled"), context="training")
            x, y = old.drop(columns=["cancelled"]), old["cancelled"]
            mlflow.log_metric("roc_auc", 0.71)
            mlflow.sklearn.log_model(LogisticRegression(max_iter=500).fit(x, y), name="model",
                                     registered_model_name="churn-predictor", pip_requirements=requirements)
        features = pd.read_csv(data["churn-features/features_2025_08"])
        x, y = features.drop(columns=["cancelled"]), features["cancelled"]
        with mlflow.start_run(experiment_id=experiment, run_name="churn gradient boosting sweep"):
            mlflow.set_tags({"mlflow.source.git.commit": shas["tenure"],
                             "mlflow.note.content": "Grid over the learning rate for boosted trees; the best "
                                                    "trial is registered."})
            for rate, auc in ((0.05, 0.78), (0.1, 0.81), (0.3, 0.76)):
                with mlflow.start_run(experiment_id=experiment, run_name=f"sweep trial lr={rate}", nested=True):
                    mlflow.set_tags({"mlflow.source.git.commit": shas["tenure"]})
                    mlflow.log_params({"learning_rate": rate, "n_estimators": 150})
                    mlflow.log_input(mlflow.data.from_pandas(
                        features, source=str(data["churn-features/features_2025_08"]), name="churn-features",
                        targets="cancelled"), context="training")
                    mlflow.log_metric("roc_auc", auc)
                    if rate == 0.1:
                        model = GradientBoostingClassifier(learning_rate=rate, n_estimators=20, random_state=0)
                        mlflow.sklearn.log_model(model.fit(x, y), name="model",
                                                 registered_model_name="churn-predictor",
                                                 pip_requirements=requirements,
                                                 skops_trusted_types=["sklearn.tree._tree.Tree"])
    finally:
        mlflow.set_tracking_uri(previous)
    client.update_registered_model("churn-predictor", description="Scores each subscriber's chance of leaving "
                                                                 "within the next billing cycle.")
    return uri


# -- SDK runs ----------------------------------------------------------------------------------


def _sdk_run(client: Client, *, project: str, name: str, model_name: str, data: Path, target: str,
             estimator: Any, params: dict[str, Any], code: Path, note: str) -> str:
    import pandas as pd

    from modelctx.training.tracking import TrackedRun

    frame = pd.read_csv(data)
    x = frame.drop(columns=[target] if target else []).select_dtypes("number")
    with TrackedRun(client, project=project, name=name, code_path=code, description=note) as run:
        run.use(data, role="training")
        run.log_params(params)
        if target:
            estimator.fit(x, frame[target])
        else:
            estimator.fit(x)
        run.log_metric("score", 0.8)
        run.note(note)
        version = run.log_model(estimator, model_name, description=note)
    return version.id


# -- the world ---------------------------------------------------------------------------------


REVIEWS = [
    {"model": "fraud-scorer", "version": 1, "reviewer": "Olu Adeyemi", "reviewer_email": "olu@northwind.example",
     "verdict": "approved", "reviewed_at": "2025-09-12T10:00:00+00:00",
     "comment": "Unsupervised scores line up with the chargebacks we already know about. Fine to go live."},
    {"model": "fraud-scorer", "version": 2, "reviewer": "Olu Adeyemi", "reviewer_email": "olu@northwind.example",
     "verdict": "changes_requested", "reviewed_at": "2025-09-26T15:00:00+00:00",
     "comment": "The new velocity signal doubles the declines for corner coffee shops and other tiny merchants. "
                "Recalibrate the threshold per merchant size before this replaces the live scorer."},
    {"model": "churn-predictor", "version": 1, "reviewer": "Sara Lindqvist", "reviewer_email": "sara@northwind.example",
     "verdict": "approved", "reviewed_at": "2025-09-05T09:00:00+00:00",
     "comment": "Good enough as a first outreach list; coefficients are easy to explain to the call centre."},
    {"model": "churn-predictor", "version": 2, "reviewer": "Olu Adeyemi", "reviewer_email": "olu@northwind.example",
     "verdict": "approved", "reviewed_at": "2025-09-20T11:00:00+00:00",
     "comment": "Boosted trees lift AUC by ten points on the August snapshot; excluding brand-new sign-ups is justified."},
]
DEPLOYMENTS = [
    {"model": "fraud-scorer", "version": 1, "environment": "production", "endpoint": "https://pay.northwind.example/score",
     "deployed_by": "Priya Natarajan <priya@northwind.example>", "deployed_at": "2025-09-13T07:00:00+00:00"},
    {"model": "fraud-scorer", "version": 2, "environment": "staging", "endpoint": "https://staging.northwind.example/score",
     "deployed_by": "Priya Natarajan <priya@northwind.example>", "deployed_at": "2025-09-25T07:00:00+00:00"},
    {"model": "churn-predictor", "version": 1, "environment": "production",
     "endpoint": "https://crm.northwind.example/churn", "deployed_by": "Tomas Berg <tomas@northwind.example>",
     "deployed_at": "2025-09-06T07:00:00+00:00", "retired_at": "2025-09-21T07:00:00+00:00"},
    {"model": "churn-predictor", "version": 2, "environment": "production",
     "endpoint": "https://crm.northwind.example/churn", "deployed_by": "Tomas Berg <tomas@northwind.example>",
     "deployed_at": "2025-09-21T07:00:00+00:00"},
    {"model": "demand-forecaster", "version": 1, "environment": "production",
     "endpoint": "https://supply.northwind.example/forecast", "deployed_by": "Mei Chen <mei@northwind.example>",
     "deployed_at": "2025-09-18T07:00:00+00:00"},
]
DATASETS = {
    "card-transactions": ("payments", "Nightly ledger export: one row per card authorisation with the amount, the "
                                      "merchant category and the hour of day; chargebacks label the fraud column."),
    "transactions-enriched": ("payments", None),
    "customer-accounts": ("retention", "Subscriber table from the CRM: tenure, monthly fee and support tickets; "
                                       "the August snapshot was taken after the billing-system migration."),
    "churn-features": ("retention", None),
    "store-sales": ("supply", "Daily units sold per store since January 2024, from the point-of-sale system."),
    "call-centre-logs": ("retention", "Duration and topic of inbound support calls, second quarter of 2025; "
                                      "collected for staffing, not yet used by any model."),
}


@contextmanager
def seeded_uuid4(seed: int = 15) -> Iterator[None]:
    """``uuid.uuid4`` drawn from a seeded generator while the world is built.

    MLflow (its SQL store) and the SDK (``modelctx/training/tracking.py``) name
    runs and notes with ``uuid.uuid4()``; with this, every build writes the
    same ids, so ties in ranking and the order of equal answers break the same
    way on every run of bench/search_quality.py (the texts were the same already).
    """
    generator = random.Random(seed)
    original = uuid.uuid4
    uuid.uuid4 = lambda: uuid.UUID(int=generator.getrandbits(128), version=4)  # type: ignore[assignment]
    try:
        yield
    finally:
        uuid.uuid4 = original  # type: ignore[assignment]


def build_world(folder: Path) -> IndependentWorld:
    """Build the world into a new SQLite store under ``folder``, the same on every build (:func:`seeded_uuid4`)."""
    with seeded_uuid4():
        return _build_world(folder)


def _build_world(folder: Path) -> IndependentWorld:
    from sklearn.ensemble import GradientBoostingClassifier, IsolationForest
    from sklearn.linear_model import Ridge

    from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor
    from modelctx.ingest.git import GitConfig, GitIngestor
    from modelctx.ingest.mlflow import MlflowConfig, MlflowIngestor
    from modelctx.ingest.openlineage import OpenLineageIngestor
    from modelctx.ingest.records import RecordsConfig, RecordsIngestor
    from modelctx.ingest.runner import run_ingest
    from modelctx.search.notes import attach_note
    from modelctx.settings import Settings

    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{folder / 'graph.db'}")
    client = Client(store, Settings(home=home), "eval")
    data = _write_data(folder / "data")

    def ingest(ingestor: Any) -> None:
        run_ingest(store, ingestor, actor="eval")

    for name in DATASETS:
        project, description = DATASETS[name]
        ingest(DatasetIngestor(DatasetConfig(path=folder / "data" / name, name=name, description=description,
                                             project=project), store))

    repo = folder / "ml-repo"
    repo.mkdir()
    _git(repo, "mei", "init", "-q", "-b", "main")
    shas = {
        "init": _commit(repo, "mei", "train/common.py", "SEED = 7\n", "Initial training scripts for the three model families", 0),
        "tenure": _commit(repo, "tomas", "train/churn.py", "MIN_TENURE_DAYS = 30\n",
                          "Drop customers with fewer than 30 days of tenure from the churn training set", 2),
        "enrich": _commit(repo, "priya", "etl/enrich.py", "JOIN = 'merchant_registry'\n",
                          "Join merchant registry to add category risk and country to each authorisation", 3),
        "seasonality": _commit(repo, "mei", "train/demand.py", "SEASONS = ('weekly', 'holidays')\n",
                               "Switch demand model to weekly seasonality with a holiday calendar", 5),
    }

    # ETL: raw ledger → enriched transactions; August accounts → churn features (OpenLineage)
    events = [
        *_etl_events("enrich_transactions", "Adds merchant risk and card velocity columns to the nightly ledger.",
                     data["card-transactions/ledger_2025_08"], data["transactions-enriched/enriched_2025_08"],
                     shas["enrich"], T0 + timedelta(days=3, hours=2)),
        *_etl_events("build_churn_features", "Filters short-tenure subscribers and derives fee-per-ticket.",
                     data["customer-accounts/accounts_2025_08"], data["churn-features/features_2025_08"],
                     shas["tenure"], T0 + timedelta(days=3, hours=4)),
    ]
    from openlineage.client.serde import Serde

    lines = folder / "lineage.jsonl"
    lines.write_text("".join(str(Serde.to_json(e)) + "\n" for e in events), encoding="utf-8")
    ingest(OpenLineageIngestor(lines, base_dir=folder, project=None))

    # SDK runs over the repository as it is at each point
    fraud_1 = _sdk_run(client, project="payments", name="fraud isolation forest", model_name="fraud-scorer",
                       data=data["transactions-enriched/enriched_2025_08"], target="",
                       estimator=IsolationForest(n_estimators=50, random_state=0), params={"contamination": 0.05},
                       code=repo, note="Unlabelled outlier scoring of authorisations; no fraud labels used.")
    shas["velocity"] = _commit(repo, "priya", "train/fraud.py", "WINDOW = '1h'\n",
                               "Add velocity features: authorisations per card per merchant in the last hour", 8)
    shas["cap"] = _commit(repo, "priya", "train/fraud.py", "WINDOW = '1h'\nCAP = 0.999\n",
                          "Cap transaction amounts at the 99.9th percentile before scaling", 9)
    fraud_2 = _sdk_run(client, project="payments", name="fraud gradient boosting with velocity",
                       model_name="fraud-scorer", data=data["transactions-enriched/enriched_2025_08"],
                       target="is_fraud", estimator=GradientBoostingClassifier(n_estimators=20, random_state=0),
                       params={"n_estimators": 20, "max_depth": 3}, code=repo,
                       note="Supervised on chargeback labels with the one-hour velocity counts.")
    demand_1 = _sdk_run(client, project="supply", name="demand ridge weekly", model_name="demand-forecaster",
                        data=data["store-sales/sales_2024"], target="units", estimator=Ridge(alpha=0.5),
                        params={"alpha": 0.5}, code=repo,
                        note="Ridge on day-of-week dummies and the holiday flag; baseline for the replenishment planner.")
    shas["tz"] = _commit(repo, "tomas", "etl/sales.py", "TZ = 'Europe/Stockholm'\n",
                         "Fix timezone bug in sales aggregation: days were split at UTC midnight", 12)
    ingest(GitIngestor(GitConfig(path=repo), store))

    # MLflow: the churn experiment (baseline, and a sweep whose best trial is registered)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        tracking = _mlflow_runs(folder / "mlflow", data, shas)
        ingest(MlflowIngestor(MlflowConfig(tracking_uri=tracking, base_dir=folder, project="retention"), store))

    for kind, records in (("reviews", REVIEWS), ("deployments", DEPLOYMENTS)):
        path = folder / f"{kind}.yaml"
        path.write_text(yaml.safe_dump(records, sort_keys=False))
        ingest(RecordsIngestor(RecordsConfig(path=path, kind=kind), store))  # type: ignore[arg-type]

    notes = {
        "n_fraud_alerts": (fraud_2, "Analysts say the alert queue grew after the staging trial; most of the extra "
                                    "alerts are small cafés with many repeat customers."),
        "n_holidays": (node_id(K.DATASET, "store-sales"), "Public holidays in these sales follow the regional "
                                                           "calendar, not the national one; Midsummer Eve differs by region."),
    }
    ids = _resolve(store, shas, {"mv_fraud_1": fraud_1, "mv_fraud_2": fraud_2, "mv_demand_1": demand_1})
    for key, (target, text) in notes.items():
        ids[key] = attach_note(store, target, text, actor="eval").id
    return IndependentWorld(store, client, ids, home)


def one_node(store: GraphStore, kind: NodeKind, **props: Any) -> str:
    found = store.find_nodes(kind, props)
    if len(found) != 1:
        raise AssertionError(f"expected one {kind.value} with {props}, found {[n.id for n in found]}")
    return found[0].id


def _version_of(store: GraphStore, dataset: str) -> str:
    ids = [e.source for e in store.get_edges([node_id(K.DATASET, dataset)], "in") if e.source.startswith("dataset_version:")]
    if len(ids) != 1:
        raise AssertionError(f"dataset {dataset} has versions {ids}")
    return ids[0]


def _resolve(store: GraphStore, shas: dict[str, str], known: dict[str, str]) -> dict[str, str]:
    """Key → node id for every node the judgements name."""
    ids = dict(known)
    for key, sha in shas.items():
        ids[f"c_{key}"] = node_id(K.COMMIT, sha)
    for key, (name, _) in PEOPLE.items():
        ids[f"p_{key}"] = one_node(store, K.PERSON, name=name)
    ids["p_olu"] = one_node(store, K.PERSON, name="Olu Adeyemi")
    for name in DATASETS:
        short = name.split("-")[0] if name != "transactions-enriched" else "enriched"
        ids[f"ds_{short}"] = node_id(K.DATASET, name)
    for name in ("card-transactions", "transactions-enriched", "churn-features", "store-sales", "call-centre-logs"):
        short = name.split("-")[0] if name != "transactions-enriched" else "enriched"
        ids[f"dv_{short}"] = _version_of(store, name)
    accounts = sorted(e.source for e in store.get_edges([node_id(K.DATASET, "customer-accounts")], "in")
                      if e.source.startswith("dataset_version:"))
    by_file = {store.get_node(i).properties.get("uri", "").rsplit("/", 1)[-1]: i for i in accounts}
    ids["dv_accounts_june"], ids["dv_accounts_aug"] = by_file["accounts_2025_06.csv"], by_file["accounts_2025_08.csv"]
    ids["exp_churn"] = node_id(K.EXPERIMENT, "retention-churn")
    ids["job_enrich"] = node_id(K.JOB, "northwind-etl", "enrich_transactions")
    ids["job_churnfeat"] = node_id(K.JOB, "northwind-etl", "build_churn_features")
    for key, name in (("r_churn_base", "churn logistic baseline"), ("r_sweep", "churn gradient boosting sweep"),
                      ("r_trial_005", "sweep trial lr=0.05"), ("r_trial_01", "sweep trial lr=0.1"),
                      ("r_trial_03", "sweep trial lr=0.3"), ("r_fraud_iforest", "fraud isolation forest"),
                      ("r_fraud_gb", "fraud gradient boosting with velocity"), ("r_demand_ridge", "demand ridge weekly"),
                      ("r_etl_enrich", "enrich_transactions"), ("r_etl_churn", "build_churn_features")):
        ids[key] = one_node(store, K.RUN, name=name)
    for key, model in (("m_fraud", "fraud-scorer"), ("m_churn", "churn-predictor"), ("m_demand", "demand-forecaster")):
        ids[key] = node_id(K.MODEL, model)
    ids["mv_churn_1"] = node_id(K.MODEL_VERSION, "churn-predictor", "1")
    ids["mv_churn_2"] = node_id(K.MODEL_VERSION, "churn-predictor", "2")
    for review in store.iter_nodes(K.REVIEW):
        target = next(e.target for e in store.get_edges([review.id], "out") if e.type.value == "REVIEWS")
        ids["rv_" + _short_version(target)] = review.id
    for deployment in store.iter_nodes(K.DEPLOYMENT):
        target = next(e.target for e in store.get_edges([deployment.id], "out") if e.type.value == "DEPLOYS")
        suffix = "_retired" if deployment.properties.get("retired_at") else ""
        ids["dep_" + _short_version(target) + suffix] = deployment.id
    return ids


def _short_version(version_id: str) -> str:
    model, number = version_id.split(":", 1)[1].rsplit("/", 1)
    return f"{model.split('-')[0]}_{number}"
