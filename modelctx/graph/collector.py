"""Python's cyclic garbage collector paused while a bulk operation runs: the one place that does it.

A write or a copy allocates millions of short-lived objects (records, rows,
dicts) while the caller often holds a large graph in memory (an ingest, a copy,
the store benchmark); each automatic full collection then rescans everything
alive, and at a million edges that was about a quarter of a write's CPU time. The
records of a write make no reference cycles, so nothing waits for the collector
meanwhile; when the last paused operation ends the collector resumes and runs
as usual.

Pausing is process-wide (``gc.disable``), so threads writing at once share one
pause: it ends when the last of them ends, and the collector is enabled again
only if it was enabled when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic collection inside this block (nestable, thread-safe); restored however it ends."""
    global _active, _resume
    with _lock:
        if _active == 0:
            _resume = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _resume:
                gc.enable()
