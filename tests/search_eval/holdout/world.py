# ruff: noqa: E501  (texts read better unbroken)
"""The held-out evaluation world, made only by the real ingestors (see README.md).

An electricity distribution utility (smart metering, feeder load, outages),
unlike the demo world (oncology, wine, diabetes), the development world
(tests/search_eval/world.py) and the independent world
(tests/search_eval/independent/world.py):

- data files written to a temporary folder and read by the dataset ingestor;
- a git repository made with the git CLI (three authors, eight commits), read
  by the git ingestor;
- OpenLineage RunEvents built with the openlineage-python client objects and
  read by the OpenLineage ingestor (two ETL jobs, their inputs and outputs);
- MLflow runs logged by MLflow itself (a baseline and a nested tree-depth
  sweep, two registered model versions), read by the MLflow ingestor;
- runs tracked with the modelctx SDK (``TrackedRun``) over the git repository;
- reviews and deployments from records files (records ingestor);
- notes through ``modelctx/search/notes.py``.

``build_world(folder)`` returns the store and the map key → node id that the
judgements in ``queries.py`` use; keys are resolved after the build from what
the ingestors wrote, so judgements are node ids.
"""

from __future__ import annotations

import os
import subprocess
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from modelctx.client import Client
from modelctx.graph.ids import node_id
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.search_eval.independent.world import one_node, seeded_uuid4

K = NodeKind
PEOPLE = {
    "kwame": ("Kwame Mensah", "kwame.mensah@gridwell.example"),
    "lucia": ("Lucia Ortega", "lucia.ortega@gridwell.example"),
    "dmitri": ("Dmitri Volkov", "dmitri.volkov@gridwell.example"),
}
T0 = datetime(2025, 10, 6, 9, 30, tzinfo=UTC)
#: The seed of :func:`seeded_uuid4` for this world (the independent world uses its default).
SEED = 61


@dataclass(slots=True)
class HoldoutWorld:
    store: GraphStore
    client: Client
    ids: dict[str, str]
    home: Path


# -- files ------------------------------------------------------------------------------


def _write_data(folder: Path) -> dict[str, Path]:
    """Synthetic tables (numpy, fixed seeds): what the ingestors read."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(61)
    paths: dict[str, Path] = {}

    def save(name: str, frame: Any) -> None:
        path = folder / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
        paths[name] = path

    meters = [f"M{n:05d}" for n in range(40)]
    reads = pd.DataFrame({
        "meter_id": rng.choice(meters, 800),
        "interval_start": pd.date_range("2025-03-01", periods=800, freq="15min").strftime("%Y-%m-%dT%H:%M"),
        "kwh": np.round(rng.normal(0.18, 0.12, 800), 3),
    })
    save("smart-meter-readings/reads_2025_03", reads)
    profiles = pd.DataFrame({
        "meter_id": meters * 5,
        "kwh_total": np.round(rng.gamma(4.0, 2.5, 200), 2),
        "reverse_flow_streak": rng.integers(0, 9, 200),
        "zero_streak": rng.integers(0, 5, 200),
        "history_days": rng.integers(10, 900, 200),
        "tamper_confirmed": (rng.random(200) < 0.12).astype(int),
    })
    save("meter-daily-profiles/profiles_2025_03", profiles)

    def load(hours: int) -> Any:
        temp = np.round(rng.normal(9, 7, hours), 1)
        return pd.DataFrame({"feeder": rng.choice(["F12", "F13", "F17", "F21"], hours), "hour": np.arange(hours) % 24,
                             "temp_c": temp, "mw": np.round(6 + 0.12 * np.abs(temp - 16) + rng.normal(0, 0.4, hours), 2)})

    load_2023, load_2024 = load(300), load(360)
    save("feeder-load-history/load_2023", load_2023)
    save("feeder-load-history/load_2024", load_2024)
    frame = load_2024.assign(hdh=(15.5 - load_2024.temp_c).clip(lower=0).round(1),
                             cdh=(load_2024.temp_c - 22).clip(lower=0).round(1),
                             lag_24=load_2024.mw.shift(24).bfill()).drop(columns=["feeder"])
    save("load-training-frame/frame_2024", frame)
    tickets = pd.DataFrame({
        "cause_code": rng.choice(["storm", "vegetation", "equipment", "third_party", "animal"], 250),
        "customers_off": rng.integers(1, 4000, 250),
        "voltage_kv": rng.choice([0.4, 11, 33], 250),
        "restore_minutes": rng.integers(12, 900, 250),
    })
    save("outage-tickets/tickets_2022_2025", tickets)
    spans = pd.DataFrame({
        "span_id": [f"S{n:04d}" for n in range(120)],
        "clearance_m": np.round(rng.uniform(0.2, 6.0, 120), 2),
        "species": rng.choice(["birch", "spruce", "willow", "oak"], 120),
        "voltage_kv": rng.choice([11, 33], 120),
    })
    save("vegetation-survey/spans_2025_spring", spans)
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
    _git(repo, who, "commit", "-q", "-m", message, when=T0 + timedelta(days=day, minutes=17 * day))
    return _git(repo, who, "rev-parse", "HEAD")


# -- OpenLineage ---------------------------------------------------------------------------


def _etl_events(job: str, description: str, source: Path, target: Path, sha: str, at: datetime) -> list[Any]:
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import documentation_job, source_code_location_job

    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"holdout/{job}"))
    facets = {
        "documentation": documentation_job.DocumentationJobFacet(description=description),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://code.gridwell.example/analytics/ml.git", version=sha),
    }

    def event(state: Any, moment: datetime) -> Any:
        return RunEvent(eventType=state, eventTime=moment.isoformat(), run=Run(runId=run_id),
                        job=Job(namespace="gridwell-dags", name=job, facets=facets),
                        producer="https://gridwell.example/dagster",
                        inputs=[InputDataset(namespace="file", name=str(source))],
                        outputs=[OutputDataset(namespace="file", name=str(target))])

    return [event(RunState.START, at), event(RunState.COMPLETE, at + timedelta(minutes=23))]


# -- MLflow --------------------------------------------------------------------------------


def _mlflow_runs(root: Path, data: dict[str, Path], shas: dict[str, str]) -> str:
    """The feeder load experiment logged by MLflow; returns its tracking URI."""
    import mlflow
    import pandas as pd
    from mlflow.tracking import MlflowClient
    from sklearn.ensemble import GradientBoostingRegressor
    from sklearn.linear_model import Ridge

    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("feeder-load-forecasting", artifact_location=(root / "artifacts").as_uri())
    client.set_experiment_tag(experiment, "mlflow.note.content",
                              "Day-ahead MW per primary feeder. Owner: network planning. Results feed the 16:00 switching plan.")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    requirements = ["scikit-learn"]
    try:
        old = pd.read_csv(data["feeder-load-history/load_2023"]).drop(columns=["feeder"])
        with mlflow.start_run(experiment_id=experiment, run_name="load ridge degree-hours"):
            mlflow.set_tags({"mlflow.source.git.commit": shas["scaffold"],
                             "mlflow.note.content": "Ridge on hour-of-day and raw station temperature, 2023 extract. "
                                                    "Roughly what the planners did in Excel; keep it as the floor."})
            mlflow.log_params({"alpha": 2.0, "features": "hour,temp_c"})
            mlflow.log_input(mlflow.data.from_pandas(old, source=str(data["feeder-load-history/load_2023"]),
                                                     name="feeder-load-2023", targets="mw"), context="training")
            mlflow.log_metric("mape_peak", 0.061)
            mlflow.sklearn.log_model(Ridge(alpha=2.0).fit(old.drop(columns=["mw"]), old["mw"]), name="model",
                                     registered_model_name="feeder-load-forecast", pip_requirements=requirements)
        frame = pd.read_csv(data["load-training-frame/frame_2024"])
        x, y = frame.drop(columns=["mw"]), frame["mw"]
        with mlflow.start_run(experiment_id=experiment, run_name="load gbm tree-depth search"):
            mlflow.set_tags({"mlflow.source.git.commit": shas["degree_hours"],
                             "mlflow.note.content": "max_depth in {4, 6, 8}, everything else fixed. Scored on "
                                                    "Dec-Feb peaks only; the winner gets registered."})
            for depth, mape in ((4, 0.044), (6, 0.038), (8, 0.041)):
                with mlflow.start_run(experiment_id=experiment, run_name=f"depth trial max_depth={depth}", nested=True):
                    mlflow.set_tags({"mlflow.source.git.commit": shas["degree_hours"]})
                    mlflow.log_params({"max_depth": depth, "n_estimators": 300, "learning_rate": 0.05})
                    mlflow.log_input(mlflow.data.from_pandas(
                        frame, source=str(data["load-training-frame/frame_2024"]), name="load-training-frame",
                        targets="mw"), context="training")
                    mlflow.log_metric("mape_peak", mape)
                    if depth == 6:
                        model = GradientBoostingRegressor(max_depth=depth, n_estimators=20, random_state=0)
                        mlflow.sklearn.log_model(model.fit(x, y), name="model",
                                                 registered_model_name="feeder-load-forecast",
                                                 pip_requirements=requirements,
                                                 skops_trusted_types=["sklearn.tree._tree.Tree"])
    finally:
        mlflow.set_tracking_uri(previous)
    client.update_registered_model("feeder-load-forecast", description="Hourly megawatts for tomorrow at every "
                                                                       "primary feeder; planners switch load off "
                                                                       "feeders predicted to run hot.")
    return uri


# -- SDK runs ----------------------------------------------------------------------------------


def _sdk_run(client: Client, *, project: str, name: str, model_name: str, data: Path, target: str,
             estimator: Any, params: dict[str, Any], code: Path, note: str, description: str) -> str:
    import pandas as pd

    from modelctx.training.tracking import TrackedRun

    frame = pd.read_csv(data)
    x = frame.drop(columns=[target]).select_dtypes("number")
    with TrackedRun(client, project=project, name=name, code_path=code, description=note) as run:
        run.use(data, role="training")
        run.log_params(params)
        estimator.fit(x, frame[target])
        run.log_metric("holdout_score", 0.74)
        run.note(note)
        version = run.log_model(estimator, model_name, description=description)
    return version.id


# -- the world ---------------------------------------------------------------------------------


REVIEWS = [
    {"model": "meter-tamper-detector", "version": 1, "reviewer": "Hannah Okafor",
     "reviewer_email": "hannah.okafor@gridwell.example", "verdict": "approved", "reviewed_at": "2025-10-14T13:20:00+00:00",
     "comment": "Precision over the top 200 flagged meters is what the inspectors care about, and it holds on the Q1 "
                "visits. Ship it."},
    {"model": "meter-tamper-detector", "version": 2, "reviewer": "Rajesh Iyer",
     "reviewer_email": "rajesh.iyer@gridwell.example", "verdict": "changes_requested",
     "reviewed_at": "2025-10-24T08:45:00+00:00",
     "comment": "Half the new flags are net-metered rooftop PV exporting at noon. Those need their own baseline "
                "before we roll trucks to them. Not merging as is."},
    {"model": "feeder-load-forecast", "version": 1, "reviewer": "Hannah Okafor",
     "reviewer_email": "hannah.okafor@gridwell.example", "verdict": "approved", "reviewed_at": "2025-10-08T16:00:00+00:00",
     "comment": "OK as a fallback. Residuals explode on hot afternoons but we knew that going in."},
    {"model": "feeder-load-forecast", "version": 2, "reviewer": "Rajesh Iyer",
     "reviewer_email": "rajesh.iyer@gridwell.example", "verdict": "approved", "reviewed_at": "2025-10-20T10:10:00+00:00",
     "comment": "Peak-hour MAPE 6.1% -> 3.8% on Dec-Feb. Depth 6 doesn't look overfit to me. Approve."},
]
DEPLOYMENTS = [
    {"model": "meter-tamper-detector", "version": 1, "environment": "production",
     "endpoint": "https://revprotect.gridwell.example/v1/score", "deployed_by": "Lucia Ortega <lucia.ortega@gridwell.example>",
     "deployed_at": "2025-10-15T06:00:00+00:00"},
    {"model": "meter-tamper-detector", "version": 2, "environment": "staging",
     "endpoint": "https://revprotect-stg.gridwell.example/v1/score",
     "deployed_by": "Lucia Ortega <lucia.ortega@gridwell.example>", "deployed_at": "2025-10-22T06:00:00+00:00"},
    {"model": "feeder-load-forecast", "version": 1, "environment": "production",
     "endpoint": "https://planning.gridwell.example/dayahead", "deployed_by": "Dmitri Volkov <dmitri.volkov@gridwell.example>",
     "deployed_at": "2025-10-09T05:00:00+00:00", "retired_at": "2025-10-21T05:00:00+00:00"},
    {"model": "feeder-load-forecast", "version": 2, "environment": "production",
     "endpoint": "https://planning.gridwell.example/dayahead", "deployed_by": "Dmitri Volkov <dmitri.volkov@gridwell.example>",
     "deployed_at": "2025-10-21T05:00:00+00:00"},
    {"model": "outage-duration-estimator", "version": 1, "environment": "production",
     "endpoint": "https://storm-desk.gridwell.example/eta", "deployed_by": "Kwame Mensah <kwame.mensah@gridwell.example>",
     "deployed_at": "2025-10-19T18:30:00+00:00"},
]
DATASETS = {
    "smart-meter-readings": ("metering", "Quarter-hour kWh register values pulled from the AMI head-end, one row "
                                         "per meter per interval. Gaps where the RF mesh dropped packets are left "
                                         "as missing rows, not zeros."),
    "meter-daily-profiles": ("metering", None),
    "feeder-load-history": ("grid", "Hourly MW at each primary substation feeder, SCADA historian extract, with "
                                    "dry-bulb temperature from the closest met station."),
    "load-training-frame": ("grid", None),
    "outage-tickets": ("operations", "Control-room log of unplanned interruptions since 2022: cause code, "
                                     "customers off supply, voltage level, minutes to restore."),
    "vegetation-survey": ("assets", "LiDAR clearance between conductors and canopy for 11 kV and 33 kV overhead "
                                    "spans, flown April 2025 for the arborist contract."),
}


def build_world(folder: Path) -> HoldoutWorld:
    """Build the world into a new SQLite store under ``folder``, the same on every build (``seeded_uuid4``)."""
    with seeded_uuid4(SEED):
        return _build_world(folder)


def _build_world(folder: Path) -> HoldoutWorld:
    from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingClassifier, RandomForestClassifier

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

    for name, (project, description) in DATASETS.items():
        ingest(DatasetIngestor(DatasetConfig(path=folder / "data" / name, name=name, description=description,
                                             project=project), store))

    repo = folder / "analytics-ml"
    repo.mkdir()
    _git(repo, "kwame", "init", "-q", "-b", "main")
    shas = {
        "scaffold": _commit(repo, "kwame", "gridml/config.py", "RANDOM_STATE = 61\n",
                            "Scaffold gridml package, shared config and CI lint", 0),
        "export": _commit(repo, "lucia", "etl/rollup.py", "EXPORT_IS_VALID = True\n",
                          "rollup: negative interval reads are export, not bad data", 1),
        "degree_hours": _commit(repo, "dmitri", "etl/load_frame.py", "BASE_HEAT, BASE_COOL = 15.5, 22.0\n",
                                "load frame: HDH/CDH from station temps, 24h lag", 2),
        "bump": _commit(repo, "kwame", "requirements.txt", "scikit-learn==1.5.2\n",
                        "Bump scikit-learn 1.4 -> 1.5, regen lockfile", 3),
    }

    # ETL: quarter-hour reads → daily profiles; 2024 feeder history → the load training frame (OpenLineage)
    events = [
        *_etl_events("rollup_meter_intervals", "Sums quarter-hour reads into one row per meter and day, with "
                                               "streak counters for reverse flow and flat-zero days.",
                     data["smart-meter-readings/reads_2025_03"], data["meter-daily-profiles/profiles_2025_03"],
                     shas["export"], T0 + timedelta(days=2, hours=1)),
        *_etl_events("assemble_load_frame", "Feeder-hour rows with degree-hours, yesterday's same-hour MW and "
                                            "calendar flags; the input of every load model after October.",
                     data["feeder-load-history/load_2024"], data["load-training-frame/frame_2024"],
                     shas["degree_hours"], T0 + timedelta(days=2, hours=3)),
    ]
    from openlineage.client.serde import Serde

    lines = folder / "lineage.jsonl"
    lines.write_text("".join(str(Serde.to_json(e)) + "\n" for e in events), encoding="utf-8")
    ingest(OpenLineageIngestor(lines, base_dir=folder, project=None))

    # SDK runs over the repository as it is at each point, each from its own folder of it: the SDK
    # reuses a folder's captured HEAD for 2 s (modelctx/training/gitinfo.py), and the commit a run
    # records must not depend on how fast this machine is
    profiles = data["meter-daily-profiles/profiles_2025_03"]
    tamper_1 = _sdk_run(client, project="metering", name="tamper random forest on daily profiles",
                        model_name="meter-tamper-detector", data=profiles, target="tamper_confirmed",
                        estimator=RandomForestClassifier(n_estimators=30, class_weight="balanced", random_state=0),
                        params={"n_estimators": 30, "class_weight": "balanced"}, code=repo,
                        note="Labels are the Q1 inspection outcomes. Positives are ~12%, so balanced class weights.",
                        description="Ranks meters for a site visit by how likely the seal or wiring was interfered with.")
    shas["reverse"] = _commit(repo, "lucia", "gridml/tamper.py", "FEATURES = ('kwh_total', 'reverse_flow_streak')\n",
                              "tamper: add reverse_flow_streak feature", 8)
    shas["history"] = _commit(repo, "lucia", "gridml/tamper.py",
                              "FEATURES = ('kwh_total', 'reverse_flow_streak')\nMIN_HISTORY_DAYS = 60\n",
                              "tamper: skip meters with <60 days of history (new installs look odd)", 9)
    tamper_2 = _sdk_run(client, project="metering", name="tamper hist-gbm reverse flow",
                        model_name="meter-tamper-detector", data=profiles, target="tamper_confirmed",
                        estimator=HistGradientBoostingClassifier(max_iter=40, random_state=0),
                        params={"max_iter": 40, "min_history_days": 60}, code=repo / "gridml",
                        note="Same labels, histogram GBM, plus the reverse-flow streak. Recall on confirmed cases "
                             "up from 0.58 to 0.71 at the same visit budget.",
                        description="Second cut of the site-visit ranking with the reverse-flow streak.")
    shas["clip"] = _commit(repo, "kwame", "ops/outage_eta.py", "MAX_ETA_MINUTES = 720\n",
                           "outage eta: clip at 720 min, storm desk request", 10)
    outage_1 = _sdk_run(client, project="operations", name="restoration time quantile gbm",
                        model_name="outage-duration-estimator", data=data["outage-tickets/tickets_2022_2025"],
                        target="restore_minutes",
                        estimator=GradientBoostingRegressor(loss="quantile", alpha=0.8, n_estimators=30, random_state=0),
                        params={"loss": "quantile", "alpha": 0.8}, code=repo / "ops",
                        note="P80 of minutes off supply per ticket, so the ETA we publish errs late rather than early.",
                        description="Minutes until supply is restored for an open interruption ticket.")
    shas["dst"] = _commit(repo, "dmitri", "etl/load_frame.py", "BASE_HEAT, BASE_COOL = 15.5, 22.0\nTZ = 'Europe/London'\n",
                          "Fix DST double-count in hourly load rollup (Oct fallback hour summed twice)", 13)
    ingest(GitIngestor(GitConfig(path=repo), store))

    # MLflow: the feeder load experiment (baseline, and a tree-depth sweep whose best trial is registered)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        tracking = _mlflow_runs(folder / "mlflow", data, shas)
        ingest(MlflowIngestor(MlflowConfig(tracking_uri=tracking, base_dir=folder, project="grid"), store))

    for kind, records in (("reviews", REVIEWS), ("deployments", DEPLOYMENTS)):
        path = folder / f"{kind}.yaml"
        path.write_text(yaml.safe_dump(records, sort_keys=False))
        ingest(RecordsIngestor(RecordsConfig(path=path, kind=kind), store))  # type: ignore[arg-type]

    ids = _resolve(store, shas, {"mv_tamper_1": tamper_1, "mv_tamper_2": tamper_2, "mv_outage_1": outage_1})
    notes = {
        "n_pv_visits": (tamper_2, "Crew lead, week 43: 31 of 40 staging-list visits were homes with an export "
                                  "meter and panels on the roof, nothing wrong with any of them. Staging list "
                                  "paused until the net-metering change lands."),
        "n_double_file": (ids["job_rollup"], "Incident 2025-10-14: the head-end drop arrived twice and the daily "
                                             "totals for ~8k meters were doubled. Now deduplicated on (meter_id, "
                                             "interval_start) before summing."),
        "n_reparent": (node_id(K.DATASET, "feeder-load-history"), "F12, F13 and F17 were re-parented from Eastgate "
                                                                  "primary to Millbrook in May 2024; rows before that "
                                                                  "carry the Eastgate substation code."),
        "n_sms": (outage_1, "Decision (ops review 2 Oct): the customer SMS rounds the estimate up to the next half "
                            "hour; the unrounded figure stays internal."),
    }
    for key, (target, text) in notes.items():
        ids[key] = attach_note(store, target, text, actor="eval").id
    return HoldoutWorld(store, client, ids, home)



def _versions_by_file(store: GraphStore, dataset: str) -> dict[str, str]:
    """File name → dataset version id of one dataset."""
    ids = [e.source for e in store.get_edges([node_id(K.DATASET, dataset)], "in") if e.source.startswith("dataset_version:")]
    return {store.get_node(i).properties.get("uri", "").rsplit("/", 1)[-1]: i for i in ids}


SHORT = {"smart-meter-readings": "meter", "meter-daily-profiles": "profiles", "feeder-load-history": "load",
         "load-training-frame": "loadframe", "outage-tickets": "outage", "vegetation-survey": "veg"}


def _resolve(store: GraphStore, shas: dict[str, str], known: dict[str, str]) -> dict[str, str]:
    """Key → node id for every node the judgements name."""
    ids = dict(known)
    for key, sha in shas.items():
        ids[f"c_{key}"] = node_id(K.COMMIT, sha)
    for key, (name, _) in PEOPLE.items():
        ids[f"p_{key}"] = one_node(store, K.PERSON, name=name)
    ids["p_hannah"] = one_node(store, K.PERSON, name="Hannah Okafor")
    ids["p_rajesh"] = one_node(store, K.PERSON, name="Rajesh Iyer")
    for name, short in SHORT.items():
        ids[f"ds_{short}"] = node_id(K.DATASET, name)
        versions = _versions_by_file(store, name)
        if name == "feeder-load-history":
            ids["dv_load_2023"], ids["dv_load_2024"] = versions["load_2023.csv"], versions["load_2024.csv"]
        elif len(versions) == 1:
            ids[f"dv_{short}"] = next(iter(versions.values()))
        else:
            raise AssertionError(f"dataset {name} has versions {versions}")
    ids["exp_load"] = node_id(K.EXPERIMENT, "feeder-load-forecasting")
    ids["job_rollup"] = node_id(K.JOB, "gridwell-dags", "rollup_meter_intervals")
    ids["job_loadframe"] = node_id(K.JOB, "gridwell-dags", "assemble_load_frame")
    for key, name in (("r_load_base", "load ridge degree-hours"), ("r_load_sweep", "load gbm tree-depth search"),
                      ("r_trial_d4", "depth trial max_depth=4"), ("r_trial_d6", "depth trial max_depth=6"),
                      ("r_trial_d8", "depth trial max_depth=8"), ("r_tamper_rf", "tamper random forest on daily profiles"),
                      ("r_tamper_gbm", "tamper hist-gbm reverse flow"), ("r_outage_q", "restoration time quantile gbm"),
                      ("r_etl_rollup", "rollup_meter_intervals"), ("r_etl_loadframe", "assemble_load_frame")):
        ids[key] = one_node(store, K.RUN, name=name)
    for key, model in (("m_tamper", "meter-tamper-detector"), ("m_load", "feeder-load-forecast"),
                       ("m_outage", "outage-duration-estimator")):
        ids[key] = node_id(K.MODEL, model)
    ids["mv_load_1"] = node_id(K.MODEL_VERSION, "feeder-load-forecast", "1")
    ids["mv_load_2"] = node_id(K.MODEL_VERSION, "feeder-load-forecast", "2")
    for review in store.iter_nodes(K.REVIEW):
        target = next(e.target for e in store.get_edges([review.id], "out") if e.type.value == "REVIEWS")
        ids["rv_" + _short_version(target)] = review.id
    for deployment in store.iter_nodes(K.DEPLOYMENT):
        target = next(e.target for e in store.get_edges([deployment.id], "out") if e.type.value == "DEPLOYS")
        suffix = "_retired" if deployment.properties.get("retired_at") else ""
        ids["dep_" + _short_version(target) + suffix] = deployment.id
    return ids


def _short_version(version_id: str) -> str:
    """``model_version:feeder-load-forecast/2`` → ``load_2``: the short name the judgements use."""
    model, number = version_id.split(":", 1)[1].rsplit("/", 1)
    short = {"meter-tamper-detector": "tamper", "feeder-load-forecast": "load", "outage-duration-estimator": "outage"}
    return f"{short[model]}_{number}"
