"""Vector search parity: Neo4j's native vector index against FAISS on the same vectors, in one run.

    eval "$(NEO4J_BOLT_PORT=7682 bash scripts/neo4j-up.sh)"   # a scratch server: its search index is replaced
    .venv/bin/python bench/search_neo4j_bench.py --uri "$MODELCTX_TEST_NEO4J_URI" --vectors 100000

The same ``--vectors`` seeded synthetic unit vectors of dimension 384 go into
the embedded index's approximate index (``search/vector_index.py``
``build_ann``: HNSW at this size, as ``modelctx`` builds it) and into Neo4j as
search documents (``graph/backends/neo4j_search.py``, through the same
``commit`` the catch-up uses). ``--queries`` held-out queries are answered by
both; recall@10 is measured against exact brute force (numpy), latency per
query is p50/p95 — FAISS in process, Neo4j through the whole store path
(Bolt round trip included), exactly as a search calls them. Printed as ratios
Neo4j / FAISS, since the machine is shared.

``--data clustered`` (default): vectors drawn around 2000 random centres, as
embeddings of real documents cluster; ``uniform``: independent random unit
vectors (near-orthogonal, the hardest case for any approximate index).
``--filter-kind``: also a filtered query (one kind in 50): over-fetch, then the
exact pre-filtered fallback (``neo4j_search.py``), against exact filtered search.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.backends.neo4j import Neo4jGraphStore  # noqa: E402
from modelctx.graph.backends.neo4j_search import Neo4jSearchDocs  # noqa: E402
from modelctx.graph.search_docs import DocWrite  # noqa: E402
from modelctx.search.vector_index import Filter, ann_kind_for, build_ann, top_k  # noqa: E402

DIM = 384
K = 10
CENTRES = 2000
#: Documents per commit while loading Neo4j (one transaction each).
LOAD_CHUNK = 2000
#: Kinds for the filtered query: document i has kind ``KINDS[i % len(KINDS)]``.
KINDS = tuple(f"kind{i}" for i in range(50))


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def synthetic(n: int, queries: int, data: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` document vectors and ``queries`` query vectors (not among the documents), unit length."""
    rng = np.random.default_rng(seed)
    if data == "uniform":
        return unit_rows(rng.standard_normal((n, DIM))), unit_rows(rng.standard_normal((queries, DIM)))
    centres = unit_rows(rng.standard_normal((CENTRES, DIM)))

    def around(count: int) -> np.ndarray:
        picked = centres[rng.integers(0, CENTRES, count)]
        return unit_rows(picked + 0.06 * rng.standard_normal((count, DIM)))

    return around(n), around(queries)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def recall(found: list[list[int]], truth: list[list[int]]) -> float:
    return statistics.mean(len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True) if t)


def load_neo4j(docs: Neo4jSearchDocs, vectors: np.ndarray) -> float:
    """Store the vectors as search documents (node ``bench:i`` gets slot i); seconds taken."""
    state = docs.reset("bench/synthetic", DIM, "bench")
    started = time.perf_counter()
    for start in range(0, len(vectors), LOAD_CHUNK):
        rows = [
            DocWrite(f"bench:{i}", KINDS[i % len(KINDS)], None, None, f"doc {i}", "", "", f"d{i}", vectors[i].tolist())
            for i in range(start, min(start + LOAD_CHUNK, len(vectors)))
        ]
        seq = start // LOAD_CHUNK + 1
        if not docs.commit(rows, state, seq, f"bench-{seq}"):
            raise SystemExit("another writer changed the search index of this server while loading; use a scratch one")
        state = docs.state() or state
        print(f"\r  loaded {min(start + LOAD_CHUNK, len(vectors))}/{len(vectors)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", default=os.environ.get("MODELCTX_TEST_NEO4J_URI"),
                        help="A scratch Neo4j server (its search index is replaced, the graph left alone).")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", choices=("clustered", "uniform"), default="clustered")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--filter-kind", action="store_true", help="Also measure a filtered query (1 kind in 50).")
    parser.add_argument("--keep", action="store_true", help="Leave the loaded documents in Neo4j afterwards.")
    args = parser.parse_args()
    if not args.uri:
        raise SystemExit("give --uri (or MODELCTX_TEST_NEO4J_URI): a scratch Neo4j server")

    vectors, queries = synthetic(args.vectors, args.queries, args.data, args.seed)
    print(f"{args.vectors} {args.data} unit vectors of dim {DIM}, {args.queries} queries, recall@{K} "
          "against exact brute force")

    truth = [top_k(vectors @ q, K).tolist() for q in queries]
    t0 = time.perf_counter()
    kind = ann_kind_for(len(vectors))
    ann = build_ann(vectors, kind)
    faiss_build = time.perf_counter() - t0
    faiss_found, faiss_times = [], []
    for q in queries:
        start = time.perf_counter()
        _, labels = ann.search(q.reshape(1, -1), K)
        faiss_times.append(time.perf_counter() - start)
        faiss_found.append([int(x) for x in labels[0] if x >= 0])

    store = Neo4jGraphStore.from_uri(args.uri)
    docs = Neo4jSearchDocs(store)
    try:
        docs.delete_all()
        neo4j_load = load_neo4j(docs, vectors)
        offset = docs.slots_by_node(["bench:0"])["bench:0"]  # slots are handed out in order from here
        for q in queries[:5]:  # warm the page cache and the query plans
            docs.vector(q.tolist(), K, Filter())
        neo4j_found, neo4j_times = [], []
        for q in queries:
            start = time.perf_counter()
            hits = docs.vector(q.tolist(), K, Filter())
            neo4j_times.append(time.perf_counter() - start)
            neo4j_found.append([slot - offset for slot, _ in hits])
        filtered: tuple[float, float, float] | None = None
        if args.filter_kind:
            wanted = KINDS[0]
            rows = np.arange(0, len(vectors), len(KINDS))
            truth_f = [rows[top_k(vectors[rows] @ q, K)].tolist() for q in queries]
            found_f, times_f = [], []
            for q in queries:
                start = time.perf_counter()
                hits = docs.vector(q.tolist(), K, Filter(kind=wanted))
                times_f.append(time.perf_counter() - start)
                found_f.append([slot - offset for slot, _ in hits])
            filtered = (recall(found_f, truth_f), 1e3 * statistics.median(times_f), 1e3 * percentile(times_f, 0.95))
    finally:
        if not args.keep:
            docs.delete_all()
        store.close()

    r_faiss, r_neo = recall(faiss_found, truth), recall(neo4j_found, truth)
    f50, f95 = 1e3 * statistics.median(faiss_times), 1e3 * percentile(faiss_times, 0.95)
    n50, n95 = 1e3 * statistics.median(neo4j_times), 1e3 * percentile(neo4j_times, 0.95)
    print(f"{'':<26}{'recall@10':>10}{'p50 ms':>10}{'p95 ms':>10}{'build/load s':>14}")
    print(f"{'FAISS ' + kind + ' (in process)':<26}{r_faiss:>10.3f}{f50:>10.3f}{f95:>10.3f}{faiss_build:>14.1f}")
    print(f"{'Neo4j vector index (Bolt)':<26}{r_neo:>10.3f}{n50:>10.3f}{n95:>10.3f}{neo4j_load:>14.1f}")
    print(f"ratio Neo4j/FAISS: recall@10 {r_neo / r_faiss:.3f}x, p50 {n50 / f50:.1f}x, p95 {n95 / f95:.1f}x")
    if filtered is not None:
        print(f"Neo4j filtered (1 kind in {len(KINDS)}): recall@10 {filtered[0]:.3f}, "
              f"p50 {filtered[1]:.2f} ms, p95 {filtered[2]:.2f} ms")


if __name__ == "__main__":
    main()
