"""``modelctx ingest mlflow|openlineage``: join what MLflow and OpenLineage already recorded.

Each command builds its ingestor's config, hands it the opened store as the
read-only GraphLookup the dataset identity rule needs, and lets the runner
write; nothing here touches a backend.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from modelctx.cli.context import AppContext, json_option, pass_app

F = TypeVar("F", bound=Callable[..., Any])


def _common(func: F) -> F:
    func = click.option("--project", default=None, metavar="NAME", help="Project the ingested nodes belong to.")(func)
    func = click.option(
        "--base-dir", "base_dir", default=None, metavar="DIR",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        help="Directory relative dataset paths resolve against (default: the current directory).",
    )(func)
    func = click.option("--dry-run", is_flag=True, help="Read and validate everything; write nothing.")(func)
    return json_option(func)


def _write(app: AppContext, ingestor: Any, dry_run: bool, as_json: bool, progress: Any = None) -> None:
    from modelctx.cli.ingest_commands import print_report
    from modelctx.ingest.runner import run_ingest

    report = run_ingest(None if dry_run else app.store, ingestor, actor=app.client.actor, dry_run=dry_run,
                        progress=progress)
    print_report(report, as_json)


@click.command("mlflow")
@click.option("--tracking-uri", required=True, metavar="URI",
              help="MLflow tracking URI: sqlite:///mlflow.db, file:///path/mlruns or http(s)://host:port.")
@click.option("--registry-uri", default=None, metavar="URI", help="Model Registry URI (default: the tracking URI).")
@click.option("--experiment", "experiments", multiple=True, metavar="NAME",
              help="Import only this experiment (repeatable; default: every active experiment).")
@click.option("--no-registry", is_flag=True, help="Skip registered models and their versions.")
@_common
@pass_app
def mlflow_command(
    app: AppContext, tracking_uri: str, registry_uri: str | None, experiments: tuple[str, ...], no_registry: bool,
    base_dir: Path | None, project: str | None, dry_run: bool, as_json: bool,
) -> None:
    """Experiments, runs, dataset inputs and the Model Registry of an MLflow server or store."""
    from pydantic import ValidationError as PydanticValidationError

    from modelctx.cli.progress import progress_bar
    from modelctx.errors import ValidationError
    from modelctx.ingest.mlflow import MlflowConfig, MlflowIngestor

    try:
        config = MlflowConfig(
            tracking_uri=tracking_uri, registry_uri=registry_uri, experiments=list(experiments),
            base_dir=(base_dir or Path.cwd()).resolve(), project=project, registry=not no_registry,
        )
    except PydanticValidationError as exc:
        raise ValidationError(f"invalid mlflow options: {exc.errors()[0]['msg']}") from None
    with progress_bar("mlflow runs", enabled=not as_json) as bar:
        ingestor = MlflowIngestor(config, app.store, progress=bar)
        _write(app, ingestor, dry_run, as_json)


@click.command("openlineage")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_common
@pass_app
def openlineage_command(
    app: AppContext, path: Path, base_dir: Path | None, project: str | None, dry_run: bool, as_json: bool
) -> None:
    """OpenLineage RunEvents from a JSON-lines file (one event per line), as the HTTP endpoint takes them."""
    from modelctx.ingest.openlineage import OpenLineageIngestor

    ingestor = OpenLineageIngestor(path, base_dir=(base_dir or Path.cwd()).resolve(), project=project)
    _write(app, ingestor, dry_run, as_json)
