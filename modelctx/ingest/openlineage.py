"""OpenLineage RunEvents into the graph: jobs, runs, the datasets they read and wrote.

:class:`EventConverter` turns a validated RunEvent into records, inside the
write transaction (:func:`event_units`); the JSONL ingestor and the
``POST /api/v1/lineage`` endpoint both use it.

Mapping: Job → ``job:<namespace>/<name>``; run → ``run:openlineage/<runId>``
INSTANCE_OF the job; status from eventType; inputs → USED {role: input};
outputs → GENERATED_BY the run once it completed (below); the ``schema``
facet → ``columns``; the ``columnLineage`` facet → DERIVED_FROM carrying the
column mapping; the ``parent`` run facet → CHILD_OF; ``sourceCodeLocation``
naming a full commit sha → USED Commit; ``documentation`` facets →
``description``.

Events of one run may arrive in any order and end in the same graph: a run's
state is merged with what is stored (read inside the write transaction, so
concurrent writers in other processes merge too) by rules
that do not depend on arrival order — a terminal state beats START and
RUNNING, ties go to the later ``eventTime``; ``started_at`` is the earliest
START (else the earliest event), ``ended_at`` the terminal event's time.

Outputs are a run's products only once it completed: the outputs any event of
the run declares (START, RUNNING, FAIL, ABORT, COMPLETE) get GENERATED_BY
edges once a COMPLETE event of the run is known — at the COMPLETE, or at once
for events arriving after it (stored, or earlier in the ingest). Until then
they are listed on the run as ``attempted_outputs``, so the commit of a failed
or aborted attempt is never upstream of the data a later, successful run
wrote. The event types seen only grow and edges are never removed, so the end
state does not depend on arrival order either; it also means a run with a
COMPLETE event keeps its products even if a FAIL with a later ``eventTime``
sets its status to FAILED.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic import ValidationError as PydanticValidationError

from modelctx.errors import EventError, IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.ingest.identity import DatasetIdentity, DatasetMention, dataset_name_for_uri, openlineage_uri
from modelctx.ingest.lookup import GraphLookup
from modelctx.ingest.runner import IngestWarning, InTransaction, Record
from modelctx.times import format_iso
from modelctx.vocabulary import RunStatus

SOURCE = "openlineage"
_RANK = {"OTHER": 0, "START": 1, "RUNNING": 2, "COMPLETE": 3, "FAIL": 3, "ABORT": 3}
_TERMINAL = frozenset({"COMPLETE", "FAIL", "ABORT"})
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
#: Facets bigger than this (Spark logical plans) are dropped with a warning.
MAX_FACET_BYTES = 64_000
_KNOWN_RUN_FACETS = frozenset({"parent"})
#: The run property listing outputs its events declared but it has not produced (it has not completed).
ATTEMPTED_OUTPUTS = "attempted_outputs"


#: A name that is not blank (ids are built from it).
Name = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class SchemaField(_Open):
    name: str
    type: str | None = None
    description: str | None = None


class SchemaFacet(_Open):
    fields: list[SchemaField] = Field(default_factory=list)


class InputField(_Open):
    namespace: Name
    name: Name
    field: Name


class ColumnLineageField(_Open):
    inputFields: list[InputField] = Field(default_factory=list)
    transformationDescription: str | None = None
    transformationType: str | None = None


class ColumnLineageFacet(_Open):
    fields: dict[str, ColumnLineageField] = Field(default_factory=dict)


class DocumentationFacet(_Open):
    description: str


class DatasetFacets(_Open):
    schema_: SchemaFacet | None = Field(default=None, alias="schema")
    columnLineage: ColumnLineageFacet | None = None
    documentation: DocumentationFacet | None = None


class Dataset(_Open):
    namespace: Name
    name: Name
    facets: DatasetFacets = Field(default_factory=DatasetFacets)


class ParentRun(_Open):
    runId: str

    @field_validator("runId")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return _check_uuid(value)


class ParentJob(_Open):
    namespace: Name
    name: Name


class ParentFacet(_Open):
    run: ParentRun
    job: ParentJob


class RunFacets(_Open):
    parent: ParentFacet | None = None


class Run(_Open):
    runId: str
    facets: RunFacets = Field(default_factory=RunFacets)

    @field_validator("runId")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return _check_uuid(value)


class SourceCodeLocationFacet(_Open):
    type: str | None = None
    url: str | None = None
    repoUrl: str | None = None
    path: str | None = None
    version: str | None = None
    branch: str | None = None
    tag: str | None = None


class JobFacets(_Open):
    documentation: DocumentationFacet | None = None
    sourceCodeLocation: SourceCodeLocationFacet | None = None


class Job(_Open):
    namespace: Name
    name: Name
    facets: JobFacets = Field(default_factory=JobFacets)


class RunEvent(_Open):
    """An OpenLineage RunEvent, strict on what the graph needs and open to any other facet."""

    eventType: Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]
    eventTime: AwareDatetime
    run: Run
    job: Job
    producer: str = Field(min_length=1)
    schemaURL: str | None = None
    inputs: list[Dataset] = Field(default_factory=list)
    outputs: list[Dataset] = Field(default_factory=list)

    @field_validator("eventTime")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("eventTime is out of range once converted to UTC") from None


def _products(run: Node, outputs: list[str]) -> list[str]:
    """The dataset versions the run has produced: all it declared once it completed, else none.

    A run's declared outputs (``outputs`` of this event, and those earlier
    events left in :data:`ATTEMPTED_OUTPUTS`) become its products — GENERATED_BY
    edges — once a COMPLETE event of it is known (in ``openlineage.event_types``,
    merged with what is stored). Until then they are listed, sorted, in
    ``attempted_outputs``: a run that ends FAIL or ABORT keeps them there and
    produces nothing. ``run`` is this converter's state of the run and is updated
    in place.
    """
    props = run.properties
    declared = sorted(set(props.get(ATTEMPTED_OUTPUTS) or []) | set(outputs))
    if "COMPLETE" not in props.get("openlineage.event_types", []):
        if declared:
            props[ATTEMPTED_OUTPUTS] = declared
        return []
    if props.get(ATTEMPTED_OUTPUTS):
        props[ATTEMPTED_OUTPUTS] = None  # None removes the stored list: they are products now
    return declared


def _check_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"runId {value!r} is not a UUID") from None


def parse_event(data: Any, where: str = "event") -> RunEvent:
    """Validate a decoded RunEvent; raise EventError naming ``where`` and the first bad field."""
    if not isinstance(data, dict):
        raise EventError(f"{where}: a RunEvent must be a JSON object, not {type(data).__name__}", "")
    try:
        return RunEvent.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise EventError(f"{where}: field {field!r}: {first['msg']}", field) from None



def _facets_json(model: BaseModel, where: str, warnings: list[IngestWarning]) -> dict[str, Any]:
    facets: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    kept: dict[str, Any] = {}
    for name, value in sorted(facets.items()):
        size = len(json.dumps(value, default=str))
        if size > MAX_FACET_BYTES:
            warnings.append(IngestWarning(f"facet {name!r} dropped ({size} bytes)", where))
            continue
        kept[name] = value
    return kept


class EventConverter:
    """Turns RunEvents into records, remembering run state across the events of one ingest."""

    def __init__(self, reader: GraphLookup | None, *, base_dir: Path, project: str | None = None) -> None:
        self._identity = DatasetIdentity(reader, project=project)
        self._reader = reader
        self._base_dir = base_dir
        self._project = project
        self._runs: dict[str, dict[str, Any]] = {}
        self._emitted: set[str] = set()

    def records(self, event: RunEvent, where: str) -> list[Record]:
        """The records of one event (nodes before the edges that need them)."""
        warnings: list[IngestWarning] = []
        nodes: list[Node] = []
        edges: list[Edge] = []
        job_id = node_id(NodeKind.JOB, event.job.namespace, event.job.name)
        run_id = node_id(NodeKind.RUN, SOURCE, event.run.runId)
        nodes.append(self._job_node(job_id, event, warnings, where))
        run_node = self._run_node(run_id, event, warnings, where)
        nodes.append(run_node)
        edges.append(Edge(run_id, job_id, EdgeType.INSTANCE_OF))
        parent = event.run.facets.parent
        if parent is not None:
            parent_run = node_id(NodeKind.RUN, SOURCE, parent.run.runId)
            parent_job = node_id(NodeKind.JOB, parent.job.namespace, parent.job.name)
            job_key = f"{parent.job.namespace}/{parent.job.name}"
            nodes += self._stubs({
                parent_job: (NodeKind.JOB, {"name": parent.job.name, "namespace": parent.job.namespace,
                                            "source": SOURCE, "source_id": job_key}),
                parent_run: (NodeKind.RUN, {"name": parent.job.name, "source": SOURCE,
                                            "source_id": parent.run.runId}),
            })
            edges.append(Edge(parent_run, parent_job, EdgeType.INSTANCE_OF))
            edges.append(Edge(run_id, parent_run, EdgeType.CHILD_OF))
        code = event.job.facets.sourceCodeLocation
        if code is not None and code.version and _SHA.match(code.version.lower()):
            sha = code.version.lower()
            commit_id = node_id(NodeKind.COMMIT, sha)
            nodes += self._stubs({commit_id: (NodeKind.COMMIT, {"sha": sha, "source": SOURCE, "source_id": sha})})
            edges.append(Edge(run_id, commit_id, EdgeType.USED, {"role": "code"}))
        elif code is not None and code.version:
            warnings.append(IngestWarning(
                f"sourceCodeLocation version {code.version!r} is not a full commit sha; no Commit linked", where))
        for dataset in event.inputs:
            match = self._dataset(dataset)
            nodes += match[1]
            edges += match[2]
            edges.append(Edge(run_id, match[0], EdgeType.USED, {"role": "input"}))
        outputs: list[str] = []
        for dataset in event.outputs:
            version_id, more_nodes, more_edges = self._dataset(dataset)
            nodes += more_nodes
            edges += more_edges
            outputs.append(version_id)
            lineage = dataset.facets.columnLineage
            if lineage is not None:
                edges += self._column_lineage(version_id, lineage, nodes)
        edges += [Edge(version_id, run_id, EdgeType.GENERATED_BY) for version_id in _products(run_node, outputs)]
        if self._project:
            project_id = node_id(NodeKind.PROJECT, self._project)
            nodes.insert(0, Node(project_id, NodeKind.PROJECT, {"name": self._project}))
            edges += [Edge(n.id, project_id, EdgeType.IN_PROJECT) for n in nodes if n.kind is not NodeKind.PROJECT]
        return [*warnings, *nodes, *edges]

    def _stubs(self, wanted: dict[str, tuple[NodeKind, dict[str, Any]]]) -> list[Node]:
        """Nodes another source may own: made only when absent, never overwriting."""
        missing = [i for i in wanted if i not in self._emitted]
        stored = self._reader.get_nodes(missing) if self._reader is not None and missing else {}
        made = []
        for ident in missing:
            self._emitted.add(ident)
            if ident not in stored:
                kind, props = wanted[ident]
                if self._project:
                    props = {**props, "project": self._project}
                made.append(Node(ident, kind, props))
        return made

    def _job_node(self, job_id: str, event: RunEvent, warnings: list[IngestWarning], where: str) -> Node:
        job = event.job
        props: dict[str, Any] = {
            "name": job.name, "namespace": job.namespace, "source": SOURCE,
            "source_id": f"{job.namespace}/{job.name}",
        }
        if job.facets.documentation is not None:
            props["description"] = job.facets.documentation.description
        facets = _facets_json(job.facets, where, warnings)
        facets.pop("documentation", None)
        for name, value in facets.items():
            props[f"openlineage.{name}"] = value
        if self._project:
            props["project"] = self._project
        self._emitted.add(job_id)
        return Node(job_id, NodeKind.JOB, props)

    def _run_node(self, run_id: str, event: RunEvent, warnings: list[IngestWarning], where: str) -> Node:
        state = self._runs.get(run_id)
        if state is None:
            stored = self._reader.get_nodes([run_id]).get(run_id) if self._reader is not None else None
            state = dict(stored.properties) if stored is not None else {}
        time = format_iso(event.eventTime)  # fixed width: these strings compare as times do
        etype = event.eventType
        new = dict(state)
        new.update({"name": event.job.name, "kind": state.get("kind", "etl"), "source": SOURCE,
                    "source_id": event.run.runId, "job": f"{event.job.namespace}/{event.job.name}",
                    "openlineage.producer": event.producer})
        rank = _RANK[etype]
        old_rank = int(state.get("openlineage.status_rank", -1))
        old_time = str(state.get("openlineage.status_time", ""))
        if etype != "OTHER" and (rank > old_rank or (rank == old_rank and time >= old_time)):
            new["status"] = str(RunStatus.parse(etype) or etype)  # START → RUNNING, COMPLETE → COMPLETED …
            new["openlineage.status_rank"] = rank
            new["openlineage.status_time"] = time
            if etype in _TERMINAL:
                new["ended_at"] = time
        first = min(filter(None, [state.get("openlineage.first_event_time"), time]))
        new["openlineage.first_event_time"] = first
        if etype == "START":
            new["openlineage.start_time"] = min(filter(None, [state.get("openlineage.start_time"), time]))
        new["started_at"] = new.get("openlineage.start_time") or first
        seen = sorted(set(state.get("openlineage.event_types", [])) | {etype})
        new["openlineage.event_types"] = seen
        facets = _facets_json(event.run.facets, where, warnings)
        facets = {k: v for k, v in facets.items() if k not in _KNOWN_RUN_FACETS}
        old_facets = dict(state.get("openlineage.facets") or {})
        last = str(state.get("openlineage.last_event_time", ""))
        merged = {**old_facets, **facets} if time >= last else {**facets, **old_facets}
        if merged:
            new["openlineage.facets"] = dict(sorted(merged.items()))
        error = merged.get("errorMessage")
        if isinstance(error, dict) and error.get("message"):
            new["text"] = str(error["message"])
        new["openlineage.last_event_time"] = max(last, time)
        if self._project:
            new["project"] = self._project
        self._runs[run_id] = new
        self._emitted.add(run_id)
        return Node(run_id, NodeKind.RUN, new)

    def _mention(self, namespace: str, name: str, dataset: Dataset | None) -> DatasetMention:
        uri = openlineage_uri(namespace, name, self._base_dir)
        core: dict[str, Any] = {}
        namespaced: dict[str, Any] = {"openlineage.namespace": namespace, "openlineage.name": name}
        if dataset is not None:
            schema = dataset.facets.schema_
            if schema is not None:
                columns = [f.model_dump(exclude_none=True, include={"name", "type", "description"})
                           for f in schema.fields]
                core["columns"] = columns
                namespaced["openlineage.columns"] = columns
            if dataset.facets.documentation is not None:
                core["description"] = dataset.facets.documentation.description
        return DatasetMention(name=dataset_name_for_uri(uri), source=SOURCE, uri=uri, source_id=uri,
                              properties=core, namespaced=namespaced)

    def _dataset(self, dataset: Dataset) -> tuple[str, list[Node], list[Edge]]:
        match = self._identity.resolve(self._mention(dataset.namespace, dataset.name, dataset))
        return match.version_id, match.nodes, match.edges

    def _column_lineage(self, version_id: str, facet: ColumnLineageFacet, nodes: list[Node]) -> list[Edge]:
        columns: dict[tuple[str, str], dict[str, list[str]]] = {}
        transforms: dict[str, str] = {}
        for out_field, spec in facet.fields.items():
            for field in spec.inputFields:
                columns.setdefault((field.namespace, field.name), {}).setdefault(out_field, []).append(field.field)
            if spec.transformationDescription:
                transforms[out_field] = spec.transformationDescription
        edges = []
        for (namespace, name), mapping in sorted(columns.items()):
            match = self._identity.resolve(self._mention(namespace, name, None))
            nodes += match.nodes
            edges += match.edges
            props: dict[str, Any] = {"columns": {k: sorted(set(v)) for k, v in sorted(mapping.items())}}
            described = {k: v for k, v in sorted(transforms.items()) if k in mapping}
            if described:
                props["transformations"] = described
            edges.append(Edge(version_id, match.version_id, EdgeType.DERIVED_FROM, props))
        return edges


#: Events whose records one transaction writes (they read and merge run state inside it).
EVENTS_PER_TRANSACTION = 500


def event_units(
    events: Iterable[tuple[str, RunEvent]], *, base_dir: Path, project: str | None = None,
    size: int = EVENTS_PER_TRANSACTION,
) -> Iterator[InTransaction]:
    """Units of at most ``size`` events (each with where it came from), converted inside their transaction.

    A unit's converter reads run state and dataset matches from the store as
    the transaction sees it, so events of one run that reach two processes at
    once (two API replicas, an API and a CLI ingest) merge and never overwrite
    each other.
    """
    group: list[tuple[str, RunEvent]] = []

    def unit(items: list[tuple[str, RunEvent]]) -> InTransaction:
        def work(reader: GraphLookup) -> list[Node | Edge | IngestWarning]:
            converter = EventConverter(reader, base_dir=base_dir, project=project)
            records = [r for where, event in items for r in converter.records(event, where)]
            return [r for r in records if isinstance(r, (Node, Edge, IngestWarning))]

        return InTransaction(work, items[0][0] if len(items) == 1 else f"{items[0][0]} to {items[-1][0]}")

    for item in events:
        group.append(item)
        if len(group) >= size:
            yield unit(group)
            group = []
    if group:
        yield unit(group)


class OpenLineageIngestor:
    """Reads RunEvents from a JSON-lines file; every line is validated before anything is written."""

    name = "openlineage"

    def __init__(self, path: Path, *, base_dir: Path, project: str | None = None) -> None:
        self.path = path
        self.base_dir = base_dir
        self.project = project

    def _lines(self) -> Iterator[tuple[str, RunEvent]]:
        """Each event with where it came from; the text and JSON rules of ``ingest/formats.py`` apply per line."""
        from modelctx.ingest.formats import TextCheck, load_json, sniff_encoding

        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise IngestError(f"cannot read OpenLineage events from {self.path}: {exc.strerror or exc}") from exc
        with handle:
            text: TextCheck | None = None
            for number, raw in enumerate(handle, start=1):
                if text is None:
                    text = TextCheck(str(self.path), sniff_encoding(raw[:4]))
                line = text.feed(raw)
                if not line.strip():
                    continue
                where = f"{self.path}:{number}"
                yield where, parse_event(load_json(line.rstrip("\r\n"), where), where)

    def records(self) -> Iterator[Record]:
        # Validate the whole file first so that a bad line writes nothing.
        for _ in self._lines():
            pass
        yield from event_units(self._lines(), base_dir=self.base_dir, project=self.project)


class EventIngestor:
    """Already-validated events (the HTTP endpoint's unit of work), written in one transaction."""

    name = "openlineage"

    def __init__(self, events: Iterable[RunEvent], *, base_dir: Path | None = None, project: str | None = None) -> None:
        self._events = [(f"event {i}", event) for i, event in enumerate(events)]
        self._base_dir = base_dir or Path.cwd()
        self._project = project

    def records(self) -> Iterator[Record]:
        size = len(self._events) or 1
        yield from event_units(self._events, base_dir=self._base_dir, project=self._project, size=size)
