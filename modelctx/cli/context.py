"""What every command shares: the lazily opened client, ``--json`` and error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from modelctx.errors import ModelctxError

if TYPE_CHECKING:
    from modelctx.client import Client
    from modelctx.graph.store import GraphStore

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    """Holds the store URI from ``--store`` and opens the client on first use."""

    def __init__(self, store_uri: str | None) -> None:
        self.store_uri = store_uri
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            from modelctx.client import Client

            self._client = Client.open(self.store_uri)
        return self._client

    @property
    def store(self) -> GraphStore:
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


@contextmanager
def handle_errors() -> Iterator[None]:
    """Print a modelctx error as one clear line on stderr and exit with its status."""
    try:
        yield
    except ModelctxError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
