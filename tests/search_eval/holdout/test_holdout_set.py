"""The held-out set is what its README says: 60+ queries in three classes over a world the ingestors wrote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.model import NodeKind
from tests.search_eval.holdout.queries import CLASSES, QUERIES
from tests.search_eval.holdout.world import HoldoutWorld, build_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HoldoutWorld]:
    built = build_world(tmp_path_factory.mktemp("holdout"))
    try:
        yield built
    finally:
        built.store.close()


def test_sixty_queries_or_more_in_three_classes() -> None:
    counts = Counter(group for group, _, _ in QUERIES)
    assert len(QUERIES) >= 60
    assert set(counts) == set(CLASSES) == {"exact", "paraphrase", "structure"}
    assert min(counts.values()) >= 20
    assert len({query.lower() for _, query, _ in QUERIES}) == len(QUERIES)
    assert all(judged and max(judged.values()) == 3 and set(judged.values()) <= {1, 2, 3} for _, _, judged in QUERIES)


def test_no_query_is_taken_from_another_set() -> None:
    from tests.search_eval.independent.queries import QUERIES as INDEPENDENT
    from tests.search_eval.queries import QUERIES as DEVELOPMENT

    others = {query.lower() for _, query, _ in (*INDEPENDENT, *DEVELOPMENT)}
    assert sorted(query for _, query, _ in QUERIES if query.lower() in others) == []


def test_every_judgement_is_a_node_the_ingestors_wrote(world: HoldoutWorld) -> None:
    keys = {key for _, _, judged in QUERIES for key in judged}
    missing = sorted(k for k in keys if k not in world.ids)
    assert missing == []
    stored = world.store.get_nodes([world.ids[k] for k in keys])
    assert len(stored) == len(keys)


def test_the_world_came_from_every_source(world: HoldoutWorld) -> None:
    store, ids = world.store, world.ids
    runs = list(store.iter_nodes(NodeKind.RUN))
    assert Counter(r.properties.get("source") for r in runs) == {"mlflow": 5, "sdk": 3, "openlineage": 2}
    counts = store.counts()["nodes"]
    assert (counts["commit"], counts["review"], counts["deployment"], counts["job"]) == (8, 4, 5, 2)
    commits = [c.id for c in store.iter_nodes(NodeKind.COMMIT)]
    authors = {e.target for e in store.get_edges(commits, "out", ["ATTRIBUTED_TO"])}
    assert authors == {ids["p_kwame"], ids["p_lucia"], ids["p_dmitri"]}
    sweep = store.get_edges([ids["r_load_sweep"]], "in", ["CHILD_OF"])
    assert sorted(e.source for e in sweep) == sorted(ids[k] for k in ("r_trial_d4", "r_trial_d6", "r_trial_d8"))
    made_by = {e.target for e in store.get_edges([ids["mv_load_2"], ids["mv_tamper_2"], ids["mv_outage_1"]], "out",
                                                 ["GENERATED_BY"])}
    assert made_by == {ids["r_trial_d6"], ids["r_tamper_gbm"], ids["r_outage_q"]}
    # each SDK run records the commit that was HEAD when it ran
    code = {key: {e.target for e in store.get_edges([ids[key]], "out", ["USED"]) if e.target.startswith("commit:")}
            for key in ("r_tamper_rf", "r_tamper_gbm", "r_outage_q")}
    assert code == {"r_tamper_rf": {ids["c_bump"]}, "r_tamper_gbm": {ids["c_history"]}, "r_outage_q": {ids["c_clip"]}}
    assert Path(world.home).is_dir()
