"""Governance policies: built-in rules checked against the graph, configurable in YAML.

Each finding names its rule, the nodes involved and the evidence path — the
edges in the graph that show the violation — so an auditor can follow it
with ``modelctx show`` and ``modelctx lineage``.

A rules file looks like::

    rules:
      deployed_without_approval: {severity: high}
      self_approval: {enabled: false}
      stale_monitoring: {days: 14, severity: medium}

Rules not named keep their defaults; unknown rule names or parameters are
errors naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from modelctx.errors import ValidationError
from modelctx.governance import facts
from modelctx.governance.approval import approval_state
from modelctx.graph.lineage import is_active_deployment, is_production_environment
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.times import now as current_time
from modelctx.vocabulary import Severity, Verdict


@dataclass(slots=True)
class Finding:
    """One violation: the rule, its severity, the nodes involved and the edges that show it."""

    rule: str
    severity: str
    message: str
    nodes: list[str]
    evidence: list[Edge] = field(default_factory=list)
    project: str | None = None

    @property
    def subject(self) -> str:
        return self.nodes[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "nodes": self.nodes,
            "evidence": [{"source": e.source, "type": e.type.value, "target": e.target} for e in self.evidence],
            "project": self.project,
        }


@dataclass(slots=True)
class RuleConfig:
    enabled: bool = True
    severity: str = "high"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Context:
    """What every rule gets: the store, the clock and its own parameters."""

    store: GraphStore
    now: datetime
    params: dict[str, Any]


RuleFn = Callable[[Context], Iterator[tuple[str, list[str], list[Edge]]]]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    description: str
    severity: str
    params: Mapping[str, Any]
    check: RuleFn


def _deployments(store: GraphStore, *, include_retired: bool = False) -> Iterator[tuple[Node, Node | None]]:
    """Deployments (active ones unless ``include_retired``) with the model version each deploys."""
    for deployment in store.iter_nodes(NodeKind.DEPLOYMENT):
        if not include_retired and not is_active_deployment(deployment):
            continue
        versions = facts.targets_of(store, deployment.id, EdgeType.DEPLOYS)
        yield deployment, (versions[0] if versions else None)


def _describe(deployment: Node) -> str:
    """A deployment's id, marked when retired or deployed through a governance override."""
    text = deployment.id if is_active_deployment(deployment) else f"{deployment.id} (retired)"
    override = deployment.properties.get("governance_override")
    if isinstance(override, dict) and override.get("reason"):
        text += f" [deployed with a governance override: {override['reason']}]"
    return text


def _deployed_without_approval(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    # A retired deployment still served traffic: the violation stays on the record.
    for deployment, version in _deployments(ctx.store, include_retired=bool(ctx.params.get("include_retired"))):
        if version is None:
            continue
        link = Edge(deployment.id, version.id, EdgeType.DEPLOYS)
        reviews = facts.reviews_of(ctx.store, version.id)
        at_deployment = approval_state(reviews, facts.event_time(deployment))
        if at_deployment.approved:
            continue
        if at_deployment.objected and at_deployment.in_force is not None:
            objection = at_deployment.in_force
            yield (f"{_describe(deployment)} deploys {version.id}, not approved when deployed: {at_deployment.reason}",
                   [deployment.id, version.id, objection.id],
                   [link, Edge(objection.id, version.id, EdgeType.REVIEWS)])
            continue
        late = approval_state(reviews).last_approval
        if late is not None:
            yield (
                f"{_describe(deployment)} deploys {version.id}, approved only after it was deployed ({late.id})",
                [deployment.id, version.id, late.id],
                [link, Edge(late.id, version.id, EdgeType.REVIEWS)],
            )
        else:
            yield (f"{_describe(deployment)} deploys {version.id}, which has no approved review",
                   [deployment.id, version.id], [link])


def _deployed_after_rejection(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    # The graver case of deployed_without_approval: an objection was in force when it went live.
    for deployment, version in _deployments(ctx.store, include_retired=bool(ctx.params.get("include_retired"))):
        if version is None:
            continue
        state = approval_state(facts.reviews_of(ctx.store, version.id), facts.event_time(deployment))
        if not state.objected or state.in_force is None:
            continue
        objection = state.in_force
        verdict = "rejected" if state.state == Verdict.REJECTED else "sent back with changes requested"
        yield (
            f"{_describe(deployment)} deploys {version.id} after it was {verdict} in {objection.id}"
            + (f" by {objection.properties['reviewer']}" if objection.properties.get("reviewer") else ""),
            [deployment.id, version.id, objection.id],
            [Edge(deployment.id, version.id, EdgeType.DEPLOYS), Edge(objection.id, version.id, EdgeType.REVIEWS)],
        )


def _serving_without_approval(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    # Approved when deployed (or since), then withdrawn while it serves: the gate would refuse it now.
    for deployment, version in _deployments(ctx.store):
        if version is None:
            continue
        now = approval_state(facts.reviews_of(ctx.store, version.id), ctx.now)
        withdrawal, approval = now.in_force, now.last_approval
        if not now.objected or withdrawal is None or approval is None:
            continue
        deployed, withdrawn = facts.event_time(deployment), facts.event_time(withdrawal)
        if deployed is not None and withdrawn is not None and withdrawn <= deployed:
            continue  # objected before it went live: deployed_after_rejection says so
        yield (
            f"active deployment {deployment.id} serves {version.id}, whose approval is no longer in force: "
            f"{now.reason}",
            [deployment.id, version.id, withdrawal.id, approval.id],
            [Edge(deployment.id, version.id, EdgeType.DEPLOYS), Edge(withdrawal.id, version.id, EdgeType.REVIEWS),
             Edge(approval.id, version.id, EdgeType.REVIEWS)],
        )


def _production_while_blocked(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    # deployed_after_rejection for production alone (graph/lineage.py decides what production is), so a CI gate
    # can refuse exactly this, while a sandbox load test under an override stays a lesser finding.
    for deployment, version in _deployments(ctx.store, include_retired=bool(ctx.params.get("include_retired"))):
        if version is None or not is_production_environment(deployment.properties.get("environment")):
            continue
        state = approval_state(facts.reviews_of(ctx.store, version.id), facts.event_time(deployment))
        if not state.objected or state.in_force is None:
            continue
        blocking = state.in_force
        yield (
            f"{_describe(deployment)} put {version.id} in production "
            f"({deployment.properties.get('environment')}) while the verdict in force blocked it: {state.reason}",
            [deployment.id, version.id, blocking.id],
            [Edge(deployment.id, version.id, EdgeType.DEPLOYS), Edge(blocking.id, version.id, EdgeType.REVIEWS)],
        )


def _review_before_version(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    # A review cannot judge what did not exist yet: its date is wrong, or it reviewed something else.
    for review in ctx.store.iter_nodes(NodeKind.REVIEW):
        reviewed = facts.event_time(review)
        if reviewed is None:
            continue
        for version in facts.targets_of(ctx.store, review.id, EdgeType.REVIEWS):
            made = facts.event_time(version)
            if made is None or reviewed >= made:
                continue
            yield (
                f"{review.id} is dated {reviewed.isoformat()}, before {version.id} was made "
                f"({made.isoformat()})",
                [review.id, version.id],
                [Edge(review.id, version.id, EdgeType.REVIEWS)],
            )


def _self_approval(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    for review in ctx.store.iter_nodes(NodeKind.REVIEW):
        if facts.verdict_of(review) is not Verdict.APPROVED:
            continue
        reviewers = facts.reviewer_identities(ctx.store, review)
        if not reviewers:
            continue
        for version in facts.targets_of(ctx.store, review.id, EdgeType.REVIEWS):
            authors, evidence = facts.author_identities(ctx.store, version.id)
            same = sorted(reviewers & authors)
            if same:
                yield (
                    f"{review.id} approves {version.id}, made or owned by the reviewer {same[0]}",
                    [review.id, version.id],
                    [Edge(review.id, version.id, EdgeType.REVIEWS), *evidence],
                )


def _evidence_path(store: GraphStore, start: str, goal: str) -> list[Edge]:
    """The shortest upstream path of lineage edges from ``start`` to ``goal`` (networkx on the subgraph)."""
    import networkx as nx

    from modelctx.graph.lineage import lineage

    sub = lineage(store, start, "up")
    graph = nx.DiGraph()
    for edge in sub.edges:
        graph.add_edge(edge.source, edge.target, type=edge.type)
    try:
        path = nx.shortest_path(graph, start, goal)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []
    return [Edge(a, b, graph.edges[a, b]["type"]) for a, b in zip(path, path[1:], strict=False)]


def _trained_on_flagged(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    from modelctx.graph.lineage import impact

    for kind in (NodeKind.DATASET_VERSION, NodeKind.DATASET, NodeKind.MODEL_VERSION):
        for flagged in ctx.store.iter_nodes(kind):
            if not facts.is_flagged(flagged):
                continue
            reason = flagged.properties.get("flag_reason") or "no reason given"
            affected = impact(ctx.store, flagged.id)
            for version in affected.model_versions:
                if version.id == flagged.id:
                    continue
                path = _evidence_path(ctx.store, version.id, flagged.id)
                yield (f"{version.id} depends on {flagged.id}, flagged as bad ({reason})",
                       [version.id, flagged.id], path)
            for deployment in affected.deployments:
                path = _evidence_path(ctx.store, deployment.id, flagged.id)
                yield (f"active deployment {deployment.id} serves a model that depends on {flagged.id}, "
                       f"flagged as bad ({reason})", [deployment.id, flagged.id], path)


def _no_owner(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    kinds = [NodeKind.parse(k) for k in ctx.params.get("kinds", ["model"])]
    for kind in kinds:
        for node in ctx.store.iter_nodes(kind):
            if facts.owner_values(node) or facts.people_of(ctx.store, node.id):
                continue
            yield (f"{node.id} has no owner (no owner property, no ATTRIBUTED_TO person)", [node.id], [])


def _stale_monitoring(ctx: Context) -> Iterator[tuple[str, list[str], list[Edge]]]:
    days = ctx.params.get("days", 7)
    if not isinstance(days, (int, float)) or days <= 0:
        raise ValidationError(f"policy stale_monitoring: days must be a positive number, not {days!r}")
    cutoff = ctx.now - timedelta(days=days)
    for deployment, _version in _deployments(ctx.store):
        deployed = facts.event_time(deployment)
        if deployed is not None and deployed > cutoff:
            continue  # not yet due for its first report
        reports = facts.monitoring_of(ctx.store, deployment.id)
        latest = facts.event_time(reports[-1]) if reports else None
        if reports and (latest is None or latest >= cutoff):
            continue
        if reports:
            last = reports[-1]
            yield (f"active deployment {deployment.id}: last monitoring report {last.id} is older than {days} days",
                   [deployment.id, last.id], [Edge(last.id, deployment.id, EdgeType.MONITORS)])
        else:
            yield (f"active deployment {deployment.id} has no monitoring report in {days} days", [deployment.id], [])


BUILTIN_RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("deployed_without_approval", "a deployment of a model version that was not approved at "
             "deployment time", "high", {"include_retired": True},
             _deployed_without_approval),
        Rule("deployed_after_rejection", "a deployment of a model version whose last decisive verdict before "
             "deployment was rejected or changes_requested", "critical", {"include_retired": True},
             _deployed_after_rejection),
        Rule("serving_without_approval", "an active deployment whose model version was approved but has since "
             "been rejected or sent back with changes requested", "high", {}, _serving_without_approval),
        Rule("production_while_blocked", "a deployment to a production environment made while the verdict in "
             "force for its model version was rejected or changes_requested", "critical", {"include_retired": True},
             _production_while_blocked),
        Rule("self_approval", "a model version approved by the person who trained, made or owns it",
             "high", {}, _self_approval),
        Rule("review_before_version", "a review dated before the model version it reviews was made", "high", {},
             _review_before_version),
        Rule("trained_on_flagged_data", "a model version or active deployment downstream of a node flagged as bad",
             "high", {}, _trained_on_flagged),
        Rule("no_owner", "a model with no owner", "medium", {"kinds": ["model"]}, _no_owner),
        Rule("stale_monitoring", "an active deployment without a monitoring report in the last N days",
             "medium", {"days": 7}, _stale_monitoring),
    )
}


def default_config() -> dict[str, RuleConfig]:
    return {name: RuleConfig(True, rule.severity, dict(rule.params)) for name, rule in BUILTIN_RULES.items()}


def load_rules(path: str | Path | None) -> dict[str, RuleConfig]:
    """Rule settings: the defaults, overridden by a YAML file when given."""
    config = default_config()
    if path is None:
        return config
    from modelctx.ingest.formats import load_yaml, read_text

    where = str(path)
    data = load_yaml(read_text(Path(path), where, error=ValidationError), where,
                     error=ValidationError) or {}
    if not isinstance(data, dict) or not isinstance(data.get("rules", {}), dict):
        raise ValidationError(f"{where}: expected a mapping with a 'rules' mapping")
    unknown_top = set(data) - {"rules"}
    if unknown_top:
        raise ValidationError(f"{where}: unknown key {sorted(unknown_top)[0]!r}; expected 'rules'")
    for name, settings in (data.get("rules") or {}).items():
        if name not in config:
            raise ValidationError(f"{where}: rules.{name}: unknown rule; built-in rules: {', '.join(BUILTIN_RULES)}")
        if settings is None:
            continue
        if isinstance(settings, bool):
            config[name].enabled = settings
            continue
        if not isinstance(settings, dict):
            raise ValidationError(f"{where}: rules.{name}: expected a mapping or true/false")
        for key, value in settings.items():
            if key == "enabled":
                config[name].enabled = bool(value)
            elif key == "severity":
                config[name].severity = Severity.require(value, f"{where}: rules.{name}.severity").value
            elif key in BUILTIN_RULES[name].params:
                config[name].params[key] = value
            else:
                allowed = ["enabled", "severity", *BUILTIN_RULES[name].params]
                raise ValidationError(f"{where}: rules.{name}.{key}: unknown setting; allowed: {', '.join(allowed)}")
    return config


def check_policies(
    store: GraphStore,
    rules: Mapping[str, RuleConfig] | None = None,
    *,
    now: datetime | None = None,
) -> list[Finding]:
    """Run every enabled rule over the whole graph; findings in rule order, then subject id."""
    config = rules if rules is not None else default_config()
    clock = now or current_time()
    findings: list[Finding] = []
    for name, rule in BUILTIN_RULES.items():
        settings = config.get(name)
        if settings is None or not settings.enabled:
            continue
        ctx = Context(store, clock, dict(settings.params))
        found = [Finding(name, settings.severity, message, nodes, evidence)
                 for message, nodes, evidence in rule.check(ctx)]
        involved = store.get_nodes({i for f in found for i in f.nodes})
        for finding in found:
            # The subject's project, else that of the first involved node that has one.
            projects = (facts.project_of(involved[i]) for i in finding.nodes if i in involved)
            finding.project = next((p for p in projects if p), None)
        findings.extend(sorted(found, key=lambda f: (f.subject, f.nodes)))
    return findings
