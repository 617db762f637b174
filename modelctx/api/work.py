"""Long work of one request: run in a worker thread, stopped when nobody waits for it any more.

A thread cannot be cancelled, so the work carries a :class:`~modelctx.budget.Budget`
and checks it between steps (``budget.py``). :func:`run_bounded` stops that
budget when the client disconnects, or when the request is cancelled (uvicorn
cancels requests still running ``timeout_graceful_shutdown`` seconds after
SIGTERM, ``api/server.py``); the thread then ends at its next checkpoint, and
the process is not held open by a report nobody will read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import Request

from modelctx.budget import Budget

log = logging.getLogger(__name__)

T = TypeVar("T")


async def run_bounded(request: Request, work: Callable[[], T], budget: Budget, what: str) -> T:
    """``work()`` in a worker thread; ``budget`` is stopped if the client leaves or the request is cancelled."""

    async def watch_disconnect() -> None:
        # A GET's receive channel yields its (empty) body, then nothing until the client disconnects.
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                budget.stop("the client disconnected")
                log.warning("%s stopped: the client disconnected", what)
                return

    results: list[T] = []
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(watch_disconnect)
        try:
            # abandon_on_cancel: a cancelled request returns at once; the thread sees the stopped budget.
            results.append(await anyio.to_thread.run_sync(work, abandon_on_cancel=True))
        except anyio.get_cancelled_exc_class():
            budget.stop("the request was cancelled (the server is stopping)")
            raise
        except Exception as exc:  # noqa: BLE001 - raised below, outside the group (which would wrap it)
            failure = exc
        finally:
            group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return results[0]
