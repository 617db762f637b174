"""Rich progress bars for long work, shown only on a terminal and never with --json."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


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


@contextmanager
def progress_bar(
    description: str, *, total: int | None = None, enabled: bool = True
) -> Iterator[_RichSink | _NullSink]:
    """A progress bar on stderr; a no-op sink when disabled or not on a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield _NullSink()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=False,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield _RichSink(progress, task)
