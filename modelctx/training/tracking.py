"""``client.run(...)``: a training run that records itself in the graph as it happens.

The Run node is written when the block starts (status RUNNING, with the code
commit and the environment it runs in) and again when it ends (COMPLETED, or
FAILED with the error). What happens in between — params, metrics with their
step histories, tags, notes, datasets used — is kept in memory and written in
one transaction at the end, or every ``FLUSH_SECONDS`` for long runs: a
metric logged every step must cost a list append, not a database commit.
Models are written when logged, because a model version is something other
people look up by name.

**The lease.** A process can die without ending its run (SIGKILL, the OOM
killer, a lost machine), and a run left RUNNING forever would be read as work
in progress. So a running run keeps ``lease_until`` (``lease_seconds`` ahead
of its last sign of life, ``LEASE_SECONDS`` by default) and ``heartbeat_at``
(that sign of life) on its node. Every write of the run renews them, and a
small heartbeat thread renews them when nothing else has for a third of the
lease — one tiny write then, never one per metric. A RUNNING run whose lease
has expired reads as LOST (``run_status`` in ``modelctx/vocabulary.py``);
ending the run removes the lease.
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
import weakref
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any

from modelctx.errors import ValidationError
from modelctx.graph.changelog import now_iso
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind, kind_if_id
from modelctx.graph.refs import SDK_SOURCE
from modelctx.graph.store import GraphStore
from modelctx.ingest.people import actor_person
from modelctx.times import format_iso, now
from modelctx.vocabulary import LEASE_PROPERTY, RunStatus

if TYPE_CHECKING:
    from modelctx.client import Client

#: A long run writes what it has logged at most this often.
FLUSH_SECONDS = 30.0
#: How far ahead of its last sign of life a running run's lease reaches (module docstring).
LEASE_SECONDS = 300.0
HEARTBEAT_PROPERTY = "heartbeat_at"

RUNNING, COMPLETED, FAILED = RunStatus.RUNNING.value, RunStatus.COMPLETED.value, RunStatus.FAILED.value


def _end_status(run_id: str, status: str) -> str:
    """The canonical final status a run ends with (``FINISHED`` reads as COMPLETED); a non-final one is an error."""
    final = RunStatus.require(status, f"run {run_id}: end status")
    if not final.is_final:
        ended = ", ".join(s.value for s in RunStatus if s.is_final)
        raise ValidationError(f"run {run_id}: a run ends {ended}, not {status!r}")
    return final.value


# Ids of large nodes (environments, dataset versions) seen stored, per open store object: a loop
# of runs checks the store once instead of re-reading or re-writing them every run.
_known: weakref.WeakKeyDictionary[GraphStore, set[str]] = weakref.WeakKeyDictionary()


def _known_to(store: GraphStore, node_id_: str) -> bool:
    seen = _known.setdefault(store, set())
    if node_id_ in seen:
        return True
    if node_id_ in store.get_nodes([node_id_]):
        seen.add(node_id_)
        return True
    return False


def project_records(subject: str, project: str | None) -> tuple[list[Node], list[Edge]]:
    """The Project node and the IN_PROJECT edge from ``subject`` (nothing when no project)."""
    if not project:
        return [], []
    project_id = node_id(NodeKind.PROJECT, project)
    return ([Node(project_id, NodeKind.PROJECT, {"name": project, "source": "sdk"})],
            [Edge(subject, project_id, EdgeType.IN_PROJECT)])


def json_value(value: Any, where: str) -> Any:
    """A JSON form of a param or tag value (numpy scalars become numbers, other objects text)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return json_value(item(), where)
        except (TypeError, ValueError):
            pass
    if isinstance(value, (list, tuple)):
        return [json_value(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v, where) for k, v in value.items()}
    return str(value)


def metric_value(value: Any, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"metric {key!r}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValidationError(f"metric {key!r}: {value!r} is not a finite number")
    return number


class TrackedRun:
    """A run being recorded; use as a context manager (``with client.run(...) as run:``)."""

    def __init__(
        self,
        client: Client,
        *,
        project: str | None = None,
        name: str | None = None,
        kind: str = "training",
        run_id: str | None = None,
        description: str | None = None,
        tags: dict[str, Any] | None = None,
        code_path: str | os.PathLike[str] | None = None,
        capture_code: bool = True,
        capture_environment: bool = True,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        if not (isinstance(lease_seconds, (int, float)) and math.isfinite(lease_seconds) and lease_seconds > 0):
            raise ValidationError(f"lease_seconds must be a positive number of seconds, not {lease_seconds!r}")
        self.client = client
        self.lease_seconds = float(lease_seconds)
        self._heartbeat: threading.Thread | None = None
        self._stop_heartbeat = threading.Event()
        self._renewed = 0.0  # time.monotonic() of the last write that renewed the lease
        self.project = project
        self.kind = kind
        self.source_id = run_id or uuid.uuid4().hex
        self.id = node_id(NodeKind.RUN, SDK_SOURCE, self.source_id)
        self.name = name or f"{kind} run {self.source_id[:8]}"
        self.description = description
        self.status = "NEW"
        self.params: dict[str, Any] = {}
        self.metrics: dict[str, float] = {}
        self.tags: dict[str, Any] = {k: json_value(v, k) for k, v in (tags or {}).items()}
        self.model_versions: list[str] = []
        self.datasets: dict[str, str] = {}
        self._history: dict[str, tuple[list[int], list[float]]] = {}
        self._pending_nodes: list[Node] = []
        self._pending_edges: list[Edge] = []
        self._code_path = code_path
        self._capture_code = capture_code
        self._capture_environment = capture_environment
        self._last_flush = 0.0
        self.started_at: str | None = None
        self.ended_at: str | None = None
        self.error: str | None = None
        self._person_id = ""  # the actor's Person, resolved when the run starts

    # -- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> TrackedRun:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.end(COMPLETED)
        else:
            self.end(FAILED, error=f"{type(exc).__name__}: {exc}")
        # the exception (if any) propagates: returning None never swallows it

    def start(self) -> None:
        """Write the Run as RUNNING with its person, project, code commit and environment."""
        if self.status != "NEW":
            raise ValidationError(f"run {self.id} was already started")
        self.status = RUNNING
        self.started_at = now_iso()
        self._last_flush = time.monotonic()
        store = self.client.store
        person = actor_person(store, self.client.actor, source="sdk", home=self.client.home)
        self._person_id = person.person_id
        nodes: list[Node] = [self._run_node(), *person.nodes]
        edges: list[Edge] = [Edge(self.id, person.person_id, EdgeType.ATTRIBUTED_TO)]
        more_nodes, more_edges = project_records(self.id, self.project)
        nodes += more_nodes
        edges += more_edges
        if self._capture_environment:
            from modelctx.training.environment import capture_environment

            env = capture_environment()
            if not _known_to(store, env.id):  # its package list is large: write it once per store
                nodes.append(env)
            edges.append(Edge(self.id, env.id, EdgeType.USED, {"role": "environment"}))
            self.tags.setdefault("environment", env.id)
        if self._capture_code:
            from modelctx.training.gitinfo import capture_commit

            commit = capture_commit(self._code_path)
            if commit is not None:
                commit_nodes, commit_edges = commit.nodes()
                nodes += commit_nodes
                edges += commit_edges
                edges.append(Edge(self.id, commit_nodes[0].id, EdgeType.USED,
                                  {"role": "code", "dirty": commit.dirty}))
                self.tags["git.commit"] = commit.sha
                self.tags["git.dirty"] = commit.dirty
        nodes[0] = self._run_node()
        store.write(nodes, edges, actor=self.client.actor)
        self._heartbeat = threading.Thread(target=self._beat, name=f"modelctx lease {self.source_id[:8]}",
                                           daemon=True)
        self._heartbeat.start()

    def end(self, status: str = COMPLETED, *, error: str | None = None) -> None:
        """Write the final state: status, end time, params, metrics, histories and pending records."""
        if self.status != RUNNING:
            raise ValidationError(f"run {self.id} is not running (status {self.status})")
        final = _end_status(self.id, status)
        self._stop()  # no renewal may land after the final write
        self.status = final
        self.error = error
        self.ended_at = now_iso()
        nodes = [Node(v, NodeKind.MODEL_VERSION, {"metrics": dict(self.metrics)}) for v in self.model_versions]
        self._write(nodes)

    # -- the lease ------------------------------------------------------------------

    def _lease(self) -> dict[str, Any]:
        """The lease properties as of now: renewed by whoever writes them."""
        moment = now()
        self._renewed = time.monotonic()
        return {HEARTBEAT_PROPERTY: format_iso(moment),
                LEASE_PROPERTY: format_iso(moment + timedelta(seconds=self.lease_seconds))}

    def _beat(self) -> None:
        """The heartbeat thread: renew the lease when no other write has for a third of it."""
        interval = self.lease_seconds / 3
        while not self._stop_heartbeat.wait(max(0.0, interval - (time.monotonic() - self._renewed))):
            if time.monotonic() - self._renewed < interval:
                continue  # a flush renewed it meanwhile
            try:
                self.client.store.write([Node(self.id, NodeKind.RUN, self._lease())], [], actor=self.client.actor)
            except Exception:  # the store may be busy or closing: the next beat tries again
                self._renewed = time.monotonic() - interval / 2

    def _stop(self) -> None:
        self._stop_heartbeat.set()
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join(timeout=self.lease_seconds)
        self._heartbeat = None

    def flush(self) -> None:
        """Write what has been logged so far (the run stays RUNNING)."""
        self._write([])

    def _write(self, extra_nodes: list[Node]) -> None:
        nodes = [self._run_node(), *self._pending_nodes, *extra_nodes]
        edges = list(self._pending_edges)
        self.client.store.write(nodes, edges, actor=self.client.actor)
        self._pending_nodes.clear()
        self._pending_edges.clear()
        self._last_flush = time.monotonic()

    def _run_node(self) -> Node:
        props: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "user": self.client.actor,
            "project": self.project,
            "params": dict(self.params),
            "metrics": dict(self.metrics),
            "tags": dict(self.tags),
            "source": "sdk",
            "source_id": self.source_id,
            "description": self.description,
            "error": self.error,
        }
        if any(len(steps) > 1 for steps, _ in self._history.values()):
            props["metric_history"] = {k: {"steps": list(steps), "values": list(values)}
                                       for k, (steps, values) in self._history.items() if len(steps) > 1}
        kept = {k: v for k, v in props.items() if v is not None}
        if self.status == RUNNING:
            kept.update(self._lease())
        else:  # an ended run holds no lease (None removes the stored keys)
            kept.update({HEARTBEAT_PROPERTY: None, LEASE_PROPERTY: None})
        return Node(self.id, NodeKind.RUN, kept)

    def _require_running(self) -> None:
        if self.status != RUNNING:
            raise ValidationError(f"run {self.id} is not running (status {self.status}); use it inside its with-block")

    # -- what the run used ---------------------------------------------------------

    def use(self, dataset: str | os.PathLike[str], role: str = "training", *, name: str | None = None) -> str:
        """Record that the run read a dataset version (a DatasetVersion id, or a file to describe).

        A file is the stored version holding its bytes, whatever dataset that was
        ingested under (``modelctx/training/datasets.py``); ``name`` names a new
        one. A ``name`` that differs from the stored version's dataset does not
        make a second version: the USED edge keeps it as ``requested_name``.
        """
        self._require_running()
        text = os.fspath(dataset)
        used: dict[str, Any] = {"role": role}
        if kind_if_id(text) is NodeKind.DATASET_VERSION:
            if text not in self.client.store.get_nodes([text]):
                from modelctx.errors import NotFoundError

                raise NotFoundError(f"run {self.id}: dataset version {text!r} is not in the graph")
            version_id = text
        else:
            from modelctx.training.datasets import describe_file

            described = describe_file(text, name=name, lookup=self.client.store, project=self.project)
            version_id = described.version_id
            if name is not None and name != described.dataset:
                used["requested_name"] = name
            if not _known_to(self.client.store, version_id):  # profiles are large: skip rewriting them
                self._pending_nodes.extend(described.nodes)
                self._pending_edges.extend(described.edges)
        self._pending_edges.append(Edge(self.id, version_id, EdgeType.USED, used))
        self.datasets[version_id] = role
        return version_id

    # -- params, metrics, tags, notes ----------------------------------------------

    def log_param(self, key: str, value: Any) -> None:
        self._require_running()
        self.params[str(key)] = json_value(value, key)

    def log_params(self, params: dict[str, Any]) -> None:
        self._require_running()
        for key, value in params.items():
            self.params[str(key)] = json_value(value, key)

    def set_tag(self, key: str, value: Any) -> None:
        self._require_running()
        self.tags[str(key)] = json_value(value, key)

    def set_tags(self, tags: dict[str, Any]) -> None:
        for key, value in tags.items():
            self.set_tag(key, value)

    def log_metric(self, key: str, value: Any, step: int | None = None) -> None:
        """Record a metric value; with steps, the whole history is kept (the last value is final)."""
        if self.status != RUNNING:
            self._require_running()
        number = metric_value(value, key)
        series = self._history.get(key)
        if series is None:
            series = self._history[key] = ([], [])
        series[0].append(len(series[0]) if step is None else int(step))
        series[1].append(number)
        self.metrics[key] = number
        if time.monotonic() - self._last_flush > FLUSH_SECONDS:
            self.flush()

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    def metric_history(self, key: str) -> list[tuple[int, float]]:
        steps, values = self._history.get(key, ([], []))
        return list(zip(steps, values, strict=True))

    def note(self, text: str) -> str:
        """Attach a free-text Insight to the run (searchable); returns its id."""
        self._require_running()
        if not text.strip():
            raise ValidationError(f"run {self.id}: a note needs text")
        insight_id = node_id(NodeKind.INSIGHT, "sdk", uuid.uuid4().hex)
        first_line = text.strip().splitlines()[0]
        self._pending_nodes.append(Node(insight_id, NodeKind.INSIGHT, {
            "name": first_line[:80], "text": text, "author": self.client.actor, "at": now_iso(),
            "source": "sdk", **({"project": self.project} if self.project else {}),
        }))
        self._pending_edges.append(Edge(insight_id, self.id, EdgeType.ABOUT))
        return insight_id

    # -- models ---------------------------------------------------------------------

    def log_model(
        self,
        model: Any,
        name: str,
        *,
        signature: list[str] | None = None,
        aliases: list[str] | tuple[str, ...] = (),
        description: str | None = None,
        owner: str | None = None,
    ) -> Node:
        """Save the model's artifact with its digest and record a new ModelVersion GENERATED_BY this run.

        The version number is claimed create-only (``training/registry.py``): a
        run that loses the number to a concurrent run takes the next one. The
        artifact is staged until the claim succeeded, then filed under its number.
        """
        self._require_running()
        from modelctx.training.artifacts import stage_artifact
        from modelctx.training.registry import claim_version, set_alias

        store = self.client.store
        staged = stage_artifact(model, self.client.data_dir / "artifacts", name)
        inputs = signature if signature is not None else [str(c) for c in getattr(model, "feature_names_in_", [])]
        model_id = node_id(NodeKind.MODEL, name)
        framework = _framework(model)
        scope = {"project": self.project} if self.project else {}
        # ``owner`` names who answers for the model (governance's no_owner rule reads it); absent, the stored
        # owner is left as it was.
        owned = {"owner": owner.strip()} if owner and owner.strip() else {}
        model_node = Node(model_id, NodeKind.MODEL, {"name": name, "source": "sdk", **scope, **owned})

        def records(version: int) -> tuple[list[Node], list[Edge]]:
            saved = staged.saved(version)
            version_id = node_id(NodeKind.MODEL_VERSION, name, version)
            version_node = Node(version_id, NodeKind.MODEL_VERSION, {
                "name": f"{name} v{version}",
                "model": name,
                "version": version,
                "artifact_uri": saved.uri,
                "artifact_format": saved.format,
                "artifact_size": saved.size,
                "digest": saved.digest,
                "framework": framework,
                "estimator": type(model).__name__,
                "signature": {"inputs": inputs},
                "aliases": [],
                "created_at": now_iso(),
                "created_by": self.client.actor,
                "params": dict(self.params),
                "metrics": dict(self.metrics),
                "source": "sdk",
                "source_id": self.source_id,
                **({"description": description} if description else {}),
                **scope,
            })
            nodes = [model_node, version_node]
            edges = [
                Edge(version_id, model_id, EdgeType.VERSION_OF),
                Edge(version_id, self.id, EdgeType.GENERATED_BY),
                Edge(version_id, self._person_id, EdgeType.ATTRIBUTED_TO),
            ]
            for subject in (model_id, version_id):
                more_nodes, more_edges = project_records(subject, self.project)
                nodes += more_nodes
                edges += more_edges
            # pending dataset records go first so the model's lineage is complete when it appears
            return [self._run_node(), *self._pending_nodes, *nodes], [*self._pending_edges, *edges]

        try:
            version = claim_version(store, name, records, actor=self.client.actor)
        except BaseException:
            staged.discard()
            raise
        staged.place(version)
        version_id = node_id(NodeKind.MODEL_VERSION, name, version)
        self._pending_nodes.clear()
        self._pending_edges.clear()
        self.model_versions.append(version_id)
        for alias in aliases:
            set_alias(store, version_id, alias, actor=self.client.actor)
        return store.get_nodes([version_id])[version_id]


def _framework(model: Any) -> str:
    top = type(model).__module__.split(".", 1)[0]
    if top == "sklearn":
        import sklearn

        return f"scikit-learn {sklearn.__version__}"
    return top


def start_run(client: Client, **kwargs: Any) -> TrackedRun:
    """What ``client.run(...)`` returns: a TrackedRun to use in a with-block."""
    return TrackedRun(client, **kwargs)
