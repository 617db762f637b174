"""Review and deployment files attached to model versions, on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.records import RecordsConfig, RecordsIngestor
from modelctx.ingest.runner import run_ingest

REVIEWS = """\
- model: churn
  version: 3
  reviewer: Alice Liddell
  reviewer_email: Alice@Example.com
  verdict: approved
  reviewed_at: 2024-05-02T09:30:00Z
  comment: Calibration is good across regions.
  checklist: {bias_checked: true}
- id: rev-17
  model: churn
  version: "3"
  reviewer: bob
  verdict: changes_requested
  reviewed_at: 2024-05-03T10:00:00+02:00
  comment: Recall on new customers dropped.
"""

DEPLOYMENTS = [
    {"model": "churn", "version": 3, "environment": "production", "endpoint": "https://m.example.com/churn",
     "deployed_by": "carol@example.com", "deployed_at": "2024-05-03T08:00:00Z", "retired_at": "2024-06-01T08:00:00Z"},
    {"id": "dep-4", "model": "churn", "version": 4, "environment": "staging", "endpoint": "churn-staging",
     "deployed_by": "carol@example.com", "deployed_at": "2024-06-01T08:00:00Z"},
]


@pytest.fixture
def models(store: GraphStore) -> list[str]:
    """Model churn with versions 3 and 4, as a training run would have recorded them."""
    model = Node("model:churn", NodeKind.MODEL, {"name": "churn"})
    versions = [Node(node_id(NodeKind.MODEL_VERSION, "churn", v), NodeKind.MODEL_VERSION,
                     {"name": f"churn v{v}", "version": str(v)}) for v in (3, 4)]
    store.write([model, *versions], [Edge(v.id, model.id, EdgeType.VERSION_OF) for v in versions])
    return [v.id for v in versions]


def write(tmp_path: Path, name: str, content: str | list) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def ingest(store: GraphStore, path: Path, kind: str, **options: bool) -> dict:
    config = RecordsConfig(path=path, kind=kind, **options)  # type: ignore[arg-type]
    return run_ingest(store, RecordsIngestor(config, store)).to_json()


def test_reviews(store: GraphStore, models: list[str], tmp_path: Path) -> None:
    path = write(tmp_path, "reviews.yaml", REVIEWS)
    ingest(store, path, "reviews")
    reviews = {n.properties["reviewer"]: n for n in store.find_nodes(NodeKind.REVIEW)}
    alice, bob = reviews["Alice Liddell"], reviews["bob"]
    assert bob.id == "review:rev-17"
    assert alice.id.startswith("review:") and len(alice.id) == len("review:") + 64
    assert alice.properties["verdict"] == "approved"
    assert alice.properties["comment"] == "Calibration is good across regions."
    assert alice.properties["reviewed_at"] == alice.properties["at"] == "2024-05-02T09:30:00+00:00"
    assert alice.properties["checklist"] == {"bias_checked": True}
    assert alice.properties["reviewer_email"] == "alice@example.com"
    assert bob.properties["reviewed_at"] == "2024-05-03T10:00:00+02:00"
    for review in (alice, bob):
        assert [e.target for e in store.get_edges([review.id], "out", [EdgeType.REVIEWS])] == [models[0]]
    people = {e.source: e.target for e in store.get_edges([alice.id, bob.id], "out", [EdgeType.ATTRIBUTED_TO])}
    assert people == {alice.id: "person:alice@example.com", bob.id: "person:bob"}
    # the review is downstream of the model version: lineage reaches it
    assert set(store.reachable([models[0]], "down")) >= {alice.id, bob.id}
    again = ingest(store, path, "reviews")
    assert again["changes"]["nodes_created"] == again["changes"]["nodes_updated"] == 0


def test_deployments_from_json(store: GraphStore, models: list[str], tmp_path: Path) -> None:
    ingest(store, write(tmp_path, "deployments.json", DEPLOYMENTS), "deployments")
    by_env = {n.properties["environment"]: n for n in store.find_nodes(NodeKind.DEPLOYMENT)}
    prod, staging = by_env["production"], by_env["staging"]
    assert prod.properties["status"] == "retired"
    assert prod.properties["retired_at"] == "2024-06-01T08:00:00+00:00"
    assert staging.id == "deployment:dep-4" and staging.properties["status"] == "active"
    assert "retired_at" not in staging.properties
    assert store.get_edges([staging.id], "out", [EdgeType.DEPLOYS])[0].target == models[1]
    assert store.get_edges([prod.id], "out", [EdgeType.ATTRIBUTED_TO])[0].target == "person:carol@example.com"


def test_unknown_model_version_names_the_record(store: GraphStore, models: list[str], tmp_path: Path) -> None:
    records = [*DEPLOYMENTS, {**DEPLOYMENTS[1], "id": "dep-9", "version": 9}]
    path = write(tmp_path, "deployments.json", records)
    with pytest.raises(IngestError, match=r"deployments\.json, record 2 \(line \d+\), field 'version': "
                                          r"model version model_version:churn/9 is not in the graph"):
        ingest(store, path, "deployments")
    assert store.find_nodes(NodeKind.DEPLOYMENT) == []


def test_create_missing_makes_stubs(store: GraphStore, tmp_path: Path) -> None:
    path = write(tmp_path, "reviews.yaml", REVIEWS.replace("model: churn", "model: fraud"))
    ingest(store, path, "reviews", create_missing=True)
    version = store.get_node("model_version:fraud/3")
    assert version.properties["version"] == "3"
    assert [e.target for e in store.get_edges([version.id], "out", [EdgeType.VERSION_OF])] == ["model:fraud"]
    assert len(store.get_edges([version.id], "in", [EdgeType.REVIEWS])) == 2


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("reviews", "reviews.yaml", REVIEWS.replace("verdict: approved", "verdict: ok"),
         r"record 0 \(line 1\), field 'verdict': 'ok' is not one of"),
        ("reviews", "reviews.yaml", REVIEWS.replace("2024-05-03T10:00:00+02:00", "last tuesday"),
         r"record 1 \(line 9\), field 'reviewed_at': 'last tuesday' is not an ISO 8601 time"),
        ("reviews", "reviews.yaml", REVIEWS.replace("  comment: Recall", "  coment: Recall"),
         r"record 1 \(line 9\), field 'coment': Additional properties .*'coment' was unexpected\) \(1 more"),
        ("reviews", "reviews.yaml", "- model: churn\n  version: [3\n",
         r"reviews\.yaml: line \d+, column \d+: invalid YAML"),
        ("deployments", "deployments.json", json.dumps(DEPLOYMENTS)[:-3],
         r"deployments\.json: line 1, column \d+: invalid JSON"),
        ("deployments", "deployments.json", [{**DEPLOYMENTS[0], "retired_at": "2024-01-01T00:00:00Z"}],
         r"record 0 \(line 2\), field 'retired_at': 2024-01-01T00:00:00\+00:00 is before deployed_at"),
        ("deployments", "deployments.json", [{**DEPLOYMENTS[1], "environment": ""}],
         r"record 0 \(line 2\), field 'environment': '' should be non-empty"),
    ],
)
def test_malformed_files_write_nothing(
    store: GraphStore, models: list[str], tmp_path: Path, kind: str, name: str, content: str | list, message: str
) -> None:
    before = store.last_seq()
    with pytest.raises(IngestError, match=message):
        ingest(store, write(tmp_path, name, content), kind)
    assert store.last_seq() == before


def test_cli(store: GraphStore, models: list[str], tmp_path: Path, run_cli) -> None:
    reviews = write(tmp_path, "reviews.yaml", REVIEWS)
    result = run_cli(["ingest", "reviews", reviews, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["nodes"]["review"] == 2
    missing = write(tmp_path, "deployments.yaml", json.dumps([{**DEPLOYMENTS[1], "model": "nope"}]))
    failed = run_cli(["ingest", "deployments", missing])
    assert failed.exit_code == 6 and "model_version:nope/4 is not in the graph" in failed.stderr
    created = run_cli(["ingest", "deployments", missing, "--create-missing", "--project", "risk"])
    assert created.exit_code == 0, created.output
    assert store.get_node("model_version:nope/4").properties["project"] == "risk"
    assert store.get_node("deployment:dep-4").properties["project"] == "risk"


def test_documented_examples_ingest_through_the_cli(store: GraphStore, run_cli) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "formats"
    for kind in ("reviews", "deployments"):
        result = run_cli(["ingest", kind, docs / f"{kind}.example.yaml", "--create-missing"])
        assert result.exit_code == 0, result.output
    assert store.get_node("review:rev-2024-017").properties["verdict"] == "changes_requested"
    assert store.get_node("deployment:dep-churn-4-prod").properties["status"] == "active"
    impact = store.reachable(["model_version:churn/3"], "down")
    assert sum(1 for i in impact if i.startswith(("review:", "deployment:"))) == 2


def test_a_bare_email_keeps_the_name_git_gave(store: GraphStore, models: list[str], tmp_path: Path) -> None:
    store.write([Node("person:carol@example.com", NodeKind.PERSON, {"name": "Carol Danvers", "source": "git"})], [])
    ingest(store, write(tmp_path, "deployments.json", DEPLOYMENTS), "deployments")
    carol = store.get_node("person:carol@example.com")
    assert carol.properties["name"] == "Carol Danvers" and carol.properties["email"] == "carol@example.com"
