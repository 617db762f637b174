"""What every command shares: the lazily opened client, ``--json`` and error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from modelctx.errors import (
    BackendError,
    BackendUnavailable,
    ConfigError,
    ConflictError,
    IngestError,
    ModelctxError,
    NotFoundError,
    ValidationError,
)

F = TypeVar("F", bound=Callable[..., Any])

#: exit status per error class (most specific first)
EXIT_CODES: tuple[tuple[type[ModelctxError], int], ...] = (
    (NotFoundError, 3),
    (ValidationError, 4),
    (ConflictError, 5),
    (IngestError, 6),
    (BackendUnavailable, 7),
    (BackendError, 8),
    (ConfigError, 9),
    (ModelctxError, 1),
)


class AppContext:
    """Holds the store URI from ``--store`` and opens the client on first use."""

    def __init__(self, store_uri: str | None) -> None:
        self.store_uri = store_uri
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from modelctx.client import Client

            self._client = Client.open(self.store_uri)
        return self._client

    @property
    def store(self) -> Any:
        return self.client.store

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


pass_app = click.make_pass_decorator(AppContext)


def json_option(func: F) -> F:
    """Add ``--json`` (machine-readable output) to a command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def exit_code_for(exc: ModelctxError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(exc, cls))


@contextmanager
def handle_errors() -> Iterator[None]:
    """Print a modelctx error as one clear line on stderr and exit with its status."""
    try:
        yield
    except ModelctxError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exit_code_for(exc))
