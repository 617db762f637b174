"""The governance gate: a model version may serve only with an approval and no later objection.

Kept apart from the server so that every path that puts a model in
production (``serve-model``, the demo, a future deploy command) asks the same
question of the same reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelctx.errors import ConflictError
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

APPROVED = "approved"
#: Verdicts that withdraw an earlier approval.
BLOCKING_VERDICTS = frozenset({"rejected", "changes_requested"})


class GovernanceRefusedError(ConflictError):
    """A model version is not approved for serving (and no override was given)."""


@dataclass(frozen=True, slots=True)
class GovernanceDecision:
    """Whether a version may serve, why, and the reviews that decided it."""

    version_id: str
    allowed: bool
    reason: str
    approval: Node | None = None
    blocking: Node | None = None
    reviews: list[Node] = field(default_factory=list)


def review_time(review: Node) -> str:
    props = review.properties
    return str(props.get("at") or props.get("reviewed_at") or "")


def review_verdict(review: Node) -> str:
    return str(review.properties.get("verdict", "")).strip().lower().replace(" ", "_").replace("-", "_")


def check_governance(store: GraphStore, version_id: str) -> GovernanceDecision:
    """Decide from the REVIEWS of ``version_id``: the newest approval must not be followed by an objection."""
    edges = store.get_edges([version_id], "in", [EdgeType.REVIEWS])
    found = store.get_nodes([e.source for e in edges])
    reviews = sorted((n for n in found.values() if n.kind is NodeKind.REVIEW), key=lambda n: (review_time(n), n.id))
    approvals = [r for r in reviews if review_verdict(r) == APPROVED]
    if not approvals:
        verdicts = ", ".join(f"{review_verdict(r) or 'no verdict'} by {r.properties.get('reviewer', '?')}"
                             for r in reviews)
        return GovernanceDecision(
            version_id, False,
            f"{version_id} has no approved review"
            + (f" (reviews: {verdicts})" if verdicts else " (no reviews at all)"),
            reviews=reviews,
        )
    approval = approvals[-1]
    later = [r for r in reviews if review_verdict(r) in BLOCKING_VERDICTS and review_time(r) > review_time(approval)]
    if later:
        blocking = later[-1]
        return GovernanceDecision(
            version_id, False,
            f"{version_id} was approved by {approval.properties.get('reviewer', '?')} at {review_time(approval)} "
            f"but then {review_verdict(blocking)} by {blocking.properties.get('reviewer', '?')} "
            f"at {review_time(blocking)} ({blocking.id})",
            approval, blocking, reviews,
        )
    return GovernanceDecision(
        version_id, True,
        f"approved by {approval.properties.get('reviewer', '?')} at {review_time(approval)} ({approval.id})",
        approval, None, reviews,
    )


def require_approval(store: GraphStore, version_id: str) -> GovernanceDecision:
    """The decision, raising GovernanceRefusedError when serving is not allowed."""
    decision = check_governance(store, version_id)
    if not decision.allowed:
        raise GovernanceRefusedError(
            f"refusing to serve {version_id}: {decision.reason}. "
            "Get an approved review, or start with --override-governance REASON (the override is recorded)."
        )
    return decision
