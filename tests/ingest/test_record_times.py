"""Times in review and deployment files: checked by the one time rule, compared as times, kept as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.records import RecordsConfig, RecordsIngestor
from modelctx.ingest.runner import run_ingest

DEPLOYMENT = {"id": "dep-1", "model": "churn", "version": 3, "environment": "production", "endpoint": "churn",
              "deployed_by": "carol@example.com"}


def ingest(store: GraphStore, tmp_path: Path, records: list[dict[str, object]]) -> None:
    path = tmp_path / "deployments.json"
    path.write_text(json.dumps(records))
    config = RecordsConfig(path=path, kind="deployments", create_missing=True)
    run_ingest(store, RecordsIngestor(config, store))


def test_a_retirement_written_without_zone_is_utc(store: GraphStore, tmp_path: Path) -> None:
    # 07:00 without zone is 07:00Z: before a deployment at 08:00Z, whatever the spelling.
    records = [{**DEPLOYMENT, "deployed_at": "2024-05-03T08:00:00Z", "retired_at": "2024-05-03T07:00:00"}]
    with pytest.raises(IngestError, match=r"record 0 \(line \d+\), field 'retired_at': 2024-05-03T07:00:00 is before "
                                          r"deployed_at 2024-05-03T08:00:00\+00:00"):
        ingest(store, tmp_path, records)
    assert store.find_nodes(NodeKind.DEPLOYMENT) == []


def test_times_in_other_zones_compare_as_times_and_are_kept_as_written(store: GraphStore, tmp_path: Path) -> None:
    # deployed 08:00+02:00 (06:00Z), retired 07:00 without zone (07:00Z): an hour later, not earlier
    ingest(store, tmp_path, [{**DEPLOYMENT, "deployed_at": "2024-05-03T08:00:00+02:00",
                              "retired_at": "2024-05-03T07:00:00"}])
    [deployment] = store.find_nodes(NodeKind.DEPLOYMENT)
    assert deployment.properties["deployed_at"] == "2024-05-03T08:00:00+02:00"
    assert deployment.properties["retired_at"] == "2024-05-03T07:00:00"
    assert deployment.properties["status"] == "retired"
