"""Vector index mechanics (exact, HNSW, IVF, fresh rows, filters, snapshots) on synthetic vectors.

Quality is tested with the real model in tests/search_eval; these only check bookkeeping.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from modelctx.search.vector_index import Filter, VectorIndex, inner_products, top_k


def unit_rows(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def filled(kind: str, n: int = 600) -> tuple[VectorIndex, np.ndarray]:
    vectors = unit_rows(n)
    index = VectorIndex(32, exact_max_rows=100, ann_kind=kind)
    kinds = ["run" if i % 2 else "model" for i in range(n)]
    projects = [f"p{i % 3}" for i in range(n)]
    index.set_rows(range(n), vectors, kinds, projects, [float(i) for i in range(n)])
    index.rebuild_ann()
    return index, vectors


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_agrees_with_exact_and_sees_updates(kind: str) -> None:
    index, vectors = filled(kind)
    queries = unit_rows(20, seed=1)
    recall = np.mean([
        len({s for s, _ in index.search(q, 10)} & set(top_k(vectors @ q, 10).tolist())) / 10 for q in queries
    ])
    assert recall >= 0.9
    # An updated row is found at its new place at once, and never at its stale one.
    target = queries[0]
    index.set_rows([7], target.reshape(1, -1), ["run"], ["p1"], [7.0])
    assert index.search(target, 1)[0][0] == 7
    away = -target
    assert 7 not in {s for s, _ in index.search(away, 50)}
    # A new row past the snapshot is searched too.
    index.set_rows([600], away.reshape(1, -1), ["model"], ["p0"], [600.0])
    assert index.search(away, 1)[0][0] == 600


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_filters_apply_before_ranking(kind: str) -> None:
    index, _ = filled(kind)
    query = unit_rows(1, seed=5)[0]
    hits = index.search(query, 10, Filter(kind="run", project="p1", since=100.0, until=400.0))
    assert len(hits) == 10
    assert all(s % 2 == 1 and s % 3 == 1 and 100 <= s <= 400 for s, _ in hits)
    assert index.search(query, 10, Filter(project="nowhere")) == []
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)


def test_snapshot_round_trip(tmp_path: Path) -> None:
    index, _ = filled("hnsw")
    query = unit_rows(1, seed=9)[0]
    before = index.search(query, 5, Filter(project="p2"))
    index.save(tmp_path, seq=42, generation="g1")
    again = VectorIndex(32, exact_max_rows=100, ann_kind="hnsw")
    assert again.load(tmp_path, "another generation") is None
    assert again.load(tmp_path, "g1") == 42
    assert again.search(query, 5, Filter(project="p2")) == before


def test_exact_scores_are_the_inner_products_in_float32() -> None:
    # Entries 0, ±0.5 and ±1 make every partial sum exact, so the scores are exact whatever the summation order.
    vectors = np.array([[1, 0, 0, 0], [0.5, 0.5, 0.5, 0.5], [0, 1, 0, 0], [-1, 0, 0, 0], [0.5, -0.5, 0.5, -0.5]],
                       dtype=np.float32)
    query = np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float32)
    query.setflags(write=False)  # as the query cache hands it out (search/embedder.py)
    scores = inner_products(vectors, query)
    assert scores.dtype == np.float32 and scores.tolist() == [0.5, 1.0, 0.5, -0.5, 0.0]
    index = VectorIndex(4)
    index.set_rows(range(5), vectors, ["run", "model", "run", "run", "model"], ["p0"] * 5, [1.0] * 5)
    assert index.search(query, 3) == [(1, 1.0), (0, 0.5), (2, 0.5)]
    assert index.search(query, 10, Filter(kind="run")) == [(0, 0.5), (2, 0.5), (3, -0.5)]


def test_exact_search_ranks_as_the_matrix_product() -> None:
    # The same slots in the same order as BLAS's ``vectors @ query``; scores within float32 rounding of float64's.
    vectors = unit_rows(3000, dim=384, seed=3)
    index = VectorIndex(384)
    index.set_rows(range(3000), vectors, ["run" if i % 2 else "model" for i in range(3000)], [None] * 3000,
                   [None] * 3000)
    exact = vectors.astype(np.float64)
    for query in unit_rows(10, dim=384, seed=4):
        hits = index.search(query, 50)
        assert [s for s, _ in hits] == top_k(vectors @ query, 50).tolist()
        assert [score for _, score in hits] == pytest.approx((exact[[s for s, _ in hits]] @ query).tolist(), abs=1e-6)
        runs = index.search(query, 20, Filter(kind="run"))
        odd = np.arange(1, 3000, 2)
        assert [s for s, _ in runs] == odd[top_k(vectors[odd] @ query, 20)].tolist()
