"""``modelctx ingest git|dataset|features|reviews|deployments``: file- and repo-based sources.

Each command builds its ingestor's config, hands it the opened store as a
read-only lookup, and lets the runner write; nothing here touches a backend.
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
    func = click.option("--dry-run", is_flag=True, help="Read and validate everything; write nothing.")(func)
    return json_option(func)


def _config(cls: type[Any], **values: Any) -> Any:
    import pydantic

    from modelctx.errors import ValidationError

    try:
        return cls(**values)
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValidationError(f"invalid {cls.__name__}: {problems}") from None


def _run(
    app: AppContext, make: Callable[[Any], Any], label: str, dry_run: bool, as_json: bool, *, own_progress: bool
) -> None:
    """Run the ingestor ``make(progress_sink)`` builds; ``own_progress`` ingestors count their own units."""
    from modelctx.cli.ingest_commands import print_report
    from modelctx.cli.progress import progress_bar
    from modelctx.ingest.runner import run_ingest

    with progress_bar(label, enabled=not as_json) as bar:
        ingestor = make(bar if own_progress else None)
        report = run_ingest(
            None if dry_run else app.store, ingestor, actor=app.client.actor, dry_run=dry_run,
            progress=None if own_progress else bar,
        )
    print_report(report, as_json)


@click.command("git")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--branch", default=None, help="Branch or ref to read (default: the checked-out branch).")
@click.option("--since", default=None, metavar="REV", help="Read only commits after REV (default: after the last run).")
@_common
@pass_app
def git_command(
    app: AppContext, path: Path, branch: str | None, since: str | None, project: str | None,
    dry_run: bool, as_json: bool,
) -> None:
    """Commits, authors and files changed of a git repository; later runs read only new commits."""
    from modelctx.ingest.git import GitConfig, GitIngestor

    config = _config(GitConfig, path=path, branch=branch, since=since, project=project)
    _run(app, lambda bar: GitIngestor(config, app.store, bar), "git commits", dry_run, as_json, own_progress=True)


@click.command("dataset")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--name", required=True, help="Dataset name (one dataset, many versions).")
@click.option("--derived-from", "derived_from", multiple=True, metavar="ID_OR_PATH",
              help="A dataset_version id, or the path of an already-ingested file, this data came from (repeatable).")
@click.option("--description", default=None, help="What the dataset is (indexed for search).")
@click.option("--description-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Read the description from a file.")
@click.option("--encoding", default=None, metavar="NAME",
              help="Text encoding of CSV, TSV and JSON-lines files, e.g. latin-1 or cp1252 "
                   "(default: UTF-8, or what a byte-order mark names; other bytes are refused).")
@_common
@pass_app
def dataset_command(
    app: AppContext, path: Path, name: str, derived_from: tuple[str, ...], description: str | None,
    description_file: Path | None, encoding: str | None, project: str | None, dry_run: bool, as_json: bool,
) -> None:
    """A CSV, TSV, Parquet or JSON-lines file, or a folder of versions: digest, schema and column statistics."""
    from modelctx.errors import ValidationError
    from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor
    from modelctx.ingest.formats import check_encoding, read_text

    if description is not None and description_file is not None:
        raise ValidationError("give --description or --description-file, not both")
    if encoding is not None:
        encoding = check_encoding(encoding)
    if description_file is not None:
        description = read_text(description_file, f"--description-file {description_file}",
                                error=ValidationError).strip()
    config = _config(DatasetConfig, path=path, name=name, derived_from=list(derived_from),
                     description=description, project=project, encoding=encoding)
    _run(app, lambda bar: DatasetIngestor(config, app.store, bar), f"dataset {name} (bytes)", dry_run, as_json,
         own_progress=True)


@click.command("features")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_common
@pass_app
def features_command(app: AppContext, path: Path, project: str | None, dry_run: bool, as_json: bool) -> None:
    """Feature definitions (YAML or JSON; see docs/formats/) tied to the dataset versions they read."""
    from modelctx.ingest.features import FeaturesConfig, FeaturesIngestor

    config = _config(FeaturesConfig, path=path, project=project)
    _run(app, lambda _: FeaturesIngestor(config, app.store), "features", dry_run, as_json, own_progress=False)


def _records_command(kind: str, summary: str) -> click.Command:
    @click.command(kind, help=summary)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--create-missing", is_flag=True,
                  help="Create Model and ModelVersion nodes for versions not in the graph instead of failing.")
    @_common
    @pass_app
    def command(
        app: AppContext, path: Path, create_missing: bool, project: str | None, dry_run: bool, as_json: bool
    ) -> None:
        from modelctx.ingest.records import RecordsConfig, RecordsIngestor

        config = _config(RecordsConfig, path=path, kind=kind, create_missing=create_missing, project=project)
        _run(app, lambda _: RecordsIngestor(config, app.store), kind, dry_run, as_json, own_progress=False)

    return command


reviews_command = _records_command(
    "reviews", "Model-version reviews from a JSON or YAML list (see docs/formats/reviews.example.yaml)."
)
deployments_command = _records_command(
    "deployments", "Model-version deployments from a JSON or YAML list (see docs/formats/deployments.example.yaml)."
)
