"""Neo4j against SQLite: bulk ingest and lineage closures on the same provenance graph.

Uses the graph shape of ``bench/store_bench.py`` (datasets refined through five
ETL stages, features, runs, model versions, deployments, monitoring reports;
about nine hops from a deployment to a raw dataset). For each size it ingests
the graph into a fresh SQLite file and into the Neo4j server (emptied first),
in the same batches through ``GraphStore.write``, then times:

- upstream closure of a deployment      (reachable up)
- downstream closure of a raw dataset   (reachable down)

on SQLite (the baseline, measured in the same run) and on Neo4j with both
traversal engines (``varlength``, the default: one bounded variable-length
pattern that Neo4j runs as a pruning breadth-first expand; ``bfs``: one query
per level). Ratios are Neo4j / SQLite: for ingest a throughput
ratio (above 1 = Neo4j faster), for queries a latency ratio (below 1 = Neo4j
faster). Targets: Neo4j ingest >= 30k records/s (issue 18; 20k in issue 3);
upstream closure within 5x of SQLite (issue 3).

Last measured (docs/guide/neo4j.md has the table): adjacent runs of
``--edges 100000 1000000`` on the shared 2-core machine, before and after edges
found their endpoints by element id (one id-index seek per distinct endpoint per
batch) and stopped storing ``props`` on edges without properties. Busy (load
7-8): 10.5k -> 14.3k records/s at 98k edges, 9.1k -> 10.8k at 976k. Quiet (load
< 3): 18.6k -> 36.8k at 98k, 28.7k -> 27.1k at 976k (no change beyond noise).
The machine's load moves these figures two to three times; compare the ratios.
Then 10k rows per UNWIND statement instead of 5k, one run of ``--edges 1000000``
after the other at load 3-5: 21.2k records/s (0.29 of SQLite) before, 16.9k
(0.34) after; adjacent Neo4j-only ingests favour 10k rows (27.5k/26.4k,
21.3k/19.7k, 18.7k/15.6k). Pipelining statements was measured not faster and
reverted. 30k was not reached on this shared machine.
Then one ``Node(id)`` uniqueness constraint for every kind and the stored-edge
lookup written from the target (``neo4j_cypher.CREATE_MISSING_EDGES``), this
command before/after/after/before at load 4-10: 15.9k, 16.3k, 22.4k, 15.6k
records/s at 976k edges; the server's CPU per ingest fell 7-13 % (guide).
Then the development server's heap committed at its maximum with 8 MB G1 regions
(``scripts/neo4j-up.sh``): the server's collector pauses during a 976k-edge ingest
fell from 7.5 s in 198 collections to 1.3-3.5 s in 34-59 (JFR). On that server this
command, main and a branch alternated 8 times at load 2.5-5.4: 34.1k, 26.3k, 33.7k,
31.0k records/s (main). The branch cached element ids from earlier writes (checked
once per batch against the node ids, instead of the id-index lookup): 24.4k, 33.9k,
30.1k, 32.8k; no gain here, though Neo4j-only ingests had favoured it (35.7k/29.8k),
so it was not kept. Checking the cached ids in the edge statement, per row, cost
what the lookup saved.

The Neo4j database is emptied before each size: point it at a scratch server.

    make neo4j-up
    .venv/bin/python bench/store_bench_neo4j.py --edges 10000 100000 1000000 \\
        --neo4j bolt://neo4j:modelctx-dev@127.0.0.1:7687
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.store_bench import batches, generate_graph, percentile, time_each  # noqa: E402
from modelctx.graph.store import GraphStore  # noqa: E402

DEFAULT_URI = "bolt://neo4j:modelctx-dev@127.0.0.1:7687"


def ingest(store: GraphStore, graph: Any, batch_size: int) -> float:
    t0 = time.perf_counter()
    for nodes, edges in batches(graph, batch_size):
        store.write(nodes, edges, actor="bench")
    return time.perf_counter() - t0


def timed(name: str, fn: Callable[[str], Any], starts: list[str]) -> tuple[list[float], set[str]]:
    fn(starts[0])  # warm caches and query plans once, untimed
    times, last = time_each(fn, starts)
    return times, set(last)


def bench_size(target_edges: int, queries: int, batch_size: int, neo4j_uri: str, folder: Path) -> dict[str, Any]:
    from modelctx.graph.backends.neo4j import Neo4jGraphStore
    from modelctx.graph.backends.sqlite import SqliteGraphStore

    graph = generate_graph(target_edges)
    records = len(graph.nodes) + len(graph.edges)
    sqlite = SqliteGraphStore(folder / f"bench-{target_edges}.db")
    neo = Neo4jGraphStore.from_uri(neo4j_uri)
    bfs_store = Neo4jGraphStore.from_uri(neo4j_uri + ("&" if "?" in neo4j_uri else "?") + "traversal=bfs")
    try:
        neo.delete_all()
        sqlite_s = ingest(sqlite, graph, batch_size)
        neo_s = ingest(neo, graph, batch_size)
        if sqlite.counts() != neo.counts():
            raise SystemExit(f"counts differ after ingest: {sqlite.counts()} vs {neo.counts()}")
        result: dict[str, Any] = {
            "edges": len(graph.edges), "nodes": len(graph.nodes), "records": records,
            "sqlite_rps": records / sqlite_s, "neo4j_rps": records / neo_s, "queries": {},
        }
        rng = random.Random(1)
        specs = [
            ("upstream closure of a deployment", rng.choices(graph.deployments, k=queries), "up"),
            ("downstream closure of a raw dataset", rng.choices(graph.raw_versions, k=queries), "down"),
        ]
        for name, starts, direction in specs:
            t_sq, sq = timed(name, lambda s, d=direction: sqlite.reachable([s], d), starts)
            t_var, var = timed(name, lambda s, d=direction: neo.reachable([s], d), starts)
            few = starts[: max(3, queries // 5)]
            t_bfs, bfs = timed(name, lambda s, d=direction: bfs_store.reachable([s], d), few)
            if var != sq or bfs != set(sqlite.reachable([few[-1]], direction)):
                raise SystemExit(f"{name}: Neo4j and SQLite disagree ({len(var)} vs {len(sq)} nodes)")
            result["queries"][name] = {
                "reached": len(sq),
                "sqlite_p50": 1000 * statistics.median(t_sq), "sqlite_p95": 1000 * percentile(t_sq, 0.95),
                "bfs_p50": 1000 * statistics.median(t_bfs), "bfs_p95": 1000 * percentile(t_bfs, 0.95),
                "var_p50": 1000 * statistics.median(t_var), "var_p95": 1000 * percentile(t_var, 0.95),
            }
        return result
    finally:
        sqlite.close()
        neo.close()
        bfs_store.close()


def print_results(results: list[dict[str, Any]]) -> None:
    print()
    print(f"{'edges':>9} {'records':>9} {'sqlite rec/s':>13} {'neo4j rec/s':>12} {'neo4j/sqlite':>13}")
    for r in results:
        print(f"{r['edges']:>9} {r['records']:>9} {r['sqlite_rps']:>13,.0f} {r['neo4j_rps']:>12,.0f} "
              f"{r['neo4j_rps'] / r['sqlite_rps']:>13.2f}")
    print()
    print(f"{'edges':>9}  {'query':<36} {'reached':>7} {'sqlite p50/p95 ms':>18} {'neo4j p50/p95 ms':>18} "
          f"{'ratio':>6} {'neo4j bfs p50/p95':>18} {'ratio':>6}")
    for r in results:
        for name, q in r["queries"].items():
            print(f"{r['edges']:>9}  {name:<36} {q['reached']:>7} "
                  f"{q['sqlite_p50']:>8.2f}/{q['sqlite_p95']:<9.2f} {q['var_p50']:>8.2f}/{q['var_p95']:<9.2f} "
                  f"{q['var_p50'] / q['sqlite_p50']:>6.1f} {q['bfs_p50']:>8.2f}/{q['bfs_p95']:<9.2f} "
                  f"{q['bfs_p50'] / q['sqlite_p50']:>6.1f}")
    print("\ningest ratio = Neo4j records/s / SQLite records/s (above 1: Neo4j faster);")
    print("query ratio = Neo4j p50 / SQLite p50 (below 1: Neo4j faster); neo4j = default engine (varlength).")
    print("Same graph, same process, loopback Bolt.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=30, help="timed queries per kind and engine")
    parser.add_argument("--batch-size", type=int, default=10_000, help="records per write batch")
    parser.add_argument("--neo4j", default=os.environ.get("MODELCTX_TEST_NEO4J_URI", DEFAULT_URI),
                        help="Neo4j URI; its database is EMPTIED (default: $MODELCTX_TEST_NEO4J_URI or %(default)s)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="modelctx-bench-") as tmp:
        for size in args.edges:
            print(f"building and ingesting a graph of ~{size:,} edges into SQLite and Neo4j ...", flush=True)
            results.append(bench_size(size, args.queries, args.batch_size, args.neo4j, Path(tmp)))
    print_results(results)


if __name__ == "__main__":
    main()
