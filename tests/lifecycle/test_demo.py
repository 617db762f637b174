"""The demo world is built by the lifecycle modules and building it twice changes nothing."""

from __future__ import annotations

from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.demo.world import build_demo_world
from modelctx.graph.lineage import lineage
from modelctx.graph.model import EdgeType, NodeKind


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


def test_demo_world_holds_up_to_its_own_policies(client: Client, store_uri: str) -> None:
    """A fresh demo reports exactly the findings it means to show (docs/guide/governance.md)."""
    import json

    from modelctx.demo.world import OWNERS, WINE_V1_FLAG
    from modelctx.governance.facts import event_time, reviews_of
    from modelctx.governance.portfolio import build_portfolio

    world = build_demo_world(client)
    store = client.store
    sandbox = next(d for d in world.deployments
                   if store.get_node(d).properties["environment"] == "sandbox")
    [flagged] = [n.id for n in store.find_nodes(NodeKind.DATASET_VERSION) if n.properties.get("flagged") is True]
    objection = [r.id for r in reviews_of(store, "model_version:tumour-classifier/3")]

    result = CliRunner().invoke(main, ["--store", store_uri, "policy", "check", "--json"])
    assert result.exit_code == 0, result.output
    found = [(f["rule"], f["severity"], f["nodes"]) for f in json.loads(result.output)["findings"]]
    assert found == [
        ("deployed_without_approval", "high", [sandbox, "model_version:tumour-classifier/3", *objection]),
        ("deployed_after_rejection", "critical", [sandbox, "model_version:tumour-classifier/3", *objection]),
        ("trained_on_flagged_data", "high", ["model_version:wine-cultivar/1", flagged]),
    ]
    assert store.get_node(flagged).properties["flag_reason"] == WINE_V1_FLAG

    # every model has an owner; every review comes after its version and before any deployment of it
    assert {n.id: n.properties["owner"] for n in store.find_nodes(NodeKind.MODEL)} == {
        f"model:{name}": owner for name, owner in OWNERS.items()}
    for version in store.find_nodes(NodeKind.MODEL_VERSION):
        made = event_time(version)
        assert made is not None
        for review in reviews_of(store, version.id):
            reviewed = event_time(review)
            assert reviewed is not None and reviewed >= made, (review.id, version.id)
            for edge in store.get_edges([version.id], "in", [EdgeType.DEPLOYS]):
                deployed = event_time(store.get_node(edge.source))
                assert deployed is not None and deployed >= reviewed

    # the portfolio counts production deployments only: not the wine model on staging, not the sandbox
    production = {(m["model_version"], m["environment"]) for p in build_portfolio(store)["projects"]
                  for m in p["models_in_production"]}
    assert production == {("model_version:tumour-classifier/2", "production"),
                          ("model_version:diabetes-progression/1", "production")}
