"""Hybrid ranking: fuse the vector, passage and keyword rankings; floors, kind words, exact names, graph proximity.

Fusion is a convex combination of min-max normalised scores (``fuse``):
``score(d) = Σ_lists weight · (s_d − min) / (max − min)``, each list's scores
scaled to [0, 1] over its own candidates, a document missing from a list
scoring 0 there. BM25 and cosine scores live on different scales; normalising
each list puts them on one without throwing away how far apart its hits are,
which reciprocal-rank fusion (RRF: ``Σ weight / (k + rank)``) does — a
document that one ranker finds far above the rest counts for more than one
that is first by a hair.

Measured with bench/search_quality.py --set dev (hybrid nDCG@10) on the 50 paraphrases the earlier
settings were tuned on / the 30 paraphrases written for issue 15 before any tuning (they stand in for
unseen queries) / the 27 exact-name and keyword queries:
RRF k=5, weights 2/1/1 (tuned on the first 50): 0.855 / 0.756 / 0.946;
convex, min-max, weights 0.4/0.3/0.3 (chosen): 0.841 / 0.772 / 0.955; 0.5/0.25/0.25: 0.834 / 0.779 / 0.941;
0.6/0.2/0.2: 0.839 / 0.782 / 0.945; 0.5/0.3/0.2: 0.843 / 0.758 / 0.940; 0.4/0.4/0.2: 0.849 / 0.737 / 0.942;
20 or 50 keyword candidates instead of 10: 0.768 and 0.767 on the 30. Every RRF setting tried
(k ∈ {5, 10, 20, 60} × seven weightings) stayed at or below 0.761 on the 30. On 12 queries written from
intents for the demo world (``modelctx demo``: texts written by the real ingestors; a check, never tuned
on) the convex fusion gave 0.600 against RRF's 0.533.

Measured and not kept (the 30 / the 50, hybrid): pseudo-relevance feedback (Rocchio: the query vector
plus β × the mean of the first m documents' or passages' vectors, m ∈ {1, 3, 5}, β ∈ {0.3, 0.6, 1},
re-scoring the candidates) lost everywhere, 0.687–0.733 / 0.786–0.850 with RRF; stripping question
words ("which", "show me"…) before embedding, 0.746 / 0.854; a kind prior from the query's cosine to
each kind's mean passage vector, within ±0.01 (kinds' mean vectors tell kinds apart poorly); leaving
URIs, node ids, digests and repeated parentheticals ("(float64)" after every column) out of what the
model reads and not repeating a text a document already says (a run's note again as its Insight):
+0.010 / +0.008 with this fusion on the development set but 0.600 → 0.575 on the demo world's 12.

Second round (issue 15; hybrid nDCG@10 on the older 50 / the fresh 30 / 25 more paraphrases written before it,
"fresh2" / the 27 exact), from 0.841 / 0.772 / 0.683 / 0.955. Kept: a node without prose has its embedding
text as its passage (``documents.passage_text``): 0.845 / 0.790 / 0.692 / 0.968. Measured on top of that and
not kept, all within about ±0.02 of it either way (noise for 25–30 queries): each vector list min-max scaled
from its 10th, 20th or 30th score instead of its last, 0.842–0.844 / 0.745–0.777 / 0.695–0.697 (before the
kept change); z-score scaling (mean ± 3 sd), 0.806 / 0.748 / 0.678; the keyword list divided by its best score
(no min), 0.827 / 0.763 / 0.688; the keyword list scaled by its spread, (s − min) / max, so a flat list of
incidental one-word matches counts less, 0.852 / 0.771 / 0.695 / 0.960 (after the kept change); a × max + b ×
min of the two vector scores instead of their weighted sum, 0.838–0.852 / 0.765–0.792 / 0.689–0.704; the
passage of a review, monitoring report or insight followed by its first one or two neighbour lines (what it is
about), 0.835–0.844 / 0.783–0.792 / 0.695–0.712 and exact 0.953–0.968; passages of prose only (no facts,
parameters or metrics), 0.854 / 0.766 / 0.714; commits and features lending the runs that used them and those
runs' model versions (``search/neighbourhood.py``), 0.834–0.850 / 0.763–0.786 / 0.687–0.716; models lending
their versions (and their runs) and datasets their versions, 0.838–0.842 / 0.774–0.775 / 0.690–0.691; passages
without the Insights attached to the node (the Insight is a document of its own), 0.842 / 0.791 / 0.700. BM25
column weights (title, body, neighbourhood: ``search/sql.py``) (2, 1, 0.3), (1, 1, 0.1) and (2, 1, 0) instead
of (2, 1, 0.1): 0.834–0.842 / 0.784–0.798 / 0.685–0.691 / 0.947–0.973.

Third round (issue 15), all measured and not kept, hybrid nDCG@10 older 50 / fresh 30 / fresh2 25 / exact 27 /
structure 96, from 0.845 / 0.790 / 0.690 / 0.968 / 0.980 (structure stayed 0.978–0.980 in every one). A change
had to lift fresh and fresh2 together by 0.02 (more than one query's noise); none did.
Reading the fresh misses (``bench/search_misses.py``): of the 24 below 0.8, about 10 have a model, a dataset
or one of its versions first, whose own description names the topic ("reads single handwritten digits from
scanned envelopes") while the query's telling words describe one event under it (a monitoring report, a review,
a commit); several have one ranking alone right (vector 0.96 and 0.97, keyword 1.00) and the fusion with the
others' near-ties, stretched to [0, 1], at 0.4–0.5.
- Expanding the keyword query with the index's own words nearest each query word (cosine between single-word
  embeddings of this model, at most k a word, added to BM25 at a lower weight): every query word, k = 3,
  cosine ≥ 0.6, weight 0.3 / 0.5: 0.867 / 0.777 / 0.673 / 0.974 and 0.863 / 0.764 / 0.677 / 0.969; cosine ≥ 0.5
  / 0.7, k = 1 / 5 (weight 0.4): 0.855–0.870 / 0.761–0.778 / 0.681–0.684 / 0.969–0.975. Only the words the
  index lacks: (weight, cosine, k) (0.4, 0.6, 3) 0.864 / 0.789 / 0.696 / 0.968, (0.3, 0.5, 3) 0.860 / 0.783 /
  0.699, (0.4, 0.7, 2) 0.860 / 0.792 / 0.688; keyword mode alone rose from 0.630 / 0.541 / 0.577 to 0.689 /
  0.592 / 0.650, hybrid did not: the vector rankings already find what the added words find. Single-word
  neighbours are often wrong ("worse" → "worst", "best"; "tiny" → "large"; "green" → "color"); keeping only
  candidates within cosine 0.25 / 0.35 of the query's vector: 0.863 / 0.791 / 0.696 and 0.857 / 0.777 / 0.691.
  The vocabulary words nearest the query's own vector instead (no word embeddings), 5 or 10 from cosine
  0.3–0.4, weight 0.3–0.5: 0.850–0.856 / 0.773–0.785 / 0.687–0.691 / 0.958–0.970. With the keyword weight
  raised to 0.4 (0.3 / 0.3 / 0.4): 0.844 / 0.776 / 0.745 / 0.961, but its neighbours (0.35 / 0.3 / 0.35,
  0.25 / 0.35 / 0.4, 0.3 / 0.35 / 0.35) 0.845–0.862 / 0.763–0.786 / 0.699–0.721: a spike. The query's words
  embedded in one batch cost 1.2–3.1 times ``embed_query`` (6.9 words a query, the 105 paraphrases, ONNX
  Runtime, in one process on the shared machine), one by one 2.8–6.9 times.
- Expansion (only the words the index lacks) with the vector-confidence scaling below (0, 0.5), the nearest
  miss: 0.869 / 0.787 / 0.731 / 0.962; its neighbours (weight 0.3–0.5, cosine 0.5–0.7, k 3–5) 0.860–0.873 /
  0.764–0.789 / 0.711–0.734 / 0.962: fresh and fresh2 together +0.006 to +0.018, fresh itself never up.
- A fourth ranking, each node's best sentence (the passage split into sentences of three words or more, the
  passage floor and 50 candidates), weight 0.1 taken from the vector, passage or keyword weight: 0.862 / 0.763
  / 0.698 / 0.975, 0.851 / 0.786 / 0.694 / 0.971, 0.853 / 0.762 / 0.687 / 0.964; 0.15 or 0.2 taken from the
  passage weight: 0.861 / 0.778 / 0.698 / 0.971 and 0.863 / 0.763 / 0.692 / 0.970.
- Each vector ranking's min-max scores times its confidence, clip((best cosine − a) / (b − a), 0, 1), so a flat
  list of low cosines counts less: (a, b) (0, 0.4) 0.848 / 0.790 / 0.713 / 0.968, (0, 0.5) 0.849 / 0.786 /
  0.713 / 0.962, (0.1, 0.5) 0.845 / 0.778 / 0.713 / 0.962, (0.2, 0.45) 0.849 / 0.773 / 0.713 / 0.962; on a
  fixed scale (cosine − a) / (b − a) instead of min-max, (0.1, 0.6), (0.2, 0.6), (0.2, 0.5): 0.833–0.847 /
  0.749–0.760 / 0.709–0.710 / 0.957–0.959.
- The keyword ranking on an absolute scale, BM25 over the sum of the query terms' IDF (capped at 1; with or
  without the terms no document has; IDF × 1 or × 0.6): 0.823–0.850 / 0.740–0.762 / 0.643–0.672 /
  0.923–0.950; half that and half min-max: 0.842–0.851 / 0.766 / 0.665–0.688 / 0.956.
- Hubness reduction (CSLS): each cosine less β × the document's mean cosine to its k nearest documents, both
  vector rankings: (k, β) (10, 0.25) 0.850 / 0.777 / 0.727 / 0.951, (10, 0.5) 0.815 / 0.739 / 0.723 / 0.953,
  (5, 0.5) 0.804 / 0.703 / 0.720 / 0.944, (20, 0.5) 0.829 / 0.768 / 0.722 / 0.955; the enriched ranking only
  (10, 0.5) 0.848 / 0.762 / 0.720 / 0.954. Centring (cosines after taking α × the mean document vector off
  the query and the documents): α 0.5 0.848 / 0.786 / 0.713 / 0.969, 0.75 0.830 / 0.775 / 0.715 / 0.950,
  1 0.822 / 0.771 / 0.705 / 0.950.
- BM25's k1 and b (``search/keyword_index.py`` ``Postings``) (1.2, 0.4), (1.2, 1.0), (0.8, 0.75), (2.0, 0.75)
  instead of (1.2, 0.75): 0.837–0.844 / 0.777–0.793 / 0.680–0.691 / 0.943–0.967.
- Agreement (CombMNZ-like): the fused score times 1 + g × the number of rankings whose first n hold the hit,
  (n, g) (10, 1), (10, 0.3), (5, 0.3), (20, 0.3): 0.830–0.843 / 0.724–0.762 / 0.675–0.696 / 0.966–0.969.
- The topic hub among the hits lowered: a hit of the first P fused with m or more of the others one edge away
  scores (1 − d) of its own, before graph proximity; (P, m, d) (10, 2, 0.1), (10, 3, 0.1), (10, 2, 0.2),
  (6, 2, 0.1): 0.826–0.841 / 0.754–0.782 / 0.685–0.707 / 0.943–0.961.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

#: Fusion weights of the (enriched document vector, passage vector, keyword) rankings; they sum to 1.
#: The passage ranking (``documents.passage_text``) is each node's own words without its neighbourhood: a
#: node's enriched vector averages its own words with its neighbours'; a paraphrase of its own note, commit
#: message or review comment matches that average weakly but its passage well, while a query about what
#: surrounds a node matches the enriched vector. Two views of one document, fused as two lists.
VECTOR_WEIGHT = 0.4
PASSAGE_WEIGHT = 0.3
KEYWORD_WEIGHT = 0.3
#: Candidates each vector ranking and the keyword ranking contribute (the keyword list's last scores 0:
#: more BM25 candidates measured 0.774 (20) and 0.771 (50) on the 30 unseen-like paraphrases, against 0.786).
VECTOR_CANDIDATES = 50
KEYWORD_CANDIDATES = 10


def normalised(ranking: Sequence[tuple[int, float]]) -> dict[int, float]:
    """One ranked list's scores min-max scaled to [0, 1] (a single hit, or all tied, scores 1)."""
    if not ranking:
        return {}
    scores = [score for _, score in ranking]
    low, high = min(scores), max(scores)
    spread = high - low
    return {slot: (score - low) / spread if spread > 0 else 1.0 for slot, score in ranking}


def convex_fusion(
    rankings: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float]
) -> list[tuple[int, float]]:
    """Ranked (id, score) lists fused into one, best first: Σ weight × the id's normalised score in each."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for slot, score in normalised(ranking).items():
            fused[slot] = fused.get(slot, 0.0) + weight * score
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))


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
#: The score of a hit the query names exactly, and of the first answer to a question about structure (the
#: others count down from it by less than 0.5: ``search/service.py``): above any ranked score, which is at
#: most ``sum(weights)`` = 1 times :data:`KIND_BOOST`, plus a proximity bonus of :data:`PROXIMITY_WEIGHT` of that.
EXACT_SCORE = 3.0


def above_floor(vector: Sequence[tuple[int, float]], keyword_matched: bool) -> list[tuple[int, float]]:
    """The vector hits that count: none for a query that matches nothing, else those above the floor."""
    kept = [(slot, score) for slot, score in vector if score >= VECTOR_FLOOR]
    if not keyword_matched and (not kept or kept[0][1] < SEMANTIC_MATCH):
        return []
    return kept


def fuse(
    vector: Sequence[tuple[int, float]], passage: Sequence[tuple[int, float]], keyword: Sequence[tuple[int, float]],
    weights: Sequence[float] = (VECTOR_WEIGHT, PASSAGE_WEIGHT, KEYWORD_WEIGHT),
) -> list[tuple[int, float]]:
    """The hybrid ranking: the enriched-vector, passage-vector and keyword rankings (each best first, with
    their cosines and BM25 scores) fused by :func:`convex_fusion`.

    All three are what :func:`above_floor` kept. The passage ranking counts only
    with the vector ranking (a query the floor turns away is turned away whole:
    a short passage can lie nearer to gibberish than a whole document does).
    """
    return convex_fusion([vector, passage if vector else [], keyword], weights)


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
