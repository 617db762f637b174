"""``GET /healthz``: whether this API process can read its store, for load balancers and container health checks.

Public (no token: a proxy's probe has none) and it says nothing about the
graph: 200 ``{"status": "ok"}`` after one small read of the store, 503 when the
store cannot be reached (BackendUnavailable), so a proxy stops sending requests
to a replica that lost its Neo4j (``deploy/Caddyfile``, ``docker-compose.yml``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from modelctx.api.deps import get_client

AT_ROOT = True

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 when this process can read its store, 503 when the store is unreachable")
def healthz(request: Request) -> dict[str, str]:
    get_client(request).store.last_seq()
    return {"status": "ok"}
