"""Notes: attach an Insight (free text) to a node — ``POST /nodes/{id}/notes`` or ``POST /notes``.

The Insight is written with the caller's actor and copies the target's
project; a project-scoped caller may only annotate nodes of its project.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from modelctx.api.deps import Access, write_access, write_node
from modelctx.graph.model import Node
from modelctx.graph.refs import MAX_REF_CHARS, resolve_ref
from modelctx.search.notes import MAX_NOTE_CHARS, attach_note

router = APIRouter(tags=["notes"])


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_NOTE_CHARS, description="The note, in words.")


class NoteRequest(NoteBody):
    node_id: str = Field(min_length=1, max_length=MAX_REF_CHARS,
                         description="The node the note is about: an id, NAME@VERSION, NAME@ALIAS or an id prefix.")


def _attach(access: Access, node_id: str, text: str) -> dict[str, Any]:
    insight = attach_note(access.store, node_id, text, actor=access.actor)
    return {**insight.to_json(), "about": node_id}


@router.post("/nodes/{node_id:path}/notes", status_code=201, summary="Attach a note (an Insight) to a node")
def add_node_note(target: Annotated[Node, Depends(write_node)], body: NoteBody,
                  access: Annotated[Access, Depends(write_access)]) -> dict[str, Any]:
    return _attach(access, target.id, body.text)


@router.post("/notes", status_code=201, summary="Attach a note (an Insight) to the node it names")
def add_note(body: NoteRequest, access: Annotated[Access, Depends(write_access)]) -> dict[str, Any]:
    return _attach(access, resolve_ref(access.store, body.node_id).id, body.text)
