"""Insights: free text that a person attaches to any node (``modelctx note``, ``POST /notes``).

An Insight copies its target's project, so project scoping treats the note
like the thing it is about; the search index picks it up from the change log
(the Insight is a document, and its text joins its target's document).
"""

from __future__ import annotations

import uuid

from modelctx.errors import ValidationError
from modelctx.graph.changelog import now_iso
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

MAX_NOTE_CHARS = 20_000


def attach_note(store: GraphStore, target_id: str, text: str, *, actor: str) -> Node:
    """Write an Insight with ``text`` ABOUT ``target_id``; NotFoundError if the target is unknown."""
    body = text.strip()
    if not body:
        raise ValidationError("a note needs some text")
    if len(body) > MAX_NOTE_CHARS:
        raise ValidationError(f"a note is limited to {MAX_NOTE_CHARS} characters, this one has {len(body)}")
    target = store.get_node(target_id)
    at = now_iso()
    insight_id = node_id(NodeKind.INSIGHT, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{target_id}\n{body}\n{at}")))
    properties: dict[str, object] = {
        "text": body,
        "author": actor,
        "at": at,
        "name": _title(body),
        "source": "api",
        "source_id": insight_id,
    }
    project = target.properties.get("project")
    if project is not None:
        properties["project"] = project
    insight = Node(insight_id, NodeKind.INSIGHT, properties)
    edges = [Edge(insight_id, target_id, EdgeType.ABOUT)]
    if project is not None:
        project_id = node_id(NodeKind.PROJECT, str(project))
        if store.get_nodes([project_id]):
            edges.append(Edge(insight_id, project_id, EdgeType.IN_PROJECT))
    store.write([insight], edges, actor=actor)
    return insight


def _title(text: str, limit: int = 80) -> str:
    first = text.splitlines()[0].strip()
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"
