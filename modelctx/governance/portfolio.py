"""The portfolio: the pulse of the whole practice, per project, for the people who govern it.

Per project: runs per ISO week and compute hours (from run start and end
times; a LOST run, whose process died, counts to its last heartbeat), runs
lost, models in production (active deployments to a production environment,
``graph/lineage.py`` is_in_production) with their review state and latest monitoring
severity, open policy findings, and flagged datasets with what depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from modelctx.governance import facts
from modelctx.governance.approval import approval_of
from modelctx.governance.policies import Finding, RuleConfig, check_policies
from modelctx.graph.lineage import impact, is_in_production
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.times import read_stored
from modelctx.vocabulary import RunStatus, Severity, run_status

NO_PROJECT = "(no project)"


@dataclass(slots=True)
class ProjectPulse:
    name: str
    runs: int = 0
    runs_lost: int = 0
    compute_hours: float = 0.0
    runs_per_week: dict[str, int] = field(default_factory=dict)
    production: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        by_rule: dict[str, int] = {}
        for finding in self.findings:
            by_rule[finding["rule"]] = by_rule.get(finding["rule"], 0) + 1
        return {
            "project": self.name,
            "runs": self.runs,
            "runs_lost": self.runs_lost,
            "compute_hours": round(self.compute_hours, 3),
            "runs_per_week": dict(sorted(self.runs_per_week.items())),
            "models_in_production": self.production,
            "open_findings": len(self.findings),
            "findings_by_rule": dict(sorted(by_rule.items())),
            "findings": self.findings,
            "flagged": self.flagged,
        }


def iso_week(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _project(node: Node, *others: Node | None) -> str:
    for candidate in (node, *others):
        if candidate is not None and facts.project_of(candidate):
            return str(facts.project_of(candidate))
    return NO_PROJECT


def build_portfolio(
    store: GraphStore, *, rules: dict[str, RuleConfig] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Per-project figures as JSON data, projects sorted by name."""
    pulses: dict[str, ProjectPulse] = {}

    def pulse(name: str) -> ProjectPulse:
        return pulses.setdefault(name, ProjectPulse(name))

    for run in store.iter_nodes(NodeKind.RUN):
        target = pulse(_project(run))
        target.runs += 1
        started = read_stored(run.properties.get("started_at"))
        ended = read_stored(run.properties.get("ended_at"))
        if run_status(run.properties, now) is RunStatus.LOST:  # modelctx/vocabulary.py: its lease expired
            target.runs_lost += 1
            ended = ended or read_stored(run.properties.get("heartbeat_at"))  # its last sign of life
        if started is not None:
            week = iso_week(started)
            target.runs_per_week[week] = target.runs_per_week.get(week, 0) + 1
            if ended is not None and ended >= started:
                target.compute_hours += (ended - started).total_seconds() / 3600
    for deployment in store.iter_nodes(NodeKind.DEPLOYMENT):
        if not is_in_production(deployment):  # staging and sandboxes are not production (graph/lineage.py)
            continue
        for version in facts.targets_of(store, deployment.id, EdgeType.DEPLOYS):
            reports = facts.monitoring_of(store, deployment.id)
            latest = reports[-1] if reports else None
            pulse(_project(deployment, version)).production.append({
                "deployment": deployment.id,
                "model_version": version.id,
                "name": version.title,
                "environment": deployment.properties.get("environment"),
                "review_state": approval_of(store, version.id, now).state,
                "latest_severity": Severity.read(latest.properties.get("severity")).value if latest else None,
                "latest_report": latest.id if latest else None,
            })
    findings: list[Finding] = check_policies(store, rules, now=now)
    for finding in findings:
        pulse(finding.project or NO_PROJECT).findings.append(finding.to_json())
    for kind in (NodeKind.DATASET, NodeKind.DATASET_VERSION, NodeKind.MODEL_VERSION):
        for node in store.iter_nodes(kind):
            if not facts.is_flagged(node):
                continue
            affected = impact(store, node.id)
            pulse(_project(node)).flagged.append({
                "id": node.id,
                "name": node.title,
                "reason": node.properties.get("flag_reason"),
                "flagged_by": node.properties.get("flagged_by"),
                "dependent_model_versions": [v.id for v in affected.model_versions if v.id != node.id],
                "dependent_deployments": [d.id for d in affected.deployments],
            })
    projects = [pulses[name].to_json() for name in sorted(pulses)]
    return {"projects": projects, "totals": totals_of(projects)}


def totals_of(projects: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over project entries (also used to total a project-scoped cut)."""
    return {
        "runs": sum(p["runs"] for p in projects),
        "compute_hours": round(sum(p["compute_hours"] for p in projects), 3),
        "models_in_production": sum(len(p["models_in_production"]) for p in projects),
        "open_findings": sum(p["open_findings"] for p in projects),
        "flagged": sum(len(p["flagged"]) for p in projects),
    }


def portfolio_plots(portfolio: dict[str, Any]) -> dict[str, bytes]:
    """PNG plots: runs per week per project, and production models by review state per project."""
    from modelctx.governance.plots import bar_chart, line_chart

    activity = {p["project"]: list(p["runs_per_week"].items()) for p in portfolio["projects"] if p["runs_per_week"]}
    states: dict[str, dict[str, int]] = {}
    for p in portfolio["projects"]:
        for model in p["models_in_production"]:
            counts = states.setdefault(p["project"], {})
            counts[model["review_state"]] = counts.get(model["review_state"], 0) + 1
    return {
        "activity.png": line_chart(activity, "training runs per week", "runs"),
        "models_by_state.png": bar_chart(states, "models in production by review state", "models"),
    }


def write_plots(portfolio: dict[str, Any], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, png in portfolio_plots(portfolio).items():
        path = directory / name
        path.write_bytes(png)
        written.append(path)
    return written
