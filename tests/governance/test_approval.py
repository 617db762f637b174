"""THE approval rule, and that the gate, the policies, the portfolio, the audit and search agree on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelctx.errors import GovernanceRefusedError
from modelctx.governance.approval import approval_of, approval_state
from modelctx.governance.audit import build_report
from modelctx.governance.policies import Finding, check_policies
from modelctx.governance.portfolio import build_portfolio
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search.context import graph_context
from modelctx.serving.gate import check_governance, require_approval
from tests.governance.world import e, governed_world, n

#: the world's monitoring report (2026-01-20) is fresh on this day
FRESH = datetime(2026, 1, 22, tzinfo=UTC)
VERSION = "model_version:churn/1"


def review(key: str, verdict: str, at: str, reviewer: str = "carol@example.org") -> Node:
    return n(NodeKind.REVIEW, key, verdict=verdict, reviewer=reviewer, at=at, project="churn")


def rules(findings: list[Finding]) -> list[tuple[str, str]]:
    return sorted((f.rule, f.subject) for f in findings)


# -- the rule on its own -----------------------------------------------------------------------


def test_times_are_compared_as_times_not_strings() -> None:
    # 09:00-02:00 is 11:00Z: an hour AFTER the approval, although its text sorts before it.
    approval = review("a", "approved", "2026-01-05T10:00:00Z", reviewer="bob")
    objection = review("b", "changes_requested", "2026-01-05T09:00:00-02:00")
    state = approval_state([objection, approval])
    assert (state.state, state.approved, state.objected) == ("changes_requested", False, True)
    assert state.in_force == objection and state.last_approval == approval
    assert [r.id for r in state.reviews] == [approval.id, objection.id]
    assert state.reason == ("approved by bob at 2026-01-05T10:00:00Z (review:a), "
                            "then changes requested by carol@example.org at 2026-01-05T11:00:00Z (review:b)")


def test_reapproval_after_changes_requested_restores_it() -> None:
    reviews = [review("a", "approved", "2026-01-05T10:00:00Z"), review("b", "Changes Requested", "2026-01-06T10:00Z"),
               review("c", "approved", "2026-01-07T10:00:00Z")]
    state = approval_state(reviews)
    assert state.approved and state.in_force == reviews[2] and state.last_approval == reviews[2]
    # at a time between the objection and the re-approval, the objection is in force
    between = approval_state(reviews, datetime(2026, 1, 6, 12, tzinfo=UTC))
    assert (between.state, between.in_force) == ("changes_requested", reviews[1])
    assert [r.id for r in between.reviews] == ["review:a", "review:b"]
    # a review exactly at ``at`` counts
    assert approval_state(reviews, datetime(2026, 1, 5, 10, tzinfo=UTC)).approved


def test_comments_decide_nothing_and_ties_go_by_id() -> None:
    reviews = [review("a", "approved", "2026-01-05T10:00:00Z"), review("b", "commented", "2026-01-06T10:00:00Z")]
    assert approval_state(reviews).state == "approved"
    assert approval_state([reviews[1]]).state == "unreviewed"
    assert approval_state([reviews[1]]).reason == ("no approved review (reviews: reviewed by carol@example.org "
                                                   "at 2026-01-06T10:00:00Z (review:b))")
    assert approval_state([]).reason == "no approved review (no reviews at all)"
    same_time = [review("z", "approved", "2026-01-05T10:00:00Z"), review("y", "rejected", "2026-01-05T10:00:00Z")]
    assert approval_state(same_time).state == "approved"  # review:z sorts after review:y


def test_a_rejection_without_any_approval() -> None:
    state = approval_state([review("r", "rejected", "2026-01-05T10:00:00Z")])
    assert (state.state, state.last_approval) == ("rejected", None)
    assert state.reason == "no approved review: rejected by carol@example.org at 2026-01-05T10:00:00Z (review:r)"


# -- everyone asks the same rule ------------------------------------------------------------------


def write(store: GraphStore, *extra: Node) -> dict[str, Node]:
    """The governed world (approved 01-13 09:00Z, deployed 01-14 09:00Z) plus more reviews of its version."""
    nodes, edges, names = governed_world()
    store.write([*nodes, *extra], [*edges, *(e(r, EdgeType.REVIEWS, names["version"]) for r in extra)],
                actor="user:ana")
    return names


def test_zone_bug_changes_requested_after_approval_blocks_gate_and_policy(store: GraphStore) -> None:
    # Approved at 10:00Z, then changes requested at 09:00-02:00 (11:00Z), both before the deployment.
    approval = review("rv-10z", "approved", "2026-01-13T10:00:00Z", reviewer="bob@example.org")
    objection = review("rv-09m2", "changes_requested", "2026-01-13T09:00:00-02:00")
    names = write(store, approval, objection)
    decision = check_governance(store, VERSION)
    assert not decision.allowed
    assert decision.blocking is not None and decision.blocking.id == objection.id
    assert decision.approval is not None and decision.approval.id == approval.id
    with pytest.raises(GovernanceRefusedError, match=r"^refusing to serve model_version:churn/1: approved by "
                                                     r"bob@example\.org at 2026-01-13T10:00:00Z \(review:rv-10z\), "
                                                     r"then changes requested by carol@example\.org at "
                                                     r"2026-01-13T11:00:00Z \(review:rv-09m2\)\. "):
        require_approval(store, VERSION)
    found = check_policies(store, now=FRESH)
    deployment = names["deployment"].id
    # the deployment is to "prod": production_while_blocked (modelctx/governance/policies.py) names it too
    assert rules(found) == [("deployed_after_rejection", deployment), ("deployed_without_approval", deployment),
                            ("production_while_blocked", deployment)]
    [after] = [f for f in found if f.rule == "deployed_after_rejection"]
    assert after.nodes == [deployment, VERSION, objection.id] and after.severity == "critical"
    assert "sent back with changes requested in review:rv-09m2 by carol@example.org" in after.message


def test_reapproval_allows_again(store: GraphStore) -> None:
    write(store, review("rv-2", "changes_requested", "2026-01-13T09:30:00Z"),
          review("rv-3", "approved", "2026-01-13T11:00:00Z", reviewer="bob@example.org"))
    decision = check_governance(store, VERSION)
    assert decision.allowed and decision.approval is not None and decision.approval.id == "review:rv-3"
    assert decision.reason == "approved by bob@example.org at 2026-01-13T11:00:00Z (review:rv-3)"
    assert check_policies(store, now=FRESH) == []


def test_withdrawn_approval_of_an_active_deployment_is_a_finding(store: GraphStore) -> None:
    # approved 01-13, deployed 01-14, then changes requested on 01-16 while it serves
    withdrawal = review("rv-late", "Changes requested", "2026-01-16T09:00:00+00:00")
    names = write(store, withdrawal)
    found = check_policies(store, now=FRESH)
    deployment = names["deployment"].id
    assert rules(found) == [("serving_without_approval", deployment)]
    [finding] = found
    assert finding.severity == "high" and finding.project == "churn"
    assert finding.nodes == [deployment, VERSION, withdrawal.id, names["review"].id]
    assert [(x.source, x.type.value, x.target) for x in finding.evidence] == [
        (deployment, "DEPLOYS", VERSION), (withdrawal.id, "REVIEWS", VERSION), (names["review"].id, "REVIEWS", VERSION)]
    assert finding.message.startswith(f"active deployment {deployment} serves {VERSION}, whose approval is no "
                                      "longer in force: approved by bob@example.org")
    # before the withdrawal nothing was wrong; the gate refuses now
    assert check_policies(store, now=datetime(2026, 1, 15, tzinfo=UTC)) == []
    assert not check_governance(store, VERSION).allowed


def test_a_retired_deployment_is_not_serving(store: GraphStore) -> None:
    nodes, edges, names = governed_world()
    retired = Node(names["deployment"].id, NodeKind.DEPLOYMENT,
                   {**names["deployment"].properties, "status": "retired", "retired_at": "2026-01-15T00:00:00+00:00"})
    withdrawal = review("rv-late", "rejected", "2026-01-16T09:00:00+00:00")
    store.write([*(retired if x.id == retired.id else x for x in nodes), withdrawal],
                [*edges, e(withdrawal, EdgeType.REVIEWS, names["version"])])
    assert "serving_without_approval" not in {f.rule for f in check_policies(store, now=FRESH)}


def test_portfolio_audit_and_search_report_the_state_in_force(store: GraphStore) -> None:
    withdrawal = review("rv-late", "changes-requested", "2026-01-16T09:00:00+00:00")
    names = write(store, withdrawal)
    [production] = build_portfolio(store, now=FRESH)["projects"][0]["models_in_production"]
    assert production["review_state"] == "changes_requested"
    # as of a time before the withdrawal the portfolio says approved
    [earlier] = build_portfolio(store, now=datetime(2026, 1, 15, tzinfo=UTC))["projects"][0]["models_in_production"]
    assert earlier["review_state"] == "approved"
    approval = build_report(store, VERSION, now=FRESH)["approval"]
    assert {k: approval[k] for k in ("state", "approved", "by", "at", "review")} == {
        "state": "changes_requested", "approved": False, "by": "carol@example.org",
        "at": "2026-01-16T09:00:00+00:00", "review": withdrawal.id}
    assert approval["last_approval"]["review"] == names["review"].id
    assert [(v["review"], v["verdict"]) for v in approval["verdicts"]] == [
        (names["review"].id, "approved"), (withdrawal.id, "changes_requested")]
    context = graph_context(store, [store.get_nodes([VERSION])[VERSION]])[VERSION]
    assert (context["approval"]["id"], context["approval"]["state"], context["approval"]["verdict"]) == (
        withdrawal.id, "changes_requested", "changes_requested")
    assert approval_of(store, VERSION).state == "changes_requested"
