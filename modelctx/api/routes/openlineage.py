"""``POST /api/v1/lineage``: OpenLineage RunEvents in, as Marquez accepts them.

Airflow, Spark and dbt integrations point their HTTP transport here. A
malformed event gets 400 with a JSON body naming the field, and nothing is
written; a good one is written in one transaction, attributed to the caller.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from modelctx.api.deps import Principal, get_client, writer
from modelctx.client import Client
from modelctx.ingest.openlineage import EventError, EventIngestor, RunEvent, parse_event
from modelctx.ingest.runner import IngestReport, run_ingest

router = APIRouter(tags=["openlineage"])

# Run state is merged with what is stored (read, then write): one event at a time per process,
# so two events of one run cannot interleave between the read and the write.
_WRITE_LOCK = threading.Lock()


def _ingest(client: Client, event: RunEvent, principal: Principal) -> IngestReport:
    with _WRITE_LOCK:
        ingestor = EventIngestor([event], client.store, base_dir=Path.cwd(), project=principal.project)
        return run_ingest(client.store, ingestor, actor=principal.actor)


def _bad_request(detail: str, field: str) -> JSONResponse:
    return JSONResponse(status_code=400, content={"error": "ValidationError", "detail": detail, "field": field})


@router.post(
    "/lineage",
    status_code=201,
    summary="Record an OpenLineage RunEvent",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": RunEvent.model_json_schema(by_alias=True)}},
        }
    },
    responses={400: {"description": "Malformed event; `field` names the first bad field"}},
)
async def post_lineage(request: Request, principal: Principal = Depends(writer)) -> JSONResponse:  # noqa: B008
    """Validate one RunEvent and write its job, run and datasets; 201 with what changed."""
    body = await request.body()
    try:
        data: Any = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _bad_request(f"request body is not JSON: {exc}", "")
    try:
        event = parse_event(data, "event")
    except EventError as exc:
        return _bad_request(str(exc), exc.field)
    report = await run_in_threadpool(_ingest, get_client(request), event, principal)
    return JSONResponse(
        status_code=201,
        content={"run": f"run:openlineage/{event.run.runId}", "changes": report.write.to_json()},
    )
