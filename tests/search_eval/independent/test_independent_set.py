"""The independent set is what its README says: 60+ queries in three classes over a world the ingestors wrote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.model import NodeKind
from tests.search_eval.independent.queries import CLASSES, QUERIES
from tests.search_eval.independent.world import IndependentWorld, build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndependentWorld]:
    built = build_world(tmp_path_factory.mktemp("independent"))
    try:
        yield built
    finally:
        built.store.close()


def test_sixty_queries_or_more_in_three_classes() -> None:
    counts = Counter(group for group, _, _ in QUERIES)
    assert len(QUERIES) >= 60
    assert set(counts) == set(CLASSES) == {"exact", "paraphrase", "structure"}
    assert min(counts.values()) >= 20
    assert len({query for _, query, _ in QUERIES}) == len(QUERIES)
    assert all(judged and max(judged.values()) == 3 for _, _, judged in QUERIES)


def test_every_judgement_is_a_node_the_ingestors_wrote(world: IndependentWorld) -> None:
    keys = {key for _, _, judged in QUERIES for key in judged}
    missing = sorted(k for k in keys if k not in world.ids)
    assert missing == []
    stored = world.store.get_nodes([world.ids[k] for k in keys])
    assert len(stored) == len(keys)


def test_the_world_came_from_every_source(world: IndependentWorld) -> None:
    runs = list(world.store.iter_nodes(NodeKind.RUN))
    assert Counter(r.properties.get("source") for r in runs) == {"mlflow": 5, "sdk": 3, "openlineage": 2}
    assert world.store.counts()["nodes"]["commit"] == 7
    sweep = world.store.get_edges([world.ids["r_sweep"]], "in", ["CHILD_OF"])
    assert sorted(e.source for e in sweep) == sorted(world.ids[k] for k in ("r_trial_005", "r_trial_01", "r_trial_03"))
    assert Path(world.home).is_dir()
