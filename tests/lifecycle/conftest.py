"""Real inputs for the lifecycle tests: breast-cancer CSV, a git repo made with the git CLI, reviews files."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelctx.client import Client
from modelctx.config import Settings
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness
from tests.serve_pair import free_port

GIT_ENV = {"GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.com"}


@pytest.fixture
def client(store: GraphStore) -> Client:
    return Client(store, Settings(), "user:ada")


@pytest.fixture
def store_uri(backend: BackendHarness, store: GraphStore, tmp_path: Path) -> str:
    """The store's URI with its password, for CLI invocations (``store.uri`` is redacted)."""
    return backend.uri(tmp_path)


@pytest.fixture(scope="session")
def breast_cancer() -> Any:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame


@pytest.fixture
def cancer_csv(tmp_path: Path, breast_cancer: Any) -> Path:
    path = tmp_path / "data" / "breast_cancer.csv"
    path.parent.mkdir()
    breast_cancer.to_csv(path, index=False)
    return path


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV})
    return done.stdout.strip()


@pytest.fixture
def code_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "code"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "train.py").write_text("print('training')\n")
    git(repo, "add", "train.py")
    git(repo, "commit", "-q", "-m", "Add the training script")
    return repo


def train_cancer_model(client: Client, csv: Path, code: Path | None, *, model: str = "cancer-clf") -> Node:
    """Train a real classifier on breast-cancer data through a tracked run."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from modelctx.training.tracking import start_run

    frame = pd.read_csv(csv)
    x, y = frame.drop(columns="target"), frame["target"]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    with start_run(client, project="oncology", name="logreg baseline", code_path=code) as run:
        run.use(csv, role="training", name="breast-cancer")
        run.log_params({"C": 1.0, "max_iter": 2000})
        estimator = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        estimator.fit(x_train, y_train)
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            run.log_metric("loss", loss, step=step)
        run.log_metric("accuracy", float(estimator.score(x_test, y_test)))
        version: Node = run.log_model(estimator, model, aliases=["candidate"])
        run.note("Baseline logistic regression; features standardised.")
    return version


def review(client: Client, tmp_path: Path, version: Node, verdict: str, at: str, comment: str = "ok") -> None:
    """Record a review through the reviews ingestor, as a team would from a file."""
    from modelctx.ingest.records import RecordsConfig, RecordsIngestor
    from modelctx.ingest.runner import run_ingest

    path = tmp_path / f"review-{verdict}-{at.replace(':', '')}.json"
    path.write_text(json.dumps([{
        "model": version.properties["model"], "version": version.properties["version"], "reviewer": "grace",
        "reviewer_email": "grace@example.com", "verdict": verdict, "reviewed_at": at, "comment": comment,
    }]))
    run_ingest(client.store, RecordsIngestor(RecordsConfig(path=path, kind="reviews", project="oncology"),
                                             client.store), actor=client.actor)


class RunningServer:
    """A real uvicorn server on a loopback port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("model server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture
def running_server() -> Iterator[type[RunningServer]]:
    yield RunningServer
