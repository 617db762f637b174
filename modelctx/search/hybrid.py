"""Reciprocal-rank fusion: combine ranked lists without comparing their scores.

BM25 and cosine scores live on different scales; RRF uses ranks only:
``score(d) = Σ_lists weight / (k + rank_d)``. ``RRF_K`` and the weights were
tuned on tests/search_eval (bench/search_quality.py reports the effect).
"""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60
VECTOR_WEIGHT = 1.0
KEYWORD_WEIGHT = 1.0


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
