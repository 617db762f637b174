"""Store benchmark: bulk ingest and lineage closures on provenance-shaped graphs.

For each size it builds one graph shaped like real ML provenance — raw dataset
versions refined through five ETL stages, features derived from the last
stage, runs that use features, a commit and an environment, model versions,
deployments and monitoring reports (about nine hops from a deployment to a
raw dataset) — ingests it into a fresh SQLite store (in batches, inside
``GraphStore.bulk()`` as the ingest runner does), copies that store into
another (``modelctx copy``, the bulk path), then times three queries against
networkx on the same graph in the same process, after checking that every
answer equals networkx's:

- upstream closure of a deployment        (store.reachable up   vs nx.descendants)
- downstream closure of a raw dataset     (store.reachable down vs nx.ancestors)
- source datasets of a deployment         (reachable up, kinds=dataset vs descendants + kind filter)

Ratios below 1.0 mean SQLite (on disk) is faster than networkx (in memory).
``rows`` walks the same store from SQLite rows only, as a one-question CLI run
does; the default engine moves to memory once walks pay for it
(``graph/backends/sqlite_cache.py``).

    .venv/bin/python bench/store_bench.py --edges 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.ids import node_id  # noqa: E402
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind  # noqa: E402
from modelctx.graph.store import GraphStore  # noqa: E402

K = NodeKind
E = EdgeType
STAGES = 5


@dataclass
class ProvenanceGraph:
    nodes: list[Node]
    edges: list[Edge]
    deployments: list[str]
    raw_versions: list[str]


def generate_graph(target_edges: int, seed: int = 7) -> ProvenanceGraph:
    """A provenance-shaped graph with about ``target_edges`` edges (deterministic for a seed)."""
    rng = random.Random(seed)
    per_stage = max(20, int(target_edges * 0.008))
    datasets_per_stage = max(4, per_stage // 20)
    features = max(20, int(target_edges * 0.02))
    runs = max(10, int(target_edges * 0.024))
    nodes: list[Node] = []
    edges: list[Edge] = []

    def add(kind: NodeKind, *key: str, **props: Any) -> str:
        nid = node_id(kind, *key)
        nodes.append(Node(nid, kind, {"name": "/".join(key), **props}))
        return nid

    stages: list[list[str]] = []
    for stage in range(STAGES):
        datasets = [add(K.DATASET, f"s{stage}-d{i}") for i in range(datasets_per_stage)]
        versions = []
        for i in range(per_stage):
            dv = add(K.DATASET_VERSION, f"s{stage}-d{i % datasets_per_stage}", f"v{i}", rows=1000 + i)
            versions.append(dv)
            edges.append(Edge(dv, datasets[i % datasets_per_stage], E.VERSION_OF))
            if stage:
                for parent in rng.sample(stages[-1], 2):
                    edges.append(Edge(dv, parent, E.DERIVED_FROM))
        stages.append(versions)
    feature_ids = []
    for i in range(features):
        f = add(K.FEATURE, f"g{i % 50}", f"f{i}", dtype="float")
        feature_ids.append(f)
        for parent in rng.sample(stages[-1], 2):
            edges.append(Edge(f, parent, E.DERIVED_FROM, {"columns": ["x"]}))
    commits = [add(K.COMMIT, f"{i:040x}", message=f"change {i}") for i in range(max(5, runs // 20))]
    envs = [add(K.ENVIRONMENT, f"{i:064x}", python="3.11") for i in range(max(2, runs // 200))]
    models = [add(K.MODEL, f"m{i}") for i in range(max(2, runs // 10))]
    deployments: list[str] = []
    for i in range(runs):
        run = add(K.RUN, "bench", f"r{i}", status="FINISHED")
        for f in rng.sample(feature_ids, min(30, len(feature_ids))):
            edges.append(Edge(run, f, E.USED, {"role": "feature"}))
        edges.append(Edge(run, rng.choice(commits), E.USED, {"role": "code"}))
        edges.append(Edge(run, rng.choice(envs), E.USED, {"role": "environment"}))
        model = models[i % len(models)]
        mv = add(K.MODEL_VERSION, model.split(":", 1)[1], str(i))
        edges.append(Edge(mv, run, E.GENERATED_BY))
        edges.append(Edge(mv, model, E.VERSION_OF))
        if i % 3 == 0:
            dep = add(K.DEPLOYMENT, f"dep{i}", environment="prod", status="active")
            deployments.append(dep)
            edges.append(Edge(dep, mv, E.DEPLOYS))
            report = add(K.MONITORING_REPORT, f"rep{i}", severity="ok")
            edges.append(Edge(report, dep, E.MONITORS))
    return ProvenanceGraph(nodes, edges, deployments, stages[0])


def batches(graph: ProvenanceGraph, size: int) -> Iterator[tuple[list[Node], list[Edge]]]:
    """Nodes first, then edges, in batches of ``size`` records."""
    for start in range(0, len(graph.nodes), size):
        yield graph.nodes[start : start + size], []
    for start in range(0, len(graph.edges), size):
        yield [], graph.edges[start : start + size]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_each(fn: Callable[[str], Any], starts: list[str]) -> tuple[list[float], Any]:
    times = []
    last = None
    for start in starts:
        t0 = time.perf_counter()
        last = fn(start)
        times.append(time.perf_counter() - t0)
    return times, last


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_size(target_edges: int, queries: int, batch_size: int, folder: Path) -> dict[str, Any]:
    import networkx as nx

    from modelctx.graph.backends.sqlite import SqliteGraphStore
    from modelctx.graph.backends.sqlite_cache import AdjacencyCache, Snapshot
    from modelctx.graph.copy import copy_graph

    graph = generate_graph(target_edges)
    records = len(graph.nodes) + len(graph.edges)
    path = folder / f"bench-{target_edges}.db"
    store = SqliteGraphStore(path)
    gc.collect()
    rss_before = peak_rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    with store.bulk():  # as the ingest runner imports (modelctx/ingest/runner.py); its end folds what it deferred
        for nodes, edges in batches(graph, batch_size):
            store.write(nodes, edges, actor="bench")
    ingest_s, ingest_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_after = peak_rss_mb()
    size_mb = sum(p.stat().st_size for p in folder.glob(f"bench-{target_edges}.db*")) / 1e6
    # The bulk path: `modelctx copy` of the whole store (its log replayed and checked) into a new one.
    target = SqliteGraphStore(folder / f"copy-{target_edges}.db")
    t0, c0 = time.perf_counter(), time.process_time()
    copied = copy_graph(store, target)
    copy_s, copy_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    target.close()
    if copied.nodes + copied.edges != records:
        raise SystemExit(f"the copy holds {copied.nodes + copied.edges} records, not {records}")

    rng = random.Random(1)
    dep_starts = rng.choices(graph.deployments, k=queries)
    raw_starts = rng.choices(graph.raw_versions, k=queries)

    kinds = {n.id: n.kind for n in graph.nodes}
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    nx_build_s = time.perf_counter() - t0
    cte = SqliteGraphStore(path, traversal="cte")
    # The same store walked from SQLite rows only (what a one-question CLI run does, never loading the arrays).
    rows = SqliteGraphStore(path)
    rows._adjacency = AdjacencyCache(limit=0)
    t0 = time.perf_counter()
    with rows._reading() as conn:
        Snapshot.load(conn)
    load_s = time.perf_counter() - t0

    results: dict[str, Any] = {
        "edges": len(graph.edges), "nodes": len(graph.nodes), "records": records,
        "ingest_s": ingest_s, "records_per_s": records / ingest_s, "disk_mb": size_mb,
        "copy_s": copy_s, "copy_records_per_s": records / copy_s,
        "ingest_records_per_cpu_s": records / ingest_cpu_s, "copy_records_per_cpu_s": records / copy_cpu_s,
        "peak_rss_mb": rss_after, "rss_before_mb": rss_before, "nx_build_s": nx_build_s, "queries": {},
    }
    results["snapshot_load_s"] = load_s
    Spec = tuple[str, list[str], Callable[[GraphStore, str], Any], Callable[[str], Any]]
    query_specs: list[Spec] = [
        ("upstream closure of a deployment", dep_starts,
         lambda st, s: st.reachable([s], "up"),
         lambda s: nx.descendants(g, s)),
        ("downstream closure of a raw dataset", raw_starts,
         lambda st, s: st.reachable([s], "down"),
         lambda s: nx.ancestors(g, s)),
        ("source datasets of a deployment", dep_starts,
         lambda st, s: st.reachable([s], "up", kinds=[K.DATASET]),
         lambda s: {n for n in nx.descendants(g, s) if kinds[n] is K.DATASET}),
    ]
    for name, starts, ours, theirs in query_specs:
        # Every start's answer first, checked against networkx's (this also warms both for the timed loop).
        for start in dict.fromkeys(starts):
            for engine, st in (("sqlite", store), ("rows", rows), ("cte", cte)):
                got = set(ours(st, start)) if engine != "cte" or start == starts[0] else None
                if got is not None and got != set(theirs(start)):
                    raise SystemExit(f"{name} from {start}: {engine} and networkx disagree")
        t_nx, nx_last = time_each(theirs, starts)
        t_sq, sq_last = time_each(partial(ours, store), starts)
        t_rows, _ = time_each(partial(ours, rows), starts)
        t_cte, _ = time_each(partial(ours, cte), starts[: max(3, queries // 5)])
        results["queries"][name] = {
            "reached": len(sq_last),
            "sqlite_p50_ms": 1000 * statistics.median(t_sq), "sqlite_p95_ms": 1000 * percentile(t_sq, 0.95),
            "nx_p50_ms": 1000 * statistics.median(t_nx), "nx_p95_ms": 1000 * percentile(t_nx, 0.95),
            "cte_p50_ms": 1000 * statistics.median(t_cte),
            "ratio_p50": statistics.median(t_sq) / statistics.median(t_nx),
            "rows_ratio_p50": statistics.median(t_rows) / statistics.median(t_nx),
            "cte_ratio_p50": statistics.median(t_cte) / statistics.median(t_nx),
        }
    # The full subgraph (nodes with properties and edges) is what `lineage` prints; time it too.
    t_sub, sub = time_each(lambda s: store.traverse([s], "up"), dep_starts[: max(3, queries // 5)])
    results["subgraph_p50_ms"] = 1000 * statistics.median(t_sub)
    results["subgraph_nodes"] = len(sub.nodes)
    store.close()
    cte.close()
    rows.close()
    return results


def print_results(all_results: list[dict[str, Any]]) -> None:
    print()
    print(f"{'edges':>9} {'nodes':>8} {'ingest rec/s (cpu)':>19} {'copy rec/s (cpu)':>17} {'disk MB':>8} "
          f"{'peak RSS MB':>12}")
    for r in all_results:
        ingest = f"{r['records_per_s']:,.0f} ({r['ingest_records_per_cpu_s']:,.0f})"
        copy = f"{r['copy_records_per_s']:,.0f} ({r['copy_records_per_cpu_s']:,.0f})"
        print(f"{r['edges']:>9} {r['nodes']:>8} {ingest:>19} {copy:>17} {r['disk_mb']:>8.1f} "
              f"{r['peak_rss_mb']:>12.0f}")
    print()
    print(f"{'edges':>9}  {'query':<38} {'reached':>7} {'sqlite p50/p95 ms':>18} {'networkx p50/p95 ms':>20}"
          f" {'ratio':>6} {'rows ratio':>10} {'cte ratio':>9}")
    for r in all_results:
        for name, q in r["queries"].items():
            print(f"{r['edges']:>9}  {name:<38} {q['reached']:>7} "
                  f"{q['sqlite_p50_ms']:>8.2f}/{q['sqlite_p95_ms']:<8.2f} "
                  f"{q['nx_p50_ms']:>9.2f}/{q['nx_p95_ms']:<9.2f} {q['ratio_p50']:>6.2f} "
                  f"{q['rows_ratio_p50']:>10.2f} {q['cte_ratio_p50']:>9.2f}")
        print(f"{r['edges']:>9}  {'upstream subgraph with properties':<38} {r['subgraph_nodes']:>7} "
              f"{r['subgraph_p50_ms']:>8.2f}")
        print(f"{r['edges']:>9}  {'loading the adjacency into memory':<38} {'':>7} {1000 * r['snapshot_load_s']:>8.2f}")
    print("\ningest = GraphStore.write in batches of --batch-size records inside GraphStore.bulk() (as the ingest"
          "\nrunner writes); copy = `modelctx copy` of that store into a new SQLite store (graph/copy.py: its change"
          "\nlog replayed, hash-checked and appended verbatim);"
          "\n(cpu) = records per second of this process's CPU time, what a busy shared machine changes least.")
    print("ratio = SQLite p50 / networkx p50 (same graph, same process; every answer checked equal first);"
          "\nrows = walked from SQLite rows only (never loading the arrays); cte = recursive-CTE engine.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=50, help="timed queries per kind")
    parser.add_argument("--batch-size", type=int, default=10_000, help="records per write batch")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="modelctx-bench-") as tmp:
        for size in args.edges:
            print(f"building and ingesting a graph of ~{size:,} edges ...", flush=True)
            results.append(bench_size(size, args.queries, args.batch_size, Path(tmp)))
    print_results(results)


if __name__ == "__main__":
    main()
