"""``POST /api/v1/lineage``: OpenLineage events in (RunEvent, DatasetEvent, JobEvent), as Marquez accepts them.

Airflow, Spark and dbt integrations point their HTTP transport here; bodies
may be gzip- or deflate-compressed (the transport's ``compression`` option),
decoded within the body-size limit (``api/guard.py`` ``decode_body``). A
malformed event gets 400 with a JSON body naming the field, and nothing is
written; a good one is written attributed to the caller, through the caller's
view of the store, and the response is sent only after its transaction committed.

Writes go through one writer thread per app (group commit): events that
arrive while a transaction is open are written together in the next one.
Each group is converted inside its write transaction (``ingest/openlineage.py``
``event_units``), so a run's out-of-order events merge with what any other
process wrote. A group that fails is retried one event at a time, so only the
bad event fails.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from modelctx.api.deps import Access, request_limits, write_access
from modelctx.api.guard import decode_body
from modelctx.config import Limits
from modelctx.graph.changelog import WriteResult
from modelctx.graph.ids import node_id
from modelctx.graph.model import NodeKind
from modelctx.graph.refs import OPENLINEAGE_SOURCE
from modelctx.ingest.openlineage import EventError, EventIngestor, RunEvent, parse_event
from modelctx.ingest.openlineage_events import AnyEvent, DatasetEvent, JobEvent
from modelctx.ingest.runner import run_ingest

router = APIRouter(tags=["openlineage"])

#: Most events written in one transaction.
MAX_GROUP = 256
#: Seconds the writer thread waits for more work before it exits (it restarts on demand).
IDLE_SECONDS = 2.0


@dataclass(slots=True)
class _Pending:
    event: AnyEvent
    access: Access
    done: Future[WriteResult] = field(default_factory=Future)


class EventWriter:
    """One thread that writes queued events in groups, one transaction per group and caller."""

    def __init__(self) -> None:
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, event: AnyEvent, access: Access) -> Future[WriteResult]:
        pending = _Pending(event, access)
        with self._lock:
            self._queue.put(pending)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="openlineage-writer", daemon=True)
                self._thread.start()
        return pending.done

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_caller: dict[tuple[str, str | None], list[_Pending]] = {}
            for pending in group:
                by_caller.setdefault((pending.access.actor, pending.access.project), []).append(pending)
            for items in by_caller.values():
                self._write(items)

    def _write(self, items: list[_Pending]) -> None:
        try:
            result = self._ingest(items)
        except Exception as exc:  # noqa: BLE001 - handed to the waiting requests, which re-raise it
            if len(items) == 1:
                items[0].done.set_exception(exc)
                return
            for item in items:  # find the one that failed; the others still go in
                self._write([item])
            return
        for item in items:
            item.done.set_result(result)

    @staticmethod
    def _ingest(items: list[_Pending]) -> WriteResult:
        access = items[0].access
        ingestor = EventIngestor([i.event for i in items], base_dir=Path.cwd())
        return run_ingest(access.store, ingestor, actor=access.actor).write


_WRITERS_LOCK = threading.Lock()


def event_writer(request: Request) -> EventWriter:
    """The app's writer, made on first use."""
    state = request.app.state
    with _WRITERS_LOCK:
        found: EventWriter | None = getattr(state, "openlineage_writer", None)
        if found is None:
            found = EventWriter()
            state.openlineage_writer = found
    return found


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its ``$defs`` inlined: OpenAPI cannot resolve pydantic's ``#/$defs`` refs.

    A recursive definition (a schema field's nested ``fields``) is inlined
    once; inside itself it is an open object.
    """
    defs = schema.pop("$defs", {})

    def resolve(node: Any, inside: frozenset[str]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                return {"type": "object"} if name in inside else resolve(defs[name], inside | {name})
            return {k: resolve(v, inside) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v, inside) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema, frozenset())
    return resolved


def _bad_request(detail: str, field: str) -> JSONResponse:
    return JSONResponse(status_code=400, content={"error": "ValidationError", "detail": detail, "field": field})


@router.post(
    "/lineage",
    status_code=201,
    summary="Record an OpenLineage event (RunEvent, DatasetEvent or JobEvent)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"oneOf": [
                inline_schema(model.model_json_schema(by_alias=True)) for model in (RunEvent, DatasetEvent, JobEvent)
            ]}}},
        }
    },
    responses={400: {"description": "Malformed event; `field` names the first bad field"}},
)
async def post_lineage(
    request: Request, access: Access = Depends(write_access), limits: Limits = Depends(request_limits)  # noqa: B008
) -> JSONResponse:
    """Validate one event and write its job, run and dataset versions; 201 once committed."""
    body = decode_body(await request.body(), request.headers.get("content-encoding"), limits)
    try:
        data: Any = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _bad_request(f"request body is not JSON: {exc}", "")
    try:
        event = parse_event(data, "event")
    except EventError as exc:
        return _bad_request(str(exc), exc.field)
    report = await asyncio.wrap_future(event_writer(request).submit(event, access))
    content: dict[str, Any] = {"changes": report.to_json()}
    if isinstance(event, RunEvent):
        content["run"] = node_id(NodeKind.RUN, OPENLINEAGE_SOURCE, event.run.runId)
    return JSONResponse(status_code=201, content=content)
