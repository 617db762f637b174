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

from collections.abc import Iterable, Mapping, Sequence

RRF_K = 5
VECTOR_WEIGHT = 2.0
#: The weight of the passage ranking (``documents.passage_text``: each node's own words without its
#: neighbourhood). A node's enriched vector averages its own words with its neighbours'; a paraphrase of its
#: own note, commit message or review comment matches that average weakly but its passage well, while a query
#: about what surrounds a node matches the enriched vector. Two views of one document, fused as two lists.
#: Measured on tests/search_eval (development set, hybrid nDCG@10 all / paraphrase): without the passage list
#: 0.918 / 0.822; passage weight 0.5: 0.926 / 0.847, 1: 0.930 / 0.855, 2: 0.931 / 0.858. Scoring each
#: document by the better of its two cosines (max-sim) in one list instead: 0.915 / 0.821. The weight of
#: keyword search was chosen, not the best of the three, to keep the enriched vector first.
PASSAGE_WEIGHT = 1.0
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


def fuse(
    vector: Sequence[tuple[int, float]], passage: Sequence[tuple[int, float]], keyword: Sequence[tuple[int, float]],
    weights: Sequence[float] = (VECTOR_WEIGHT, PASSAGE_WEIGHT, KEYWORD_WEIGHT), k: int = RRF_K,
) -> list[tuple[int, float]]:
    """The hybrid ranking: the enriched-vector, passage-vector and keyword rankings (each best first) fused by RRF.

    All three are what :func:`above_floor` kept. The passage ranking counts only
    with the vector ranking (a query the floor turns away is turned away whole:
    a short passage can lie nearer to gibberish than a whole document does).
    """
    rankings = [[s for s, _ in vector], [s for s, _ in passage] if vector else [], [s for s, _ in keyword]]
    return reciprocal_rank_fusion(rankings, weights, k)


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


#: Graph proximity ("re-ranked by graph proximity to the strongest hits"): a candidate one edge from one of the
#: ``PROXIMITY_TOP`` strongest hits gains ``PROXIMITY_WEIGHT`` × that hit's score, among the first
#: ``PROXIMITY_POOL`` fused candidates. A model version next to the review a paraphrase found, a run next to its
#: note. Measured on tests/search_eval (paraphrases, hybrid nDCG@10 / recall@10): without 0.817 / 0.890;
#: weight 0.1 with top 1: 0.835 / 0.890, top 2: 0.835 / 0.897, top 3: 0.824 / 0.929; weight 0.05: 0.821 / 0.902,
#: 0.15: 0.823 / 0.934, 0.3: 0.801 / 0.940, 0.5: 0.712 / 0.936 (top 3); a pool of 10 instead of 30: 0.814 / 0.895.
#: Exact names: 0.931 without, 0.940 with. Top 3 and 0.1 keep the recall gain and a small weight.
PROXIMITY_TOP = 3
PROXIMITY_WEIGHT = 0.1
PROXIMITY_POOL = 30


def near_the_strongest(
    ranked: Sequence[tuple[int, float]], adjacent: Mapping[int, Iterable[int]],
    weight: float = PROXIMITY_WEIGHT,
) -> list[tuple[int, float]]:
    """``ranked`` re-ordered: a hit adjacent (``adjacent[strong]``) to a strong hit gains ``weight`` × its score.

    ``adjacent`` maps each strong hit (the first few of ``ranked``) to its neighbours' slots; a hit next to
    several strong hits gains the largest bonus once.
    """
    score_of = dict(ranked)
    bonus: dict[int, float] = {}
    for strong, near in adjacent.items():
        for slot in near:
            if slot != strong and slot in score_of:
                bonus[slot] = max(bonus.get(slot, 0.0), weight * score_of.get(strong, 0.0))
    scored = [(slot, score + bonus.get(slot, 0.0)) for slot, score in ranked]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))
