"""Real inputs for the ingestor tests: a git repository made with git, scikit-learn's bundled data."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness

AUTHORS = {
    "alice": ("Alice Liddell", "alice@example.com"),
    "bob": ("Bob Builder", "Bob@Example.com"),
    "carol": ("Carol Danvers", "carol@example.com"),
}


class GitRepo:
    """A repository in tmp_path driven through the git CLI, with controlled authors and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tick = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, author: str = "alice", committer: str | None = None) -> str:
        name, email = AUTHORS[author]
        c_name, c_email = AUTHORS[committer or author]
        date = f"2024-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        env = {
            **os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": c_name, "GIT_COMMITTER_EMAIL": c_email, "GIT_COMMITTER_DATE": date,
        }
        done = subprocess.run(["git", "-C", str(self.path), *args], env=env, capture_output=True, text=True,
                              check=True)
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str], author: str = "alice", committer: str | None = None) -> str:
        self._tick += 1
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "-m", message, author=author, committer=committer)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """main: 3 commits; branch feature: 2 commits by bob; merged into main with --no-ff by carol."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Add training script\n\nFirst cut of the churn model trainer.",
                {"train.py": "import sklearn\n", "README.md": "# churn\n"})
    repo.commit("Add data loader", {"data.py": "def load():\n    return []\n"}, author="bob")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("Tune learning rate", {"train.py": "import sklearn\nLR = 0.1\n"}, author="bob")
    repo.commit("Add evaluation", {"eval.py": "def score():\n    pass\n"}, author="bob", committer="alice")
    repo.git("checkout", "-q", "main")
    repo.commit("Document setup", {"README.md": "# churn\n\nRun train.py\n"}, author="carol")
    repo._tick += 1
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature", author="carol")
    return repo


@pytest.fixture
def sklearn_frames() -> dict[str, Any]:
    """scikit-learn's bundled tables (no download) as pandas frames, with a string column added to iris."""
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

    iris = load_iris(as_frame=True).frame
    iris["species"] = iris["target"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    return {
        "iris": iris,
        "wine": load_wine(as_frame=True).frame,
        "breast_cancer": load_breast_cancer(as_frame=True).frame,
        "diabetes": load_diabetes(as_frame=True).frame,
    }


def cli_uri(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> str:
    """A URI the CLI can open for the same store the test holds."""
    return store.uri if "***" not in store.uri else backend.uri(tmp_path)


@pytest.fixture
def run_cli(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> Callable[..., Result]:
    """Invoke ``modelctx --store <this test's store> ARGS``; exceptions surface in the result."""
    from modelctx.cli import main

    uri = cli_uri(store, backend, tmp_path)

    def invoke(args: Sequence[str]) -> Result:
        return CliRunner().invoke(main, ["--store", uri, *map(str, args)])

    return invoke
