"""Search quality on the evaluation world with the real model: floors, and hybrid beats both rankers.

Measured (bench/search_quality.py --set dev, 203 queries, issue 15): over the
107 direct and paraphrase queries hybrid nDCG@10 0.850, vector 0.811, keyword
0.689, recall@10 0.946 / 0.901 / 0.741 (per class: direct 0.955 / 0.927 /
0.966, paraphrase 0.815 / 0.772 / 0.596; the 50 older paraphrases 0.841 hybrid,
the 30 fresh ones 0.772). The floors leave a margin for numerical differences
between machines. The 25 paraphrases of the second round (``fresh2``) are held
apart from ``RANKED``, with a floor of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.store import open_store
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.service import SearchService
from tests.search_eval.evaluate import Scores, evaluate
from tests.search_eval.queries import QUERIES, fresh2_paraphrases, fresh_paraphrases
from tests.search_eval.world import write_world

FRESH = fresh_paraphrases()
FRESH2 = fresh2_paraphrases()
#: The queries the rankers are held to (structure questions are answered from the graph: search/questions/); the
#: second fresh paraphrases have a floor of their own (they were written after these floors were set).
RANKED = [q for q in QUERIES if q[0] != "structure" and q not in FRESH2]

FLOORS = {"keyword": 0.67, "vector": 0.79, "hybrid": 0.83}
RECALL_FLOORS = {"keyword": 0.72, "vector": 0.88, "hybrid": 0.92}
OLDER_PARAPHRASES = [q for q in QUERIES if q[0] == "paraphrase" and q not in FRESH and q not in FRESH2]


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Scores]]]:
    folder: Path = tmp_path_factory.mktemp("eval")
    store = open_store(f"sqlite:///{folder / 'graph.db'}")
    ids = write_world(store)
    service = SearchService(store, folder / "search", MiniLMEmbedder())
    try:
        scores = {group: evaluate(service, ids, group=group, queries=RANKED) for group in ("direct", "paraphrase")}
        scores["all"] = evaluate(service, ids, queries=RANKED)
        scores["structure"] = evaluate(service, ids, group="structure", modes=("hybrid",))
        scores["older"] = evaluate(service, ids, queries=OLDER_PARAPHRASES, modes=("hybrid",))
        scores["fresh"] = evaluate(service, ids, queries=FRESH, modes=("hybrid",))
        scores["fresh2"] = evaluate(service, ids, queries=FRESH2, modes=("hybrid",))
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
    # Hybrid nDCG@10 on the 50 older paraphrases 0.855 with the passage ranking (search/hybrid.py fuse), 0.822
    # without (RRF); 0.841 with the convex fusion, which lifted the 30 fresh ones from 0.756 to 0.772.
    # Queries embedded by the int8 copy of the model (search/embedder.py): 0.845 → 0.840, 0.790 → 0.778, 0.690 → 0.687.
    assert len(FRESH) == 30 and len(OLDER_PARAPHRASES) == 50 and len(FRESH2) == 25
    assert scores["older"]["hybrid"].ndcg >= 0.835
    assert scores["fresh"]["hybrid"].ndcg >= 0.77
    # The 25 written before the second round (issue 15): 0.682 before it, 0.690 after (documents.passage_text).
    assert scores["fresh2"]["hybrid"].ndcg >= 0.68


def test_structure_questions_are_answered_from_the_graph(scores: dict[str, dict[str, Scores]]) -> None:
    # Measured 0.979 / 0.960 with search/questions/ over 96 questions (bench/search_quality.py --set dev).
    assert scores["structure"]["hybrid"].ndcg >= 0.9
    assert scores["structure"]["hybrid"].recall >= 0.9
