"""MLflow tracking and Model Registry into the graph, through the real MLflow client.

Experiments → Experiment; runs → ``run:mlflow/<run_id>`` PART_OF their
experiment, with params, final metrics (plus step count and best value per
metric), tags under ``mlflow.tags``, status, times, the user (ATTRIBUTED_TO the
Person the handle names: the person rule of :mod:`modelctx.ingest.people`),
parents (CHILD_OF), the git commit (USED Commit, the git ingestor's id) and
notes as search text. Dataset inputs become DatasetVersions through
the identity rule (:mod:`modelctx.ingest.identity`), so a run meets the files
and OpenLineage datasets it read. Registered models → Model; versions →
``model_version:<name>/<version>`` GENERATED_BY the run that logged them
(MLflow 3 names the run through the LoggedModel ``m-…``). Logged models that
were never registered stay on their run (``mlflow.logged_models``).

Every property is derived deterministically from MLflow, so a second import
changes only what changed there.

**Read-only.** An import never writes to the tracking store. MLflow's own
client would: pointed at a SQLite file it creates its ~70 tables (or upgrades
them), and at a folder it adds ``.trash`` and ``models``. So a SQLite store is
first checked through a read-only connection — it must be a SQLite database
holding MLflow's ``experiments`` and ``alembic_version`` tables, else the
import is refused and the file is left byte for byte as it was — and MLflow
then reads a snapshot of it taken through that connection (the SQLite backup
API, so a store being written meanwhile is read at one consistent moment). A
folder must already be an MLflow file store (``.trash``, or an experiment's
``meta.yaml``); a file store without a ``models`` folder has no registry and
its registry is skipped rather than created.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.refs import MLFLOW_SOURCE
from modelctx.ingest.identity import DatasetIdentity, DatasetMention, location_uri, normalise_digest
from modelctx.ingest.lookup import GraphLookup
from modelctx.ingest.people import People
from modelctx.ingest.runner import IngestWarning, Record
from modelctx.times import format_iso
from modelctx.vocabulary import RunStatus, lower_is_better

SOURCE = MLFLOW_SOURCE
NOTE_TAG = "mlflow.note.content"
PARENT_TAG = "mlflow.parentRunId"
COMMIT_TAG = "mlflow.source.git.commit"
#: Tags that are recorded elsewhere or are too large to be useful as properties.
SKIPPED_TAGS = frozenset({NOTE_TAG, "mlflow.log-model.history"})
PAGE = 1000


class MlflowConfig(BaseModel):
    """What to import from which MLflow server or store."""

    model_config = ConfigDict(extra="forbid")

    tracking_uri: str = Field(min_length=1, description="sqlite:///path.db, file:///path/mlruns or http(s)://host.")
    registry_uri: str | None = Field(default=None, description="Model Registry URI; default the tracking URI.")
    experiments: list[str] = Field(default_factory=list, description="Experiment names; empty means all active.")
    base_dir: Path = Field(default_factory=Path.cwd, description="Directory relative dataset paths resolve against.")
    project: str | None = Field(default=None, description="Project every imported node belongs to.")
    registry: bool = Field(default=True, description="Import registered models and their versions.")


class RunProgress(Protocol):
    def set_total(self, total: int | None) -> None: ...

    def advance(self, records: int) -> None: ...


def ms_time(value: int | None) -> str | None:
    """MLflow's epoch milliseconds as UTC ISO 8601 (the same form the OpenLineage ingestor writes)."""
    if value is None:
        return None
    return format_iso(datetime.fromtimestamp(value / 1000, UTC))


def _number(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def redact(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return uri.replace(f":{parts.password}@", ":***@", 1)


#: Tables every MLflow SQL tracking store has; a database without them is not one.
MLFLOW_TABLES = ("experiments", "alembic_version")


def sqlite_path(uri: str) -> Path:
    """The file of a ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` URI (SQLAlchemy's form)."""
    raw = uri.split("://", 1)[1] if "://" in uri else ""
    raw = raw.split("?", 1)[0]
    return Path(raw[1:] if raw.startswith("/") else raw)


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to ``path`` (SQLite's ``mode=ro``; nothing is created either)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_sqlite_store(path: Path, shown: str) -> None:
    """Refuse, without changing a byte, a file that is not an MLflow SQLite tracking store."""
    try:
        with closing(_read_only(path)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise IngestError(f"MLflow tracking store {shown}: {path} is not an SQLite database ({exc})") from None
    missing = [t for t in MLFLOW_TABLES if t not in tables]
    if missing:
        raise IngestError(
            f"MLflow tracking store {shown}: {path} is an SQLite database but not an MLflow tracking store "
            f"(no {' or '.join(repr(t) for t in missing)} table); nothing was read or written"
        )


def snapshot_sqlite(path: Path, folder: Path) -> str:
    """Copy an SQLite store through a read-only connection into ``folder``; the copy's ``sqlite:`` URI."""
    target = folder / "mlflow-snapshot.db"
    source = _read_only(path)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        raise IngestError(f"MLflow tracking store {path}: cannot read a snapshot: {exc}") from None
    finally:
        source.close()
    return f"sqlite:///{target.resolve()}"


def is_file_store(path: Path) -> bool:
    """Whether a folder is an MLflow file store: its ``.trash``, or an experiment folder's ``meta.yaml``."""
    if (path / ".trash").is_dir():
        return True
    return any((child / "meta.yaml").is_file() for child in path.iterdir() if child.is_dir())


def check_tracking_uri(uri: str) -> None:
    """Fail fast with a clear IngestError when the tracking store is missing, unreachable or not MLflow's.

    MLflow would silently create an empty SQLite file (or its tables in any
    SQLite file), or retry an HTTP server for minutes; an import should instead
    say which URI is wrong, and leave what it points at unchanged.
    """
    shown = redact(uri)
    scheme = uri.split(":", 1)[0].lower() if ":" in uri else ""
    if scheme == "sqlite":
        path = sqlite_path(uri)
        if not path.is_file():
            raise IngestError(f"MLflow tracking store {shown} does not exist (no file {path})")
        check_sqlite_store(path, shown)
    elif scheme in ("http", "https"):
        import urllib.error
        import urllib.request

        probe = uri.rstrip("/") + "/api/2.0/mlflow/experiments/search?max_results=1"
        try:
            with urllib.request.urlopen(probe, timeout=5):  # noqa: S310 - scheme checked above
                pass
        except urllib.error.HTTPError:
            return  # the server answered: reachable (auth and the like are MLflow's to report)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise IngestError(f"MLflow tracking server {shown} is unreachable: {reason}") from exc
    elif scheme == "file" or not scheme:
        path = Path(urlsplit(uri).path if scheme else uri)
        if not path.is_dir():
            raise IngestError(f"MLflow tracking store {shown} does not exist (no directory {path})")
        if not is_file_store(path):
            raise IngestError(f"MLflow tracking store {shown}: {path} is not an MLflow file store "
                              "(no .trash folder and no experiment meta.yaml); nothing was read or written")


def _paged(fetch: Callable[[str | None], Any]) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page
        token = page.token
        if not token:
            return


class MlflowIngestor:
    """Yields the graph records of one MLflow tracking store and its Model Registry."""

    name = "mlflow"

    def __init__(self, config: MlflowConfig, reader: GraphLookup | None, progress: RunProgress | None = None) -> None:
        self.config = config
        self._reader = reader
        self._progress = progress
        self._identity = DatasetIdentity(reader, project=config.project)
        self._people = People(reader, source=SOURCE)
        self._emitted: set[str] = set()
        self._project_id = node_id(NodeKind.PROJECT, config.project) if config.project else None
        self._has_registry = True

    def _check(self) -> None:
        """Refuse a missing, unreachable or foreign store before MLflow (seconds to import) is loaded."""
        tracking, registry = self.config.tracking_uri, self.config.registry_uri
        check_tracking_uri(tracking)
        if registry is not None and registry != tracking:
            check_tracking_uri(registry)

    def _client(self, stack: ExitStack) -> Any:
        """An MlflowClient that cannot change the store: SQLite stores are read from a snapshot (module doc)."""
        tracking, registry = self.config.tracking_uri, self.config.registry_uri
        snapshots: dict[Path, str] = {}

        def readable(uri: str | None) -> str | None:
            if uri is None or not uri.lower().startswith("sqlite:"):
                return uri
            path = sqlite_path(uri).resolve()
            if path not in snapshots:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="modelctx-mlflow-")))
                snapshots[path] = snapshot_sqlite(path, folder)
            return snapshots[path]

        if _is_file_store(tracking):
            # MLflow 3 refuses file stores unless told otherwise; reading an existing one is what an import does.
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
            root = Path(urlsplit(tracking).path if "://" in tracking or tracking.startswith("file:") else tracking)
            # MLflow's file registry would create its models folder: no folder, no registry to read.
            self._has_registry = registry is not None or (root / "models").is_dir()
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=readable(tracking), registry_uri=readable(registry))

    def records(self) -> Iterator[Record]:
        self._check()
        from alembic.util.exc import CommandError
        from mlflow.exceptions import MlflowException
        from sqlalchemy.exc import SQLAlchemyError

        shown = redact(self.config.tracking_uri)
        with ExitStack() as stack:
            stack.enter_context(_quiet_mlflow())
            try:
                yield from self._records(self._client(stack))
            except MlflowException as exc:
                message = " ".join(str(exc.message).split())
                raise IngestError(f"MLflow at {shown}: {message}") from exc
            except (SQLAlchemyError, CommandError) as exc:  # tables or a schema version MLflow cannot read
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise IngestError(f"MLflow at {shown}: cannot read the tracking store: {first}") from exc

    def _records(self, client: Any) -> Iterator[Record]:
        experiments = self._experiments(client)
        ids = [e.experiment_id for e in experiments]
        runs = list(_paged(lambda token: client.search_runs(
            ids, max_results=PAGE, order_by=["attributes.start_time ASC", "attributes.run_id ASC"], page_token=token,
        ))) if ids else []
        if self._progress is not None:
            self._progress.set_total(len(runs))
        logged = self._logged_models(client, ids)
        if self._project_id:
            yield Node(self._project_id, NodeKind.PROJECT, {"name": self.config.project})
        for experiment in experiments:
            yield from self._finish([self._experiment_node(experiment)], [])
        names = {e.experiment_id: e.name for e in experiments}
        imported = {r.info.run_id for r in runs}
        for run in runs:
            yield from self._run_records(client, run, names, logged.get(run.info.run_id, []))
            if self._progress is not None:
                self._progress.advance(1)
        if self.config.registry and self._has_registry:
            yield from self._registry(client, imported, logged)

    def _experiments(self, client: Any) -> list[Any]:
        if not self.config.experiments:
            return sorted(_paged(lambda token: client.search_experiments(page_token=token)),
                          key=lambda e: e.experiment_id)
        found = []
        for name in self.config.experiments:
            experiment = client.get_experiment_by_name(name)
            if experiment is None:
                known = sorted(e.name for e in _paged(lambda token: client.search_experiments(page_token=token)))
                raise IngestError(
                    f"MLflow at {redact(self.config.tracking_uri)} has no experiment {name!r}; "
                    f"known: {', '.join(known) or '(none)'}"
                )
            found.append(experiment)
        return found

    def _logged_models(self, client: Any, experiment_ids: list[str]) -> dict[str, list[Any]]:
        by_run: dict[str, list[Any]] = {}
        if not experiment_ids:
            return by_run
        for model in _paged(lambda token: client.search_logged_models(experiment_ids, page_token=token)):
            if model.source_run_id:
                by_run.setdefault(model.source_run_id, []).append(model)
        return by_run

    def _finish(self, nodes: list[Node], edges: list[Edge]) -> list[Record]:
        """Scope records to the project (property and IN_PROJECT) and order nodes before edges."""
        if self._project_id:
            project = self.config.project
            # Persons belong to no project (modelctx/ingest/people.py); dataset versions are
            # scoped by the identity rule (another source may own them).
            people = [n for n in nodes if n.kind is NodeKind.PERSON]
            nodes = [n if n.kind is NodeKind.DATASET_VERSION
                     else Node(n.id, n.kind, {**n.properties, "project": project})
                     for n in nodes if n.kind is not NodeKind.PERSON]
            edges = [*edges, *(Edge(n.id, self._project_id, EdgeType.IN_PROJECT) for n in nodes)]
            nodes = [*people, *nodes]
        return [*nodes, *edges]

    def _stub(self, ident: str, kind: NodeKind, props: dict[str, Any]) -> list[Node]:
        """A node another source may own: made only when neither stored nor made in this import."""
        if ident in self._emitted:
            return []
        self._emitted.add(ident)
        if self._reader is not None and self._reader.get_nodes([ident]):
            return []
        return [Node(ident, kind, props)]

    def _experiment_node(self, experiment: Any) -> Node:
        tags = {k: v for k, v in sorted(experiment.tags.items()) if k not in SKIPPED_TAGS}
        props: dict[str, Any] = {
            "name": experiment.name, "source": SOURCE, "source_id": experiment.experiment_id,
            "mlflow.experiment_id": experiment.experiment_id,
            "artifact_location": experiment.artifact_location,
            "lifecycle_stage": experiment.lifecycle_stage,
            "created_at": ms_time(experiment.creation_time),
            "mlflow.tags": tags,
        }
        note = experiment.tags.get(NOTE_TAG)
        if note:
            props["description"] = note
        ident = node_id(NodeKind.EXPERIMENT, experiment.name)
        self._emitted.add(ident)
        return Node(ident, NodeKind.EXPERIMENT, {k: v for k, v in props.items() if v is not None})

    def _metric_summary(self, client: Any, run_id: str, key: str) -> dict[str, Any]:
        history = client.get_metric_history(run_id, key)
        values = [m.value for m in history if math.isfinite(m.value)]
        goal = "min" if lower_is_better(key) else "max"
        summary: dict[str, Any] = {"steps": len(history), "goal": goal}
        if history:
            summary["last_step"] = max(m.step for m in history)
        if values:
            summary.update(min=min(values), max=max(values), best=min(values) if goal == "min" else max(values))
        return summary

    def _run_records(self, client: Any, run: Any, experiments: dict[str, str], logged: list[Any]) -> list[Record]:
        info, data = run.info, run.data
        run_id = node_id(NodeKind.RUN, SOURCE, info.run_id)
        self._emitted.add(run_id)
        tags = dict(data.tags)
        user = tags.get("mlflow.user") or info.user_id
        props: dict[str, Any] = {
            "name": info.run_name or info.run_id, "kind": "training", "source": SOURCE, "source_id": info.run_id,
            "status": str(RunStatus.parse(info.status) or info.status), "mlflow.status": info.status,
            "started_at": ms_time(info.start_time), "ended_at": ms_time(info.end_time),
            "params": dict(sorted(data.params.items())),
            "metrics": {k: _number(v) for k, v in sorted(data.metrics.items())},
            "mlflow.metric_history": {k: self._metric_summary(client, info.run_id, k) for k in sorted(data.metrics)},
            "mlflow.tags": {k: v for k, v in sorted(tags.items()) if k not in SKIPPED_TAGS},
            "mlflow.experiment_id": info.experiment_id, "mlflow.run_id": info.run_id,
            "artifact_uri": info.artifact_uri, "lifecycle_stage": info.lifecycle_stage, "user": user,
        }
        note = tags.get(NOTE_TAG)
        if note:
            props["text"] = note
            props["description"] = note
        if logged:
            props["mlflow.logged_models"] = [_logged_model_json(m) for m in sorted(logged, key=lambda m: m.model_id)]
        nodes: list[Node] = []
        edges: list[Edge] = []
        warnings: list[Record] = []
        experiment = experiments.get(info.experiment_id)
        if experiment is not None:
            edges.append(Edge(run_id, node_id(NodeKind.EXPERIMENT, experiment), EdgeType.PART_OF))
        if user:
            person = self._people.resolve(user)
            nodes += person.nodes
            edges.append(Edge(run_id, person.person_id, EdgeType.ATTRIBUTED_TO))
        parent = tags.get(PARENT_TAG)
        if parent:
            parent_id = node_id(NodeKind.RUN, SOURCE, parent)
            nodes += self._stub(parent_id, NodeKind.RUN, {"name": parent, "source": SOURCE, "source_id": parent})
            edges.append(Edge(run_id, parent_id, EdgeType.CHILD_OF))
        sha = (tags.get(COMMIT_TAG) or "").strip().lower()
        if sha:
            commit = node_id(NodeKind.COMMIT, sha)
            nodes += self._stub(commit, NodeKind.COMMIT, {"sha": sha, "source": SOURCE, "source_id": sha})
            edges.append(Edge(run_id, commit, EdgeType.USED, {"role": "code"}))
            if tags.get("mlflow.source.git.repoURL"):
                props["git_repo"] = tags["mlflow.source.git.repoURL"]
        for dataset_input in sorted(run.inputs.dataset_inputs if run.inputs else [],
                                    key=lambda d: (d.dataset.name, d.dataset.digest)):
            records = self._dataset_input(run_id, dataset_input, info.run_id)
            for record in records:
                if isinstance(record, Node):
                    nodes.append(record)
                elif isinstance(record, Edge):
                    edges.append(record)
                else:
                    warnings.append(record)
        run_node = Node(run_id, NodeKind.RUN, {k: v for k, v in props.items() if v is not None})
        return [*warnings, *self._finish([run_node, *nodes], edges)]

    def _dataset_input(self, run_id: str, dataset_input: Any, where: str) -> list[Record]:
        dataset = dataset_input.dataset
        context = next((t.value for t in dataset_input.tags if t.key == "mlflow.data.context"), None)
        source = _json_or_text(dataset.source)
        location = None
        uri = None
        if isinstance(source, dict):
            location = next((str(source[k]) for k in ("uri", "url", "path") if source.get(k)), None)
            if location is None and source.get("table_name"):
                # A table is not a path: name it by its source type (delta_table:db.orders).
                uri = f"{dataset.source_type}:{source['table_name']}"
        elif isinstance(source, str) and source:
            location = source
        if location:
            uri = location_uri(location, self.config.base_dir)
        schema = _json_or_text(dataset.schema) if dataset.schema else None
        profile = _json_or_text(dataset.profile) if dataset.profile else None
        core: dict[str, Any] = {"mlflow.source_type": dataset.source_type}
        if isinstance(schema, dict) and isinstance(schema.get("mlflow_colspec"), list):
            core["columns"] = [{"name": c.get("name"), "type": c.get("type")} for c in schema["mlflow_colspec"]
                               if isinstance(c, dict)]
        if isinstance(profile, dict) and isinstance(profile.get("num_rows"), int):
            core["rows"] = profile["num_rows"]
        mention = DatasetMention(
            name=dataset.name, source=SOURCE, uri=uri, digest=normalise_digest(dataset.digest, SOURCE),
            source_id=uri or f"{dataset.name}@{dataset.digest}", properties=core,
        )
        match = self._identity.resolve(mention)
        edge_props: dict[str, Any] = {
            "role": context or "input",
            "mlflow.dataset": {k: v for k, v in {
                "name": dataset.name, "digest": dataset.digest, "source_type": dataset.source_type,
                "source": source, "schema": schema, "profile": profile,
            }.items() if v is not None},
        }
        records: list[Record] = [*match.nodes, *match.edges, Edge(run_id, match.version_id, EdgeType.USED, edge_props)]
        if uri is None:
            records.insert(0, IngestWarning(f"dataset {dataset.name!r} has no path or URI; matched by digest only",
                                            f"run {where}"))
        return records

    def _registry(self, client: Any, imported: set[str], logged: dict[str, list[Any]]) -> Iterator[Record]:
        logged_by_id = {m.model_id: m for models in logged.values() for m in models}
        filtered = bool(self.config.experiments)
        models = sorted(_paged(lambda token: client.search_registered_models(page_token=token)),
                        key=lambda m: m.name)
        versions: dict[str, list[Any]] = {}
        for version in _paged(lambda token: client.search_model_versions(page_token=token)):
            versions.setdefault(version.name, []).append(version)
        for model in models:
            records: list[Record] = []
            nodes: list[Node] = []
            edges: list[Edge] = []
            model_id = node_id(NodeKind.MODEL, model.name)
            aliases_of: dict[str, list[str]] = {}
            for alias, number in (model.aliases or {}).items():
                aliases_of.setdefault(str(number), []).append(alias)
            for version in sorted(versions.get(model.name, []), key=lambda v: int(v.version)):
                run = self._version_run(client, version, logged_by_id)
                if filtered and run not in imported:
                    continue
                version_id = node_id(NodeKind.MODEL_VERSION, model.name, version.version)
                nodes.append(self._version_node(version_id, version, sorted(aliases_of.get(str(version.version), [])),
                                                run))
                edges.append(Edge(version_id, model_id, EdgeType.VERSION_OF))
                if run:
                    run_node = node_id(NodeKind.RUN, SOURCE, run)
                    nodes += self._stub(run_node, NodeKind.RUN, {"name": run, "source": SOURCE, "source_id": run})
                    edges.append(Edge(version_id, run_node, EdgeType.GENERATED_BY))
                else:
                    records.append(IngestWarning("no source run recorded; not linked to a run",
                                                 f"model version {model.name}/{version.version}"))
            if filtered and not nodes:
                continue
            props: dict[str, Any] = {
                "name": model.name, "source": SOURCE, "source_id": model.name,
                "description": model.description or None,
                "mlflow.tags": dict(sorted((model.tags or {}).items())),
                "aliases": dict(sorted((model.aliases or {}).items())),
                "created_at": ms_time(model.creation_timestamp),
                "updated_at": ms_time(model.last_updated_timestamp),
            }
            if model.description:
                props["text"] = model.description
            model_node = Node(model_id, NodeKind.MODEL, {k: v for k, v in props.items() if v is not None})
            yield from records
            yield from self._finish([model_node, *nodes], edges)

    def _version_run(self, client: Any, version: Any, logged_by_id: dict[str, Any]) -> str | None:
        if version.run_id:
            return str(version.run_id)
        model_id = getattr(version, "model_id", None) or _model_id_from_uri(version.source)
        if not model_id:
            return None
        model = logged_by_id.get(model_id)
        if model is None:
            from mlflow.exceptions import MlflowException

            try:
                model = client.get_logged_model(model_id)
            except MlflowException:
                return None
        return str(model.source_run_id) if model.source_run_id else None

    def _version_node(self, version_id: str, version: Any, aliases: list[str], run: str | None) -> Node:
        props: dict[str, Any] = {
            "name": f"{version.name} v{version.version}", "model": version.name, "version": int(version.version),
            "source": SOURCE, "source_id": f"{version.name}/{version.version}",
            "description": version.description or None, "text": version.description or None,
            "mlflow.tags": dict(sorted((version.tags or {}).items())), "aliases": aliases,
            "status": version.status, "mlflow.stage": version.current_stage,
            "artifact_uri": version.source, "run_id": run,
            "mlflow.model_id": getattr(version, "model_id", None) or _model_id_from_uri(version.source),
            "created_at": ms_time(version.creation_timestamp),
            "updated_at": ms_time(version.last_updated_timestamp),
        }
        return Node(version_id, NodeKind.MODEL_VERSION, {k: v for k, v in props.items() if v is not None})


@contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """Mute MLflow's and Alembic's loggers while importing.

    They log what they also raise, and the table set-up they run on a snapshot;
    the import reports its outcome itself, as one line on failure.
    """
    loggers = [logging.getLogger(name) for name in ("mlflow", "alembic")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _is_file_store(uri: str) -> bool:
    scheme = uri.split(":", 1)[0].lower() if "://" in uri or uri.lower().startswith("file:") else ""
    return scheme in ("", "file")


def _model_id_from_uri(uri: str | None) -> str | None:
    """``models:/m-…`` (MLflow 3 logged model URI) → ``m-…``."""
    if uri and uri.startswith("models:/m-"):
        return uri[len("models:/"):].split("/", 1)[0]
    return None


def _json_or_text(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except (json.JSONDecodeError, TypeError):
        return value


def _logged_model_json(model: Any) -> dict[str, Any]:
    metrics = {m.key: _number(m.value) for m in sorted(model.metrics or [], key=lambda m: (m.key, m.step))}
    data = {
        "name": model.name, "model_id": model.model_id, "artifact_location": model.artifact_location,
        "model_type": model.model_type, "status": str(getattr(model.status, "value", model.status)),
        "metrics": metrics, "params": dict(sorted((model.params or {}).items())),
        "created_at": ms_time(model.creation_timestamp),
    }
    return {k: v for k, v in data.items() if v is not None}
