"""Reciprocal-rank fusion: combine ranked lists without comparing their scores.

BM25 and cosine scores live on different scales; RRF uses ranks only:
``score(d) = Σ_lists weight / (k + rank_d)``.

Tuned on tests/search_eval with a grid over k ∈ {5..100}, vector weight
∈ {1, 1.5, 2, 3} and keyword depth ∈ {10, 20, 50} (bench/search_quality.py
reports the result). Equal weights and k=60 — the textbook setting — lost to
vector search alone (nDCG@10 0.78 vs 0.83): on paraphrased queries BM25's
OR-matches on common words push noise into the fused list. A small k, twice
the weight for the vector ranking and only the top ``KEYWORD_CANDIDATES``
BM25 hits keep exact-term matches as a boost without letting them dominate.
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 10
VECTOR_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0
VECTOR_CANDIDATES = 50
KEYWORD_CANDIDATES = 10


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids (best first) into one list of (id, score), best first."""
    scores: dict[int, float] = {}
    for position, ranking in enumerate(rankings):
        weight = weights[position] if weights is not None else 1.0
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
