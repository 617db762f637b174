"""The one vocabulary: every legacy and foreign spelling reads as one canonical member."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelctx
from modelctx.errors import ValidationError
from modelctx.governance.policies import load_rules
from modelctx.graph.model import NodeKind
from modelctx.vocabulary import RunStatus, Severity, Verdict


@pytest.mark.parametrize(("stored", "member"), [
    ("FINISHED", RunStatus.COMPLETED),  # SDK runs before the vocabulary, and MLflow
    ("finished", RunStatus.COMPLETED),
    ("COMPLETE", RunStatus.COMPLETED),  # OpenLineage eventType
    ("COMPLETED", RunStatus.COMPLETED),
    ("KILLED", RunStatus.ABORTED),  # MLflow
    ("ABORT", RunStatus.ABORTED),
    ("FAIL", RunStatus.FAILED),
    ("failed", RunStatus.FAILED),
    ("START", RunStatus.RUNNING),
    (" running ", RunStatus.RUNNING),
    ("SCHEDULED", RunStatus.SCHEDULED),
])
def test_run_status_synonyms(stored: str, member: RunStatus) -> None:
    assert RunStatus.parse(stored) is member


def test_run_status_unknown_is_none_and_final_states() -> None:
    assert RunStatus.parse("OTHER") is None
    assert RunStatus.parse(None) is None
    assert RunStatus.parse("") is None
    assert [s.value for s in RunStatus if s.is_final] == ["COMPLETED", "FAILED", "ABORTED"]
    assert RunStatus.COMPLETED == "COMPLETED" and str(RunStatus.COMPLETED) == "COMPLETED"


@pytest.mark.parametrize(("stored", "member"), [
    ("approved", Verdict.APPROVED),
    ("Approved", Verdict.APPROVED),
    ("approve", Verdict.APPROVED),
    ("accepted", Verdict.APPROVED),
    ("REJECTED", Verdict.REJECTED),
    ("reject", Verdict.REJECTED),
    ("changes_requested", Verdict.CHANGES_REQUESTED),
    ("Changes Requested", Verdict.CHANGES_REQUESTED),
    ("changes-requested", Verdict.CHANGES_REQUESTED),
    ("  changes  requested ", Verdict.CHANGES_REQUESTED),
    ("request changes", Verdict.CHANGES_REQUESTED),
])
def test_verdict_spellings(stored: str, member: Verdict) -> None:
    assert Verdict.parse(stored) is member


def test_a_comment_is_no_verdict_and_require_names_where() -> None:
    assert Verdict.parse("commented") is None
    assert Verdict.parse(None) is None
    with pytest.raises(ValidationError, match=r"^reviews\.yaml: 'meh' is not one of approved, rejected, "
                                              r"changes_requested$"):
        Verdict.require("meh", "reviews.yaml")


@pytest.mark.parametrize(("stored", "member"), [
    ("warning", Severity.MEDIUM),  # monitoring's old middle level
    ("Warning", Severity.MEDIUM),
    ("none", Severity.OK),
    ("pass", Severity.OK),
    ("passed", Severity.OK),
    ("error", Severity.HIGH),
    ("critical", Severity.CRITICAL),
    ("info", Severity.INFO),
])
def test_severity_synonyms(stored: str, member: Severity) -> None:
    assert Severity.parse(stored) is member


def test_severity_is_one_ordered_scale() -> None:
    assert [s.value for s in sorted(Severity, reverse=True)] == ["critical", "high", "medium", "low", "info", "ok"]
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4, 5]
    # ordered by the scale, not by spelling ("high" < "low" as strings)
    assert Severity.HIGH > Severity.LOW and Severity.CRITICAL > Severity.HIGH
    assert Severity.MEDIUM >= "warning" and Severity.OK < "warning"
    assert max([Severity.LOW, Severity.CRITICAL, Severity.MEDIUM]) is Severity.CRITICAL
    assert [s.value for s in Severity if s.is_quiet] == ["ok", "info", "low"]


def test_severity_read_of_stored_values() -> None:
    assert Severity.read(None) is Severity.OK
    assert Severity.read("") is Severity.OK
    assert Severity.read("warning") is Severity.MEDIUM
    # a word nobody defined is worth a look, not silence
    assert Severity.read("spicy") is Severity.MEDIUM
    with pytest.raises(ValidationError, match=r"^rules\.yaml: rules\.no_owner\.severity: 'spicy' is not one of ok, "
                                              r"info, low, medium, high, critical$"):
        Severity.require("spicy", "rules.yaml: rules.no_owner.severity")


def test_a_rules_file_speaks_the_one_severity_scale(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text("rules:\n  no_owner: {severity: Warning}\n  stale_monitoring: {severity: error}\n")
    config = load_rules(rules_file)
    assert (config["no_owner"].severity, config["stale_monitoring"].severity) == ("medium", "high")
    rules_file.write_text("rules:\n  no_owner: {severity: urgent}\n")
    with pytest.raises(ValidationError, match=rf"^{rules_file}: rules\.no_owner\.severity: 'urgent' is not one of "
                                              r"ok, info, low, medium, high, critical$"):
        load_rules(rules_file)


def test_sdk_runs_end_with_canonical_statuses(tmp_path: Path) -> None:
    with modelctx.connect(f"sqlite:///{tmp_path / 'g.db'}", actor="user:ana") as client:
        with client.run(name="ok", capture_code=False, capture_environment=False) as ok:
            pass
        legacy = client.run(name="legacy", capture_code=False, capture_environment=False)
        legacy.start()
        legacy.end("FINISHED")  # the old spelling is still understood, and written as COMPLETED
        killed = client.run(name="killed", capture_code=False, capture_environment=False)
        killed.start()
        with pytest.raises(ValidationError, match=rf"^run {killed.id}: a run ends COMPLETED, FAILED, ABORTED, "
                                                  r"not 'RUNNING'$"):
            killed.end("RUNNING")
        killed.end("KILLED")
        statuses = {n.properties["name"]: n.properties["status"] for n in client.store.find_nodes(NodeKind.RUN)}
    assert statuses == {"ok": "COMPLETED", "legacy": "COMPLETED", "killed": "ABORTED"}
    assert ok.status == "COMPLETED" and type(ok.status) is str
