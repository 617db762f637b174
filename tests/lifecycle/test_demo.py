"""The demo world is built by the lifecycle modules and building it twice changes nothing."""

from __future__ import annotations

from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.demo.world import build_demo_world
from modelctx.graph.lineage import lineage
from modelctx.graph.model import NodeKind


def test_demo_world_is_complete_and_idempotent(client: Client) -> None:
    world = build_demo_world(client)
    store = client.store
    counts = store.counts()
    assert counts["nodes"]["dataset_version"] == 6 and counts["nodes"]["review"] == 6
    assert counts["nodes"]["model_version"] == 6 and counts["nodes"]["deployment"] == 5
    verdicts = {n.properties["verdict"] for n in store.find_nodes(NodeKind.REVIEW)}
    assert verdicts == {"approved", "rejected", "changes_requested"}
    reports = store.get_nodes(world.reports)
    assert [reports[r].properties["severity"] for r in world.reports][0] == "critical"
    upstream = lineage(store, world.reports[0], "up")
    assert {"deployment", "model_version", "run", "dataset_version", "commit", "environment"} <= {
        n.kind.value for n in upstream.nodes}
    overridden = [n for n in store.find_nodes(NodeKind.DEPLOYMENT) if "governance_override" in n.properties]
    assert len(overridden) == 1 and overridden[0].properties["environment"] == "sandbox"
    failed_or_running = [n for n in store.find_nodes(NodeKind.RUN) if n.properties["status"] != "COMPLETED"]
    assert failed_or_running == []

    again = build_demo_world(client)
    assert not again.built and again.focus_deployment == world.focus_deployment
    assert store.counts() == counts


def test_demo_command_prints_the_lineage_of_a_deployed_model(client: Client, store_uri: str) -> None:
    result = CliRunner().invoke(main, ["--store", store_uri, "demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "DEPLOYS → ModelVersion tumour-classifier v2" in result.output
    assert "USED (training) → DatasetVersion breast-cancer" in result.output
