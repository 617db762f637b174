"""OpenLineage events as the spec defines them: RunEvent, DatasetEvent and JobEvent, any 2-0-x schema.

The models are strict on what the graph needs (ids, names, times) and open to
everything else: unknown fields and facets are kept as sent. They follow the
spec's JSON schema (``spec/OpenLineage.json`` of the OpenLineage repository):
``eventType`` is optional, a DatasetEvent carries one ``dataset`` and no run,
a JobEvent a ``job`` with its design-time ``inputs``/``outputs`` and no run.
Facets the converter reads (schema, column lineage, documentation, version,
symlinks, parent, source code) are typed; a facet whose value is
``{"_deleted": true}`` removes that facet (:data:`DELETED`).

One rule decides whether an event is valid: the JSON schema
``modelctx/ingest/schemas/openlineage.schema.json`` (written from the spec,
checked by ``ingest/formats.py`` like every other schema). :func:`parse_event`
picks the event type from its fields, checks the event against that type's
definition — raising :class:`~modelctx.errors.EventError` naming the first bad
field — and only then reads it into these models, which trust the schema and
add no rule of their own (a date the calendar lacks is the one thing only
reading it finds).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from modelctx.errors import EventError
from modelctx.ingest.formats import schema_problem

#: The schema every event is checked against (``modelctx/ingest/schemas/openlineage.schema.json``).
SCHEMA = "openlineage"

#: The facet marker the spec uses to remove a facet (``"_deleted": true``).
DELETED = "_deleted"

#: A namespace or name (the schema's ``Name``: not blank, since ids are built from it).
Name = str
EventType = Literal["START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _check_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"runId {value!r} is not a UUID") from None


def is_deleted(facet: Any) -> bool:
    """Whether ``facet`` is the spec's removal marker."""
    return isinstance(facet, dict) and facet.get(DELETED) is True


class SchemaField(_Open):
    name: str
    type: str | None = None
    description: str | None = None
    fields: list[SchemaField] = Field(default_factory=list)


class SchemaFacet(_Open):
    fields: list[SchemaField] = Field(default_factory=list)


class Transformation(_Open):
    type: str | None = None
    subtype: str | None = None
    description: str | None = None
    masking: bool | None = None


class InputField(_Open):
    namespace: Name
    name: Name
    field: Name
    transformations: list[Transformation] = Field(default_factory=list)


class ColumnLineageField(_Open):
    inputFields: list[InputField] = Field(default_factory=list)
    transformationDescription: str | None = None
    transformationType: str | None = None


class ColumnLineageFacet(_Open):
    fields: dict[str, ColumnLineageField] = Field(default_factory=dict)
    #: Dataset-level dependencies (filters, joins, group-bys): inputs that shape every output column.
    dataset: list[InputField] = Field(default_factory=list)


class DocumentationFacet(_Open):
    description: str


class VersionFacet(_Open):
    datasetVersion: str


class SymlinkIdentifier(_Open):
    namespace: Name
    name: Name
    type: str | None = None


class SymlinksFacet(_Open):
    identifiers: list[SymlinkIdentifier] = Field(default_factory=list)


class _Facets(_Open):
    """A facets object; facets sent as ``{"_deleted": true}`` are listed in ``deleted_facets`` instead."""

    deleted_facets: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _deleted(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        gone = sorted(k for k, v in data.items() if is_deleted(v))
        if not gone:
            return data
        return {**{k: v for k, v in data.items() if k not in gone}, "deleted_facets": gone}

    def payload(self) -> dict[str, Any]:
        """The facets as sent (JSON), without the deletion list."""
        facets: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True,
                                                 exclude={"deleted_facets"})
        return facets


class DatasetFacets(_Facets):
    schema_: SchemaFacet | None = Field(default=None, alias="schema")
    columnLineage: ColumnLineageFacet | None = None
    documentation: DocumentationFacet | None = None
    version: VersionFacet | None = None
    symlinks: SymlinksFacet | None = None


class Dataset(_Open):
    namespace: Name
    name: Name
    facets: DatasetFacets = Field(default_factory=DatasetFacets)
    inputFacets: dict[str, Any] = Field(default_factory=dict)
    outputFacets: dict[str, Any] = Field(default_factory=dict)


class ParentRun(_Open):
    runId: str

    @field_validator("runId")
    @classmethod
    def _uuid(cls, value: str) -> str:
        return _check_uuid(value)


class ParentJob(_Open):
    namespace: Name
    name: Name


class RootFacet(_Open):
    run: ParentRun
    job: ParentJob


class ParentFacet(_Open):
    run: ParentRun
    job: ParentJob
    root: RootFacet | None = None


class RunFacets(_Facets):
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


class JobFacets(_Facets):
    documentation: DocumentationFacet | None = None
    sourceCodeLocation: SourceCodeLocationFacet | None = None


class Job(_Open):
    namespace: Name
    name: Name
    facets: JobFacets = Field(default_factory=JobFacets)


class BaseEvent(_Open):
    """What every OpenLineage event carries."""

    eventTime: datetime
    producer: str
    schemaURL: str | None = None

    @field_validator("eventTime")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:  # not RFC 3339, but Marquez takes it as UTC, and so do we
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("eventTime is out of range once converted to UTC") from None


class RunEvent(BaseEvent):
    """A run's state change with what it read and wrote; ``eventType`` is optional (spec 2-0-x)."""

    eventType: EventType | None = None
    run: Run
    job: Job
    inputs: list[Dataset] = Field(default_factory=list)
    outputs: list[Dataset] = Field(default_factory=list)


class JobEvent(BaseEvent):
    """A job's design-time (static) lineage: no run."""

    job: Job
    inputs: list[Dataset] = Field(default_factory=list)
    outputs: list[Dataset] = Field(default_factory=list)


class StaticDataset(_Open):
    namespace: Name
    name: Name
    facets: DatasetFacets = Field(default_factory=DatasetFacets)


class DatasetEvent(BaseEvent):
    """Metadata about one dataset outside any run."""

    dataset: StaticDataset


AnyEvent = RunEvent | JobEvent | DatasetEvent


def event_model(data: dict[str, Any]) -> type[RunEvent] | type[JobEvent] | type[DatasetEvent]:
    """The event type ``data`` is, by its fields (the spec's three event schemas differ in them)."""
    if "run" in data:
        return RunEvent
    if "dataset" in data and "job" not in data:
        return DatasetEvent
    if "job" in data:
        return JobEvent
    return RunEvent  # its error names what is missing


def parse_event(data: Any, where: str = "event") -> AnyEvent:
    """Validate a decoded event; raise EventError naming ``where`` and the first bad field."""
    if not isinstance(data, dict):
        raise EventError(f"{where}: an OpenLineage event must be a JSON object, not {type(data).__name__}", "")
    model = event_model(data)
    shown = "" if {"run", "job", "dataset"} & data.keys() else " (an event needs run and job, job, or dataset)"
    problem = schema_problem(data, SCHEMA, model.__name__)
    if problem is not None:
        extra = f" ({problem.more} more problem(s))" if problem.more else ""
        raise EventError(f"{where}: field {problem.field!r}: {problem.message}{extra}{shown}", problem.field)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:  # valid by the schema, yet not a time: 2025-02-30T00:00:00Z
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise EventError(f"{where}: field {field!r}: {first['msg']}", field) from None


def event_time_key(event: AnyEvent) -> tuple[datetime, int]:
    """Order of events for one ingest: by time, a run's START before its other events at the same time."""
    rank = {"START": 0, "RUNNING": 1}.get(getattr(event, "eventType", None) or "", 2)
    return event.eventTime, rank


def event_digest(event: AnyEvent) -> str:
    """A digest of the event's content: orders events of one time the same way whatever order they came in."""
    # json.dumps escapes what UTF-8 cannot hold (a lone surrogate): the write path refuses that, not this.
    text = json.dumps(event.model_dump(mode="python", by_alias=True), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
