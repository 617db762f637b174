"""What every command shares: the lazily opened client, ``--json`` and error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from modelctx.errors import ModelctxError

if TYPE_CHECKING:
    from modelctx.client import Client
    from modelctx.graph.store import GraphStore

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    """Holds the store URI from ``--store`` and opens the client on first use."""

    def __init__(self, store_uri: str | None, *, as_json: bool = False) -> None:
        self.store_uri = store_uri
        #: ``modelctx --json CMD``: every command's ``--json`` defaults to it.
        self.as_json = as_json
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

    def unopened_data_dir(self) -> Path:
        """The store's data folder (``Client.data_dir``) worked out from its URI, without opening the store."""
        from modelctx.config import data_dir_for, default_home, default_store_uri

        return data_dir_for(self.store_uri or default_store_uri(), default_home())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


pass_app = click.make_pass_decorator(AppContext)


def _json_from_root(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    app = ctx.find_object(AppContext)
    return bool(value) or (app is not None and app.as_json)


def json_option(func: F) -> F:
    """Add ``--json`` (machine-readable output) to a command; ``modelctx --json CMD`` sets it too."""
    return click.option("--json", "as_json", is_flag=True, callback=_json_from_root,
                        help="Print JSON instead of text.")(func)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def write_output(path: Path, data: bytes, option: str = "-o") -> None:
    """Write the file a command was asked to write (``-o FILE``); one that cannot be written is one error line."""
    from modelctx.errors import ValidationError

    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(f"{option} {path}: cannot write: {exc.strerror or exc}") from None


#: The exit status of a command line click cannot parse (an unknown option, a bad value): click's own.
USAGE_EXIT_CODE = 2
#: What click (8.2 and later) raises to print a group's help when it is run without a sub-command.
_HELP_FOR_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) made one space: an error is one line."""
    return " ".join(str(text).split())


@contextmanager
def handle_errors() -> Iterator[None]:
    """Print a modelctx error, or a command line click cannot parse, as one line on stderr and exit with its status.

    A modelctx error exits with its class's code (``modelctx/errors.py``). A
    usage error keeps click's exit status 2 (``USAGE_EXIT_CODE``) but not its
    usage block: one line, ``error: <message> (see <command> --help)``, so
    every failure of the CLI reads the same. Running a group without a
    sub-command still prints its help.
    """
    try:
        yield
    except ModelctxError as exc:
        click.echo(f"error: {one_line(exc)}", err=True)
        sys.exit(exc.exit_code)
    except _HELP_FOR_NO_ARGS:
        raise
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "modelctx"
        click.echo(f"error: {one_line(exc.format_message())} (see {command} --help)", err=True)
        sys.exit(USAGE_EXIT_CODE)
