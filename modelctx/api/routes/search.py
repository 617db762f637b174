"""``GET /search``: keyword, vector or hybrid search with graph context per hit.

The search service (and its embedding model) is created on the first search
and kept on the app. Hits, snippets and context come from the caller's view
of the store (``api/deps.py``): a project-scoped caller finds only what its
view shows.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from modelctx.api.deps import Access, read_access
from modelctx.search.service import MAX_LIMIT, SearchService, time_window

router = APIRouter(tags=["search"])

_SERVICE_LOCK = threading.Lock()


def search_service(request: Request) -> SearchService:
    """The app's SearchService, created once (loading the model takes seconds)."""
    state = request.app.state
    service: SearchService | None = getattr(state, "search_service", None)
    if service is None:
        with _SERVICE_LOCK:
            service = getattr(state, "search_service", None)
            if service is None:
                service = SearchService.for_client(state.client)
                state.search_service = service
    return service


@router.get("/search", summary="Search the graph by meaning and by words")
def search(
    request: Request,
    access: Annotated[Access, Depends(read_access)],
    q: Annotated[str, Query(max_length=2000, description="What to look for, in words")] = "",
    kind: Annotated[str | None, Query(description="Only nodes of this kind, e.g. model_version")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    mode: Annotated[str, Query(pattern="^(hybrid|vector|keyword)$")] = "hybrid",
    project: Annotated[str | None, Query(description="Only nodes of this project")] = None,
    since: Annotated[str | None, Query(description="Only nodes at or after this ISO date/time "
                                       "(a date: from its start, UTC)")] = None,
    until: Annotated[str | None, Query(description="Only nodes at or before this ISO date/time "
                                       "(a date: through its end, UTC)")] = None,
) -> dict[str, Any]:
    since_at, until_at = time_window(since, until)
    if not q.strip():
        return {"query": q, "mode": mode, "hits": []}
    hits = search_service(request).search(
        q, kind=kind or None, limit=limit, mode=mode, project=project,
        since=since_at, until=until_at, store=access.store,
    )
    return {"query": q, "mode": mode, "hits": [h.to_json() for h in hits]}
