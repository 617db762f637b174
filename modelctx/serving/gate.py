"""The governance gate: a model version may serve only with an approval and no later objection.

Kept apart from the server so that every path that puts a model in
production (``serve-model``, the demo, a future deploy command) asks the same
question of the same reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelctx.errors import GovernanceRefusedError
from modelctx.governance.approval import approval_of
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore

__all__ = ["GovernanceDecision", "GovernanceRefusedError", "check_governance", "require_approval"]


@dataclass(frozen=True, slots=True)
class GovernanceDecision:
    """Whether a version may serve, why, and the reviews that decided it."""

    version_id: str
    allowed: bool
    reason: str
    approval: Node | None = None
    blocking: Node | None = None
    reviews: list[Node] = field(default_factory=list)


def check_governance(store: GraphStore, version_id: str) -> GovernanceDecision:
    """Decide from the REVIEWS of ``version_id`` by the one approval rule (``modelctx/governance/approval.py``).

    The version may serve iff its latest decisive verdict is an approval: a
    later rejection or request for changes withdraws it, a later approval
    restores it, and "later" compares times, not their spellings.
    """
    state = approval_of(store, version_id)
    return GovernanceDecision(
        version_id, state.approved, state.reason, state.last_approval,
        state.in_force if state.objected else None, state.reviews,
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
