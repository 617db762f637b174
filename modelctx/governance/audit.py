"""Audit reports: everything the graph knows about one model version, in one document.

``build_report`` collects the facts (identity and owners, upstream lineage,
training runs, reviews, deployments, monitoring, policy findings, the change
log's verification) into plain JSON data; ``modelctx.governance.render`` turns
that into Markdown, HTML or PDF. For a dataset version the report is its
impact: every downstream model version and deployment.

The report's ``digest`` is SHA-256 over the canonical JSON of everything else
in it, so a copy handed to an auditor can be checked against a fresh run.
``verification`` covers the hash chain and the stored tables against the log
(``graph/integrity.py``) and names the log's ``head``; ``checkpoint`` is that
head as a checkpoint (``graph/checkpoint.py``), so a filed JSON report is
itself one: ``modelctx verify --checkpoint report.json``.

Size and time are bounded. Beyond ``max_rows`` entries (the ``audit_max_rows``
limit, ``config.Limits``) a section keeps the nearest (or, for histories, the
latest) ``max_rows`` and the report says so: ``summarised`` names each cut
section with how many it shows of how many, and ``lineage.by_kind`` counts
everything upstream (``downstream_by_kind`` downstream, for a dataset version)
per kind. The walks count ids without loading nodes, so counting 200,000
upstream datasets costs little; only what is shown is loaded. A ``budget``
(``budget.py``) is checked between sections: TimeBudgetError when it runs out
or is stopped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from modelctx.budget import Budget
from modelctx.config import Limits
from modelctx.errors import ValidationError
from modelctx.governance import facts
from modelctx.governance.approval import approval_state
from modelctx.governance.model_card import model_card
from modelctx.governance.policies import RuleConfig, check_policies
from modelctx.graph.checkpoint import Checkpoint, signing_key_from_env
from modelctx.graph.events import event_time
from modelctx.graph.integrity import IntegrityResult
from modelctx.graph.lineage import count_kinds, impact, is_active_deployment, is_production_environment, walk_ids
from modelctx.graph.model import EdgeType, Node, NodeKind, Subgraph, canonical_json, kind_of_id
from modelctx.graph.store import GraphStore
from modelctx.times import format_iso, read_stored, upper_bound
from modelctx.vocabulary import Severity, run_status

#: 2: ``max_rows``, ``summarised`` and ``lineage.by_kind`` (the size limit) joined the report, and its digest.
#: 3: ``executive`` (the summary an auditor reads first), the version's ``facts``, dataset locations, schemas,
#: producers and flags, commit repositories and dirty flags, key packages, monitoring times and drift per
#: feature, ``notes``, ``overrides`` and the ``model_card``.
REPORT_VERSION = 3

AUDITABLE = (NodeKind.MODEL_VERSION, NodeKind.DATASET_VERSION)
#: Entries per section when the caller names no limit (``config.Limits``, MODELCTX_AUDIT_MAX_ROWS).
DEFAULT_MAX_ROWS = Limits().audit_max_rows


class _Bounds:
    """One report's size limit and budget, and the sections it cut (recorded as ``summarised``)."""

    def __init__(self, node_id: str, max_rows: int, budget: Budget | None) -> None:
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise ValidationError(f"max_rows must be a whole number, one or more, not {max_rows!r}")
        self.what = f"audit report of {node_id}"
        self.max_rows = max_rows
        self.budget = budget
        self.summarised: dict[str, dict[str, int]] = {}

    def check(self) -> None:
        if self.budget is not None:
            self.budget.check(self.what)

    def cap(self, section: str, items: list[Any], *, latest: bool = False, total: int | None = None) -> list[Any]:
        """The first ``max_rows`` items (the last with ``latest``); a cut is recorded under ``section``."""
        count = len(items) if total is None else total
        if count > self.max_rows:
            self.summarised[section] = {"shown": min(len(items), self.max_rows), "total": count}
        if len(items) <= self.max_rows:
            return items
        return items[-self.max_rows :] if latest else items[: self.max_rows]


@dataclass(slots=True)
class _Walked:
    """A bounded walk for a report: every id found (nearest first), the shown graph, the shown nodes by kind."""

    ids: dict[str, int]
    graph: Subgraph
    by_kind: dict[NodeKind, list[Node]]
    counts: dict[str, int]

    def shown(self, kind: NodeKind, section: str, bounds: _Bounds) -> list[Node]:
        """The shown nodes of ``kind``, capped as ``section``: a cut is of all of ``kind`` the walk found."""
        return bounds.cap(section, self.by_kind.get(kind, []), total=self.counts.get(kind.value, 0))


def _walk(store: GraphStore, node_id: str, direction: Literal["up", "down"], bounds: _Bounds, name: str) -> _Walked:
    """Walk all of ``direction`` within the budget, counting ids; load the nearest ``max_rows`` of each kind.

    ``graph`` is the nearest ``max_rows`` nodes overall with the lineage edges among them.
    """
    ids, cut = walk_ids(store, node_id, direction, depth=None, budget=bounds.budget)
    if cut == "time":
        bounds.check()
    per_kind: dict[NodeKind, list[str]] = {}
    for ident in ids:
        chosen = per_kind.setdefault(kind_of_id(ident), [])
        if len(chosen) < bounds.max_rows:
            chosen.append(ident)
    nearest = list(ids)[: bounds.max_rows]
    if len(ids) > bounds.max_rows:
        bounds.summarised[f"{name}.graph"] = {"shown": len(nearest), "total": len(ids)}
    wanted = dict.fromkeys(nearest)
    for chosen in per_kind.values():
        wanted.update(dict.fromkeys(chosen))
    loaded = store.subgraph(wanted)
    nodes = {n.id: n for n in loaded.nodes}
    keep = set(nearest)
    graph = Subgraph([nodes[i] for i in nearest if i in nodes],
                     [e for e in loaded.edges if e.source in keep and e.target in keep])
    by_kind = {kind: [nodes[i] for i in chosen if i in nodes] for kind, chosen in per_kind.items()}
    bounds.check()
    return _Walked(ids, graph, by_kind, count_kinds(ids))


def verification_summary(result: IntegrityResult) -> dict[str, Any]:
    """The verification (the chain and the tables, ``graph/integrity.py``) plus one sentence: what holds, or
    where it breaks — the chain's first bad entry, or the first place the tables differ from the log."""
    data = result.to_json()
    chain = result.chain
    if not chain.ok:
        data["summary"] = (
            f"change log BROKEN at entry {chain.first_bad_seq}: {chain.reason} "
            f"({chain.checked} entries before it verified)"
        )
    data["head"] = {"seq": chain.last_seq, "hash": chain.head_hash}
    return data


def _checkpoint(store: GraphStore, result: IntegrityResult, at: str) -> dict[str, Any] | None:
    """The log's head as a checkpoint ``modelctx verify --checkpoint`` takes (signed with MODELCTX_SIGNING_KEY
    when set), so a filed report is itself a checkpoint; None when the chain is broken (no head to vouch for)."""
    if not result.chain.ok:
        return None
    chain = result.chain
    return Checkpoint.of(chain.last_seq, chain.head_hash, store=store.uri, key=signing_key_from_env(),
                         at=at).to_json()


def _node_brief(node: Node, *keys: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "name": node.title}
    for key in keys:
        if key in node.properties:
            out[key] = node.properties[key]
    return out


def _people(store: GraphStore, node_id: str) -> list[dict[str, Any]]:
    return [_node_brief(p, "email") for p in facts.people_of(store, node_id)]


def _dataset_entries(store: GraphStore, walked: _Walked, bounds: _Bounds, section: str) -> list[dict[str, Any]]:
    """The dataset versions the walk found (at most ``max_rows``), their dataset and the roles they were used in.

    Parents and roles are read for the shown versions themselves, from edges
    within the walk, so they are right whatever the cut left out.
    """
    found = walked.ids
    versions = walked.shown(NodeKind.DATASET_VERSION, section, bounds)
    shown = [v.id for v in versions]
    parents: dict[str, str] = {}
    for edge in store.get_edges(shown, "out", [EdgeType.VERSION_OF]):
        if edge.target in found:
            parents[edge.source] = edge.target
    roles: dict[str, set[str]] = {}
    for edge in store.get_edges(shown, "in", [EdgeType.USED]):
        if edge.source in found and edge.properties.get("role"):
            roles.setdefault(edge.target, set()).add(str(edge.properties["role"]))
    producers: dict[str, list[str]] = {}
    for edge in store.get_edges(shown, "out", [EdgeType.GENERATED_BY, EdgeType.DERIVED_FROM]):
        said = "generated by" if edge.type is EdgeType.GENERATED_BY else "derived from"
        producers.setdefault(edge.source, []).append(f"{said} {edge.target}")
    out = []
    for version in versions:
        entry = _node_brief(version, "digest", "rows", "uri", "format", "flagged", "flag_reason")
        entry["location"] = location_of(version)
        entry["schema"] = schema_summary(version.properties.get("columns"))
        entry["producer"] = producers.get(version.id) or (
            [f"ingested from {version.properties['source']}"] if version.properties.get("source") else [])
        entry["flagged"] = facts.is_flagged(version)
        entry["dataset"] = parents.get(version.id)
        entry["roles"] = sorted(roles.get(version.id, ()))
        out.append(entry)
    return out


#: Columns a schema summary names; the rest are counted.
SCHEMA_NAMES = 8
#: Packages worth naming in an environment's summary when it has them (the rest are counted).
KEY_PACKAGES = ("scikit-learn", "numpy", "pandas", "scipy", "torch", "tensorflow", "keras", "xgboost", "lightgbm",
                "catboost", "onnxruntime", "transformers", "statsmodels", "mlflow", "modelctx")


def location_of(node: Node) -> str | None:
    """Where the data or artifact is: its URI, else its path, else its URL."""
    for key in ("uri", "path", "url", "location", "artifact_uri"):
        value = node.properties.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def schema_summary(columns: Any) -> dict[str, Any] | None:
    """``{"columns": n, "names": [...]}`` from a dataset version's ``columns`` (names or ``{name, dtype}``)."""
    if not isinstance(columns, list) or not columns:
        return None
    names = []
    for column in columns[:SCHEMA_NAMES]:
        if isinstance(column, dict):
            dtype = f" ({column['dtype']})" if column.get("dtype") else ""
            names.append(f"{column.get('name', '?')}{dtype}")
        else:
            names.append(str(column))
    return {"columns": len(columns), "names": names}


def key_packages(packages: Any) -> dict[str, str]:
    """The KEY_PACKAGES an environment has, with versions, from a ``{name: version}`` map or ``name==v`` list."""
    found: dict[str, str] = {}
    if isinstance(packages, dict):
        pairs = [(str(k), str(v)) for k, v in packages.items()]
    elif isinstance(packages, list):
        pairs = [(str(p).split("==", 1)[0], str(p).split("==", 1)[1] if "==" in str(p) else "") for p in packages]
    else:
        return found
    wanted = {p.lower(): p for p in KEY_PACKAGES}
    for name, version in pairs:
        if name.lower().replace("_", "-") in wanted:
            found[wanted[name.lower().replace("_", "-")]] = version
    return dict(sorted(found.items()))


def _commit_entries(store: GraphStore, walked: _Walked, bounds: _Bounds) -> list[dict[str, Any]]:
    """The commits the walk found with their repository and whether a run used them with uncommitted changes."""
    commits = walked.shown(NodeKind.COMMIT, "lineage.commits", bounds)
    shown = [c.id for c in commits]
    repos: dict[str, str] = {}
    repo_edges = store.get_edges(shown, "out", [EdgeType.IN_REPO])
    repo_nodes = store.get_nodes({e.target for e in repo_edges})
    for edge in repo_edges:
        repo = repo_nodes.get(edge.target)
        repos[edge.source] = (location_of(repo) or repo.title) if repo else edge.target
    dirty: dict[str, bool] = {}
    for edge in store.get_edges(shown, "in", [EdgeType.USED]):
        if edge.source in walked.ids and "dirty" in edge.properties:
            dirty[edge.target] = dirty.get(edge.target, False) or edge.properties["dirty"] is True
    out = []
    for commit in commits:
        entry = _node_brief(commit, "sha", "message", "author", "authored_at", "repo")
        entry["repo"] = repos.get(commit.id) or commit.properties.get("repo")
        entry["dirty"] = dirty.get(commit.id)
        out.append(entry)
    return out


def _notes(store: GraphStore, about: list[str], bounds: _Bounds) -> list[dict[str, Any]]:
    """Notes and insights (Insights ABOUT any of ``about``), oldest first, each once with what it is about."""
    edges = store.get_edges(about, "in", [EdgeType.ABOUT])
    subjects: dict[str, list[str]] = {}
    for edge in edges:
        subjects.setdefault(edge.source, []).append(edge.target)
    insights = facts.sort_by_time(n for n in store.get_nodes(subjects).values() if n.kind is NodeKind.INSIGHT)
    out = []
    for insight in bounds.cap("notes", insights, latest=True):
        when = event_time(insight)
        out.append({"id": insight.id, "text": insight.properties.get("text") or insight.title,
                    "author": insight.properties.get("author"), "at": when.isoformat() if when else None,
                    "category": insight.properties.get("category"), "about": sorted(subjects[insight.id])})
    return out


def _run_entry(store: GraphStore, run: Node, when: datetime | None = None) -> dict[str, Any]:
    props = run.properties
    entry = _node_brief(run, "kind", "status", "started_at", "ended_at", "user")
    if "status" in entry:  # today's words (FINISHED is COMPLETED) and LOST once the lease expired
        entry["status"] = str(run_status(props, when) or entry["status"])
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


#: Per-feature drift figures a report keeps (``modelctx/monitoring``), in this order.
DRIFT_FIGURES = ("psi", "ks_statistic", "ks_pvalue", "reference_mean", "current_mean", "severity")


def _monitoring_entry(report: Node) -> dict[str, Any]:
    entry = _node_brief(report, "severity", "window", "predictions", "performance", "prediction_drift",
                        "drifted_features")
    when = event_time(report)  # graph/events.py: a report's "at", else when it was made
    entry["at"] = when.isoformat() if when else None
    if "severity" in entry:  # on the one scale of modelctx/vocabulary.py (an old "warning" reads as medium)
        entry["severity"] = Severity.read(entry["severity"]).value
    drift = report.properties.get("drift")
    if isinstance(drift, list):
        entry["drift"] = [{"feature": d.get("feature"), **{k: d[k] for k in DRIFT_FIGURES if k in d}}
                          for d in drift if isinstance(d, dict)]
    elif drift is not None:
        entry["drift"] = drift
    return entry


def _deployment_entries(
    store: GraphStore, version_id: str, bounds: _Bounds
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    deployments: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for deployment in bounds.cap("deployments", facts.deployments_of(store, version_id), latest=True):
        entry = _node_brief(deployment, "environment", "endpoint", "status", "deployed_at", "retired_at",
                            "deployed_by")
        entry["active"] = is_active_deployment(deployment)
        entry["production"] = is_production_environment(deployment.properties.get("environment"))
        override = deployment.properties.get("governance_override")
        if isinstance(override, dict):
            entry["governance_override"] = override
        reports = facts.monitoring_of(store, deployment.id)
        entry["monitoring"] = [_monitoring_entry(r) for r in
                               bounds.cap(f"deployments.{deployment.id}.monitoring", reports, latest=True)]
        deployments.append(entry)
        alert = facts.open_alert(store, deployment)
        if alert is not None:
            latest, severity = alert
            when = event_time(latest)
            alerts.append({"deployment": deployment.id, "report": latest.id, "severity": severity.value,
                           "at": when.isoformat() if when else None})
    return deployments, alerts


def _lineage_json(sub: Subgraph) -> dict[str, Any]:
    return {
        "nodes": [{"id": n.id, "kind": n.kind.value, "name": n.title} for n in sub.nodes],
        "edges": [{"source": e.source, "type": e.type.value, "target": e.target}
                  | ({"role": str(e.properties["role"])} if e.properties.get("role") else {}) for e in sub.edges],
    }


def _policy_results(
    store: GraphStore, related: set[str], rules: dict[str, RuleConfig] | None, now: datetime | None
) -> list[dict[str, Any]]:
    findings = check_policies(store, rules, now=now)
    return [f.to_json() for f in findings if related & set(f.nodes)]


def _model_version_report(
    store: GraphStore, node: Node, rules: dict[str, RuleConfig] | None, now: datetime | None,
    as_of: datetime | None, bounds: _Bounds,
) -> dict[str, Any]:
    version_id = node.id
    model = facts.model_of(store, version_id)
    owners = sorted(set(facts.owner_values(node)) | set(facts.owner_values(model) if model else ()))
    people = _people(store, version_id) + (_people(store, model.id) if model else [])
    upstream = _walk(store, version_id, "up", bounds, "lineage")
    all_reviews = facts.reviews_of(store, version_id)
    reviews = bounds.cap("reviews", all_reviews, latest=True)
    deployments, alerts = _deployment_entries(store, version_id, bounds)
    bounds.check()
    runs = [_run_entry(store, r, as_of or now) for r in upstream.shown(NodeKind.RUN, "runs", bounds)]
    bounds.check()
    related = {version_id, *(d["id"] for d in deployments), *(r.id for r in reviews)}
    if model:
        related.add(model.id)
    datasets = _dataset_entries(store, upstream, bounds, "lineage.datasets")
    about = [version_id, *([model.id] if model else []), *(r["id"] for r in runs), *(d["id"] for d in deployments)]
    notes = _notes(store, about, bounds)
    card_notes = [n for n in store.get_nodes([x["id"] for x in notes]).values()]
    findings = _policy_results(store, related, rules, now)
    approval = approval_state(all_reviews, as_of or now)
    bounds.check()
    body = {
        "subject": {
            **node.to_json(),
            "name": node.title,
            "facts": _version_facts(node),
            "model": _node_brief(model, "description", "owner") if model else None,
            "owners": owners,
            "people": people,
            "project": facts.project_of(node) or (facts.project_of(model) if model else None),
        },
        "model_card": model_card(node, model, card_notes),
        "lineage": {
            "datasets": datasets,
            "features": [_node_brief(n, "dtype", "description", "transformation")
                         for n in upstream.shown(NodeKind.FEATURE, "lineage.features", bounds)],
            "commits": _commit_entries(store, upstream, bounds),
            "environments": [_node_brief(n, "python", "image", "platform", "digest") | {
                "packages": len(n.properties.get("packages") or []),
                "key_packages": key_packages(n.properties.get("packages"))}
                for n in upstream.shown(NodeKind.ENVIRONMENT, "lineage.environments", bounds)],
            "graph": _lineage_json(upstream.graph),
            "by_kind": upstream.counts,
        },
        "runs": runs,
        "reviews": [_review_entry(store, r) for r in reviews],
        "approval": approval.to_json(),
        "deployments": deployments,
        "open_alerts": alerts,
        "notes": notes,
        "overrides": [{"deployment": d["id"], "environment": d.get("environment"), **d["governance_override"]}
                      for d in deployments if isinstance(d.get("governance_override"), dict)],
        "policy_findings": findings,
    }
    body["executive"] = _executive(node, upstream, all_reviews, deployments, findings)
    return body


#: The model version's own facts an auditor checks first, in this order.
VERSION_FACTS = ("version", "digest", "artifact_uri", "artifact_format", "artifact_size", "framework", "estimator",
                 "description", "aliases", "metrics", "created_at", "created_by")


def _version_facts(node: Node) -> dict[str, Any]:
    return {key: node.properties[key] for key in VERSION_FACTS if node.properties.get(key) not in (None, "", [])}


def _executive(node: Node, upstream: _Walked, reviews: list[Node], deployments: list[dict[str, Any]],
               findings: list[dict[str, Any]]) -> dict[str, Any]:
    """What an auditor reads first: deployments against the approval in force when each went live, findings by
    severity, the newest drift of each active deployment, and flagged inputs (the approval and the
    verification are the report's own ``approval`` and ``verification``)."""
    history = []
    for deployment in deployments:
        at = read_stored(deployment.get("deployed_at"))
        then = approval_state(reviews, at) if at is not None else None
        history.append({
            "deployment": deployment["id"], "environment": deployment.get("environment"),
            "production": deployment["production"], "active": deployment["active"],
            "deployed_at": deployment.get("deployed_at"), "retired_at": deployment.get("retired_at"),
            "approval_when_deployed": then.state if then else None,
            "approved_by": then.to_json()["by"] if then and then.approved else None,
            "override": (deployment.get("governance_override") or {}).get("reason"),
        })
    by_severity: dict[str, int] = {}
    for finding in sorted(findings, key=lambda f: Severity.read(f["severity"]).rank, reverse=True):
        by_severity[finding["severity"]] = by_severity.get(finding["severity"], 0) + 1
    drift = []
    for deployment in deployments:
        if deployment["active"] and deployment["monitoring"]:
            latest = deployment["monitoring"][-1]
            drift.append({"deployment": deployment["id"], "report": latest["id"], "at": latest.get("at"),
                          "severity": latest.get("severity"),
                          "drifted_features": latest.get("drifted_features") or []})
    flagged = [{"id": n.id, "name": n.title, "kind": n.kind.value, "reason": n.properties.get("flag_reason"),
                "flagged_by": n.properties.get("flagged_by")}
               for kind in (NodeKind.MODEL_VERSION, NodeKind.DATASET_VERSION, NodeKind.DATASET)
               for n in ([node] if kind is NodeKind.MODEL_VERSION else []) + upstream.by_kind.get(kind, [])
               if facts.is_flagged(n)]
    return {"deployments": history, "findings_by_severity": by_severity, "drift": drift, "flagged_inputs": flagged}


def _dataset_version_report(
    store: GraphStore, node: Node, rules: dict[str, RuleConfig] | None, now: datetime | None,
    as_of: datetime | None, bounds: _Bounds,
) -> dict[str, Any]:
    affected = impact(store, node.id)
    bounds.check()
    downstream = _walk(store, node.id, "down", bounds, "lineage.downstream")
    upstream = _walk(store, node.id, "up", bounds, "lineage")
    active = bounds.cap("impact.active_deployments", affected.deployments)
    deployments = [
        _node_brief(d, "environment", "endpoint", "status", "deployed_at")
        | {"model_versions": [e.target for e in store.get_edges([d.id], "out", [EdgeType.DEPLOYS])]}
        for d in active
    ]
    related = {node.id, *(v.id for v in affected.model_versions), *(d.id for d in affected.deployments)}
    runs = downstream.shown(NodeKind.RUN, "runs", bounds)
    bounds.check()
    return {
        "subject": {**node.to_json(), "name": node.title, "project": facts.project_of(node),
                    "owners": facts.owner_values(node), "people": _people(store, node.id)},
        "lineage": {
            "datasets": _dataset_entries(store, upstream, bounds, "lineage.datasets"),
            "graph": _lineage_json(upstream.graph),
            "downstream": _lineage_json(downstream.graph),
            "by_kind": upstream.counts,
            "downstream_by_kind": downstream.counts,
        },
        "impact": {
            "model_versions": [_node_brief(v, "flagged")
                               for v in bounds.cap("impact.model_versions", affected.model_versions)],
            "active_deployments": deployments,
        },
        "runs": [_run_entry(store, r, as_of or now) for r in runs],
        "policy_findings": _policy_results(store, related, rules, now),
    }


def build_report(
    store: GraphStore,
    node_id: str,
    *,
    as_of: str | datetime | None = None,
    rules: dict[str, RuleConfig] | None = None,
    now: datetime | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    budget: Budget | None = None,
) -> dict[str, Any]:
    """The audit report of a model version (or the impact report of a dataset version) as JSON data.

    Sections hold at most ``max_rows`` entries and the report says which were
    cut (``summarised``); ``budget`` is checked between sections
    (TimeBudgetError when it runs out or is stopped).

    ``store`` is the caller's view: a project-scoped caller passes its project's
    view (``graph/scoped.py``) and the report holds nothing else.

    With ``as_of`` (a datetime, or ISO text read as the ``as_of`` parameter: a
    bare date is the end of that day) the graph is replayed from the change log
    to that time, and the report names that moment; the verification always
    covers the whole live chain, because an auditor needs to know whether the
    history the report was built from can be trusted.
    """
    bounds = _Bounds(node_id, max_rows, budget)
    verified = store.verify_integrity(progress=lambda _done: bounds.check())
    verification = verification_summary(verified)
    bounds.check()
    when = upper_bound(as_of, "as_of") if isinstance(as_of, str) else as_of
    view = store.as_of(when) if when is not None else store
    bounds.check()
    node = view.get_node(node_id)
    if node.kind is NodeKind.MODEL_VERSION:
        kind, body = "model_version_audit", _model_version_report(view, node, rules, now, when, bounds)
    elif node.kind is NodeKind.DATASET_VERSION:
        kind, body = "dataset_version_impact", _dataset_version_report(view, node, rules, now, when, bounds)
    else:
        raise ValidationError(
            f"{node_id}: audit reports cover {' and '.join(k.value for k in AUDITABLE)} nodes, not {node.kind.value}"
        )
    bounds.check()  # after the policy section, which checks the whole view
    report: dict[str, Any] = {
        "report": kind,
        "report_version": REPORT_VERSION,
        "store": store.uri,
        "as_of": format_iso(when) if when else None,
        "last_seq": view.last_seq(),
        **body,
        "verification": verification,
        "max_rows": max_rows,
        "summarised": bounds.summarised,
    }
    report["digest"] = report_digest(report)
    report["generated_at"] = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    report["checkpoint"] = _checkpoint(store, verified, report["generated_at"])
    return report


def report_digest(report: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the report without its digest, generation time and checkpoint.

    (The checkpoint holds the generation time, and its signature depends on the key of whoever ran it.)
    """
    content = {k: v for k, v in report.items() if k not in ("digest", "generated_at", "checkpoint")}
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()
