"""Search speed: CLI and server query latency, indexing throughput against raw ``encode``, approximate recall.

    .venv/bin/python bench/search_bench.py                       # modest sizes
    .venv/bin/python bench/search_bench.py --only-latency --docs 100000
    .venv/bin/python bench/search_bench.py --docs 100000 --vector-only 1000000
    .venv/bin/python bench/search_bench.py --only-latency --docs 100000 --cli-runs 0 --keep DIR --answers FILE
    .venv/bin/python bench/search_bench.py --only-latency --docs 5000 20000 --cli-runs 0 --concurrency 1 2 4

Sections (each prints its in-run baseline and the ratio):

0. CLI latency: median wall (and CPU) time of ``modelctx search`` as new
   processes on a demo store built by ``modelctx demo --no-serve`` in a
   temporary MODELCTX_HOME: in its own process (ONNX Runtime), then answered
   by a running ``modelctx serve`` of that store (``api/endpoint.py``); each
   against ``modelctx --version`` run interleaved with it. Target: under 1 s.
1. Indexing throughput: ``--real`` real texts (docstrings of installed
   packages, not ours) as graph nodes; ``SearchIndex.sync()`` (change log →
   documents → embeddings → FTS5 → vectors) against
   ``SentenceTransformer.encode`` of exactly the texts the index embeds.
2. Approximate recall@10 of HNSW and IVF against exact search on those real
   MiniLM vectors, with build time and query time.
3. Server query latency p50/p95 of ``SearchService.search`` as ``GET /search``
   runs it (no catch-up; the real ONNX model embeds the query; hybrid ranking;
   graph context) on a store of ``--docs`` synthetic nodes indexed once (and the
   postings of its frequent words read ahead, as a server's catch-up does), for
   queries new to the query cache and repeated ones, against the embedding
   model's forward pass alone (the int8 copy queries run, and the float model
   documents run) (target p50 <= 10 ms at 100k); then BM25 alone,
   in memory (``search/keyword_index.py`` ``Postings``) against FTS5's
   ``bm25()``, and how many of the queries' top 10 and top 50 are equal
   (slots, order and scores: they must all be), unfiltered and with a
   kind, a project or a project's scope (the in-memory search keeps what the
   vector index's mask allows). ``--keep DIR --answers FILE`` writes the full
   JSON answers of the queries (hits, scores, snippets, context; filtered too)
   searched on a store and index kept in DIR: run two versions of the code
   on one DIR and compare the files. Document vectors
   past the real texts are random unit vectors (a fill embedder: embedding
   100k texts takes hours on a shared 2-core box).
3b. ``--concurrency N ...``: the same warm SearchService under load: N client
   threads take distinct queries (new to the query cache) from one queue, as
   ``modelctx serve`` runs ``GET /search``: a sync route, so each request runs
   in the server's thread pool in one process (``api/routes/search.py``) and
   clients contend for the GIL, the cores and OpenBLAS's threads alike.
   Prints throughput (queries/s), p50/p95 latency and CPU per query for each
   way of scoring the exact search (``--exact-scores``; ``vector_index.py``
   ``inner_products``), against concurrency 1 and against the first way
   (``gemv``: ``matrix @ query`` on OpenBLAS, what the code did before),
   rounds alternating the ways and levels so drifting load falls on all
   alike. Each run is bounded: ``--load-queries`` queries per way, level and
   round, and 30 s. ``--load-project p3`` filters every query to
   one project (what a project's view asks), which at 100k documents keeps
   few enough rows to be searched exactly.
4. ``--vector-only N``: p50 of the vector search alone over N random unit
   vectors (exact and the approximate index), to show the 1M case.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.ids import node_id  # noqa: E402
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind  # noqa: E402
from modelctx.graph.store import open_store  # noqa: E402
from modelctx.search import vector_index  # noqa: E402
from modelctx.search.documents import build_document, embedding_text  # noqa: E402
from modelctx.search.embedder import MiniLMEmbedder, _OnnxEngine, load_model, models_dir_for, onnx_path  # noqa: E402
from modelctx.search.service import SearchService  # noqa: E402
from modelctx.search.vector_index import Filter, VectorIndex, ann_kind_for, build_ann, top_k  # noqa: E402

PACKAGES = ("sklearn", "scipy", "numpy", "pandas", "matplotlib", "torch", "transformers", "mlflow", "sqlalchemy")
QUERIES = [
    "why did recall drop after the feature change", "compute the inverse of a matrix",
    "read a csv file into a table", "plot a histogram with log scale", "train a random forest classifier",
    "split arrays into train and test subsets", "load a pretrained tokenizer", "log metrics for a run",
    "fast fourier transform of a signal", "drop duplicate rows", "calibrate predicted probabilities",
    "cross validation scores", "save a model to disk", "sparse matrix multiplication", "image convolution",
    "missing values imputation", "database connection pool", "learning rate schedule", "gradient clipping",
    "principal component analysis",
]


def harvest_texts(n: int) -> list[str]:
    """First paragraphs of docstrings from installed packages: real technical English."""
    import importlib.util

    texts: list[str] = []
    seen: set[str] = set()
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for path in sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.py")):
            try:
                tree = ast.parse(path.read_text(encoding="utf-8", errors="ignore"))
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if not doc:
                        continue
                    para = " ".join(doc.strip().split("\n\n")[0].split())
                    if len(para) >= 40 and para not in seen:
                        seen.add(para)
                        texts.append(para[:600])
                        if len(texts) >= n:
                            return texts
    return texts


def make_nodes(texts: list[str], n: int) -> tuple[list[Node], list[Edge]]:
    """Groups of dataset version → run → model version ← review, texts cycling over ``texts``."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for i in range(0, n, 4):
        dv = node_id(NodeKind.DATASET_VERSION, "bench", str(i))
        run = node_id(NodeKind.RUN, "bench", str(i))
        mv = node_id(NodeKind.MODEL_VERSION, "bench", str(i))
        review = node_id(NodeKind.REVIEW, f"bench-{i}")
        for j, (nid, kind) in enumerate(((dv, NodeKind.DATASET_VERSION), (run, NodeKind.RUN),
                                         (mv, NodeKind.MODEL_VERSION), (review, NodeKind.REVIEW))):
            if i + j >= n:
                break
            text = texts[(i + j) % len(texts)]
            suffix = "" if i + j < len(texts) else f" (copy {(i + j) // len(texts)})"
            nodes.append(Node(nid, kind, {"name": f"{kind.value} {i + j}", "description": text + suffix,
                                          "project": f"p{i % 7}", **({"verdict": "approved"} if j == 3 else {})}))
        edges += [Edge(run, dv, EdgeType.USED), Edge(mv, run, EdgeType.GENERATED_BY),
                  Edge(review, mv, EdgeType.REVIEWS)]
    names = {x.id for x in nodes}
    return nodes, [e for e in edges if e.source in names and e.target in names]


class FillEmbedder:
    """Real vectors for known texts, deterministic random unit vectors for the rest (latency only)."""

    name = "bench-fill"
    semantic = True

    def __init__(self, real: MiniLMEmbedder, known: dict[str, np.ndarray]) -> None:
        self.real, self.known, self.dim = real, known, real.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            vector = self.known.get(text)
            if vector is None:
                seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
                vector = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
                vector /= np.linalg.norm(vector)
            out[i] = vector
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(fn):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds of this process): CPU time is robust to other load on the box."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def section_throughput(texts: list[str], embedder: MiniLMEmbedder, tmp: Path) -> dict[str, np.ndarray]:
    store = open_store(f"sqlite:///{tmp / 'throughput.db'}")
    nodes, edges = make_nodes(texts, len(texts))
    store.write(nodes, edges)
    docs = [embedding_text(build_document(n)) for n in nodes]
    embedder.embed(docs[:64])  # warm both paths alike

    model = load_model()

    def raw_encode() -> np.ndarray:
        return model.encode(docs, batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    # Raw encode before and after the index run brackets drifting load from other processes.
    raw, raw_wall_1, raw_cpu_1 = _timed(raw_encode)
    service = SearchService(store, tmp / "throughput-index", embedder)
    report, index_wall, index_cpu = _timed(service.sync)
    _, raw_wall_2, raw_cpu_2 = _timed(raw_encode)
    raw_wall, raw_cpu = (raw_wall_1 + raw_wall_2) / 2, (raw_cpu_1 + raw_cpu_2) / 2
    n = report.documents
    print(f"[1] indexing {n} real documents (change log -> documents -> embeddings -> FTS5 -> vectors):")
    print(f"    wall: raw encode {len(docs) / raw_wall:.1f} docs/s (runs {raw_wall_1:.1f} s, {raw_wall_2:.1f} s), "
          f"index {n / index_wall:.1f} docs/s -> ratio {raw_wall / index_wall:.3f} (target >= 0.9)")
    print(f"    CPU:  raw encode {len(docs) / raw_cpu:.1f} docs/cpu-s, index {n / index_cpu:.1f} docs/cpu-s "
          f"-> ratio {raw_cpu / index_cpu:.3f}")
    service.close()
    store.close()
    return dict(zip(docs, raw, strict=True))


def section_recall(vectors: np.ndarray, embedder: MiniLMEmbedder) -> None:
    # The 20 real queries plus 180 perturbed documents (near-duplicate lookups).
    perturbed = list(vectors[:180] * 0.98 + 0.02 * vectors[180:360])
    queries = np.stack([embedder.embed_query(q) for q in QUERIES] + perturbed)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = [set(top_k(vectors @ q, 10).tolist()) for q in queries]
    start = time.perf_counter()
    for q in queries:
        top_k(vector_index.inner_products(vectors, q), 10)  # as the exact search scores
    exact_ms = (time.perf_counter() - start) / len(queries) * 1000
    print(f"[2] approximate recall@10 vs exact on {len(vectors)} real MiniLM vectors, {len(queries)} queries "
          f"(exact numpy {exact_ms:.2f} ms/query):")
    for kind in ("hnsw", "ivf"):
        start = time.perf_counter()
        index = build_ann(vectors, kind)
        build_s = time.perf_counter() - start
        start = time.perf_counter()
        found = [set(index.search(q.reshape(1, -1), 10)[1][0].tolist()) for q in queries]
        query_ms = (time.perf_counter() - start) / len(queries) * 1000
        recall = statistics.mean(len(a & b) / 10 for a, b in zip(found, exact, strict=True))
        print(f"    {kind}: recall@10 {recall:.4f} (target >= 0.95), build {build_s:.1f} s, "
              f"{query_ms:.3f} ms/query")


CLI_QUERIES = ("tumour-classifier v3", "tumour model a reviewer was worried about", "wine trained on duplicated rows")


def _medians(command: list[str], args: list[tuple[str, ...]], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (user + system) of ``runs`` rounds of new processes."""
    walls, cpus = [], []
    for _ in range(runs):
        for extra in args:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([*command, *extra], env=env, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_until_indexed(cli: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A ``modelctx serve`` on the demo store, once its index is current and its model loaded."""
    import json
    import urllib.request

    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/search?q=warm+up", timeout=30) as answer:
                if json.loads(answer.read())["pending_changes"] == 0:
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("modelctx serve did not come up in 180 s")


def section_cli(tmp: Path, runs: int) -> None:
    from modelctx.search.embedder import models_dir_for

    home = tmp / "cli-home"
    env = {**os.environ, "MODELCTX_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "MODELCTX_MODELS": str(models_dir_for())}  # the bench's own ONNX export: no second export
    env.pop("MODELCTX_STORE", None)
    env.pop("MODELCTX_TOKEN", None)
    cli = [str(Path(sys.executable).parent / "modelctx")]
    subprocess.run([*cli, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "search", "warm up"], env=env, check=True, capture_output=True)  # builds the index
    queries = [(q,) for q in CLI_QUERIES]
    # Interleaved rounds: drifting load from other jobs falls on every command alike.
    version_runs: list[tuple[float, float]] = []
    search_runs: list[tuple[float, float]] = []
    for _ in range(runs):
        version_runs.append(_medians([*cli, "--version"], [()] * len(queries), env, 1))
        search_runs.append(_medians([*cli, "search"], queries, env, 1))
    version = (statistics.median(v[0] for v in version_runs), statistics.median(v[1] for v in version_runs))
    search = (statistics.median(v[0] for v in search_runs), statistics.median(v[1] for v in search_runs))
    server = _serve_until_indexed(cli, env)
    try:
        served_runs: list[tuple[float, float]] = []
        version_again: list[tuple[float, float]] = []
        for _ in range(runs):
            version_again.append(_medians([*cli, "--version"], [()] * len(queries), env, 1))
            served_runs.append(_medians([*cli, "search"], queries, env, 1))
    finally:
        server.terminate()
        server.wait(timeout=60)
    served = (statistics.median(v[0] for v in served_runs), statistics.median(v[1] for v in served_runs))
    version_2 = (statistics.median(v[0] for v in version_again), statistics.median(v[1] for v in version_again))
    n = runs * len(queries)
    print(f"[0] CLI on the demo store, medians of {n} new processes each (wall; CPU of the child):")
    print(f"    baseline `modelctx --version`: {version[0]:.2f} s wall, {version[1]:.2f} s CPU")
    print(f"    `modelctx search` in its own process (loads the ONNX model): {search[0]:.2f} s wall, "
          f"{search[1]:.2f} s CPU -> ratio {search[0] / version[0]:.1f}x the baseline (target: under 1 s)")
    print(f"    `modelctx search` answered by a running `modelctx serve`: {served[0]:.2f} s wall, {served[1]:.2f} s "
          f"CPU -> ratio {served[0] / version_2[0]:.1f}x the baseline (measured beside it: {version_2[0]:.2f} s)")


#: Words that turn each bench query into new texts: every timed "new query" is one the model has not seen.
VARIANTS = ("", "in production", "for the churn model", "after the last review", "reported last week")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000


#: Filters of the equality checks: a kind, a project, a project-scoped token's scope.
CHECK_FILTERS = (Filter(kind="run"), Filter(project="p3"), Filter(scope="p2"))


def write_answers(service: SearchService, queries: list[str], path: Path) -> None:
    """The full JSON answers (hits, order, scores, snippets, context) of ``queries``, unfiltered and filtered.

    Two versions of the code run against one kept store and index (``--keep``) must write the same file.
    """
    import json

    answers = []
    for query in queries:
        for options in ({}, {"limit": 25}, {"kind": "run"}, {"project": "p3"}, {"with_context": False}):
            hits = service.search(query, catch_up=False, **options)  # type: ignore[arg-type]
            answers.append(service.answer(query, "hybrid", hits, 0))
    path.write_text(json.dumps(answers, indent=1, sort_keys=True))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    print(f"    full answers of {len(answers)} searches written to {path} (sha256 {digest}…)")


def section_latency(texts: list[str], known: dict[str, np.ndarray], embedder: MiniLMEmbedder, tmp: Path,
                    docs: int, answers: Path | None = None, load: argparse.Namespace | None = None) -> None:
    stored = tmp / f"latency-{docs}.db"
    fresh = not stored.exists()
    store = open_store(f"sqlite:///{stored}")
    start = time.perf_counter()
    if fresh:  # a kept store (``--keep``) is written once
        nodes, edges = make_nodes(texts, docs)
        for at in range(0, len(nodes), 20000):
            batch = nodes[at : at + 20000]
            ids = {n.id for n in batch}
            store.write(batch, [e for e in edges if e.source in ids])
    write_s = time.perf_counter() - start
    service = SearchService(store, tmp / f"latency-{docs}-index", FillEmbedder(embedder, known))  # type: ignore[arg-type]
    start = time.perf_counter()
    service.sync()
    sync_s = time.perf_counter() - start
    start = time.perf_counter()
    held = service.index.read_ahead()  # what a server's catch-up thread does once caught up (search/catchup.py)
    ahead_s = time.perf_counter() - start
    for query in ("warm up", "warm up the index", "warm up again"):
        service.search(query, catch_up=False)
    queries = [f"{q} {v}".strip() for v in VARIANTS for q in QUERIES]
    timings: dict[str, list[float]] = {}
    # The float export run as a query's model (one thread), what queries ran before their int8 copy.
    float_export = onnx_path(embedder.models_dir or models_dir_for())
    float_model = _OnnxEngine(float_export, float_export, embedder.query_threads)

    def timed(name: str, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        """Wall time under ``name``, this process's CPU time under ``name + " cpu"``."""
        wall, cpu = time.perf_counter(), time.process_time()
        fn(*args, **kwargs)
        timings.setdefault(name, []).append(time.perf_counter() - wall)
        timings.setdefault(f"{name} cpu", []).append(time.process_time() - cpu)

    for query in queries:
        # The model's forward pass alone (tokenizer + ONNX Runtime, no cache) on a text the search has not seen,
        # then the full query as the API runs it with that text new to the query cache, then repeated.
        timed("forward", embedder.engine.embed_query, query)
        timed("forward float", float_model.embed_query, query)
        timed("new", service.search, query, limit=10, catch_up=False)
        timed("repeated", service.search, query, limit=10, catch_up=False)
        timed("vector", service.index.vector_search, embedder.embed_query(query), 50, Filter())
        timed("keyword", service.index.keyword_search, query, 10, Filter())
        timed("keyword fts5", service.index.keyword_search, query, 10, Filter(), in_memory=False)
        scoped = Filter(scope="p2")  # every search with a project-scoped token is filtered so
        timed("keyword scoped", service.index.keyword_search, query, 10, scoped)
        timed("keyword scoped fts5", service.index.keyword_search, query, 10, scoped, in_memory=False)
    # The in-memory BM25 (search/keyword_index.py Postings) must give FTS5's lists: same slots, order and scores.
    same = sum(service.index.keyword_search(q, k, Filter()) == service.index.keyword_search(q, k, Filter(),
                                                                                            in_memory=False)
               for q in queries for k in (10, 50))
    same_filtered = sum(service.index.keyword_search(q, k, f) == service.index.keyword_search(q, k, f, in_memory=False)
                        for q in queries for k in (10, 50) for f in CHECK_FILTERS)
    size = service.index.vectors.size
    ann = f"approximate ({ann_kind_for(size)})" if size > service.index.vectors.exact_max_rows else "exact"
    forward, forward_cpu = _percentiles(timings["forward"]), _percentiles(timings["forward cpu"])
    print(f"[3] server query latency, {docs} documents ({ann}; store write {write_s:.0f} s, index sync "
          f"{sync_s:.0f} s, {held} postings of frequent words read ahead in {ahead_s:.1f} s), "
          f"{len(queries)} distinct queries, SearchService.search as GET /search runs it "
          f"(wall; CPU of this process, which other jobs on the box do not inflate):")
    float_wall, float_cpu = _percentiles(timings["forward float"]), _percentiles(timings["forward float cpu"])
    print(f"    baseline, the embedding model's forward pass alone (its int8 copy on ONNX Runtime, 1 thread): "
          f"p50 {forward[0]:.1f} ms, p95 {forward[1]:.1f} ms wall; p50 {forward_cpu[0]:.1f} ms CPU; the float "
          f"model's: p50 {float_wall[0]:.1f} ms wall, {float_cpu[0]:.1f} ms CPU -> int8 "
          f"{float_wall[0] / forward[0]:.2f}x faster")
    for name, label in (("new", "full query, text new to the query cache (embed + hybrid + graph context, 10 hits)"),
                        ("repeated", "full query, text repeated (query vector from the cache)")):
        wall, cpu = _percentiles(timings[name]), _percentiles(timings[f"{name} cpu"])
        print(f"    {label}: p50 {wall[0]:.1f} ms, p95 {wall[1]:.1f} ms wall -> {wall[0] / forward[0]:.2f}x the "
              f"forward pass; p50 {cpu[0]:.1f} ms CPU -> {cpu[0] / forward_cpu[0]:.2f}x (target p50 <= 10 ms)")
    print(f"    parts: vector top-50 p50 {p50(timings['vector']):.2f} ms, "
          f"BM25 top-10 p50 {p50(timings['keyword']):.2f} ms in memory against {p50(timings['keyword fts5']):.2f} ms "
          f"by FTS5's bm25() -> {p50(timings['keyword fts5']) / p50(timings['keyword']):.0f}x; the same top 10 and "
          f"top 50 (slots, order, scores) for {same} of {2 * len(queries)}")
    print(f"    filtered (scope p2): BM25 top-10 p50 {p50(timings['keyword scoped']):.2f} ms in memory against "
          f"{p50(timings['keyword scoped fts5']):.2f} ms by FTS5 -> "
          f"{p50(timings['keyword scoped fts5']) / p50(timings['keyword scoped']):.0f}x; the same top 10 and top 50 "
          f"with a kind, a project or a scope for {same_filtered} of {2 * len(queries) * len(CHECK_FILTERS)}")
    if answers is not None:
        write_answers(service, queries, answers)
    if load is not None and load.concurrency:
        section_concurrency(service, docs, load.concurrency, load.exact_scores, load.load_rounds, load.load_queries,
                            load.load_project)
    service.close()
    store.close()


#: Ways to score the exact search (``vector_index.inner_products``) that ``--concurrency`` compares.
EXACT_SCORES = ("gemv", "gemv-1t", "process-1t", "modelctx")
EXACT_SCORES_HELP = {
    "gemv": "matrix @ query (OpenBLAS sgemv, its threads)",
    "gemv-1t": "matrix @ query, OpenBLAS limited to 1 thread around it (threadpoolctl)",
    "process-1t": "matrix @ query, OpenBLAS at 1 thread for the whole process (as OPENBLAS_NUM_THREADS=1)",
    "modelctx": "vector_index.inner_products as it is (np.einsum: numpy's own loop, no BLAS, this thread only)",
}
LOAD_SECONDS = 30.0


@contextmanager
def exact_scoring(name: str) -> Iterator[None]:
    """Score the exact search the way ``name`` says while inside (``vector_index.inner_products`` swapped)."""
    from threadpoolctl import ThreadpoolController  # scikit-learn's dependency: bench only

    controller = ThreadpoolController()  # after every BLAS in the process is loaded (faiss's too)

    def gemv(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
        return matrix @ query

    def gemv_one_thread(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
        with controller.limit(limits=1, user_api="blas"):
            return matrix @ query

    original = vector_index.inner_products
    scorers: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "gemv": gemv, "gemv-1t": gemv_one_thread, "process-1t": gemv, "modelctx": original}
    vector_index.inner_products = scorers[name]  # type: ignore[assignment]
    limited = controller.limit(limits=1, user_api="blas") if name == "process-1t" else None
    try:
        yield
    finally:
        vector_index.inner_products = original  # type: ignore[assignment]
        if limited is not None:
            limited.restore_original_limits()


def run_load(service: SearchService, queries: list[str], clients: int,
             project: str | None = None) -> tuple[list[float], float, float]:
    """``clients`` threads searching ``queries`` from one queue: (latencies, wall seconds, CPU seconds of the process).

    Bounded by the queries' count and by ``LOAD_SECONDS`` (no client starts a query after it).
    """
    pending = iter(queries)
    lock = threading.Lock()
    latencies: list[float] = []
    stop_at = time.perf_counter() + LOAD_SECONDS

    def client() -> None:
        while time.perf_counter() < stop_at:
            with lock:
                query = next(pending, None)
            if query is None:
                return
            start = time.perf_counter()
            service.search(query, limit=10, catch_up=False, project=project)
            took = time.perf_counter() - start
            with lock:
                latencies.append(took)

    wall, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(clients, thread_name_prefix="bench-client") as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return latencies, time.perf_counter() - wall, time.process_time() - cpu


def section_concurrency(service: SearchService, docs: int, levels: list[int], ways: list[str], rounds: int,
                        per_run: int, project: str | None = None) -> None:
    """Throughput and latency under ``levels`` concurrent clients, for each way of scoring the exact search."""
    serial = iter(range(10**9))

    def fresh(count: int) -> list[str]:  # texts new to the query cache: every timed query embeds
        return [f"{QUERIES[i % len(QUERIES)]} {VARIANTS[(i // len(QUERIES)) % len(VARIANTS)]} x{next(serial)}"
                for i in range(count)]

    for way in ways:  # warm every path once
        with exact_scoring(way):
            run_load(service, fresh(10), max(levels), project)
    results: dict[tuple[str, int], tuple[list[float], list[float], float, int]] = {}
    for round_ in range(rounds):
        for level in levels:
            order = ways if round_ % 2 == 0 else ways[::-1]  # alternating: drift falls on every way alike
            for way in order:
                with exact_scoring(way):
                    latencies, wall, cpu = run_load(service, fresh(per_run), level, project)
                pooled, throughputs, cpu_total, count = results.get((way, level), ([], [], 0.0, 0))
                results[(way, level)] = (pooled + latencies, throughputs + [len(latencies) / wall],
                                         cpu_total + cpu, count + len(latencies))
    size = service.index.vectors.size
    path = f"approximate ({ann_kind_for(size)})" if size > service.index.vectors.exact_max_rows else "exact"
    kept = "" if project is None else (
        f", every query in project {project} ({int(service.index.vectors.mask(Filter(project=project)).sum())} rows)")
    print(f"[3b] under load, {docs} documents ({path} document vectors; {service.index.passages.size} passage "
          f"vectors{kept}), {rounds} alternating rounds of {per_run} distinct new queries per way and level; "
          f"client threads on one warm SearchService as `modelctx serve` runs GET /search; throughput is the "
          f"median of the rounds, latency pooled, CPU of this process per query:")
    for way in ways:
        print(f"    {way}: {EXACT_SCORES_HELP[way]}")
    base_way = ways[0]
    for level in levels:
        for way in ways:
            latencies, throughputs, cpu_total, count = results[(way, level)]
            qps = statistics.median(throughputs)
            lat = _percentiles(latencies)
            cpu_ms = cpu_total / max(count, 1) * 1000
            base_lat, base_qps, base_cpu, base_count = results[(base_way, level)]
            base = statistics.median(base_qps)
            base_p50 = _percentiles(base_lat)[0]
            single = statistics.median(results[(way, levels[0])][1])
            print(f"    {level} client(s), {way:<10} {qps:6.1f} q/s ({qps / single:.2f}x at {levels[0]}), "
                  f"p50 {lat[0]:5.1f} ms, p95 {lat[1]:5.1f} ms, CPU {cpu_ms:5.1f} ms/query; "
                  f"against {base_way}: throughput {qps / base:.2f}x, p50 {lat[0] / base_p50:.2f}x, "
                  f"CPU {cpu_ms / (base_cpu / max(base_count, 1) * 1000):.2f}x")


def section_vector_only(embedder: MiniLMEmbedder, n: int, ann_kind: str) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, embedder.dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(embedder.dim, ann_kind=ann_kind)
    index.set_rows(range(n), vectors, ["run"] * n, [None] * n, [None] * n)
    queries = [embedder.embed_query(q) for q in QUERIES]
    exact = []
    for q in queries:
        start = time.perf_counter()
        top_k(vector_index.inner_products(vectors, q), 10)  # as the exact search scores
        exact.append(time.perf_counter() - start)
    start = time.perf_counter()
    index.rebuild_ann()
    build_s = time.perf_counter() - start
    approx = []
    for q in queries * 3:
        start = time.perf_counter()
        index.search(q, 50, Filter())
        approx.append(time.perf_counter() - start)
    embed = []
    for query in QUERIES:
        start = time.perf_counter()
        embedder.embed_query(query)
        embed.append(time.perf_counter() - start)
    kind = ann_kind_for(n, ann_kind)
    print(f"[4] {n} random unit vectors: exact numpy p50 {p50(exact):.1f} ms; {kind} (build {build_s:.0f} s) "
          f"p50 {p50(approx):.2f} ms -> {p50(exact) / p50(approx):.0f}x; + query embed p50 {p50(embed):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=int, default=3000, help="Real texts to embed (throughput, recall).")
    parser.add_argument("--docs", type=int, nargs="*", default=[20000], help="Store sizes for query latency.")
    parser.add_argument("--vector-only", type=int, nargs="*", default=[], help="Sizes for vector-only latency.")
    parser.add_argument("--ann", default="auto", choices=["auto", "hnsw", "ivf"])
    parser.add_argument("--skip-recall", action="store_true", help="Skip section 2.")
    parser.add_argument("--cli-runs", type=int, default=3, help="Rounds of CLI searches (0 skips section 0).")
    parser.add_argument("--only-latency", action="store_true", help="Sections 0 and 3 only.")
    parser.add_argument("--keep", type=Path, help="Keep section 3's store and index in this folder (reused when "
                        "there): two versions of the code then search the same approximate index.")
    parser.add_argument("--answers", type=Path, help="Write section 3's full answers to this file (to compare "
                        "two versions of the code on one --keep folder; with several --docs, the last size's).")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[], help="Client threads for section 3b "
                        "(e.g. 1 2 4; the first is the baseline); none skips it.")
    parser.add_argument("--exact-scores", nargs="+", default=list(EXACT_SCORES), choices=EXACT_SCORES,
                        help="Ways of scoring the exact search compared in 3b; the first is the baseline.")
    parser.add_argument("--load-rounds", type=int, default=3, help="Alternating rounds of section 3b.")
    parser.add_argument("--load-queries", type=int, default=100, help="Queries per way, level and round in 3b.")
    parser.add_argument("--load-project", help="Search 3b's queries in this project (bench projects p0..p6, each "
                        "1/7 of the documents): at 100k documents a filter this narrow is searched exactly.")
    args = parser.parse_args()
    if any(n < 1 or n > 16 for n in args.concurrency) or not 1 <= args.load_rounds <= 20 \
            or not 1 <= args.load_queries <= 2000:
        parser.error("--concurrency takes 1..16 clients, --load-rounds 1..20, --load-queries 1..2000")
    embedder = MiniLMEmbedder(runtime="onnx")
    embedder.embed(["warm up"])
    texts = harvest_texts(args.real)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.cli_runs:
            section_cli(tmp, args.cli_runs)
        if args.only_latency:
            known = {}  # latency only: every document vector is a fill vector
        else:
            known = section_throughput(texts, embedder, tmp)
        if not args.skip_recall and not args.only_latency:
            section_recall(np.stack(list(known.values())), embedder)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        for docs in args.docs:
            section_latency(texts, known, embedder, args.keep or tmp, docs, args.answers, args)
        for n in args.vector_only:
            section_vector_only(embedder, n, args.ann)


if __name__ == "__main__":
    main()
