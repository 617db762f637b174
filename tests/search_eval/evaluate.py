"""nDCG@10 and recall@10 of keyword, vector and hybrid search on an evaluation world.

Shared by tests/search_eval/test_quality.py (floors) and bench/search_quality.py (the table).
``queries`` defaults to the development set (tests/search_eval/queries.py); the
independent set (tests/search_eval/independent/) passes its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from modelctx.search.service import SearchService
from tests.search_eval.queries import QUERIES

MODES = ("keyword", "vector", "hybrid")
CUTOFF = 10


def dcg(gains: Iterable[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at(ranked: list[str], judged: Mapping[str, int], k: int = CUTOFF) -> float:
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    return dcg(judged.get(i, 0) for i in ranked[:k]) / ideal if ideal else 0.0


def recall_at(ranked: list[str], judged: Mapping[str, int], k: int = CUTOFF) -> float:
    relevant = {i for i, g in judged.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


@dataclass(slots=True)
class Scores:
    ndcg: float
    recall: float
    queries: int


Query = tuple[str, str, dict[str, int]]


def evaluate(
    service: SearchService,
    ids: Mapping[str, str],
    *,
    group: str | None = None,
    queries: Sequence[Query] = QUERIES,
    modes: Sequence[str] = MODES,
) -> dict[str, Scores]:
    """Mean nDCG@10 and recall@10 per mode over the queries (optionally one group)."""
    out: dict[str, Scores] = {}
    chosen = [q for q in queries if group is None or q[0] == group]
    for mode in modes:
        ndcgs, recalls = [], []
        for _, query, judged_keys in chosen:
            judged = {ids[key]: grade for key, grade in judged_keys.items()}
            ranked = [h.id for h in service.search(query, mode=mode, limit=CUTOFF, with_context=False)]
            ndcgs.append(ndcg_at(ranked, judged))
            recalls.append(recall_at(ranked, judged))
        out[mode] = Scores(sum(ndcgs) / len(ndcgs), sum(recalls) / len(recalls), len(chosen))
    return out
