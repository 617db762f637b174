"""Web app benchmark: laying out a 200-node lineage in the page, against a 20-node one in the same run.

Two SQLite stores are filled with the wide lineage of ``tests/api/bigworld.py``
(a model version, its run, dataset versions and their sources), one of about
200 nodes and one of about 20, each served by the app on loopback. Debian's
Chromium (Playwright) opens ``/lineage/<root>?direction=up&depth=all`` for each,
``--repeat`` times, and reads two figures the page records:

- layout   ``window.modelctx.state.layoutMs``: the card layout alone (dagre, left to right)
- ready    from navigation start until the page says it is drawn (fetch + build + layout + first paint)

It prints the medians and the 200/20 ratios. Timing is machine-dependent: compare ratios, not
milliseconds, across machines.

    .venv/bin/python bench/web_bench.py              # 5 repeats
    .venv/bin/python bench/web_bench.py --repeat 9
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelctx.api.app import create_app  # noqa: E402
from modelctx.client import Client  # noqa: E402
from modelctx.config import Settings  # noqa: E402
from tests.api.bigworld import build_wide_lineage  # noqa: E402
from tests.api.browser import launch, wait_ready  # noqa: E402
from tests.api.live import running_server  # noqa: E402

SIZES = (20, 200)
#: the ``n`` to ask build_wide_lineage for: it adds 50 dataset nodes, so about 20 drawn nodes need n=65
BUILD_N = {20: 65, 200: 200}


def measure(page: Any, url: str) -> tuple[float, float, int]:
    """One visit: (layout ms, ready ms, nodes drawn)."""
    started = time.perf_counter()
    page.goto(url)
    wait_ready(page, timeout=60_000)
    ready = (time.perf_counter() - started) * 1000
    layout = float(page.evaluate("window.modelctx.state.layoutMs"))
    nodes = int(page.evaluate("window.cy.nodes().length"))
    return layout, ready, nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[int, tuple[float, float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        urls: dict[int, str] = {}
        for size in SIZES:
            home = Path(tmp) / f"n{size}"
            home.mkdir()
            client = Client.open(f"sqlite:///{home / 'modelctx.db'}", settings=Settings(home=home), actor="user:bench")
            stack.callback(client.close)
            root = build_wide_lineage(client.store, BUILD_N[size])
            base = stack.enter_context(running_server(create_app(client)))
            urls[size] = f"{base}/lineage/{root}?direction=up&depth=all"
        playwright = stack.enter_context(sync_playwright())
        browser = launch(playwright)
        stack.callback(browser.close)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for size in SIZES:
            measure(page, urls[size])  # warm-up: script parse, JIT, server caches
        runs: dict[int, list[tuple[float, float, int]]] = {size: [] for size in SIZES}
        for _ in range(args.repeat):
            for size in SIZES:  # interleaved, so drift in machine load hits both sizes alike
                runs[size].append(measure(page, urls[size]))
        for size in SIZES:
            results[size] = (statistics.median(r[0] for r in runs[size]),
                             statistics.median(r[1] for r in runs[size]), runs[size][0][2])
    small, big = results[SIZES[0]], results[SIZES[1]]
    print(f"{'lineage':>10} {'nodes':>6} {'layout ms (median)':>19} {'ready ms (median)':>18}")
    for size in SIZES:
        layout, ready, nodes = results[size]
        print(f"{f'~{size}':>10} {nodes:>6} {layout:>19.1f} {ready:>18.1f}")
    print(f"200/20 ratio: layout x{big[0] / max(small[0], 0.1):.1f}, ready x{big[1] / max(small[1], 0.1):.1f} "
          f"({args.repeat} repeats)")


if __name__ == "__main__":
    main()
