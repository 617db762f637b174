"""Feedback for long work on stderr: a rich progress bar on a terminal, status lines elsewhere, none with --json.

People at a terminal see a bar. Work that is slow for reasons the user cannot
see (``status_lines=True``: the search index catching up with the change log,
which loads the embedding model) says so wherever its stderr goes: logs, CI jobs
and pipes get a status line once it has run for a second
(``STATUS_AFTER_SECONDS``) and one when it ends, so a silent pause never looks
like a hang, and quick work prints nothing. Other work stays silent off a
terminal, so a command that fails prints its one error line and nothing else.
``enabled=False`` (``--json``) keeps the command quiet.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click


class _RichSink:
    def __init__(self, progress: object, task: object) -> None:
        self._progress = progress
        self._task = task

    def advance(self, records: int) -> None:
        self._progress.advance(self._task, records)  # type: ignore[attr-defined]

    def set_total(self, total: int | None) -> None:
        self._progress.update(self._task, total=total)  # type: ignore[attr-defined]


class _NullSink:
    def advance(self, records: int) -> None:
        return None

    def set_total(self, total: int | None) -> None:
        return None


#: Work that ends sooner prints no status line.
STATUS_AFTER_SECONDS = 1.0


class _StatusSink:
    """Counts what was done, for the status lines of work that is not on a terminal."""

    def __init__(self, description: str, total: int | None) -> None:
        self.description = description
        self.done = 0
        self.total = total
        self.started = time.perf_counter()
        self.announced = False
        self._lock = threading.Lock()

    def announce(self) -> None:
        with self._lock:
            if not self.announced:
                self.announced = True
                todo = "started" if self.total is None else f"{self.total:,} to do"
                status(f"{self.description}: {todo} ...")

    def finish(self) -> None:
        elapsed = time.perf_counter() - self.started
        if self.announced or elapsed >= STATUS_AFTER_SECONDS:
            self.announce()
            status(f"{self.description}: {_of(self.done, self.total)} done in {elapsed:.1f} s")

    def advance(self, records: int) -> None:
        self.done += records

    def set_total(self, total: int | None) -> None:
        self.total = total


def status(message: str) -> None:
    """One status line on stderr (never stdout: it stays clean for pipes and --json)."""
    click.echo(message, err=True)


def _of(count: int, total: int | None) -> str:
    return f"{count:,}" if total is None else f"{count:,} of {total:,}"


@contextmanager
def progress_bar(
    description: str, *, total: int | None = None, enabled: bool = True, status_lines: bool = False
) -> Iterator[_RichSink | _NullSink | _StatusSink]:
    """A progress bar on a terminal's stderr; elsewhere, with ``status_lines``, lines once it has taken a second."""
    if not enabled or (not status_lines and not sys.stderr.isatty()):
        yield _NullSink()
        return
    if not sys.stderr.isatty():
        sink = _StatusSink(description, total)
        timer = threading.Timer(STATUS_AFTER_SECONDS, sink.announce)
        timer.daemon = True
        timer.start()
        try:
            yield sink
        finally:
            timer.cancel()
        sink.finish()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=False,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield _RichSink(progress, task)
