"""Audit reports: content, formats read back, the digest, tampering and as-of."""

from __future__ import annotations

import io
import json
import time

import pytest
from pypdf import PdfReader

from modelctx.errors import ValidationError
from modelctx.governance.audit import build_report, report_digest
from modelctx.governance.flags import flag_node
from modelctx.governance.render import render_report
from modelctx.graph.changelog import now_iso
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness
from tests.governance.world import governed_world


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_report_collects_the_model_versions_record(store: GraphStore, world: dict[str, Node]) -> None:
    report = build_report(store, world["version"].id)
    assert report["report"] == "model_version_audit"
    assert report["subject"]["owners"] == ["ana@example.org"]
    datasets = {d["id"]: d for d in report["lineage"]["datasets"]}
    assert datasets[world["clean"].id]["digest"] == "sha256:bbb"
    assert datasets[world["clean"].id]["rows"] == 11800 and datasets[world["clean"].id]["roles"] == ["training"]
    assert world["raw"].id in datasets
    assert [f["id"] for f in report["lineage"]["features"]] == [world["feature"].id]
    assert [c["id"] for c in report["lineage"]["commits"]] == [world["commit"].id]
    assert report["lineage"]["environments"][0]["packages"] == 2
    [run] = report["runs"]
    assert run["params"] == {"max_depth": 6, "n_estimators": 200} and run["metrics"]["auc"] == 0.91
    [review] = report["reviews"]
    assert (review["verdict"], review["reviewer"]) == ("approved", "bob@example.org")
    [deployment] = report["deployments"]
    assert deployment["active"] and [m["id"] for m in deployment["monitoring"]] == [world["report"].id]
    # The world's report was stored as "warning", monitoring's old middle level: it reads as medium.
    assert report["open_alerts"] == [{"deployment": world["deployment"].id, "report": world["report"].id,
                                      "severity": "medium", "at": "2026-01-20T00:00:00+00:00"}]
    assert deployment["monitoring"][0]["severity"] == "medium"
    # Stored FINISHED (an SDK run before the one vocabulary) reads as COMPLETED.
    assert run["status"] == "COMPLETED"
    assert report["approval"] == {
        "state": "approved", "approved": True, "by": "bob@example.org", "at": "2026-01-13T09:00:00+00:00",
        "review": world["review"].id,
        "reason": f"approved by bob@example.org at 2026-01-13T09:00:00Z ({world['review'].id})",
        "last_approval": {"review": world["review"].id, "verdict": "approved", "by": "bob@example.org",
                          "at": "2026-01-13T09:00:00+00:00"},
        "verdicts": [{"review": world["review"].id, "verdict": "approved", "by": "bob@example.org",
                      "at": "2026-01-13T09:00:00+00:00"}],
    }
    assert report["verification"]["ok"] is True
    assert report["digest"] == report_digest(report)
    # The monitoring report is months old by the time this test runs: the policy section says so.
    assert {f["rule"] for f in report["policy_findings"]} == {"stale_monitoring"}


def test_pdf_report_reads_back_with_datasets_reviewers_and_verdicts(store: GraphStore, world: dict[str, Node]) -> None:
    report = build_report(store, world["version"].id)
    data = render_report(report, "pdf")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("customers-clean@bbb", "sha256:bbb", "bob@example.org", "approved", "fairness checks pass",
                     "prod-churn-1", "change log intact", report["digest"][:32]):
        assert expected in text.replace("\n", ""), expected
    # the lineage diagram and the metric-history plot
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages) == 2


def test_html_and_markdown_carry_the_same_facts(store: GraphStore, world: dict[str, Node]) -> None:
    report = build_report(store, world["version"].id)
    page = render_report(report, "html").decode()
    assert page.count("data:image/png;base64,") == 2
    markdown = render_report(report, "md").decode()
    for text in (page, markdown):
        assert "bob@example.org" in text and "sha256:bbb" in text and report["digest"] in text
    assert json.loads(render_report(report, "json"))["digest"] == report["digest"]
    with pytest.raises(ValidationError, match="unknown report format"):
        render_report(report, "docx")


def test_digest_is_stable_and_changes_with_the_graph(store: GraphStore, world: dict[str, Node]) -> None:
    first = build_report(store, world["version"].id)
    assert build_report(store, world["version"].id)["digest"] == first["digest"]
    flag_node(store, world["clean"].id, "label leakage", actor="user:carol")
    assert build_report(store, world["version"].id)["digest"] != first["digest"]


def test_tampering_is_named_by_verify_and_the_report(store: GraphStore, backend: BackendHarness) -> None:
    nodes, edges, names = governed_world()
    store.write(nodes, [], actor="user:ana")
    store.write([], edges, actor="user:ana")
    store.write([Node(names["version"].id, names["version"].kind, {"stage": "production"})], [], actor="user:ana")
    assert store.verify().ok
    backend.tamper_change(store, 3)
    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    report = build_report(store, names["version"].id)
    assert report["verification"]["first_bad_seq"] == 3
    assert "BROKEN at entry 3" in report["verification"]["summary"]
    assert "BROKEN at entry 3" in pdf_text(render_report(report, "pdf"))


def test_as_of_before_the_review_reports_no_review(store: GraphStore) -> None:
    nodes, edges, names = governed_world()
    review = names["review"]
    store.write([n for n in nodes if n.id != review.id],
                [x for x in edges if review.id not in (x.source, x.target)], actor="user:ana")
    time.sleep(0.01)
    between = now_iso()
    time.sleep(0.01)
    store.write([review], [x for x in edges if review.id in (x.source, x.target)], actor="user:bob")
    past = build_report(store, names["version"].id, as_of=between)
    assert past["reviews"] == [] and past["as_of"] == between
    assert {f["rule"] for f in past["policy_findings"]} >= {"deployed_without_approval"}
    assert [r["id"] for r in build_report(store, names["version"].id)["reviews"]] == [review.id]


def test_dataset_version_report_is_its_impact(store: GraphStore, world: dict[str, Node]) -> None:
    report = build_report(store, world["raw"].id)
    assert report["report"] == "dataset_version_impact"
    assert [v["id"] for v in report["impact"]["model_versions"]] == [world["version"].id]
    assert [d["id"] for d in report["impact"]["active_deployments"]] == [world["deployment"].id]
    text = pdf_text(render_report(report, "pdf"))
    assert "churn v1" in text or world["version"].id in text


def test_other_kinds_are_refused(store: GraphStore, world: dict[str, Node]) -> None:
    with pytest.raises(ValidationError, match="audit reports cover"):
        build_report(store, world["run"].id)


def test_metric_history_shapes() -> None:
    from modelctx.governance.plots import metric_history_plot

    for history in ({"acc": {"steps": [10, 20], "values": [0.8, 0.9]}}, {"acc": [[0, 0.8], [1, 0.9]]},
                    {"acc": [0.8, 0.9]}, [{"key": "acc", "step": 0, "value": 0.8}]):
        png = metric_history_plot(history, "t")
        assert png is not None and png.startswith(b"\x89PNG")
    assert metric_history_plot({"acc": "high"}, "t") is None
