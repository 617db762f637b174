"""Real inputs for the interop tests: an MLflow store written by MLflow, OpenLineage events from its client."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.serve_pair import free_port

#: MLflow 3's SQL store uses a SQLAlchemy loader option SQLAlchemy 2.1 deprecates; not ours to fix.
MLFLOW_SQLALCHEMY_WARNING = r"The ``noload`` loader strategy is deprecated"
#: Given explicitly so MLflow does not spawn a process to infer them for every logged model.
REQUIREMENTS = ["scikit-learn"]
COMMIT_SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass(frozen=True)
class MlflowWorld:
    """An MLflow tracking store in a temporary folder and what was logged into it."""

    root: Path
    base_dir: Path
    tracking_uri: str
    parent_run: str
    child_run: str
    second_run: str
    unregistered_run: str
    unregistered_model_id: str

    def copy(self, target: Path) -> MlflowWorld:
        """A private copy whose runs a test may change without touching the shared store."""
        shutil.copy(self.root / "mlflow.db", target / "mlflow.db")
        return MlflowWorld(target, self.base_dir, f"sqlite:///{target / 'mlflow.db'}", self.parent_run,
                           self.child_run, self.second_run, self.unregistered_run, self.unregistered_model_id)


def write_iris(base_dir: Path) -> Any:
    """scikit-learn's iris data as data/raw.csv (all rows) and data/train.csv (the first 120)."""
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    (base_dir / "data").mkdir(parents=True, exist_ok=True)
    frame.to_csv(base_dir / "data" / "raw.csv", index=False)
    train = frame.iloc[:120].reset_index(drop=True)
    train.to_csv(base_dir / "data" / "train.csv", index=False)
    frame.iloc[120:].to_csv(base_dir / "data" / "eval.csv", index=False)
    return train


def build_mlflow_world(root: Path) -> MlflowWorld:
    """Log runs, dataset inputs, nested runs, notes and registered models with MLflow itself."""
    import mlflow
    from mlflow.tracking import MlflowClient
    from sklearn.linear_model import LogisticRegression

    base_dir = root / "project"
    train = write_iris(base_dir)
    features, target = train.drop(columns=["target"]), train["target"]
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment_id = client.create_experiment("churn", artifact_location=(root / "artifacts").as_uri())
    client.set_experiment_tag(experiment_id, "mlflow.note.content", "Churn models for the retail team")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        with mlflow.start_run(experiment_id=experiment_id, run_name="train-parent") as parent:
            mlflow.set_tags({"mlflow.source.git.commit": COMMIT_SHA, "team": "retail",
                             "mlflow.note.content": "Baseline logistic regression on the iris sample"})
            mlflow.log_params({"C": 1.0, "max_iter": 200})
            for step, (loss, acc) in enumerate([(0.9, 0.6), (0.5, 0.8), (0.4, 0.85), (0.45, 0.84)]):
                mlflow.log_metric("loss", loss, step=step)
                mlflow.log_metric("accuracy", acc, step=step)
            train_ds = mlflow.data.from_pandas(train, source="data/train.csv", name="train", targets="target")
            mlflow.log_input(train_ds, context="training")
            eval_ds = mlflow.data.from_numpy(features.to_numpy()[:5], source=str(base_dir / "data" / "eval.csv"),
                                             name="eval")
            mlflow.log_input(eval_ds, context="evaluation")
            with mlflow.start_run(experiment_id=experiment_id, run_name="cv-fold", nested=True) as child:
                mlflow.log_metric("accuracy", 0.83)
            model = LogisticRegression(max_iter=200).fit(features, target)
            mlflow.sklearn.log_model(model, name="model", registered_model_name="churn",
                                     pip_requirements=REQUIREMENTS)
        with mlflow.start_run(experiment_id=experiment_id, run_name="train-v2") as second:
            mlflow.log_input(train_ds, context="training")
            mlflow.log_metric("loss", 0.3)
            mlflow.sklearn.log_model(LogisticRegression(C=0.5, max_iter=200).fit(features, target), name="model",
                                     registered_model_name="churn", pip_requirements=REQUIREMENTS)
        with mlflow.start_run(experiment_id=experiment_id, run_name="never-registered") as lone:
            info = mlflow.sklearn.log_model(LogisticRegression(max_iter=200).fit(features, target), name="scratch",
                                            pip_requirements=REQUIREMENTS)
    finally:
        mlflow.set_tracking_uri(previous)
    client.update_registered_model("churn", description="Predicts which customers leave")
    client.update_model_version("churn", "2", description="Stronger regularisation")
    client.set_model_version_tag("churn", "2", "validated", "yes")
    client.set_registered_model_alias("churn", "champion", "2")
    return MlflowWorld(root, base_dir, uri, parent.info.run_id, child.info.run_id, second.info.run_id,
                       lone.info.run_id, info.model_id)


@pytest.fixture(scope="session")
def mlflow_world(tmp_path_factory: pytest.TempPathFactory) -> MlflowWorld:
    root = tmp_path_factory.mktemp("mlflow")
    with warnings.catch_warnings():
        # Warnings raised while MLflow logs (its hints, its pandas/SQLAlchemy deprecations): not what is tested.
        warnings.filterwarnings("ignore", module=r"mlflow\.")
        warnings.filterwarnings("ignore", message=MLFLOW_SQLALCHEMY_WARNING)
        return build_mlflow_world(root)


class LoopbackServer:
    """The modelctx app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start servers for apps; each is stopped at the end of the test."""
    servers: list[LoopbackServer] = []

    def start(app: Any) -> LoopbackServer:
        server = LoopbackServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def etl_events(raw: Path, train: Path, *, run_id: str | None = None, job: str = "prepare_train") -> list[Any]:
    """A START and a COMPLETE RunEvent of an ETL job reading ``raw`` and writing ``train``, built by the client."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import (
        column_lineage_dataset,
        documentation_job,
        parent_run,
        schema_dataset,
        source_code_location_job,
    )

    run_id = run_id or str(uuid.uuid4())
    columns = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)", "target"]
    schema = schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="DOUBLE" if c != "target" else "BIGINT")
                for c in columns]
    )
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(fields={
        c: column_lineage_dataset.Fields(
            inputFields=[column_lineage_dataset.InputField(namespace="file", name=str(raw), field=c)],
            transformationDescription="copied", transformationType="IDENTITY",
        ) for c in columns
    })
    job_facets = {
        "documentation": documentation_job.DocumentationJobFacet(description="Samples the first 120 iris rows"),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://example.com/etl.git", version=COMMIT_SHA.replace("0", "e")),
    }
    run_facets = {"parent": parent_run.ParentRunFacet(
        run=parent_run.Run(runId="5f0b7a52-8c1c-4f39-9c2c-0d4d7c5a3a10"),
        job=parent_run.Job(namespace="airflow", name="nightly"),
    )}

    def event(state: Any, at: datetime) -> Any:
        return RunEvent(
            eventType=state, eventTime=at.isoformat(), run=Run(runId=run_id, facets=run_facets),
            job=Job(namespace="etl", name=job, facets=job_facets), producer="https://example.com/tests",
            inputs=[InputDataset(namespace="file", name=str(raw), facets={"schema": schema})],
            outputs=[OutputDataset(namespace="file", name=str(train), facets={"schema": schema,
                                                                            "columnLineage": lineage})],
        )

    return [event(RunState.START, T0), event(RunState.COMPLETE, T0 + timedelta(minutes=3))]


def event_json(event: Any) -> str:
    from openlineage.client.serde import Serde

    return str(Serde.to_json(event))
