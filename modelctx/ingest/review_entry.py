"""One review recorded now, through the same path as a reviews file (``ingest/records.py``).

The web app's "record a review" and any single-review caller build one record
of the reviews format (``ingest/schemas/reviews.schema.json``) and run it
through :class:`RecordsIngestor`, so the record is validated, the reviewer is
matched to a Person, and the Review node, its REVIEWS edge and its attribution
are built exactly as ``modelctx ingest reviews`` builds them: there is one way
to make a review.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from modelctx.errors import ValidationError
from modelctx.governance import facts
from modelctx.graph.changelog import now_iso
from modelctx.graph.ids import natural_key, node_id
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.records import RecordsConfig, RecordsIngestor
from modelctx.ingest.runner import run_ingest


def record_review(
    store: GraphStore, version: Node, *, verdict: str, comment: str, reviewer: str,
    reviewer_email: str | None = None, actor: str, at: str | None = None,
) -> Node:
    """Record ``reviewer``'s ``verdict`` on the model version ``version`` (at ``at``, default now); return the Review.

    ``store`` is the caller's view: a project-scoped writer records reviews of its project's versions only.
    """
    if version.kind is not NodeKind.MODEL_VERSION:
        raise ValidationError(f"{version.id}: only a model version is reviewed, not a {version.kind.value}")
    # A reviews record names its version as model + number, from which the ingestor rebuilds the id.
    model, _, number = natural_key(version.id).rpartition("/")
    if not model or node_id(NodeKind.MODEL_VERSION, model, number) != version.id:
        raise ValidationError(f"{version.id}: not a NAME/NUMBER model version id, so a reviews record cannot name it")
    record: dict[str, Any] = {"model": str(model), "version": str(number), "reviewer": reviewer,
                              "verdict": verdict, "reviewed_at": at or now_iso(), "comment": comment}
    if reviewer_email:
        record["reviewer_email"] = reviewer_email
    with tempfile.TemporaryDirectory(prefix="modelctx-review-") as folder:
        path = Path(folder) / "review.json"
        path.write_text(json.dumps([record]), encoding="utf-8")
        config = RecordsConfig(path=path, kind="reviews", project=facts.project_of(version))
        ingestor = RecordsIngestor(config, store)
        before = {n.id for n in facts.sources_into(store, version.id, EdgeType.REVIEWS)}
        run_ingest(store, ingestor, actor=actor)  # type: ignore[arg-type]  # its name is a Literal
    made = [n for n in facts.sources_into(store, version.id, EdgeType.REVIEWS) if n.id not in before]
    if len(made) == 1:
        return made[0]
    # the same reviewer at the same moment again: the review's id is derived from them, so it is that one
    return facts.reviews_of(store, version.id)[-1]
