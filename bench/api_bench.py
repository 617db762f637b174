"""API benchmark: what the HTTP layer adds to lineage (and search, when its route exists).

One provenance-shaped SQLite graph (the generator of bench/store_bench.py) is
served by ``modelctx.api`` under uvicorn in a separate process on loopback. In
the same run the package functions are timed directly in this process:

- baseline   ``lineage(store, mv, "up", depth=2)`` / ``store.get_node`` / ``SearchService.search`` called directly
- http x1    the same question as ``GET /api/v1/...`` from one client, one request at a time
- http x20   20 client threads, each sending its requests one after another (a bounded, closed-loop load)

The HTTP layer's cost is ``http x1 p50 - baseline p50`` (target: under 3 ms);
the x20 rows show latency under concurrent load (2 cores, GIL in both processes).

    .venv/bin/python bench/api_bench.py                 # ~20k edges, 20 clients x 50 requests
    .venv/bin/python bench/api_bench.py --edges 100000 --requests 100
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from store_bench import batches, generate_graph  # noqa: E402

from modelctx.client import Client  # noqa: E402
from modelctx.config import Settings  # noqa: E402
from modelctx.graph.lineage import lineage  # noqa: E402
from modelctx.graph.model import NodeKind  # noqa: E402

SERVER = """
import sys, uvicorn
from modelctx.api.app import create_app
from modelctx.client import Client
from modelctx.config import Settings
client = Client.open(sys.argv[1], actor="bench", settings=Settings(home=sys.argv[3]))
uvicorn.run(create_app(client), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def time_direct(fn: Callable[[str], Any], args: list[str]) -> list[float]:
    times = []
    for arg in args:
        t0 = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t0)
    return times


def time_http(base: str, paths: list[str], clients: int, per_client: int) -> tuple[list[float], float]:
    """Latencies of ``clients`` threads each sending ``per_client`` GETs in turn; and the wall time."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    failures: list[str] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        with httpx.Client(base_url=base, timeout=60) as http:
            http.get(paths[0])  # connect before the clock starts
            barrier.wait()
            for _ in range(per_client):
                path = rng.choice(paths)
                t0 = time.perf_counter()
                response = http.get(path)
                mine.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code} {response.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if failures:
        raise SystemExit(f"HTTP errors during the bench: {failures[:3]}")
    return latencies, wall


def interleaved(
    direct: Callable[[str], Any], base: str, paths: list[str], args: list[str], rounds: int = 30, per_round: int = 20
) -> tuple[list[float], list[float]]:
    """Direct-call and one-client HTTP latencies for the same questions, measured in alternating rounds."""
    import httpx

    direct_times: list[float] = []
    http_times: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as http:
        http.get(paths[0])
        for r in range(rounds):
            chunk = range(r * per_round, (r + 1) * per_round)
            direct_times += time_direct(direct, [args[i % len(args)] for i in chunk])
            for i in chunk:
                t0 = time.perf_counter()
                response = http.get(paths[i % len(paths)])
                http_times.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise SystemExit(f"{paths[i % len(paths)]}: {response.status_code} {response.text[:200]}")
    return direct_times, http_times


def row(name: str, times: list[float], baseline_p50: float | None, wall: float | None = None) -> str:
    p50, p95 = percentile(times, 0.5) * 1e3, percentile(times, 0.95) * 1e3
    extra = f"  +{p50 - baseline_p50:6.2f} ms  x{p50 / baseline_p50:5.2f}" if baseline_p50 else " " * 24
    rate = f"  {len(times) / wall:7.0f} req/s" if wall else ""
    return f"  {name:<34} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms{extra}{rate}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, default=20_000, help="Graph size (edges)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="Requests per client")
    parser.add_argument("--depth", type=int, default=2, help="Lineage depth asked for")
    parser.add_argument("--search", action="store_true", help="Also bench search (loads the embedding model)")
    parser.add_argument("--browser", type=int, default=0, metavar="N",  # needs /usr/bin/chromium
                        help="Also time the explorer drawing an N-node lineage in Chromium (e.g. 1000)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="modelctx-api-bench-"))
    uri = f"sqlite:///{folder / 'bench.db'}"
    settings = Settings(home=folder / "home")
    client = Client.open(uri, actor="bench", settings=settings)
    graph = generate_graph(args.edges)
    t0 = time.perf_counter()
    for nodes, edges in batches(graph, 5000):
        client.store.write(nodes, edges, actor="bench")
    print(f"graph: {len(graph.nodes)} nodes, {len(graph.edges)} edges, written in {time.perf_counter() - t0:.1f} s")

    versions = [n.id for n in graph.nodes if n.kind is NodeKind.MODEL_VERSION]
    rng = random.Random(3)
    sample = [rng.choice(versions) for _ in range(300)]
    sizes = [len(lineage(client.store, v, "up", depth=args.depth).nodes) for v in sample[:50]]
    print(f"lineage up depth {args.depth} of a model version: {statistics.mean(sizes):.0f} nodes on average")

    def direct_lineage(node: str) -> None:
        json.dumps(lineage(client.store, node, "up", depth=args.depth).to_json())

    def direct_node(node: str) -> None:
        json.dumps(client.store.get_node(node).to_json())  # type: ignore[attr-defined]

    direct_lineage(sample[0])

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-c", SERVER, uri, str(port), str(settings.home)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/api/v1/nodes?limit=1", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the API server did not start") from None
                time.sleep(0.2)
        lineage_paths = [f"/api/v1/lineage/{v}?direction=up&depth={args.depth}" for v in sample]
        node_paths = [f"/api/v1/nodes/{v}" for v in sample]
        # Baseline and one-client HTTP alternate in short rounds so that both see the same machine load.
        base_lineage, one_lineage = interleaved(direct_lineage, base, lineage_paths, sample)
        base_node, one_node = interleaved(direct_node, base, node_paths, sample)
        many_lineage, wall_lineage = time_http(base, lineage_paths, args.clients, args.requests)
        many_node, wall_node = time_http(base, node_paths, args.clients, args.requests)
        search_rows: list[str] = []
        if args.search:
            search_rows = bench_search(client, base, args)
        if args.browser:
            search_rows += bench_browser(client, base, args.browser)
    finally:
        server.terminate()
        server.wait(timeout=30)
        client.close()

    b_lin, b_node = percentile(base_lineage, 0.5) * 1e3, percentile(base_node, 0.5) * 1e3
    print(f"\nlatency (ms); '+' is the HTTP layer's cost over the direct call at p50, 'x' the ratio; "
          f"{args.clients} clients x {args.requests} requests")
    print(f"lineage (GET /api/v1/lineage/{{id}}?direction=up&depth={args.depth})")
    print(row("baseline: lineage() in-process", base_lineage, None))
    print(row("http, 1 client", one_lineage, b_lin))
    print(row(f"http, {args.clients} concurrent clients", many_lineage, b_lin, wall_lineage))
    print("node (GET /api/v1/nodes/{id})")
    print(row("baseline: store.get_node() in-process", base_node, None))
    print(row("http, 1 client", one_node, b_node))
    print(row(f"http, {args.clients} concurrent clients", many_node, b_node, wall_node))
    for line in search_rows:
        print(line)
    overhead = percentile(one_lineage, 0.5) * 1e3 - b_lin
    print(f"\nHTTP layer at p50 (lineage, 1 client): {overhead:.2f} ms  (target < 3 ms: "
          f"{'met' if overhead < 3 else 'NOT met'})")


def bench_search(client: Client, base: str, args: argparse.Namespace) -> list[str]:
    """Search through the package and over HTTP; skipped when the server has no search route."""
    import httpx

    if "/api/v1/search" not in httpx.get(base + "/openapi.json").json()["paths"]:
        return ["search: the server has no /api/v1/search route in this build; skipped"]
    from modelctx.search.service import open_search

    queries = ["model trained on stage 4 data", "feature f12", "deployment in prod", "dataset version rows",
               "change 3", "monitoring report severity"]
    httpx.get(base + "/api/v1/search", params={"q": "warm up"}, timeout=300)
    # The server indexes in the background (modelctx/search/catchup.py): time queries on a current index.
    deadline = time.monotonic() + 600
    while httpx.get(base + "/api/v1/search", params={"q": ""}, timeout=60).json().get("pending_changes", 0):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    with open_search(client) as service:
        service.search("warm up")
        base_times = time_direct(lambda q: json.dumps([h.to_json() for h in service.search(q)]), queries * 20)
    paths = [f"/api/v1/search?q={q.replace(' ', '+')}" for q in queries]
    one, _ = time_http(base, paths, 1, 120)
    many, wall = time_http(base, paths, args.clients, max(5, args.requests // 2))
    b = percentile(base_times, 0.5) * 1e3
    return [
        "search (GET /api/v1/search?q=...)",
        row("baseline: SearchService.search()", base_times, None),
        row("http, 1 client", one, b),
        row(f"http, {args.clients} concurrent clients", many, b, wall),
    ]


def bench_browser(client: Client, base: str, n: int) -> list[str]:
    """Open an n-node lineage in the explorer; its layered layout against dagre and breadthfirst on the same graph."""
    from playwright.sync_api import sync_playwright

    from tests.api.bigworld import build_wide_lineage

    root = build_wide_lineage(client.store, n)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        page.goto(f"{base}/")
        page.select_option("#depth", "")  # all
        t0 = time.perf_counter()
        page.evaluate("(id) => window.modelctx.openExplorer(id)", root)
        page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=120_000)
        opened = (time.perf_counter() - t0) * 1e3
        count = page.evaluate("() => window.cy.nodes().length")
        steps = page.evaluate("() => window.modelctx.state.timings")
        layered = steps["layout"]
        timings = page.evaluate("""() => {
            const time = (options) => {
              const t0 = performance.now(); cy.layout(options).run(); return performance.now() - t0; };
            return {
              breadthfirst: time({name: 'breadthfirst', directed: true, animate: false}),
              dagre: time({name: 'dagre', rankDir: 'RL', nodeSep: 40, rankSep: 120, animate: false}),
            }; }""")
        browser.close()
    bf, dagre = timings["breadthfirst"], timings["dagre"]
    return [
        f"explorer, {count}-node lineage in Chromium (depth all)",
        f"  open: fetch {steps['fetch']} ms + build {steps['build']} ms + layout {layered} ms "
        f"+ first draw {steps['draw']} ms + side panel {steps['panel']} ms; {opened:.0f} ms seen by the driver",
        f"  layered layout (used above 250 nodes)  {layered:8.0f} ms",
        f"  breadthfirst (cytoscape built-in)      {bf:8.0f} ms  x{bf / max(layered, 1):.1f}",
        f"  dagre (used for small graphs)          {dagre:8.0f} ms  x{dagre / max(layered, 1):.1f}",
    ]


if __name__ == "__main__":
    main()
