"""``modelctx ingest SOURCE …``: one sub-command per ingestor, loaded lazily.

Each source's command lives in its own module; add one line to
``INGEST_COMMANDS`` for a new source.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import click

from modelctx.cli.examples import attach_help

INGEST_COMMANDS: dict[str, str] = {
    "git": "modelctx.cli.ingest_files_commands:git_command",
    "dataset": "modelctx.cli.ingest_files_commands:dataset_command",
    "features": "modelctx.cli.ingest_files_commands:features_command",
    "reviews": "modelctx.cli.ingest_files_commands:reviews_command",
    "deployments": "modelctx.cli.ingest_files_commands:deployments_command",
    "mlflow": "modelctx.cli.ingest_interop_commands:mlflow_command",
    "openlineage": "modelctx.cli.ingest_interop_commands:openlineage_command",
}


def _available(target: str) -> bool:
    try:
        return importlib.util.find_spec(target.split(":", 1)[0]) is not None
    except ModuleNotFoundError:
        return False


class _LazyIngestGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n, t in INGEST_COMMANDS.items() if _available(t))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = INGEST_COMMANDS.get(cmd_name)
        if target is None or not _available(target):
            return None
        module, attribute = target.split(":", 1)
        command: Any = getattr(importlib.import_module(module), attribute)
        return attach_help(command, f"ingest {cmd_name}")


@click.group("ingest", cls=_LazyIngestGroup)
def ingest_group() -> None:
    """Bring code, data, features, runs, reviews, deployments and lineage events into the graph."""


#: Created ids printed as text (``--json`` carries up to ``graph/changelog.py`` MAX_CREATED_IDS).
SHOWN_IDS = 20


def print_report(report: Any, as_json: bool) -> None:
    """Print an IngestReport for people (a table, then the ids it created) or machines (--json)."""
    from modelctx.cli.context import emit_json

    data = report.to_json()
    if as_json:
        emit_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = f"{data['ingestor']}{' (dry run: nothing written)' if data['dry_run'] else ''}"
    table = Table(title=title)
    table.add_column("record")
    table.add_column("seen", justify="right")
    for kind, n in data["nodes"].items():
        table.add_row(kind, str(n))
    for etype, n in data["edges"].items():
        table.add_row(etype, str(n))
    console.print(table)
    changes = data["changes"]
    if not data["dry_run"]:
        console.print(
            f"nodes: {changes['nodes_created']} created, {changes['nodes_updated']} updated, "
            f"{changes['nodes_unchanged']} unchanged; edges: {changes['edges_created']} created, "
            f"{changes['edges_updated']} updated, {changes['edges_unchanged']} unchanged"
            + (f", {changes['edges_removed']} removed" if changes.get("edges_removed") else "")
        )
        created = changes["created_ids"]
        for node_id in created[:SHOWN_IDS]:
            click.echo(f"  created {node_id}")
        if changes["nodes_created"] > SHOWN_IDS:
            click.echo(f"  … and {changes['nodes_created'] - SHOWN_IDS} more created "
                       f"(--json lists the first {len(created)})")
    if data["warning_count"]:
        console.print(f"[yellow]{data['warning_count']} warning(s)[/yellow]")
        for warning in data["warnings"]:
            console.print(f"  - {warning}")
