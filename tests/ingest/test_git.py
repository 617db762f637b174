"""The git ingestor on a real repository made with the git CLI, on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.git import GitConfig, GitIngestor
from modelctx.ingest.runner import run_ingest
from tests.ingest.conftest import GitRepo


def ingest(store: GraphStore, repo: GitRepo, **options: str) -> dict:
    report = run_ingest(store, GitIngestor(GitConfig(path=repo.path, **options), store))
    return report.to_json()


def repo_node(store: GraphStore, repo: GitRepo):
    return store.get_node(node_id(NodeKind.CODE_REPO, str(repo.path.resolve())))


def test_commits_people_files_and_merge_parents(store: GraphStore, git_repo: GitRepo) -> None:
    report = ingest(store, git_repo)
    head = git_repo.git("rev-parse", "HEAD")
    assert report["changes"]["nodes_created"] == 6 + 3 + 1  # commits, people, repo
    commits = store.find_nodes(NodeKind.COMMIT, limit=100)
    assert len(commits) == 6
    merge = store.get_node(node_id(NodeKind.COMMIT, head))
    assert merge.properties["message"] == "Merge branch 'feature'"
    parents = store.get_edges([merge.id], "out", [EdgeType.PARENT])
    assert {e.properties["position"] for e in parents} == {0, 1}
    assert {e.target for e in parents} == {
        node_id(NodeKind.COMMIT, git_repo.git("rev-parse", "HEAD^1")),
        node_id(NodeKind.COMMIT, git_repo.git("rev-parse", "feature")),
    }
    first = store.find_nodes(NodeKind.COMMIT, {"name": "Add training script"})[0]
    assert first.properties["message"].endswith("First cut of the churn model trainer.")
    assert first.properties["authored_at"] == "2024-01-01T00:00:01+00:00"
    assert sorted(first.properties["files"], key=lambda f: f["path"]) == [
        {"path": "README.md", "added": 1, "removed": 0},
        {"path": "train.py", "added": 1, "removed": 0},
    ]
    tune = store.find_nodes(NodeKind.COMMIT, {"name": "Tune learning rate"})[0]
    assert (tune.properties["lines_added"], tune.properties["lines_removed"]) == (1, 0)
    assert store.get_edges([first.id], "out", [EdgeType.PARENT]) == []
    in_repo = store.get_edges([first.id], "out", [EdgeType.IN_REPO])
    assert [e.target for e in in_repo] == [repo_node(store, git_repo).id]


def test_people_are_keyed_by_lowercased_email_with_roles(store: GraphStore, git_repo: GitRepo) -> None:
    ingest(store, git_repo)
    people = {n.id: n for n in store.find_nodes(NodeKind.PERSON)}
    assert set(people) == {"person:alice@example.com", "person:bob@example.com", "person:carol@example.com"}
    assert people["person:bob@example.com"].properties["name"] == "Bob Builder"
    evaluation = store.find_nodes(NodeKind.COMMIT, {"name": "Add evaluation"})[0]
    roles = {e.target: e.properties["roles"] for e in store.get_edges([evaluation.id], "out", [EdgeType.ATTRIBUTED_TO])}
    assert roles == {"person:bob@example.com": ["author"], "person:alice@example.com": ["committer"]}


def test_second_run_reads_only_new_commits(store: GraphStore, git_repo: GitRepo) -> None:
    ingest(store, git_repo)
    again = ingest(store, git_repo)
    assert again["nodes"].get("commit", 0) == 0
    assert again["changes"]["nodes_created"] == again["changes"]["nodes_updated"] == 0
    new_sha = git_repo.commit("Fix typo", {"README.md": "# churn model\n"}, author="carol")
    third = ingest(store, git_repo)
    assert third["changes"]["nodes_created"] == 1
    assert third["nodes"]["commit"] == 2  # the new commit and the stub of its stored parent (unchanged)
    assert repo_node(store, git_repo).properties["heads"] == {"main": new_sha}
    parent = store.get_edges([node_id(NodeKind.COMMIT, new_sha)], "out", [EdgeType.PARENT])[0]
    assert store.get_node(parent.target).properties["message"] == "Merge branch 'feature'"


def test_branch_and_since(store: GraphStore, git_repo: GitRepo) -> None:
    ingest(store, git_repo, branch="feature")
    assert len(store.find_nodes(NodeKind.COMMIT)) == 4
    assert set(repo_node(store, git_repo).properties["heads"]) == {"feature"}
    # main shares two commits with feature: only main's own two are read
    report = ingest(store, git_repo, branch="main")
    assert report["changes"]["nodes_created"] == 3  # two commits and carol
    assert set(repo_node(store, git_repo).properties["heads"]) == {"feature", "main"}


def test_since_reads_a_range_and_stubs_the_boundary(store: GraphStore, git_repo: GitRepo) -> None:
    report = ingest(store, git_repo, since="feature")
    # only main's "Document setup" and the merge are after feature
    full = [n for n in store.find_nodes(NodeKind.COMMIT) if "message" in n.properties]
    assert sorted(n.properties["name"] for n in full) == ["Document setup", "Merge branch 'feature'"]
    assert report["edges"]["PARENT"] == 3


def test_unknown_branch_and_not_a_repo(store: GraphStore, git_repo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="unknown branch or revision 'nope'"):
        ingest(store, git_repo, branch="nope")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(IngestError, match="not a git repository"):
        ingest(store, _PlainRepo(plain))  # type: ignore[arg-type]
    assert store.counts()["nodes"].get("commit", 0) == 0


class _PlainRepo:
    def __init__(self, path: Path) -> None:
        self.path = path


def test_cli_dry_run_then_real_run(store: GraphStore, git_repo: GitRepo, run_cli) -> None:
    dry = run_cli(["ingest", "git", git_repo.path, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["nodes"]["commit"] == 6
    assert store.counts()["nodes"].get("commit", 0) == 0
    real = run_cli(["ingest", "git", git_repo.path, "--project", "churn", "--json"])
    assert real.exit_code == 0, real.output
    assert json.loads(real.output)["changes"]["nodes_created"] == 6 + 3 + 1 + 1
    commit = store.find_nodes(NodeKind.COMMIT)[0]
    assert commit.properties["project"] == "churn"
    assert [e.target for e in store.get_edges([commit.id], "out", [EdgeType.IN_PROJECT])] == ["project:churn"]
    text = run_cli(["ingest", "git", git_repo.path])
    assert text.exit_code == 0 and "unchanged" in text.output


def test_progress_counts_commits(store: GraphStore, git_repo: GitRepo) -> None:
    from tests.ingest.test_dataset import _Tally

    tally = _Tally()
    run_ingest(store, GitIngestor(GitConfig(path=git_repo.path), store, tally))
    assert tally.total == tally.done == 6
