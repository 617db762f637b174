"""Contract: traversal up and down, depth and edge-type filters, diamonds and cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.lineage import impact
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.backends import BackendHarness
from tests.contract.graphs import lineage_world


@pytest.fixture
def world(store: GraphStore) -> dict[str, str]:
    nodes, edges, w = lineage_world()
    store.write(nodes, edges)
    return {name: node.id for name, node in w.items()}


def test_upstream_closure_with_depths(store: GraphStore, world: dict[str, str]) -> None:
    got = store.reachable([world["deployment"]], "up")
    assert got == {
        world["version"]: 1,
        world["run"]: 2, world["model"]: 2,
        world["clean_a"]: 3, world["clean_b"]: 3, world["commit"]: 3,
        world["raw"]: 4, world["ds_clean"]: 4,
        world["ds_raw"]: 5, world["loop_x"]: 5,
        world["loop_y"]: 6,
    }


def test_structure_edges_are_walked_only_when_asked(store: GraphStore, world: dict[str, str]) -> None:
    up = store.reachable([world["deployment"]], "up")
    assert world["repo"] not in up and world["person"] not in up
    asked = store.reachable([world["run"]], "up", edge_types=[EdgeType.USED, EdgeType.IN_REPO, EdgeType.ATTRIBUTED_TO])
    assert asked == {world["clean_a"]: 1, world["clean_b"]: 1, world["commit"]: 1,
                     world["person"]: 1, world["repo"]: 2}


def test_depth_bound(store: GraphStore, world: dict[str, str]) -> None:
    assert store.reachable([world["deployment"]], "up", max_depth=0) == {}
    assert set(store.reachable([world["deployment"]], "up", max_depth=2)) == {
        world["version"], world["run"], world["model"]}


def test_edge_type_filter(store: GraphStore, world: dict[str, str]) -> None:
    got = store.reachable([world["clean_a"]], "up", edge_types=[EdgeType.DERIVED_FROM])
    assert got == {world["raw"]: 1, world["loop_x"]: 2, world["loop_y"]: 3}


def test_cycle_terminates_and_excludes_start(store: GraphStore, world: dict[str, str]) -> None:
    assert store.reachable([world["loop_x"]], "up") == {world["loop_y"]: 1}
    assert store.reachable([world["loop_x"]], "down", edge_types=[EdgeType.DERIVED_FROM]) == {
        world["loop_y"]: 1, world["raw"]: 1, world["clean_a"]: 2, world["clean_b"]: 2}


def test_downstream_through_diamond(store: GraphStore, world: dict[str, str]) -> None:
    got = store.reachable([world["raw"]], "down")
    assert got == {world["clean_a"]: 1, world["clean_b"]: 1, world["run"]: 2, world["version"]: 3,
                   world["review"]: 4, world["deployment"]: 4}


def test_kind_filter_returns_only_those_kinds_but_walks_through_others(
    store: GraphStore, world: dict[str, str]
) -> None:
    got = store.reachable([world["deployment"]], "up", kinds=[NodeKind.DATASET_VERSION])
    assert set(got) == {world[k] for k in ("clean_a", "clean_b", "raw", "loop_x", "loop_y")}


def test_traverse_returns_subgraph_with_walked_edges(store: GraphStore, world: dict[str, str]) -> None:
    sub = store.traverse([world["run"]], "up", max_depth=1)  # type: ignore[attr-defined]
    assert sub.nodes[0].id == world["run"]
    assert sub.ids == {world["run"], world["clean_a"], world["clean_b"], world["commit"]}
    assert {(x.source, x.type.value, x.target) for x in sub.edges} == {
        (world["run"], "USED", world["clean_a"]), (world["run"], "USED", world["clean_b"]),
        (world["run"], "USED", world["commit"])}
    down = store.traverse([world["version"]], "down")  # type: ignore[attr-defined]
    assert {(x.source, x.target) for x in down.edges} == {
        (world["review"], world["version"]), (world["deployment"], world["version"])}


def test_multiple_starts(store: GraphStore, world: dict[str, str]) -> None:
    got = store.reachable([world["clean_a"], world["clean_b"]], "up", edge_types=[EdgeType.VERSION_OF])
    assert got == {world["ds_clean"]: 1}


def test_unknown_start_and_bad_arguments(store: GraphStore, world: dict[str, str]) -> None:
    with pytest.raises(NotFoundError, match="run:sdk/nope"):
        store.reachable(["run:sdk/nope"], "up")
    with pytest.raises(ValidationError, match="direction"):
        store.reachable([world["run"]], "sideways")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="depth"):
        store.reachable([world["run"]], "up", max_depth=-1)


def test_impact_lists_model_versions_and_active_deployments(store: GraphStore, world: dict[str, str]) -> None:
    result = impact(store, world["raw"])
    assert [x.id for x in result.model_versions] == [world["version"]]
    assert [x.id for x in result.deployments] == [world["deployment"]]


def test_reads_see_every_new_write_including_other_connections(
    store: GraphStore, world: dict[str, str], backend: BackendHarness, tmp_path: Path
) -> None:
    from modelctx.graph.model import Edge, Node

    before = store.reachable([world["deployment"]], "up")
    # A write through this store is seen at once.
    store.write([Node("dataset_version:extra/1", NodeKind.DATASET_VERSION)],
                [Edge(world["loop_y"], "dataset_version:extra/1", EdgeType.DERIVED_FROM)])
    after = store.reachable([world["deployment"]], "up")
    assert after == {**before, "dataset_version:extra/1": 7}
    # So is a write through another connection to the same store (another process, in practice).
    other = open_store(backend.uri(tmp_path))  # the same store: uri() empties it once per test
    try:
        other.write([Node("dataset_version:extra/2", NodeKind.DATASET_VERSION)],
                    [Edge("dataset_version:extra/1", "dataset_version:extra/2", EdgeType.DERIVED_FROM)])
    finally:
        other.close()
    assert store.reachable([world["deployment"]], "up")["dataset_version:extra/2"] == 8
    assert store.reachable(["dataset_version:extra/2"], "down", max_depth=1) == {"dataset_version:extra/1": 1}
