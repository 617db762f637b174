"""THE rule for "is this model version approved at time t", asked by every part that needs the answer.

The serving gate (``modelctx/serving/gate.py``), the deployment policies
(``modelctx/governance/policies.py``), the portfolio, the audit report and the
search context all call :func:`approval_state`, so a version cannot be
"approved" on one page and "refused" by the gate.

The rule:

1. Reviews are ordered by their time, parsed into aware datetimes
   (``modelctx/governance/facts.py`` event_time; a time without zone is UTC),
   never by comparing the stored strings, so ``09:00-02:00`` is after ``10:00Z``.
   Ties are broken by review id. A review with no readable time counts as the
   oldest.
2. Only reviews at or before ``at`` count (``at=None``: all of them).
3. The latest review with a decisive verdict (approved, rejected,
   changes_requested; ``modelctx/vocabulary.py`` Verdict) is in force; reviews
   without one (comments) decide nothing.
4. The version is approved iff the verdict in force is approved. A rejection or
   a request for changes withdraws every earlier approval; a later approval
   restores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from modelctx.governance import facts
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.times import read_stored
from modelctx.vocabulary import Verdict

#: The state of a version no decisive verdict speaks for (the others are Verdict values).
UNREVIEWED = "unreviewed"

def _shown(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else "an unknown time"


def _reviewer(review: Node) -> str:
    props = review.properties
    return str(props.get("reviewer") or props.get("reviewer_email") or "?")


def _words(verdict: Verdict) -> str:
    return verdict.value.replace("_", " ")


def _describe(review: Node) -> str:
    verdict = facts.verdict_of(review)
    said = _words(verdict) if verdict else "reviewed"
    return f"{said} by {_reviewer(review)} at {_shown(facts.event_time(review))} ({review.id})"


@dataclass(frozen=True, slots=True)
class ApprovalState:
    """The approval of one model version at one time, and the reviews that decide it."""

    state: str
    in_force: Node | None = None
    last_approval: Node | None = None
    reviews: list[Node] = field(default_factory=list)
    at: datetime | None = None

    @property
    def approved(self) -> bool:
        return self.state == Verdict.APPROVED

    @property
    def objected(self) -> bool:
        """A rejection or a request for changes is in force."""
        return self.state in (Verdict.REJECTED, Verdict.CHANGES_REQUESTED)

    @property
    def reason(self) -> str:
        """One line for messages: who decided what, when."""
        if self.in_force is None:
            if not self.reviews:
                return "no approved review (no reviews at all)"
            listed = ", ".join(_describe(r) for r in self.reviews)
            return f"no approved review (reviews: {listed})"
        if self.approved:
            return _describe(self.in_force)
        if self.last_approval is not None:
            return f"{_describe(self.last_approval)}, then {_describe(self.in_force)}"
        return f"no approved review: {_describe(self.in_force)}"

    def to_json(self) -> dict[str, Any]:
        """State, who decided it and when, and the decisive verdicts it was decided under (oldest first)."""
        def brief(review: Node | None) -> dict[str, Any] | None:
            if review is None:
                return None
            when = facts.event_time(review)
            verdict = facts.verdict_of(review)
            return {"review": review.id, "verdict": verdict.value if verdict else None, "by": _reviewer(review),
                    "at": when.isoformat() if when else None}

        in_force = brief(self.in_force)
        return {
            "state": self.state,
            "approved": self.approved,
            "by": in_force["by"] if in_force else None,
            "at": in_force["at"] if in_force else None,
            "review": in_force["review"] if in_force else None,
            "last_approval": brief(self.last_approval),
            "verdicts": [brief(r) for r in self.reviews if facts.verdict_of(r) is not None],
            "reason": self.reason,
        }


def ordered(reviews: Iterable[Node]) -> list[Node]:
    """Review nodes (others dropped, duplicates once) oldest first by parsed time, ties by id."""
    unique = {r.id: r for r in reviews if r.kind is NodeKind.REVIEW}
    return sorted(unique.values(), key=lambda r: (facts.event_time(r) or facts.OLDEST, r.id))


def approval_state(reviews: Iterable[Node], at: datetime | None = None) -> ApprovalState:
    """Whether the reviewed version is approved at ``at`` (None: on all reviews); see the module rule."""
    at = read_stored(at)  # a naive datetime is UTC, like every time without a zone
    considered = [r for r in ordered(reviews) if at is None or (facts.event_time(r) or facts.OLDEST) <= at]
    decisive = [(r, v) for r in considered if (v := facts.verdict_of(r)) is not None]
    if not decisive:
        return ApprovalState(UNREVIEWED, reviews=considered, at=at)
    in_force, verdict = decisive[-1]
    approvals = [r for r, v in decisive if v is Verdict.APPROVED]
    return ApprovalState(verdict.value, in_force, approvals[-1] if approvals else None, considered, at)


def approval_of(store: GraphStore, version_id: str, at: datetime | None = None) -> ApprovalState:
    """The approval state of a model version from the reviews stored for it."""
    return approval_state(facts.reviews_of(store, version_id), at)
