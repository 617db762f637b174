"""Human-id lookup benchmark (``graph/refs.py``): resolving a reference costs index reads, not a scan.

One SQLite store holds N commits (random 40-hex shas) and M model versions. In
the same run it times, per reference (median of R):

- baseline   the scan a prefix lookup would need without an id index: every
             commit id read through ``iter_nodes`` and compared
- full id    ``resolve_ref(store, "commit:<sha>")``
- NAME@N     ``resolve_ref(store, "model-7@3")``
- prefix     ``resolve_ref(store, "<first 10 hex>")`` (no ``kind:``: one index read per kind)
- miss       ``resolve_ref(store, "<typo of a model>@3")`` with its "did you mean" suggestions
- quiet miss the same with ``suggest=False``, as a question's entity is tried (``search/questions/resolve.py``)

and prints each as a ratio of the baseline (lower is better).

    .venv/bin/python bench/refs_bench.py                      # 50k commits, 200 models x 5 versions
    .venv/bin/python bench/refs_bench.py --commits 200000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from modelctx.errors import NotFoundError  # noqa: E402
from modelctx.graph.model import Node, NodeKind  # noqa: E402
from modelctx.graph.refs import resolve_ref  # noqa: E402
from modelctx.graph.store import open_store  # noqa: E402


def _median_ms(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'refs.db'}")
        shas = [f"{rng.getrandbits(160):040x}" for _ in range(args.commits)]
        for start in range(0, len(shas), 5000):
            store.write([Node(f"commit:{s}", NodeKind.COMMIT, {"message": "m"}) for s in shas[start:start + 5000]], ())
        versions = []
        for m in range(args.models):
            versions.append(Node(f"model:model-{m}", NodeKind.MODEL, {"name": f"model-{m}"}))
            versions += [Node(f"model_version:model-{m}/{v}", NodeKind.MODEL_VERSION,
                              {"model": f"model-{m}", "version": v}) for v in range(1, args.versions + 1)]
        store.write(versions, ())
        target = shas[len(shas) // 2]

        def scan() -> list[str]:
            return [n.id for n in store.iter_nodes(NodeKind.COMMIT) if n.id.startswith(f"commit:{target[:10]}")]

        def miss(suggest: bool = True) -> None:
            try:
                resolve_ref(store, "modle-7@3", suggest=suggest)
            except NotFoundError:
                pass

        assert scan() == [f"commit:{target}"]
        assert resolve_ref(store, target[:10]).id == f"commit:{target}"
        rows = {
            "baseline (scan)": lambda: scan(),
            "full id": lambda: resolve_ref(store, f"commit:{target}"),
            "NAME@N": lambda: resolve_ref(store, "model-7@3"),
            "prefix (no kind)": lambda: resolve_ref(store, target[:10]),
            "miss + did you mean": miss,
            "miss, no suggestions": lambda: miss(suggest=False),
        }
        results = {name: _median_ms(work, args.repeats) for name, work in rows.items()}
        store.close()
    base = results["baseline (scan)"]
    print(f"{args.commits} commits, {args.models} models x {args.versions} versions; median of {args.repeats}")
    for name, ms in results.items():
        print(f"  {name:<22} {ms:9.3f} ms   x{ms / base:.4f} of baseline")


if __name__ == "__main__":
    main()
