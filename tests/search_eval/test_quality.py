"""Search quality on the evaluation world with the real model: floors, and hybrid beats both rankers.

Measured (bench/search_quality.py, 128 queries, issue 15): over direct and
paraphrase queries hybrid nDCG@10 0.89, vector 0.85, keyword 0.75 (per class:
direct 0.946 / 0.927 / 0.966, paraphrase 0.855 / 0.806 / 0.630). The floors
leave a margin for numerical differences between machines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.store import open_store
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.service import SearchService
from tests.search_eval.evaluate import Scores, evaluate
from tests.search_eval.queries import QUERIES
from tests.search_eval.world import write_world

#: The queries the rankers are held to (structure questions are answered from the graph: search/questions/).
RANKED = [q for q in QUERIES if q[0] != "structure"]

FLOORS = {"keyword": 0.62, "vector": 0.75, "hybrid": 0.77}
RECALL_FLOORS = {"keyword": 0.62, "vector": 0.78, "hybrid": 0.80}


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Scores]]]:
    folder: Path = tmp_path_factory.mktemp("eval")
    store = open_store(f"sqlite:///{folder / 'graph.db'}")
    ids = write_world(store)
    service = SearchService(store, folder / "search", MiniLMEmbedder())
    try:
        scores = {group: evaluate(service, ids, group=group) for group in ("direct", "paraphrase")}
        scores["all"] = evaluate(service, ids, queries=RANKED)
        scores["structure"] = evaluate(service, ids, group="structure", modes=("hybrid",))
        yield scores
    finally:
        service.close()
        store.close()


def test_the_set_is_big_enough_and_half_paraphrases() -> None:
    assert len(RANKED) >= 40
    paraphrases = sum(1 for group, _, _ in RANKED if group == "paraphrase")
    assert paraphrases >= len(RANKED) / 2
    assert sum(1 for group, _, _ in QUERIES if group == "structure") >= 15
    assert all(judged and max(judged.values()) == 3 for _, _, judged in QUERIES)


@pytest.mark.parametrize("mode", ["keyword", "vector", "hybrid"])
def test_floors(scores: dict[str, dict[str, Scores]], mode: str) -> None:
    assert scores["all"][mode].ndcg >= FLOORS[mode]
    assert scores["all"][mode].recall >= RECALL_FLOORS[mode]


def test_hybrid_beats_each_ranker_alone(scores: dict[str, dict[str, Scores]]) -> None:
    overall = scores["all"]
    assert overall["hybrid"].ndcg > overall["vector"].ndcg
    assert overall["hybrid"].ndcg > overall["keyword"].ndcg
    # Recall ties within a query or two: 0.874 vs 0.870 before the world gained the structure questions' nodes
    # (people, a sweep, an unreviewed deployment, an unused version), 0.867 vs 0.870 after.
    assert overall["hybrid"].recall >= overall["vector"].recall - 0.01


def test_embeddings_carry_the_paraphrases(scores: dict[str, dict[str, Scores]]) -> None:
    paraphrase = scores["paraphrase"]
    assert paraphrase["vector"].ndcg > paraphrase["keyword"].ndcg + 0.15
    assert scores["direct"]["keyword"].ndcg >= 0.8


def test_passages_carry_paraphrases_of_a_nodes_own_words(scores: dict[str, dict[str, Scores]]) -> None:
    # Hybrid paraphrase nDCG@10 0.855 with the passage ranking (search/hybrid.py fuse), 0.822 without.
    assert scores["paraphrase"]["hybrid"].ndcg >= 0.84


def test_structure_questions_are_answered_from_the_graph(scores: dict[str, dict[str, Scores]]) -> None:
    # Measured 0.979 / 0.960 with search/questions/ over 96 questions (bench/search_quality.py --set dev).
    assert scores["structure"]["hybrid"].ndcg >= 0.9
    assert scores["structure"]["hybrid"].recall >= 0.9
