"""Search quality on tests/search_eval: nDCG@10 and recall@10 for keyword, vector and hybrid.

    .venv/bin/python bench/search_quality.py            # the table (all, direct, paraphrase)
    .venv/bin/python bench/search_quality.py --grid     # also the RRF grid used to pick k and weights

Uses the real all-MiniLM-L6-v2 model and a temporary SQLite store.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.store import open_store  # noqa: E402
from modelctx.search import hybrid  # noqa: E402
from modelctx.search.embedder import MiniLMEmbedder  # noqa: E402
from modelctx.search.service import SearchService  # noqa: E402
from tests.search_eval.evaluate import MODES, evaluate  # noqa: E402
from tests.search_eval.world import write_world  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="store_true", help="Also print the RRF tuning grid.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'graph.db'}")
        ids = write_world(store)
        service = SearchService(store, Path(tmp) / "search", MiniLMEmbedder())
        service.sync()
        print(f"RRF k={service.rrf_k} weights (vector, keyword)={service.weights} "
              f"keyword candidates={hybrid.KEYWORD_CANDIDATES}")
        print(f"{'queries':<12} {'n':>3}  " + "  ".join(f"{m + ' nDCG':>13} {m + ' R@10':>13}" for m in MODES))
        for group in (None, "direct", "paraphrase"):
            scores = evaluate(service, ids, group=group)
            n = scores["hybrid"].queries
            cells = "  ".join(f"{scores[m].ndcg:>13.3f} {scores[m].recall:>13.3f}" for m in MODES)
            print(f"{group or 'all':<12} {n:>3}  {cells}")
        if args.grid:
            print("\nk  w_vec  kw_depth  hybrid nDCG@10  R@10")
            for k in (5, 10, 30, 60):
                for weight in (1.0, 2.0, 3.0):
                    for depth in (10, 50):
                        service.rrf_k, service.weights = k, (weight, 1.0)
                        hybrid.KEYWORD_CANDIDATES = depth
                        import modelctx.search.service as service_module

                        service_module.KEYWORD_CANDIDATES = depth
                        result = evaluate(service, ids)["hybrid"]
                        print(f"{k:<3}{weight:>5} {depth:>9} {result.ndcg:>15.3f} {result.recall:>6.3f}")
        service.close()
        store.close()


if __name__ == "__main__":
    main()
