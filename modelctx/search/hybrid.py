"""Reciprocal-rank fusion: combine ranked lists without comparing their scores.

BM25 and cosine scores live on different scales; RRF uses ranks only:
``score(d) = Σ_lists weight / (k + rank_d)``.

Tuned on tests/search_eval with a grid over k ∈ {5..100}, vector weight
∈ {1, 1.5, 2, 3} and keyword depth ∈ {10, 20, 50} (bench/search_quality.py
reports the result), and again over k ∈ {5, 10, 30, 60} × weight {1, 2, 3} ×
depth {10, 50} once documents carried their neighbourhood: k=5 (0.863) beat
k=10 (0.851); weight 3 gained 0.002 more, within noise, so 2 stayed.
Equal weights and k=60 — the textbook setting — lost to
vector search alone (nDCG@10 0.78 vs 0.83): on paraphrased queries BM25's
OR-matches on common words push noise into the fused list. A small k, twice
the weight for the vector ranking and only the top ``KEYWORD_CANDIDATES``
BM25 hits keep exact-term matches as a boost without letting them dominate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 5
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


#: The relevance floor, measured on tests/search_eval (bench/search_quality.py prints
#: the check): all-MiniLM-L6-v2 gives gibberish ("xqzv blorf wibble", "zebra",
#: "lorem ipsum") a best cosine of 0.12–0.32, and relevant documents as little as
#: 0.13–0.30 for paraphrases — so a cosine alone cannot tell them apart. Every
#: paraphrase there shares a word with its answers, or reaches 0.59; gibberish
#: shares none. So: a vector hit counts from ``VECTOR_FLOOR``; a query without
#: one keyword match counts only if its best vector hit reaches ``SEMANTIC_MATCH``.
VECTOR_FLOOR = 0.12
SEMANTIC_MATCH = 0.35
#: The factor on the fused score of a hit whose kind the query names (``search/intent.py``).
KIND_BOOST = 1.5
#: The score of a hit the query names exactly: above any fused score (at most ``sum(weights) / (k + 1)``).
EXACT_SCORE = 1.0


def above_floor(vector: Sequence[tuple[int, float]], keyword_matched: bool) -> list[tuple[int, float]]:
    """The vector hits that count: none for a query that matches nothing, else those above the floor."""
    kept = [(slot, score) for slot, score in vector if score >= VECTOR_FLOOR]
    if not keyword_matched and (not kept or kept[0][1] < SEMANTIC_MATCH):
        return []
    return kept


def boost_kinds(
    fused: Sequence[tuple[int, float]], kinds: Mapping[int, str], wanted: frozenset[str], boost: float = KIND_BOOST
) -> list[tuple[int, float]]:
    """``fused`` re-ordered with the scores of hits of the ``wanted`` kinds multiplied by ``boost``."""
    scored = [(slot, score * boost if kinds.get(slot) in wanted else score) for slot, score in fused]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def exact_first(exact: Sequence[int], ranked: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
    """The exactly named slots first (score :data:`EXACT_SCORE`), then the rest of ``ranked``."""
    pinned = list(dict.fromkeys(exact))
    chosen = set(pinned)
    return [(slot, EXACT_SCORE) for slot in pinned] + [(s, score) for s, score in ranked if s not in chosen]
