"""MCP benchmark: what the MCP layer adds to a question, and what it saves an assistant against shelling out.

One provenance-shaped SQLite graph (the generator of bench/store_bench.py). For the same questions (lineage of
a model version two hops up, impact of a dataset version), in one run:

- baseline    the tool's package function (``modelctx/mcp/tools.py``) called in this process
- mcp stdio   a warm ``modelctx mcp`` process, one call at a time, through the SDK's client
- mcp http    ``/mcp`` of the API app under uvicorn (local mode), one call at a time, through the SDK's client
- cli         one ``modelctx ... --json`` process per question (what an assistant without MCP would run)

Printed: p50 latency of each and its ratio to the baseline; and the answer size of the MCP tool against the
CLI's ``--json`` for the same question (bytes an assistant reads).

    .venv/bin/python bench/mcp_bench.py                 # ~5k edges, 40 calls per transport
    .venv/bin/python bench/mcp_bench.py --edges 20000 --calls 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from store_bench import batches, generate_graph  # noqa: E402

from modelctx.budget import Budget  # noqa: E402
from modelctx.graph.model import NodeKind  # noqa: E402
from modelctx.graph.store import open_store  # noqa: E402
from modelctx.mcp import tools  # noqa: E402


def p50(values: list[float]) -> float:
    return statistics.median(values)


def questions(store: Any, calls: int) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(tool, arguments, CLI arguments) triples, alternating lineage and impact over the graph's nodes."""
    versions = [n.id for n in store.find_nodes(NodeKind.MODEL_VERSION, {}, limit=calls)]
    datasets = [n.id for n in store.find_nodes(NodeKind.DATASET_VERSION, {}, limit=calls)]
    asked = []
    for i in range(calls):
        if i % 2 == 0:
            mv = versions[i % len(versions)]
            asked.append(("lineage", {"id": mv, "depth": 2}, ["lineage", mv, "--depth", "2", "--json"]))
        else:
            dv = datasets[i % len(datasets)]
            asked.append(("impact", {"id": dv}, ["impact", dv, "--json"]))
    return asked


def direct(store: Any, tool: str, args: dict[str, Any]) -> Any:
    if tool == "lineage":
        return tools.lineage(store, args["id"], "up", args["depth"], tools.LINEAGE_NODES, None, False, Budget(20))
    return tools.impact(store, args["id"], tools.IMPACT_LIMIT)


def time_calls(asked: list[tuple[str, dict[str, Any], list[str]]], call: Callable[[str, dict[str, Any]], Any]
               ) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    for tool, args, _ in asked:
        t0 = time.perf_counter()
        text = call(tool, args)
        times.append(time.perf_counter() - t0)
        sizes.append(len(text.encode()) if isinstance(text, str) else 0)
    return times, sizes


def time_session(opened: Callable[[], Any], asked: list[tuple[str, dict[str, Any], list[str]]]
                 ) -> tuple[list[float], list[int]]:
    import anyio

    async def main() -> tuple[list[float], list[int]]:
        async with opened() as session:
            await session.call(asked[0][0], **asked[0][1])  # warm
            times, sizes = [], []
            for tool, args, _ in asked:
                t0 = time.perf_counter()
                answer = await session.call(tool, **args)
                times.append(time.perf_counter() - t0)
                assert not answer.is_error, answer.text
                sizes.append(len(answer.text.encode()))
            return times, sizes

    return anyio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--cli-calls", type=int, default=6, help="CLI processes to time (each starts Python)")
    options = parser.parse_args()

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings
    from tests.api.live import running_server
    from tests.mcp.harness import env_for, http_session, stdio_session

    with tempfile.TemporaryDirectory() as folder:
        uri = f"sqlite:///{folder}/bench.db"
        store = open_store(uri)
        for nodes, edges in batches(generate_graph(options.edges), 5000):
            store.write(nodes, edges, actor="bench")
        asked = questions(store, options.calls)
        env = env_for(uri, f"{folder}/home")
        os.environ.setdefault("PYTHONPATH", str(ROOT))

        base_times, _ = time_calls(asked, lambda tool, args: repr(direct(store, tool, args)))
        stdio_times, mcp_sizes = time_session(lambda: stdio_session(env), asked)
        client = Client(store, Settings(home=Path(folder) / "home"), "user:bench")
        with running_server(create_app(client)) as base:
            http_times, _ = time_session(lambda: http_session(f"{base}/mcp"), asked)
        cli_times, cli_sizes = [], []
        full = {**os.environ, **env}
        for _, _, argv in asked[: options.cli_calls]:
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "modelctx", *argv], env=full, capture_output=True,
                                  text=True, check=True)
            cli_times.append(time.perf_counter() - t0)
            cli_sizes.append(len(done.stdout.encode()))
        store.close()

    baseline = p50(base_times)
    print(f"graph: ~{options.edges} edges; {len(asked)} questions (lineage depth 2 / impact), "
          f"{options.cli_calls} CLI processes")
    print(f"{'path':<12}{'p50 ms':>10}{'x baseline':>12}")
    for name, times in (("baseline", base_times), ("mcp stdio", stdio_times), ("mcp http", http_times),
                        ("cli", cli_times)):
        print(f"{name:<12}{p50(times) * 1000:>10.2f}{p50(times) / baseline:>12.1f}")
    shown = options.cli_calls
    ratio = sum(mcp_sizes[:shown]) / max(1, sum(cli_sizes[:shown]))
    print(f"answer bytes, first {shown} questions: mcp {sum(mcp_sizes[:shown])}, cli --json {sum(cli_sizes[:shown])} "
          f"(mcp/cli {ratio:.2f})")


if __name__ == "__main__":
    main()
