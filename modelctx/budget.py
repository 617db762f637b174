"""A time budget for long work, with a way to stop it early; the work checks it between steps.

A walk or a report cannot be interrupted from outside while it runs in a
worker thread, so it calls :meth:`Budget.check` (or reads
:attr:`Budget.exhausted`) between steps: lineage between traversal steps
(``graph/lineage.py``), audit reports between sections (``governance/audit.py``,
``governance/render.py``). The API stops a request's budget when its client
disconnects or the server shuts down (``api/work.py``), so the thread ends at
its next checkpoint instead of rendering for nobody.
"""

from __future__ import annotations

import threading
import time

from modelctx.errors import TimeBudgetError


class Budget:
    """``seconds`` from now (None: no deadline), until :meth:`stop` is called; safe to share between threads."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self._stopped = threading.Event()
        self._reason = ""

    def stop(self, reason: str) -> None:
        """End the budget now; the work stops at its next checkpoint and says ``reason``."""
        if not self._stopped.is_set():
            self._reason = reason
            self._stopped.set()

    @property
    def exhausted(self) -> bool:
        """Whether the work should stop: stopped, or past the deadline."""
        return self._stopped.is_set() or (self.deadline is not None and time.monotonic() >= self.deadline)

    @property
    def reason(self) -> str:
        """Why the budget is exhausted ("" while it is not)."""
        if self._stopped.is_set():
            return self._reason
        if self.exhausted:
            return f"the time budget of {self.seconds:g} s ran out (MODELCTX_REQUEST_SECONDS)"
        return ""

    def check(self, doing: str) -> None:
        """Raise TimeBudgetError naming ``doing`` when the work should stop."""
        if self.exhausted:
            raise TimeBudgetError(f"{doing} stopped: {self.reason}")
