"""Serving is refused without approval, after a later rejection, and for a tampered artifact."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.serving.gate import GovernanceRefusedError, check_governance
from modelctx.serving.server import open_service
from modelctx.training.artifacts import DigestMismatchError
from tests.lifecycle.conftest import review, train_cancer_model


def deployments(client: Client) -> list[str]:
    return [n.id for n in client.store.find_nodes(NodeKind.DEPLOYMENT)]


def test_unapproved_version_is_refused_and_nothing_is_deployed(
    client: Client, store_uri: str, cancer_csv: Path
) -> None:
    version = train_cancer_model(client, cancer_csv, None)
    with pytest.raises(GovernanceRefusedError, match="no approved review"):
        open_service(client, "cancer-clf@1")
    assert deployments(client) == []
    result = CliRunner().invoke(main, ["--store", store_uri, "serve-model", "cancer-clf@1", "--port", "1"])
    assert result.exit_code != 0
    assert "refusing to serve model_version:cancer-clf/1" in result.output + str(result.exception)
    assert version.id == "model_version:cancer-clf/1"


def test_rejection_after_approval_blocks_and_a_new_approval_unblocks(
    client: Client, cancer_csv: Path, tmp_path: Path
) -> None:
    version = train_cancer_model(client, cancer_csv, None)
    review(client, tmp_path, version, "approved", "2026-01-05T10:00:00+00:00")
    assert check_governance(client.store, version.id).allowed
    review(client, tmp_path, version, "rejected", "2026-01-06T10:00:00+00:00", "Leaks the diagnosis date.")
    decision = check_governance(client.store, version.id)
    assert not decision.allowed and "rejected by grace" in decision.reason
    with pytest.raises(GovernanceRefusedError, match="rejected"):
        open_service(client, "cancer-clf@candidate")
    review(client, tmp_path, version, "approved", "2026-01-07T10:00:00+00:00", "Leak fixed upstream.")
    assert check_governance(client.store, version.id).allowed


def test_override_is_recorded_with_reason_and_actor(client: Client, cancer_csv: Path) -> None:
    version = train_cancer_model(client, cancer_csv, None)
    service = open_service(client, "cancer-clf@1", override_reason="Incident 42: hotfix while review pending")
    service.close()
    deployment = client.store.get_nodes([service.deployment.id])[service.deployment.id]
    override = deployment.properties["governance_override"]
    assert override["reason"] == "Incident 42: hotfix while review pending"
    assert override["actor"] == "user:ada"
    insights = [e.source for e in client.store.get_edges([version.id], "in", [EdgeType.ABOUT])]
    texts = [client.store.get_nodes([i])[i].properties["text"] for i in insights]
    assert any("Governance override" in t and "Incident 42" in t and "user:ada" in t for t in texts)


def test_tampered_artifact_is_refused(client: Client, cancer_csv: Path, tmp_path: Path) -> None:
    version = train_cancer_model(client, cancer_csv, None)
    review(client, tmp_path, version, "approved", "2026-01-05T10:00:00+00:00")
    artifact = Path(version.properties["artifact_uri"].removeprefix("file://"))
    data = bytearray(artifact.read_bytes())
    data[-1] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(DigestMismatchError, match="changed after it was recorded"):
        open_service(client, "cancer-clf@1")
    assert deployments(client) == []


def test_unknown_alias_names_the_aliases_in_use(client: Client, store_uri: str, cancer_csv: Path) -> None:
    train_cancer_model(client, cancer_csv, None)
    result = CliRunner().invoke(main, ["--store", store_uri, "serve-model", "cancer-clf@production"])
    assert result.exit_code != 0
    assert "no version of 'cancer-clf' has alias 'production'" in result.output + str(result.exception)
    assert "candidate" in result.output + str(result.exception)
