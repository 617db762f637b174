"""Record a review of a model version: ``POST /api/v1/reviews/{version}`` (writer).

The review goes through the reviews-file path (``ingest/review_entry.py``), so
it is built as ``modelctx ingest reviews`` builds one; the answer carries the
approval now in force (``governance/approval.py``, the one rule).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Access, write_access, write_node
from modelctx.graph.model import Node

router = APIRouter(tags=["governance"])


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["approved", "rejected", "changes_requested"] = Field(description="The outcome.")
    comment: str = Field(min_length=1, max_length=20_000, description="The review text.")
    reviewer: str | None = Field(default=None, min_length=1, max_length=200,
                                 description="Reviewer's name, handle or email (default: the caller's actor).")
    reviewer_email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")


@router.post("/reviews/{node_id:path}", status_code=201, summary="Record a review of a model version")
def record(
    body: ReviewBody, version: Annotated[Node, Depends(write_node)], access: Annotated[Access, Depends(write_access)],
) -> dict[str, Any]:
    from modelctx.governance.approval import approval_of
    from modelctx.ingest.review_entry import record_review

    review = record_review(access.store, version, verdict=body.verdict, comment=body.comment,
                           reviewer=body.reviewer or access.actor, reviewer_email=body.reviewer_email,
                           actor=access.actor)
    return {"review": review.to_json(), "approval": approval_of(access.store, version.id).to_json()}
