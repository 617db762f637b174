"""``POST /api/v1/lineage``: OpenLineage RunEvents in, as Marquez accepts them.

Airflow, Spark and dbt integrations point their HTTP transport here. A
malformed event gets 400 with a JSON body naming the field, and nothing is
written; a good one is written attributed to the caller, and the response is
sent only after its transaction committed.

Writes go through one writer thread per app (group commit): events that
arrive while a transaction is open are converted and written together in the
next one. That keeps a run's read-merge-write (out-of-order events) free of
interleaving within a process, and spreads one commit over many events. API
processes sharing one store each serialise only their own events.
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

from modelctx.api.deps import Access, get_client, write_access
from modelctx.client import Client
from modelctx.errors import ModelctxError
from modelctx.ingest.openlineage import EventConverter, EventError, EventIngestor, RunEvent, parse_event
from modelctx.ingest.runner import IngestReport, run_ingest

router = APIRouter(tags=["openlineage"])

#: Most events written in one transaction.
MAX_GROUP = 256
#: Seconds the writer thread waits for more work before it exits (it restarts on demand).
IDLE_SECONDS = 2.0
#: Events after which the writer forgets what it remembered (bounds its memory).
RESET_AFTER = 20_000


@dataclass(slots=True)
class _Pending:
    event: RunEvent
    access: Access
    done: Future[IngestReport] = field(default_factory=Future)


class EventWriter:
    """One thread that writes queued events in groups, one transaction per group and caller."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._converter: EventConverter | None = None
        self._seq: int | None = None
        self._project: str | None = None
        self._converted = 0

    def submit(self, event: RunEvent, access: Access) -> Future[IngestReport]:
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
            report = self._ingest(items)
        except ModelctxError as exc:
            if len(items) == 1:
                items[0].done.set_exception(exc)
                return
            for item in items:  # find the one that failed; the others still go in
                self._write([item])
            return
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request, which re-raises it
            for item in items:
                item.done.set_exception(exc)
            return
        for item in items:
            item.done.set_result(report)

    def _ingest(self, items: list[_Pending]) -> IngestReport:
        # The caller's view: a scoped writer's events create nodes in its project and cannot touch another's.
        store = items[0].access.store
        project = items[0].access.project
        before = store.last_seq()
        # The converter remembers run states and dataset matches; that memory is valid only while
        # nothing but this writer has written since (the change log's last sequence number says so).
        if self._converter is None or before != self._seq or project != self._project or self._converted > RESET_AFTER:
            self._converter = EventConverter(store, base_dir=Path.cwd())
            self._project, self._converted = project, 0
        ingestor = EventIngestor([i.event for i in items], converter=self._converter)
        try:
            report = run_ingest(store, ingestor, actor=items[0].access.actor)
        except BaseException:
            self._converter = None
            raise
        self._converted += len(items)
        self._seq = max(report.write.seqs) if report.write.seqs else before
        return report


_WRITERS_LOCK = threading.Lock()


def event_writer(request: Request) -> EventWriter:
    """The app's writer, made on first use."""
    state = request.app.state
    with _WRITERS_LOCK:
        found: EventWriter | None = getattr(state, "openlineage_writer", None)
        if found is None:
            found = EventWriter(get_client(request))
            state.openlineage_writer = found
    return found


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its ``$defs`` inlined: OpenAPI cannot resolve pydantic's ``#/$defs`` refs."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _bad_request(detail: str, field: str) -> JSONResponse:
    return JSONResponse(status_code=400, content={"error": "ValidationError", "detail": detail, "field": field})


@router.post(
    "/lineage",
    status_code=201,
    summary="Record an OpenLineage RunEvent",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(RunEvent.model_json_schema(by_alias=True))}},
        }
    },
    responses={400: {"description": "Malformed event; `field` names the first bad field"}},
)
async def post_lineage(request: Request, access: Access = Depends(write_access)) -> JSONResponse:  # noqa: B008
    """Validate one RunEvent and write its job, run and datasets; 201 once committed."""
    body = await request.body()
    try:
        data: Any = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _bad_request(f"request body is not JSON: {exc}", "")
    try:
        event = parse_event(data, "event")
    except EventError as exc:
        return _bad_request(str(exc), exc.field)
    report = await asyncio.wrap_future(event_writer(request).submit(event, access))
    return JSONResponse(
        status_code=201,
        content={"run": f"run:openlineage/{event.run.runId}", "changes": report.write.to_json()},
    )
