"""One person, one Person node: git emails, MLflow users, SDK actors, reviewers and deployers meet.

Real components throughout: commits made with the git CLI, runs logged into an
MLflow store by MLflow's own client, tracked runs through the SDK and review
and deployment files through the records ingestor (``modelctx/ingest/people.py``
states the rule these tests pin down).
"""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import pytest

from modelctx.client import Client
from modelctx.config import Settings
from modelctx.errors import ValidationError
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.git import GitConfig, GitIngestor
from modelctx.ingest.mlflow import MlflowConfig, MlflowIngestor
from modelctx.ingest.people import load_people
from modelctx.ingest.records import RecordsConfig, RecordsIngestor
from modelctx.ingest.runner import run_ingest
from modelctx.training.tracking import start_run
from tests.interop.conftest import MLFLOW_SQLALCHEMY_WARNING

pytestmark = pytest.mark.filterwarnings(f"ignore:{MLFLOW_SQLALCHEMY_WARNING}")

#: The MLflow users of the shared tracking store, one finished run each.
USERS = ("dana.lee", "dlee", "Dana")


@pytest.fixture(scope="module")
def mlflow_users(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """A tracking store written by MLflow's client; returns its URI and the run id of each user."""
    from mlflow.tracking import MlflowClient

    root = tmp_path_factory.mktemp("mlflow-people")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"mlflow\.")
        warnings.filterwarnings("ignore", message=MLFLOW_SQLALCHEMY_WARNING)
        client = MlflowClient(uri)
        experiment = client.create_experiment("people")
        runs = {}
        for user in USERS:
            run = client.create_run(experiment, tags={"mlflow.user": user}, run_name=f"run by {user}")
            client.set_terminated(run.info.run_id)
            runs[user] = run.info.run_id
    return uri, runs


def ingest_git(store: GraphStore, tmp_path: Path, authors: list[tuple[str, str]]) -> list[str]:
    """A repository with one commit per (name, email), ingested; returns the commit ids."""
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True, env=env)
    shas = []
    for number, (name, email) in enumerate(authors):
        (repo / f"file{number}.txt").write_text(f"{number}\n")
        people = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                  "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", f"commit {number}"], cwd=repo, check=True, env={**env, **people})
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, env=env, capture_output=True,
                             text=True).stdout.strip()
        shas.append(f"commit:{sha}")
    run_ingest(store, GitIngestor(GitConfig(path=repo), store))
    return shas


def ingest_mlflow(store: GraphStore, uri: str, tmp_path: Path) -> None:
    config = MlflowConfig(tracking_uri=uri, base_dir=tmp_path, registry=False)
    run_ingest(store, MlflowIngestor(config, store), actor="test")


def attributed(store: GraphStore, node_id: str) -> list[str]:
    return sorted(e.target for e in store.get_edges([node_id], "out", [EdgeType.ATTRIBUTED_TO]))


def people(store: GraphStore) -> dict[str, dict[str, object]]:
    return {n.id: n.properties for n in store.find_nodes(NodeKind.PERSON)}


def test_git_email_mlflow_handle_and_sdk_actor_are_one_person(
    store: GraphStore, tmp_path: Path, mlflow_users: tuple[str, dict[str, str]]
) -> None:
    uri, runs = mlflow_users
    [commit] = ingest_git(store, tmp_path, [("Dana Lee", "Dana.Lee@Example.com")])
    ingest_mlflow(store, uri, tmp_path)
    with start_run(Client(store, Settings(), "user:Dana.Lee"), name="sdk run", capture_code=False,
                   capture_environment=False) as run:
        pass
    dana = "person:dana.lee@example.com"
    assert attributed(store, commit) == [dana]
    assert attributed(store, f"run:mlflow/{runs['dana.lee']}") == [dana]
    assert attributed(store, run.id) == [dana]
    # "dlee" is no email's local part and "Dana" is not "dana.lee": both stay handle persons
    assert attributed(store, f"run:mlflow/{runs['dlee']}") == ["person:dlee"]
    assert attributed(store, f"run:mlflow/{runs['Dana']}") == ["person:dana"]
    assert people(store) == {
        dana: {"name": "Dana Lee", "email": "dana.lee@example.com", "handle": "dana.lee", "source": "git",
               "source_id": "dana.lee@example.com"},
        "person:dlee": {"name": "dlee", "source": "mlflow", "source_id": "dlee"},
        "person:dana": {"name": "Dana", "source": "mlflow", "source_id": "dana"},
    }


def test_the_aliases_file_maps_a_handle(
    store: GraphStore, tmp_path: Path, mlflow_users: tuple[str, dict[str, str]]
) -> None:
    uri, runs = mlflow_users
    home = tmp_path / "home"  # MODELCTX_HOME of every test (tests/conftest.py)
    home.mkdir()
    (home / "people.yaml").write_text(
        "people:\n  - email: Dana.Lee@example.com\n    name: Dana Lee\n    aliases: [DLee, dana]\n")
    ingest_mlflow(store, uri, tmp_path)
    dana = "person:dana.lee@example.com"
    for user in USERS:  # two aliases and the local part of the listed email
        assert attributed(store, f"run:mlflow/{runs[user]}") == [dana], user
    assert people(store) == {dana: {"name": "Dana Lee", "email": "dana.lee@example.com", "handle": "dana.lee",
                                    "source": "mlflow", "source_id": "dana.lee@example.com"}}


def test_an_ambiguous_local_part_stays_a_handle_person(
    store: GraphStore, tmp_path: Path, mlflow_users: tuple[str, dict[str, str]]
) -> None:
    uri, runs = mlflow_users
    ingest_git(store, tmp_path, [("Dana Lee", "dana.lee@a.example"), ("Dana Lee", "dana.lee@b.example")])
    ingest_mlflow(store, uri, tmp_path)
    assert attributed(store, f"run:mlflow/{runs['dana.lee']}") == ["person:dana.lee"]
    assert set(people(store)) == {"person:dana.lee@a.example", "person:dana.lee@b.example", "person:dana.lee",
                                  "person:dlee", "person:dana"}


def test_a_handle_met_before_its_email_stays_a_handle_person(
    store: GraphStore, tmp_path: Path, mlflow_users: tuple[str, dict[str, str]]
) -> None:
    """The documented order dependence: a handle is matched only against emails known when it is met."""
    uri, runs = mlflow_users
    ingest_mlflow(store, uri, tmp_path)
    ingest_git(store, tmp_path, [("Dana Lee", "dana.lee@example.com")])
    run = f"run:mlflow/{runs['dana.lee']}"
    assert attributed(store, run) == ["person:dana.lee"]
    assert {"person:dana.lee", "person:dana.lee@example.com"} <= set(people(store))
    ingest_mlflow(store, uri, tmp_path)  # importing again, the handle now meets the email's person
    assert attributed(store, run) == ["person:dana.lee", "person:dana.lee@example.com"]


def test_a_bare_handle_never_overwrites_a_stored_name(store: GraphStore, tmp_path: Path) -> None:
    ingest_git(store, tmp_path, [("Dana Lee", "dana.lee@example.com")])
    records = {
        "reviews": [{"model": "churn", "version": 1, "reviewer": "dana.lee", "reviewer_email": "Dana.Lee@example.com",
                     "verdict": "approved", "reviewed_at": "2025-01-02T10:00:00+00:00", "comment": "ok"}],
        "deployments": [{"model": "churn", "version": 1, "environment": "production", "endpoint": "churn",
                         "deployed_by": "DANA.LEE", "deployed_at": "2025-01-03T10:00:00+00:00"}],
    }
    for kind, data in records.items():
        path = tmp_path / f"{kind}.json"
        path.write_text(json.dumps(data))
        config = RecordsConfig(path=path, kind=kind, create_missing=True)  # type: ignore[arg-type]
        run_ingest(store, RecordsIngestor(config, store))
    [review] = store.find_nodes(NodeKind.REVIEW)
    [deployment] = store.find_nodes(NodeKind.DEPLOYMENT)
    dana = "person:dana.lee@example.com"
    assert attributed(store, review.id) == attributed(store, deployment.id) == [dana]
    assert review.properties["reviewer_email"] == "dana.lee@example.com"
    assert people(store) == {dana: {"name": "Dana Lee", "email": "dana.lee@example.com", "handle": "dana.lee",
                                    "source": "git", "source_id": "dana.lee@example.com"}}


def test_a_malformed_aliases_file_names_the_file_and_entry(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "team.yaml"
    monkeypatch.setenv("MODELCTX_PEOPLE", str(path))
    cases = {
        "people:\n  - {email: a@example.com}\n  - {name: Bob}\n":
            r"people\[1\]: 'email' must be an email address, not None",
        "people:\n  - {email: a@example.com, aliases: [ann]}\n  - {email: b@example.com, aliases: [Ann]}\n":
            r"people\[1\]: alias 'ann' is already an alias of a@example.com \(people\[0\]\)",
        "people:\n  - {email: a@example.com, alias: [ann]}\n":
            r"people\[0\]: unknown key 'alias' \(known: aliases, email, name\)",
        "people:\n  - {email: a@example.com, aliases: [b@example.com]}\n":
            r"people\[0\]: alias 'b@example.com' is not a handle",
        "- a@example.com\n": r"expected a mapping with one key, 'people', holding a list",
        "people: [\n": r"line \d+, column \d+: invalid YAML",
    }
    for text, message in cases.items():
        path.write_text(text)
        with pytest.raises(ValidationError, match=rf"^people file {path}: {message}"):
            load_people(path)
    with pytest.raises(ValidationError, match=rf"^people file {path}: "):  # an ingest refuses to start
        GitIngestor(GitConfig(path=tmp_path), store)
    assert store.last_seq() == 0
