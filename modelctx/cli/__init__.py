"""The ``modelctx`` command: a thin layer that parses, calls the package and prints.

Sub-commands are loaded lazily from the modules named in ``COMMANDS`` so that a
light command (``stats``) never pays for the imports of a heavy one
(``search`` imports torch). A command whose module is not present is hidden.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

import click

from modelctx.cli.context import AppContext, handle_errors
from modelctx.cli.examples import attach_help

#: command name -> "module:attribute". Add one line per command.
COMMANDS: dict[str, str] = {
    "init": "modelctx.cli.graph_commands:init_command",
    "stats": "modelctx.cli.graph_commands:stats_command",
    "show": "modelctx.cli.graph_commands:show_command",
    "nodes": "modelctx.cli.graph_commands:nodes_command",
    "lineage": "modelctx.cli.graph_commands:lineage_command",
    "impact": "modelctx.cli.graph_commands:impact_command",
    "verify": "modelctx.cli.integrity_commands:verify_command",
    "checkpoint": "modelctx.cli.integrity_commands:checkpoint_command",
    "demo": "modelctx.cli.demo_commands:demo_command",
    "copy": "modelctx.cli.copy_commands:copy_command",
    "ingest": "modelctx.cli.ingest_commands:ingest_group",
    "search": "modelctx.cli.search_commands:search_command",
    "index": "modelctx.cli.search_commands:index_command",
    "note": "modelctx.cli.search_commands:note_command",
    "serve": "modelctx.cli.api_commands:serve_command",
    "token": "modelctx.cli.api_commands:token_group",
    "mcp": "modelctx.cli.api_commands:mcp_command",
    "train": "modelctx.cli.lifecycle_commands:train_command",
    "serve-model": "modelctx.cli.lifecycle_commands:serve_model_command",
    "monitor": "modelctx.cli.lifecycle_commands:monitor_command",
    "audit": "modelctx.cli.governance_commands:audit_command",
    "export": "modelctx.cli.governance_commands:export_group",
    "policy": "modelctx.cli.governance_commands:policy_group",
    "flag": "modelctx.cli.governance_commands:flag_command",
    "portfolio": "modelctx.cli.governance_commands:portfolio_command",
    "diff": "modelctx.cli.diff_commands:diff_command",
}


def _check_json(ctx: click.Context, command: click.Command, args: list[str]) -> None:
    """``modelctx --json CMD``: refuse it (one usage line) when the command that will run has no ``--json``."""
    path = [command.name or ""]
    while isinstance(command, click.Group):
        names = [a for a in args if not a.startswith("-")]
        found = command.get_command(ctx, names[0]) if names else None
        if found is None:
            return  # no sub-command named: the group prints its help or its own usage error
        command, args = found, args[args.index(names[0]) + 1 :]
        path.append(command.name or "")
    if not any(param.name == "as_json" for param in command.params):
        raise click.UsageError(f"--json: '{ctx.command_path} {' '.join(path)}' has no JSON output", ctx)


def _available(target: str) -> bool:
    module = target.split(":", 1)[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in COMMANDS.items() if _available(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _available(target):
            return None
        module_name, attribute = target.split(":", 1)
        command: Any = getattr(importlib.import_module(module_name), attribute)
        return attach_help(command, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and ctx.params.get("as_json"):
            _check_json(ctx, command, rest)
        return name, command, rest

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        # The root's own options (--store) are parsed here, before invoke: their usage errors are one line too.
        with handle_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        # Errors become one line and an exit status however the CLI is invoked (console or tests).
        with handle_errors():
            return super().invoke(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_uri", envvar="MODELCTX_STORE", default=None, metavar="URI",
              help="Store URI (sqlite:///path, neo4j://user:pass@host:7687). Env: MODELCTX_STORE.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON instead of text (the same as --json after the command).")
@click.version_option(package_name="modelctx")
@click.pass_context
def main(ctx: click.Context, store_uri: str | None, as_json: bool) -> None:
    """modelctx: the provenance graph of your models, searchable and auditable.

    Every command has examples in its --help (modelctx nodes --help). Shell
    completion: eval "$(_MODELCTX_COMPLETE=bash_source modelctx)" in ~/.bashrc
    (zsh_source, fish_source for zsh and fish).
    """
    app = AppContext(store_uri, as_json=as_json)
    ctx.obj = app
    ctx.call_on_close(app.close)


attach_help(main, "")


def run() -> None:
    """Console-script entry point."""
    main.main(standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    run()
    sys.exit(0)
