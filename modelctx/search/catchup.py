"""The search index's background catch-up: one thread that indexes, so that no request has to.

The thread writes the index file through a :class:`SearchIndex` of its own (its
own SQLite connection: the index is safe across connections and processes,
``search/index.py``), and after every committed chunk lets the service's index
``refresh`` its in-memory vectors. Searches therefore never wait for
embedding: they see each chunk as soon as it is committed, and
:meth:`SearchService.pending_changes` says how much is still to come.

It first loads the embedding model (one query embedded), so that no request
waits for that either, and once caught up reads the postings of frequent
words into memory (``SearchIndex.read_ahead``), which the first search using
each would otherwise read inside its request. It runs every ``interval``
seconds (writes by other processes are found that way) and at once when
woken (the API wakes it after a successful write, ``api/app.py``). ``stop``
ends it between chunks; every chunk is committed with the change-log
sequence it covers, so the next start resumes there.
"""

from __future__ import annotations

import logging
import threading

from modelctx.search.indexing import Index
from modelctx.search.service import SearchService

log = logging.getLogger(__name__)

#: The text embedded once when the thread starts, so that the embedding model is loaded before any search.
WARM_UP_QUERY = "warm up"


class _Stopped(Exception):
    """Raised from the progress callback to leave a catch-up between chunks."""


class CatchUp:
    """Keeps ``service``'s index current from a daemon thread until :meth:`stop`."""

    def __init__(self, service: SearchService, interval: float) -> None:
        self.service = service
        self.interval = interval
        self.error: str | None = None
        """Why the last catch-up failed (None after a good one): a missing extra, an unreachable store."""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._writer: Index | None = None

    def start(self) -> None:
        """Start the thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="search-catchup", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """Catch up now rather than at the next interval."""
        self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to end (between chunks) and wait up to ``timeout`` seconds for it.

        A thread still embedding a chunk after that is a daemon and ends with the
        process; the chunk it was on is simply indexed again next time.
        """
        self._stopping.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("search catch-up still busy after %.1f s; leaving it to end with the process", timeout)
                return
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def running(self) -> bool:
        """Whether the thread is alive (False before ``start`` and after ``stop``)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def _after_chunk(self, done: int, total: int) -> None:
        self.service.index.refresh()
        if self._stopping.is_set():
            raise _Stopped

    def _run(self) -> None:
        warm = False
        while not self._stopping.is_set():
            try:
                if not warm:
                    # Load the model here, not in the first search request that needs it.
                    self.service.embedder.embed_query(WARM_UP_QUERY)
                    warm = True
                if self._writer is None:
                    self._writer = self.service.index.writer()
                self._writer.sync(self._after_chunk, memory=False)
                self.service.index.refresh()
                # Once caught up: the postings of frequent words, not read in the first searches using them
                # (again only after the postings cache started afresh: SearchIndex.read_ahead).
                self.service.index.read_ahead(self._stopping.is_set)
                self.error = None
            except _Stopped:
                return
            except Exception as exc:  # noqa: BLE001 - a background thread reports and tries again later
                error = f"{type(exc).__name__}: {exc}"
                if error != self.error:  # once per kind of failure, not every interval
                    log.warning("search catch-up failed (retrying every %g s): %s", self.interval, error)
                self.error = error
            self._wake.wait(self.interval)
            self._wake.clear()
