"""Compare two model versions or two runs: ``GET /api/v1/diff?a=…&b=…`` (``governance/diff.py``).

``a`` and ``b`` take every human form of an id (``graph/refs.py``) and are
resolved on the caller's view, so a scoped caller compares only what it sees.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from modelctx.api.deps import Access, json_response, read_access
from modelctx.governance.diff import diff_nodes
from modelctx.graph.refs import MAX_REF_CHARS, resolve_ref

router = APIRouter(tags=["governance"])

_REF = "an id, NAME@VERSION, NAME@ALIAS, a model NAME (latest version) or a unique id prefix"


@router.get("/diff", summary="What differs between two model versions or two runs, through their lineage")
def get_diff(
    access: Annotated[Access, Depends(read_access)],
    a: Annotated[str, Query(min_length=1, max_length=MAX_REF_CHARS, description=f"The first: {_REF}")],
    b: Annotated[str, Query(min_length=1, max_length=MAX_REF_CHARS, description=f"The second: {_REF}")],
) -> Response:
    return json_response(diff_nodes(access.store, resolve_ref(access.store, a), resolve_ref(access.store, b)))
