"""One rule for a valid OpenLineage event: ``modelctx/ingest/schemas/openlineage.schema.json``, through CLI and HTTP.

Every event the real openlineage-python client builds in these tests (RunEvents
of a Spark/dbt/Airflow history, a JobEvent, a DatasetEvent, facets of every
kind the converter reads) passes; each invalid event is refused — 400 over
HTTP, exit code 6 from ``modelctx ingest openlineage`` — naming the field path,
and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from modelctx.api.app import create_app
from modelctx.cli import main
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.errors import EventError, IngestError
from modelctx.graph.store import GraphStore
from modelctx.ingest.formats import schema_problem
from modelctx.ingest.openlineage import DatasetEvent, JobEvent, RunEvent, parse_event
from tests.interop.ol_shapes import ORDERS, REPORT, event_json, uid, warehouse_history


def client_events() -> list[Any]:
    """What the real client emits in these tests: the warehouse history, a JobEvent and a DatasetEvent."""
    from openlineage.client.event_v2 import DatasetEvent as OlDatasetEvent
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, StaticDataset
    from openlineage.client.event_v2 import JobEvent as OlJobEvent
    from openlineage.client.facet_v2 import (
        dataset_version_dataset,
        documentation_dataset,
        documentation_job,
        source_code_location_job,
        symlinks_dataset,
    )

    job = Job(namespace="dbt", name="analytics.weekly_revenue", facets={
        "documentation": documentation_job.DocumentationJobFacet(description="Weekly revenue"),
        "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
            type="git", url="https://example.com/repo", version="0123456789abcdef0123456789abcdef01234567")})
    static = [
        OlJobEvent(eventTime="2025-10-02T00:00:00+00:00", producer="https://example.com/catalog", job=job,
                   inputs=[InputDataset(namespace=REPORT[0], name=REPORT[1])],
                   outputs=[OutputDataset(namespace=REPORT[0], name="analytics.public.weekly_revenue")]),
        OlDatasetEvent(eventTime="2025-10-02T00:00:00+00:00", producer="https://example.com/catalog",
                       dataset=StaticDataset(namespace=ORDERS[0], name=ORDERS[1], facets={
                           "documentation": documentation_dataset.DocumentationDatasetFacet(description="Orders"),
                           "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion="42"),
                           "symlinks": symlinks_dataset.SymlinksDatasetFacet(identifiers=[
                               symlinks_dataset.Identifier(namespace="hive://metastore:9083", name="shop.orders",
                                                           type="TABLE")])})),
    ]
    return [*warehouse_history().events, *static]


REQUIRED_ONLY: dict[str, Any] = {
    "eventTime": "2025-10-01T00:00:00Z", "producer": "https://example.com",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": uid("schema-required-only")}, "job": {"namespace": "team", "name": "job"},
}


def with_input(dataset: dict[str, Any]) -> dict[str, Any]:
    return {**REQUIRED_ONLY, "inputs": [{"namespace": "s3://lake", "name": "raw", **dataset}]}


#: Invalid events and the field each must be refused for.
INVALID: dict[str, dict[str, Any]] = {
    "run.runId": {**REQUIRED_ONLY, "run": {"runId": "nope"}},
    "eventType": {**REQUIRED_ONLY, "eventType": "FINISHED"},
    "eventTime": {**REQUIRED_ONLY, "eventTime": "yesterday"},
    "producer": {k: v for k, v in REQUIRED_ONLY.items() if k != "producer"},
    "job.namespace": {**REQUIRED_ONLY, "job": {"namespace": "   ", "name": "job"}},
    "inputs.0.name": {**REQUIRED_ONLY, "inputs": [{"namespace": "s3://lake"}]},
    "inputs.0.facets.documentation": with_input({"facets": {"documentation": "text, not a facet"}}),
    "inputs.0.facets.schema.fields.0.fields.0.name": with_input(
        {"facets": {"schema": {"fields": [{"name": "a", "fields": [{"type": "STRING"}]}]}}}),
    "inputs.0.facets.columnLineage.fields.total.inputFields.0.field": with_input({"facets": {"columnLineage": {
        "fields": {"total": {"inputFields": [{"namespace": "s3://lake", "name": "raw"}]}}}}}),
    "run.facets.parent.run.runId": {**REQUIRED_ONLY, "run": {"runId": uid("child"), "facets": {"parent": {
        "run": {"runId": "not-a-uuid"}, "job": {"namespace": "airflow", "name": "dag"}}}}},
    "dataset.namespace": {"eventTime": "2025-10-01T00:00:00Z", "producer": "p", "dataset": {"name": "x"}},
    "job.name": {"eventTime": "2025-10-01T00:00:00Z", "producer": "p", "job": {"namespace": "n"}},
    "eventTime ": {**REQUIRED_ONLY, "eventTime": "2025-02-30T00:00:00Z"},  # the form is right, the day is not
}


def test_every_event_the_client_builds_is_valid() -> None:
    events = client_events()
    parsed = [parse_event(json.loads(event_json(e))) for e in events]
    assert [type(p) for p in parsed[-2:]] == [JobEvent, DatasetEvent]
    assert all(type(p) is RunEvent for p in parsed[:-2]) and len(parsed) == 26
    required_only = parse_event(REQUIRED_ONLY)
    assert isinstance(required_only, RunEvent) and required_only.eventType is None
    # a facet sent as the removal marker is valid whatever facet it removes
    marker = with_input({"facets": {name: {"_deleted": True} for name in ("schema", "documentation", "version")}})
    assert parse_event(marker).inputs[0].facets.deleted_facets == ["documentation", "schema", "version"]


def test_the_quick_check_and_jsonschema_agree() -> None:
    """jsonschema_rs only says yes sooner (ingest/formats.py): on every event here its answer is jsonschema's."""
    pytest.importorskip("jsonschema_rs")
    from modelctx.ingest.formats import _fast_validator
    from modelctx.ingest.openlineage_events import event_model

    bodies = [json.loads(event_json(e)) for e in client_events()] + [REQUIRED_ONLY] + list(INVALID.values())
    for body in bodies:
        definition = event_model(body).__name__
        slow = schema_problem(body, "openlineage", definition, fast=False)
        assert _fast_validator("openlineage", definition).is_valid(body) is (slow is None), body


@pytest.mark.parametrize("field", sorted(INVALID))
def test_an_invalid_event_names_its_field(field: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_event(INVALID[field], "line 7")
    assert caught.value.field == field.strip()
    assert str(caught.value).startswith(f"line 7: field {field.strip()!r}: ")
    assert isinstance(caught.value, IngestError) and caught.value.http_status == 400


def test_cli_and_http_refuse_invalid_events_with_the_field(store: GraphStore, backend: Any, tmp_path: Path,
                                                           serve: Any) -> None:
    server = serve(create_app(Client(store, Settings(home=tmp_path / "home"), actor="user:ol")))
    valid = event_json(client_events()[0])
    with httpx.Client(base_url=server.url) as http:
        for field, body in INVALID.items():
            seq = store.last_seq()
            response = http.post("/api/v1/lineage", json=body)
            assert response.status_code == 400, (field, response.text)
            assert response.json()["field"] == field.strip()
            assert store.last_seq() == seq
            path = tmp_path / "events.jsonl"
            path.write_text(valid + "\n" + json.dumps(body) + "\n", encoding="utf-8")
            result = CliRunner().invoke(main, ["--store", backend.uri(tmp_path), "ingest", "openlineage",
                                               str(path)])
            assert result.exit_code == 6, (field, result.output)
            assert f"{path}:2: field {field.strip()!r}" in result.output
            assert store.last_seq() == seq  # the file is validated whole before anything is written
        assert http.post("/api/v1/lineage", content=valid, headers={"content-type": "application/json"}
                         ).status_code == 201
