"""The governance commands end to end through the CLI, on every backend."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from prov.model import ProvDocument
from pypdf import PdfReader

from modelctx.cli import main
from modelctx.graph.changelog import now_iso
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness
from tests.governance.world import governed_world

VERSION = "model_version:churn/1"
RAW = "dataset_version:customers/sha256-aaa"


@pytest.fixture
def uri(store: GraphStore, backend: BackendHarness, tmp_path: Path) -> str:
    """The URI of the test's store with its credentials (``store.uri`` has the password removed)."""
    return backend.uri(tmp_path)


def run(uri: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--store", uri, *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_audit_pdf_and_formats(store: GraphStore, world: dict[str, Node], uri: str, tmp_path: Path) -> None:
    out = tmp_path / "audit.pdf"
    code, _ = run(uri, "audit", VERSION, "--format", "pdf", "-o", str(out))
    assert code == 0
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "customers-clean@bbb" in text and "bob@example.org" in text and "approved" in text
    code, output = run(uri, "audit", VERSION, "--format", "json")
    assert code == 0 and json.loads(output)["subject"]["id"] == VERSION
    code, output = run(uri, "audit", VERSION)
    assert code == 0 and output.startswith("# Audit report: churn v1")


def test_audit_and_verify_name_the_tampered_entry(
    store: GraphStore, backend: BackendHarness, uri: str, tmp_path: Path
) -> None:
    nodes, edges, _ = governed_world()
    store.write(nodes, edges)
    backend.tamper_change(store, 1)
    code, output = run(uri, "verify")
    assert code == 10 and "BROKEN at entry 1" in output
    out = tmp_path / "audit.html"
    code, output = run(uri, "audit", VERSION, "--format", "html", "-o", str(out))
    assert code == 10 and "BROKEN at entry 1" in output
    assert "BROKEN at entry 1" in out.read_text()


def test_as_of_on_show_lineage_and_audit(store: GraphStore, uri: str) -> None:
    nodes, edges, names = governed_world()
    review = names["review"]
    store.write([x for x in nodes if x.id != review.id], [x for x in edges if review.id not in (x.source, x.target)])
    time.sleep(0.01)
    between = now_iso()
    time.sleep(0.01)
    store.write([review], [x for x in edges if review.id in (x.source, x.target)])
    code, output = run(uri, "show", VERSION, "--as-of", between, "--json")
    assert code == 0 and all(x["type"] != "REVIEWS" for x in json.loads(output)["edges"])
    code, output = run(uri, "show", VERSION, "--json")
    assert any(x["type"] == "REVIEWS" for x in json.loads(output)["edges"])
    code, output = run(uri, "lineage", "review:rv-1", "--as-of", between)
    assert code == 3
    code, output = run(uri, "lineage", VERSION, "--as-of", between, "--json")
    assert code == 0 and VERSION in {x["id"] for x in json.loads(output)["nodes"]}
    code, output = run(uri, "audit", VERSION, "--as-of", between, "--format", "json")
    assert code == 0 and json.loads(output)["reviews"] == []
    code, output = run(uri, "show", VERSION, "--as-of", "last tuesday")
    assert code == 4


def test_flag_impact_and_policy_check(store: GraphStore, world: dict[str, Node], uri: str, tmp_path: Path) -> None:
    code, output = run(uri, "policy", "check", "--json")
    assert code == 0 and "trained_on_flagged_data" not in output
    code, output = run(uri, "flag", RAW, "--reason", "consent withdrawn")
    assert code == 0 and "affects 1 model version(s) and 1 active deployment(s)" in output
    code, output = run(uri, "impact", RAW, "--json")
    assert [d["id"] for d in json.loads(output)["active_deployments"]] == ["deployment:prod-churn-1"]
    code, output = run(uri, "policy", "check")
    assert code == 0
    assert "trained_on_flagged_data: active deployment deployment:prod-churn-1" in output
    assert "model_version:churn/1 -GENERATED_BY-> run:mlflow/4b1e" in output
    code, _ = run(uri, "policy", "check", "--strict")
    assert code == 11
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  trained_on_flagged_data: false\n  stale_monitoring: {enabled: false}\n")
    code, output = run(uri, "policy", "check", "--rules", str(rules), "--strict")
    assert (code, output.strip()) == (0, "no policy findings")
    code, output = run(uri, "flag", "run:mlflow/4b1e", "--reason", "x")
    assert code == 4 and "cannot be flagged" in output


def test_export_prov(store: GraphStore, world: dict[str, Node], uri: str, tmp_path: Path) -> None:
    out = tmp_path / "prov.json"
    code, _ = run(uri, "export", "prov", VERSION, "-o", str(out))
    assert code == 0
    document = ProvDocument.deserialize(content=out.read_text(), format="json")
    assert "run:mlflow/4b1e" in document.get_provn()


def test_portfolio(store: GraphStore, world: dict[str, Node], uri: str, tmp_path: Path) -> None:
    code, output = run(uri, "portfolio", "--json", "-o", str(tmp_path / "plots"))
    data = json.loads(output)
    assert code == 0 and data["totals"]["compute_hours"] == 2.5
    assert sorted(Path(p).name for p in data["plots"]) == ["activity.png", "models_by_state.png"]
    code, output = run(uri, "portfolio")
    assert "in production: model_version:churn/1 on deployment:prod-churn-1 review=approved severity=medium" in output
