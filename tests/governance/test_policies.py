"""Each built-in policy rule: a graph that triggers it and one that does not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelctx.errors import ValidationError
from modelctx.governance.flags import flag_node
from modelctx.governance.policies import Finding, check_policies, load_rules
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from tests.governance.world import e, governed_world, n

#: a day when the world's monitoring report (2026-01-20) is fresh
FRESH = datetime(2026, 1, 22, tzinfo=UTC)


def write_world(
    store: GraphStore,
    *,
    drop: tuple[str, ...] = (),
    change: dict[str, dict[str, object]] | None = None,
    nodes: list[Node] | None = None,
    edges: list[Edge] | None = None,
) -> dict[str, Node]:
    """The governed world with named nodes dropped or their properties changed (None removes a key)."""
    base_nodes, base_edges, names = governed_world()
    dropped = {names[d].id for d in drop}
    out_nodes = []
    for node in base_nodes:
        if node.id in dropped:
            continue
        for name, props in (change or {}).items():
            if names[name].id == node.id:
                merged = {k: v for k, v in {**node.properties, **props}.items() if v is not None}
                node = Node(node.id, node.kind, merged)
                names[name] = node
        out_nodes.append(node)
    out_edges = [x for x in base_edges if x.source not in dropped and x.target not in dropped]
    store.write([*out_nodes, *(nodes or [])], [*out_edges, *(edges or [])], actor="user:ana")
    return names


def rule(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if f.rule == name]


def test_the_governed_world_has_no_findings(store: GraphStore) -> None:
    write_world(store)
    assert check_policies(store, now=FRESH) == []


def test_deployed_without_approval(store: GraphStore) -> None:
    names = write_world(store, drop=("review",))
    [finding] = rule(check_policies(store, now=FRESH), "deployed_without_approval")
    assert finding.nodes == [names["deployment"].id, names["version"].id]
    assert [(x.source, x.type, x.target) for x in finding.evidence] == [
        (names["deployment"].id, EdgeType.DEPLOYS, names["version"].id)]
    assert finding.project == "churn" and finding.severity == "high"


def test_approval_after_deployment_counts_as_no_approval(store: GraphStore) -> None:
    names = write_world(store, change={"review": {"at": "2026-01-15T00:00:00+00:00"}})
    [finding] = rule(check_policies(store, now=FRESH), "deployed_without_approval")
    assert "approved only after it was deployed" in finding.message
    assert names["review"].id in finding.nodes


def test_deployed_after_rejection(store: GraphStore) -> None:
    version = governed_world()[2]["version"]
    rejection = n(NodeKind.REVIEW, "rv-2", verdict="rejected", reviewer="carol@example.org",
                  at="2026-01-13T10:00:00+00:00")
    names = write_world(store, nodes=[rejection], edges=[e(rejection, EdgeType.REVIEWS, version)])
    [finding] = rule(check_policies(store, now=FRESH), "deployed_after_rejection")
    assert finding.nodes == [names["deployment"].id, version.id, rejection.id]
    assert "carol@example.org" in finding.message
    assert finding.severity == "critical"


def test_a_rejection_overturned_before_deployment_is_fine(store: GraphStore) -> None:
    version = governed_world()[2]["version"]
    rejection = n(NodeKind.REVIEW, "rv-0", verdict="rejected", reviewer="carol@example.org",
                  at="2026-01-12T20:00:00+00:00")
    write_world(store, nodes=[rejection], edges=[e(rejection, EdgeType.REVIEWS, version)])
    assert rule(check_policies(store, now=FRESH), "deployed_after_rejection") == []


def test_self_approval_by_reviewer_property(store: GraphStore) -> None:
    names = write_world(store, change={"review": {"reviewer": "ana@example.org"}})
    [finding] = rule(check_policies(store, now=FRESH), "self_approval")
    assert finding.nodes == [names["review"].id, names["version"].id]
    assert "ana@example.org" in finding.message
    evidence = {(x.source, x.type, x.target) for x in finding.evidence}
    assert (names["run"].id, EdgeType.ATTRIBUTED_TO, names["ana"].id) in evidence


def test_self_approval_by_reviewer_email(store: GraphStore) -> None:
    names = write_world(store, change={"review": {"reviewer": "Ana Lovelace", "reviewer_email": "ana@example.org"}})
    assert [f.nodes[0] for f in rule(check_policies(store, now=FRESH), "self_approval")] == [names["review"].id]


def test_self_approval_by_attribution_only(store: GraphStore) -> None:
    _nodes, _edges, base = governed_world()
    names = write_world(store, change={"review": {"reviewer": None}},
                        edges=[e(base["review"], EdgeType.ATTRIBUTED_TO, base["ana"])])
    assert [f.nodes[0] for f in rule(check_policies(store, now=FRESH), "self_approval")] == [names["review"].id]


def test_self_approval_by_the_person_the_version_is_attributed_to(store: GraphStore) -> None:
    """An approval by whoever made the version (its ATTRIBUTED_TO person, as the SDK records it)."""
    _nodes, _edges, base = governed_world()
    names = write_world(store, change={"review": {"reviewer": "bob@example.org"}},
                        edges=[e(base["version"], EdgeType.ATTRIBUTED_TO, base["bob"])])
    [finding] = rule(check_policies(store, now=FRESH), "self_approval")
    assert finding.nodes == [names["review"].id, names["version"].id]
    assert finding.message == (f"{names['review'].id} approves {names['version'].id}, made or owned by the "
                               "reviewer bob")
    assert (names["version"].id, EdgeType.ATTRIBUTED_TO, names["bob"].id) in {
        (x.source, x.type, x.target) for x in finding.evidence}


def test_self_approval_by_the_versions_maker(store: GraphStore) -> None:
    names = write_world(store, change={"version": {"created_by": "bob@example.org"}})
    assert [f.nodes for f in rule(check_policies(store, now=FRESH), "self_approval")] == [
        [names["review"].id, names["version"].id]]


def test_review_before_version(store: GraphStore) -> None:
    names = write_world(store, change={"version": {"created_at": "2026-01-13T10:00:00+00:00"}})
    [finding] = rule(check_policies(store, now=FRESH), "review_before_version")
    assert finding.nodes == [names["review"].id, names["version"].id]
    assert finding.severity == "high" and finding.project == "churn"
    assert finding.message == (f"{names['review'].id} is dated 2026-01-13T09:00:00+00:00, before "
                               f"{names['version'].id} was made (2026-01-13T10:00:00+00:00)")
    assert [(x.source, x.type, x.target) for x in finding.evidence] == [
        (names["review"].id, EdgeType.REVIEWS, names["version"].id)]


def test_review_after_its_version_is_no_finding(store: GraphStore) -> None:
    write_world(store, change={"version": {"created_at": "2026-01-13T08:59:59+00:00"}})
    assert rule(check_policies(store, now=FRESH), "review_before_version") == []


def test_production_while_blocked(store: GraphStore) -> None:
    version = governed_world()[2]["version"]
    objection = n(NodeKind.REVIEW, "rv-2", verdict="changes_requested", reviewer="carol@example.org",
                  at="2026-01-13T10:00:00+00:00")
    names = write_world(store, nodes=[objection], edges=[e(objection, EdgeType.REVIEWS, version)])
    [finding] = rule(check_policies(store, now=FRESH), "production_while_blocked")
    assert finding.nodes == [names["deployment"].id, version.id, objection.id]
    assert finding.severity == "critical"
    assert finding.message.startswith(f"{names['deployment'].id} put {version.id} in production (prod) while the "
                                      "verdict in force blocked it: approved by bob@example.org")
    assert [(x.source, x.type, x.target) for x in finding.evidence] == [
        (names["deployment"].id, EdgeType.DEPLOYS, version.id), (objection.id, EdgeType.REVIEWS, version.id)]


def test_production_while_blocked_spares_other_environments(store: GraphStore) -> None:
    """Staging is not production (graph/lineage.py is_production_environment); deployed_after_rejection still
    reports it."""
    version = governed_world()[2]["version"]
    objection = n(NodeKind.REVIEW, "rv-2", verdict="rejected", reviewer="carol@example.org",
                  at="2026-01-13T10:00:00+00:00")
    write_world(store, change={"deployment": {"environment": "staging"}}, nodes=[objection],
                edges=[e(objection, EdgeType.REVIEWS, version)])
    findings = check_policies(store, now=FRESH)
    assert rule(findings, "production_while_blocked") == []
    assert len(rule(findings, "deployed_after_rejection")) == 1


def test_trained_on_flagged_data(store: GraphStore) -> None:
    names = write_world(store)
    assert rule(check_policies(store, now=FRESH), "trained_on_flagged_data") == []
    flag_node(store, names["raw"].id, "PII leaked into the raw export", actor="user:carol")
    found = rule(check_policies(store, now=FRESH), "trained_on_flagged_data")
    assert sorted(f.nodes[0] for f in found) == [names["deployment"].id, names["version"].id]
    by_subject = {f.nodes[0]: f for f in found}
    path = [(x.source, x.type, x.target) for x in by_subject[names["version"].id].evidence]
    assert path == [
        (names["version"].id, EdgeType.GENERATED_BY, names["run"].id),
        (names["run"].id, EdgeType.USED, names["clean"].id),
        (names["clean"].id, EdgeType.DERIVED_FROM, names["raw"].id),
    ]
    assert "PII leaked" in by_subject[names["deployment"].id].message


def test_no_owner(store: GraphStore) -> None:
    names = write_world(store, change={"model": {"owner": None}})
    [finding] = rule(check_policies(store, now=FRESH), "no_owner")
    assert finding.nodes == [names["model"].id] and finding.severity == "medium"


def test_an_owner_by_attribution_is_an_owner(store: GraphStore) -> None:
    _nodes, _edges, base = governed_world()
    write_world(store, change={"model": {"owner": None}}, edges=[e(base["model"], EdgeType.ATTRIBUTED_TO, base["ana"])])
    assert rule(check_policies(store, now=FRESH), "no_owner") == []


def test_stale_monitoring(store: GraphStore) -> None:
    names = write_world(store)
    later = datetime(2026, 2, 15, tzinfo=UTC)
    [finding] = rule(check_policies(store, now=later), "stale_monitoring")
    assert finding.nodes == [names["deployment"].id, names["report"].id]
    assert [(x.source, x.type) for x in finding.evidence] == [(names["report"].id, EdgeType.MONITORS)]


def test_a_deployment_never_monitored_is_stale(store: GraphStore) -> None:
    names = write_world(store, drop=("report",))
    [finding] = rule(check_policies(store, now=FRESH), "stale_monitoring")
    assert finding.nodes == [names["deployment"].id] and "no monitoring report" in finding.message


def test_a_retired_deployment_keeps_its_approval_finding_but_needs_no_monitoring(store: GraphStore) -> None:
    override = {"reason": "load test in the sandbox", "actor": "user:root"}
    write_world(store, drop=("review", "report"),
                change={"deployment": {"status": "retired", "retired_at": "2026-01-15T00:00:00+00:00",
                                       "governance_override": override}})
    [finding] = check_policies(store, now=FRESH)
    assert finding.rule == "deployed_without_approval"
    assert "(retired)" in finding.message and "override: load test in the sandbox" in finding.message
    rules = load_rules(None)
    rules["deployed_without_approval"].params["include_retired"] = False
    assert check_policies(store, rules, now=FRESH) == []


def test_rules_yaml_disables_and_tunes(store: GraphStore, tmp_path: Path) -> None:
    write_world(store, drop=("review",))
    later = datetime(2026, 2, 15, tzinfo=UTC)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "rules:\n  deployed_without_approval: {enabled: false}\n"
        "  stale_monitoring: {days: 60, severity: low}\n  no_owner: {severity: critical}\n"
    )
    assert check_policies(store, load_rules(rules_file), now=later) == []
    rules_file.write_text("rules:\n  stale_monitoring: {days: 3, severity: low}\n")
    found = check_policies(store, load_rules(rules_file), now=later)
    assert {(f.rule, f.severity) for f in found} == {("deployed_without_approval", "high"), ("stale_monitoring", "low")}


@pytest.mark.parametrize(("text", "message"), [
    ("rules:\n  nonsense: {}\n", "rules.nonsense: unknown rule"),
    ("rules:\n  stale_monitoring: {weeks: 2}\n", "rules.stale_monitoring.weeks: unknown setting"),
    ("rules: [1, 2]\n", "expected a mapping"),
    ("rules: {\n", r"rules\.yaml: line \d+, column \d+: invalid YAML"),
])
def test_bad_rules_files_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(text)
    with pytest.raises(ValidationError, match=message):
        load_rules(rules_file)
