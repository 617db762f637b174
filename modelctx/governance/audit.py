"""Audit reports: everything the graph knows about one model version, in one document.

``build_report`` collects the facts (identity and owners, upstream lineage,
training runs, reviews, deployments, monitoring, policy findings, the change
log's verification) into plain JSON data; ``modelctx.governance.render`` turns
that into Markdown, HTML or PDF. For a dataset version the report is its
impact: every downstream model version and deployment.

The report's ``digest`` is SHA-256 over the canonical JSON of everything else
in it, so a copy handed to an auditor can be checked against a fresh run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from modelctx.errors import ValidationError
from modelctx.governance import facts
from modelctx.governance.approval import approval_state
from modelctx.governance.policies import RuleConfig, check_policies
from modelctx.graph.changelog import VerifyResult
from modelctx.graph.lineage import impact, lineage
from modelctx.graph.model import EdgeType, Node, NodeKind, Subgraph, canonical_json
from modelctx.graph.store import GraphStore
from modelctx.times import format_iso, upper_bound
from modelctx.vocabulary import RunStatus, Severity

REPORT_VERSION = 1

AUDITABLE = (NodeKind.MODEL_VERSION, NodeKind.DATASET_VERSION)


def verification_summary(result: VerifyResult) -> dict[str, Any]:
    """The verify result plus one sentence that says where the chain breaks, if it does."""
    data = result.to_json()
    if result.ok:
        data["summary"] = f"change log intact: {result.checked} entries verified, head {result.head_hash}"
    else:
        data["summary"] = (
            f"change log BROKEN at entry {result.first_bad_seq}: {result.reason} "
            f"({result.checked} entries before it verified)"
        )
    return data


def _node_brief(node: Node, *keys: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "name": node.title}
    for key in keys:
        if key in node.properties:
            out[key] = node.properties[key]
    return out


def _people(store: GraphStore, node_id: str) -> list[dict[str, Any]]:
    return [_node_brief(p, "email") for p in facts.people_of(store, node_id)]


def _dataset_entries(store: GraphStore, sub: Subgraph) -> list[dict[str, Any]]:
    versions = [n for n in sub.nodes if n.kind is NodeKind.DATASET_VERSION]
    parents: dict[str, str] = {}
    for edge in sub.edges:
        if edge.type is EdgeType.VERSION_OF and edge.source in {v.id for v in versions}:
            parents[edge.source] = edge.target
    roles: dict[str, set[str]] = {}
    for edge in sub.edges:
        if edge.type is EdgeType.USED and edge.properties.get("role"):
            roles.setdefault(edge.target, set()).add(str(edge.properties["role"]))
    out = []
    for version in versions:
        entry = _node_brief(version, "digest", "rows", "uri", "format", "flagged", "flag_reason")
        entry["dataset"] = parents.get(version.id)
        entry["roles"] = sorted(roles.get(version.id, ()))
        out.append(entry)
    return out


def _run_entry(store: GraphStore, run: Node) -> dict[str, Any]:
    props = run.properties
    entry = _node_brief(run, "kind", "status", "started_at", "ended_at", "user")
    if "status" in entry:  # stores written before modelctx/vocabulary.py say FINISHED, KILLED …
        entry["status"] = str(RunStatus.parse(entry["status"]) or entry["status"])
    entry["params"] = props.get("params") or {}
    entry["metrics"] = props.get("metrics") or {}
    history = props.get("metric_history")
    if history:
        entry["metric_history"] = history
    entry["people"] = _people(store, run.id)
    return entry


def _review_entry(store: GraphStore, review: Node) -> dict[str, Any]:
    entry = _node_brief(review, "verdict", "reviewer", "at", "comment")
    entry["people"] = _people(store, review.id)
    return entry


def _monitoring_entry(report: Node) -> dict[str, Any]:
    entry = _node_brief(report, "severity", "at", "window", "performance", "drift")
    if "severity" in entry:  # on the one scale of modelctx/vocabulary.py (an old "warning" reads as medium)
        entry["severity"] = Severity.read(entry["severity"]).value
    return entry


def _deployment_entries(store: GraphStore, version_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    deployments: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for deployment in facts.deployments_of(store, version_id):
        entry = _node_brief(deployment, "environment", "endpoint", "status", "deployed_at", "retired_at")
        from modelctx.graph.lineage import is_active_deployment

        entry["active"] = is_active_deployment(deployment)
        reports = facts.monitoring_of(store, deployment.id)
        entry["monitoring"] = [_monitoring_entry(r) for r in reports]
        deployments.append(entry)
        # An alert is open while the newest report of an active deployment is not quiet.
        if reports and entry["active"]:
            latest = reports[-1]
            severity = Severity.read(latest.properties.get("severity"))
            if not severity.is_quiet:
                alerts.append({"deployment": deployment.id, "report": latest.id, "severity": severity.value,
                               "at": latest.properties.get("at")})
    return deployments, alerts


def _lineage_json(sub: Subgraph) -> dict[str, Any]:
    return {
        "nodes": [{"id": n.id, "kind": n.kind.value, "name": n.title} for n in sub.nodes],
        "edges": [{"source": e.source, "type": e.type.value, "target": e.target} for e in sub.edges],
    }


def _policy_results(
    store: GraphStore, related: set[str], rules: dict[str, RuleConfig] | None, now: datetime | None
) -> list[dict[str, Any]]:
    findings = check_policies(store, rules, now=now)
    return [f.to_json() for f in findings if related & set(f.nodes)]


def _model_version_report(
    store: GraphStore, node: Node, rules: dict[str, RuleConfig] | None, now: datetime | None,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    version_id = node.id
    model = facts.model_of(store, version_id)
    owners = sorted(set(facts.owner_values(node)) | set(facts.owner_values(model) if model else ()))
    people = _people(store, version_id) + (_people(store, model.id) if model else [])
    upstream = lineage(store, version_id, "up")
    by_kind: dict[NodeKind, list[Node]] = {}
    for n in upstream.nodes:
        by_kind.setdefault(n.kind, []).append(n)
    reviews = facts.reviews_of(store, version_id)
    deployments, alerts = _deployment_entries(store, version_id)
    related = {version_id, *(d["id"] for d in deployments), *(r.id for r in reviews)}
    if model:
        related.add(model.id)
    return {
        "subject": {
            **node.to_json(),
            "name": node.title,
            "model": _node_brief(model, "description") if model else None,
            "owners": owners,
            "people": people,
            "project": facts.project_of(node) or (facts.project_of(model) if model else None),
        },
        "lineage": {
            "datasets": _dataset_entries(store, upstream),
            "features": [_node_brief(n, "dtype", "description", "transformation")
                         for n in by_kind.get(NodeKind.FEATURE, [])],
            "commits": [_node_brief(n, "message", "author", "authored_at", "repo")
                        for n in by_kind.get(NodeKind.COMMIT, [])],
            "environments": [_node_brief(n, "python", "image") | {
                "packages": len(n.properties.get("packages") or [])}
                for n in by_kind.get(NodeKind.ENVIRONMENT, [])],
            "graph": _lineage_json(upstream),
        },
        "runs": [_run_entry(store, r) for r in by_kind.get(NodeKind.RUN, [])],
        "reviews": [_review_entry(store, r) for r in reviews],
        "approval": approval_state(reviews, as_of or now).to_json(),
        "deployments": deployments,
        "open_alerts": alerts,
        "policy_findings": _policy_results(store, related, rules, now),
    }


def _dataset_version_report(
    store: GraphStore, node: Node, rules: dict[str, RuleConfig] | None, now: datetime | None
) -> dict[str, Any]:
    affected = impact(store, node.id)
    downstream = lineage(store, node.id, "down")
    upstream = lineage(store, node.id, "up")
    deployments = [
        _node_brief(d, "environment", "endpoint", "status", "deployed_at")
        | {"model_versions": [e.target for e in store.get_edges([d.id], "out", [EdgeType.DEPLOYS])]}
        for d in affected.deployments
    ]
    related = {node.id, *(v.id for v in affected.model_versions), *(d.id for d in affected.deployments)}
    return {
        "subject": {**node.to_json(), "name": node.title, "project": facts.project_of(node),
                    "owners": facts.owner_values(node), "people": _people(store, node.id)},
        "lineage": {
            "datasets": _dataset_entries(store, upstream),
            "graph": _lineage_json(upstream),
            "downstream": _lineage_json(downstream),
        },
        "impact": {
            "model_versions": [_node_brief(v, "flagged") for v in affected.model_versions],
            "active_deployments": deployments,
        },
        "runs": [_run_entry(store, r) for r in downstream.nodes if r.kind is NodeKind.RUN],
        "policy_findings": _policy_results(store, related, rules, now),
    }


def build_report(
    store: GraphStore,
    node_id: str,
    *,
    as_of: str | datetime | None = None,
    rules: dict[str, RuleConfig] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The audit report of a model version (or the impact report of a dataset version) as JSON data.

    ``store`` is the caller's view: a project-scoped caller passes its project's
    view (``graph/scoped.py``) and the report holds nothing else.

    With ``as_of`` (a datetime, or ISO text read as the ``as_of`` parameter: a
    bare date is the end of that day) the graph is replayed from the change log
    to that time, and the report names that moment; the verification always
    covers the whole live chain, because an auditor needs to know whether the
    history the report was built from can be trusted.
    """
    verification = verification_summary(store.verify())
    when = upper_bound(as_of, "as_of") if isinstance(as_of, str) else as_of
    view = store.as_of(when) if when is not None else store
    node = view.get_node(node_id)
    if node.kind is NodeKind.MODEL_VERSION:
        kind, body = "model_version_audit", _model_version_report(view, node, rules, now, when)
    elif node.kind is NodeKind.DATASET_VERSION:
        kind, body = "dataset_version_impact", _dataset_version_report(view, node, rules, now)
    else:
        raise ValidationError(
            f"{node_id}: audit reports cover {' and '.join(k.value for k in AUDITABLE)} nodes, not {node.kind.value}"
        )
    report: dict[str, Any] = {
        "report": kind,
        "report_version": REPORT_VERSION,
        "store": store.uri,
        "as_of": format_iso(when) if when else None,
        "last_seq": view.last_seq(),
        **body,
        "verification": verification,
    }
    report["digest"] = report_digest(report)
    report["generated_at"] = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return report


def report_digest(report: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the report without its digest and generation time."""
    content = {k: v for k, v in report.items() if k not in ("digest", "generated_at")}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()
