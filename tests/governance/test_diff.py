"""Diff of two model versions or two runs (``governance/diff.py``), in the package, the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from modelctx.api.app import create_app
from modelctx.api.tokens import create_token
from modelctx.cli import main
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.errors import ValidationError
from modelctx.governance.diff import diff_nodes, map_diff
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.refs import resolve_ref
from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness

K = NodeKind
E = EdgeType
COLS_1 = [{"name": "age", "dtype": "int64"}, {"name": "plan", "dtype": "object"},
          {"name": "zip", "dtype": "object"}]
COLS_2 = [{"name": "age", "dtype": "float64"}, {"name": "plan", "dtype": "object"},
          {"name": "tenure", "dtype": "int64"}]


def _world(store: GraphStore) -> None:
    def node(kind: NodeKind, key: str, **props: object) -> Node:
        return Node(f"{kind.value}:{key}", kind, dict(props))

    nodes = [
        node(K.MODEL, "churn", name="churn", project="crm"),
        node(K.MODEL_VERSION, "churn/1", model="churn", version=1, name="churn v1", project="crm",
             params={"C": 1.0, "solver": "lbfgs"}, metrics={"auc": 0.80, "f1": 0.5}),
        # v2 carries no copy of its run's params: they come from the run
        node(K.MODEL_VERSION, "churn/2", model="churn", version=2, name="churn v2", project="crm",
             metrics={"auc": 0.85, "f1": 0.5}),
        node(K.RUN, "sdk/r1", name="train 1", params={"C": 0.5, "solver": "lbfgs", "seed": 1},
             metrics={"auc": 0.79}, project="crm"),
        node(K.RUN, "sdk/r2", name="train 2", params={"C": 2.0, "solver": "lbfgs", "max_iter": 200},
             metrics={"auc": 0.85, "loss": 0.3}, project="crm"),
        node(K.DATASET_VERSION, "customers/d1", name="customers@1", dataset="customers", version="1",
             digest="sha256:d1", rows=1000, columns=COLS_1),
        node(K.DATASET_VERSION, "customers/d2", name="customers@2", dataset="customers", version="2",
             digest="sha256:d2", rows=1200, columns=COLS_2),
        node(K.DATASET_VERSION, "calendar/c1", name="calendar@1", dataset="calendar", version="1",
             digest="sha256:c1", rows=365),
        node(K.DATASET_VERSION, "holdout/h1", name="holdout@1", dataset="holdout", version="1",
             digest="sha256:h1", rows=50),
        node(K.FEATURE, "tenure", name="tenure"),
        node(K.FEATURE, "plan", name="plan"),
        node(K.COMMIT, "c1", message="first", author="Ana"),
        node(K.COMMIT, "c2", message="second", author="Ana"),
        node(K.COMMIT, "c3", message="third", author="Bo"),
        node(K.ENVIRONMENT, "e1", python="3.11.7", packages={"numpy": "1.26.0", "pandas": "2.1.0", "six": "1.16"}),
        node(K.ENVIRONMENT, "e2", python="3.12.1", packages={"numpy": "2.0.0", "pandas": "2.1.0", "scipy": "1.13"}),
        node(K.REVIEW, "rv1", verdict="approved", reviewer="bo", at="2026-01-02T00:00:00+00:00"),
        node(K.REVIEW, "rv2", verdict="rejected", reviewer="cy", at="2026-01-03T00:00:00+00:00"),
    ]
    edges = [
        Edge("model_version:churn/1", "model:churn", E.VERSION_OF),
        Edge("model_version:churn/2", "model:churn", E.VERSION_OF),
        Edge("model_version:churn/1", "run:sdk/r1", E.GENERATED_BY),
        Edge("model_version:churn/2", "run:sdk/r2", E.GENERATED_BY),
        Edge("run:sdk/r1", "dataset_version:customers/d1", E.USED, {"role": "training"}),
        Edge("run:sdk/r2", "dataset_version:customers/d2", E.USED, {"role": "training"}),
        Edge("run:sdk/r1", "dataset_version:calendar/c1", E.USED, {"role": "training"}),
        Edge("run:sdk/r2", "dataset_version:calendar/c1", E.USED, {"role": "training"}),
        Edge("run:sdk/r2", "dataset_version:holdout/h1", E.USED, {"role": "validation"}),
        Edge("run:sdk/r1", "feature:plan", E.USED),
        Edge("run:sdk/r2", "feature:plan", E.USED),
        Edge("run:sdk/r2", "feature:tenure", E.USED),
        Edge("commit:c2", "commit:c1", E.PARENT),
        Edge("commit:c3", "commit:c2", E.PARENT),
        Edge("run:sdk/r1", "commit:c1", E.USED, {"role": "code"}),
        Edge("run:sdk/r2", "commit:c3", E.USED, {"role": "code"}),
        Edge("run:sdk/r1", "environment:e1", E.USED),
        Edge("run:sdk/r2", "environment:e2", E.USED),
        Edge("review:rv1", "model_version:churn/1", E.REVIEWS),
        Edge("review:rv2", "model_version:churn/2", E.REVIEWS),
    ]
    store.write(nodes, edges)


def test_two_model_versions_differ_through_their_lineage(store: GraphStore) -> None:
    _world(store)
    diff = diff_nodes(store, resolve_ref(store, "churn@1"), resolve_ref(store, "churn@2"))
    assert diff["kind"] == "model_version"
    assert diff["runs"] == {"a": [{"id": "run:sdk/r1", "kind": "run", "title": "train 1"}],
                            "b": [{"id": "run:sdk/r2", "kind": "run", "title": "train 2"}]}
    # v1's own params win over its run's; v2 has none of its own, so its run's are used
    assert diff["parameters"] == {"added": {"max_iter": 200}, "removed": {"seed": 1},
                                  "changed": {"C": {"a": 1.0, "b": 2.0}}, "unchanged": ["solver"]}
    assert diff["metrics"]["added"] == {"loss": 0.3}
    assert diff["metrics"]["removed"] == {}
    assert diff["metrics"]["unchanged"] == ["f1"]
    assert diff["metrics"]["changed"]["auc"]["a"] == 0.80 and diff["metrics"]["changed"]["auc"]["b"] == 0.85
    assert diff["metrics"]["changed"]["auc"]["delta"] == pytest.approx(0.05)
    datasets = diff["datasets"]
    assert [d["id"] for d in datasets["added"]] == ["dataset_version:holdout/h1"]
    assert datasets["removed"] == []
    assert [d["id"] for d in datasets["unchanged"]] == ["dataset_version:calendar/c1"]
    [changed] = datasets["changed"]
    assert changed["dataset"] == "customers" and changed["role"] == "training"
    assert (changed["a"]["id"], changed["b"]["id"]) == ("dataset_version:customers/d1", "dataset_version:customers/d2")
    assert changed["digest_changed"] is True
    assert changed["rows"] == {"a": 1000, "b": 1200, "delta": 200}
    assert changed["columns"] == {"added": ["tenure"], "removed": ["zip"],
                                  "type_changed": {"age": {"a": "int64", "b": "float64"}}}
    assert diff["features"] == {"added": [{"id": "feature:tenure", "kind": "feature", "title": "tenure"}],
                                "removed": [], "unchanged": [{"id": "feature:plan", "kind": "feature",
                                                              "title": "plan"}]}
    commits = diff["commits"]
    assert [c["id"] for c in commits["a"]] == ["commit:c1"] and [c["id"] for c in commits["b"]] == ["commit:c3"]
    assert commits["same"] is False
    assert commits["between"]["from"] == "commit:c1" and commits["between"]["to"] == "commit:c3"
    assert [c["id"] for c in commits["between"]["commits"]] == ["commit:c3", "commit:c2"]
    assert commits["between"]["truncated"] is False
    env = diff["environment"]
    assert env["same"] is False and env["python"] == {"a": "3.11.7", "b": "3.12.1"}
    assert env["packages"] == {"added": {"scipy": "1.13"}, "removed": {"six": "1.16"},
                               "changed": {"numpy": {"a": "1.26.0", "b": "2.0.0"}}, "unchanged_count": 1}
    assert (diff["reviews"]["a"]["state"], diff["reviews"]["b"]["state"]) == ("approved", "rejected")
    assert [v["review"] for v in diff["reviews"]["b"]["verdicts"]] == ["review:rv2"]
    assert diff["truncated"] == []

    backwards = diff_nodes(store, resolve_ref(store, "churn@2"), resolve_ref(store, "churn@1"))
    assert backwards["commits"]["between"]["from"] == "commit:c1"  # the history is read in its own direction
    assert backwards["parameters"]["added"] == {"seed": 1}


def test_two_runs_compare_and_other_pairs_are_refused(store: GraphStore) -> None:
    _world(store)
    diff = diff_nodes(store, store.get_node("run:sdk/r1"), store.get_node("run:sdk/r2"))
    assert diff["kind"] == "run"
    assert diff["parameters"]["changed"] == {"C": {"a": 0.5, "b": 2.0}}
    assert diff["metrics"]["changed"]["auc"]["delta"] == pytest.approx(0.06)
    assert diff["reviews"]["a"]["versions"] == ["model_version:churn/1"]  # a run's reviews: its versions'
    with pytest.raises(ValidationError, match="diff compares two model versions or two runs; got model_version"):
        diff_nodes(store, store.get_node("model_version:churn/1"), store.get_node("run:sdk/r1"))
    with pytest.raises(ValidationError, match="got dataset_version"):
        diff_nodes(store, store.get_node("dataset_version:customers/d1"),
                   store.get_node("dataset_version:customers/d2"))


def test_map_diff_keeps_types_apart() -> None:
    assert map_diff({"x": 1, "y": True}, {"x": 1.5, "y": 1}, deltas=True) == {
        "added": {}, "removed": {}, "changed": {"x": {"a": 1, "b": 1.5, "delta": 0.5}, "y": {"a": True, "b": 1}},
        "unchanged": []}


def test_cli_and_api_diff(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> None:
    _world(store)
    uri = backend.uri(tmp_path)
    runner = CliRunner()
    as_json = runner.invoke(main, ["--store", uri, "diff", "churn@1", "churn@2", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["parameters"]["changed"] == {"C": {"a": 1.0, "b": 2.0}}
    text = runner.invoke(main, ["--store", uri, "diff", "churn@1", "churn@2"])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[:2] == ["diff churn v1 (model_version:churn/1)", "  -> churn v2 (model_version:churn/2)"]
    assert "  ~ C: 1.0 -> 2.0" in lines
    assert "  ~ auc: 0.8 -> 0.85  (+0.05)" in lines
    assert ("  ~ customers@1 -> customers@2 (training, rows 1000 -> 1200, columns added: tenure, "
            "columns removed: zip, age int64 -> float64)") in lines
    assert "  2 commit(s) from commit:c1 to commit:c3:" in lines
    assert lines[-1] == "review: approved -> rejected"
    refused = runner.invoke(main, ["--store", uri, "diff", "churn@1", "customers@1"])
    assert refused.exit_code == 4 and refused.stderr.startswith("error: diff compares two model versions or two runs")

    client = Client(store, Settings(home=tmp_path / "home"), "user:test")
    with TestClient(create_app(client), base_url="http://127.0.0.1") as http:
        response = http.get("/api/v1/diff", params={"a": "churn@1", "b": "model_version:churn/2"})
        assert response.status_code == 200
        assert response.json()["datasets"]["changed"][0]["rows"] == {"a": 1000, "b": 1200, "delta": 200}
        assert http.get("/api/v1/diff", params={"a": "churn@1", "b": "calendar@1"}).status_code == 422
        assert http.get("/api/v1/diff", params={"a": "churn@1"}).status_code == 422
        assert http.get("/api/v1/diff", params={"a": "churn@1", "b": "churn@9"}).status_code == 404
    with TestClient(create_app(client, require_tokens=True)) as secure:
        other = {"Authorization": f"Bearer {create_token(client, 'o', 'reader', 'other')[1]}"}
        hidden = secure.get("/api/v1/diff", params={"a": "churn@1", "b": "churn@2"}, headers=other)
        assert hidden.status_code == 404 and hidden.json()["detail"].startswith("no node with id 'churn@1'")
        crm = {"Authorization": f"Bearer {create_token(client, 'c', 'reader', 'crm')[1]}"}
        seen = secure.get("/api/v1/diff", params={"a": "run:sdk/r1", "b": "run:sdk/r2"}, headers=crm)
        assert seen.status_code == 200 and seen.json()["kind"] == "run"
