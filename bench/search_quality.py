"""Search quality on tests/search_eval: nDCG@10 and recall@10 for keyword, vector and hybrid, per class.

    .venv/bin/python bench/search_quality.py                # both sets, per class
    .venv/bin/python bench/search_quality.py --set dev      # only the development set
    .venv/bin/python bench/search_quality.py --grid         # also the RRF grid (development set only)

Two sets: the development set (tests/search_eval/world.py, queries.py: tune on
this one) and the independent set (tests/search_eval/independent/: a world
built by the real ingestors, never tuned on; report it). Uses the real
all-MiniLM-L6-v2 model and temporary SQLite stores.
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
from tests.search_eval.evaluate import MODES, Query, evaluate  # noqa: E402
from tests.search_eval.independent.queries import CLASSES as INDEPENDENT_CLASSES  # noqa: E402
from tests.search_eval.independent.queries import QUERIES as INDEPENDENT_QUERIES  # noqa: E402
from tests.search_eval.independent.world import build_world  # noqa: E402
from tests.search_eval.queries import CLASSES as DEV_CLASSES  # noqa: E402
from tests.search_eval.queries import QUERIES as DEV_QUERIES  # noqa: E402
from tests.search_eval.world import write_world  # noqa: E402


def table(title: str, service: SearchService, ids: dict[str, str], queries: list[Query],
          classes: tuple[str, ...]) -> None:
    """One set's table: a row per class and one for all queries."""
    print(f"\n{title}")
    print(f"{'class':<12} {'n':>3}  " + "  ".join(f"{m + ' nDCG':>13} {m + ' R@10':>13}" for m in MODES))
    for group in (None, *classes):
        scores = evaluate(service, ids, group=group, queries=queries)
        n = scores["hybrid"].queries
        cells = "  ".join(f"{scores[m].ndcg:>13.3f} {scores[m].recall:>13.3f}" for m in MODES)
        print(f"{group or 'all':<12} {n:>3}  {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("both", "dev", "independent"), default="both",
                        help="Which evaluation set to report.")
    parser.add_argument("--no-questions", action="store_true",
                        help="Rank every query (no answers from the graph): the baseline of search/questions.py.")
    parser.add_argument("--grid", action="store_true", help="Also print the RRF tuning grid (development set).")
    args = parser.parse_args()
    embedder = MiniLMEmbedder()
    if args.set in ("both", "independent"):
        with tempfile.TemporaryDirectory() as tmp:
            world = build_world(Path(tmp))
            service = SearchService(world.store, Path(tmp) / "search", embedder)
            service.questions = not args.no_questions
            service.sync()
            table("independent set (tests/search_eval/independent; never tuned on)", service, world.ids,
                  INDEPENDENT_QUERIES, INDEPENDENT_CLASSES)
            service.close()
            world.store.close()
    if args.set == "independent":
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'graph.db'}")
        ids = write_world(store)
        service = SearchService(store, Path(tmp) / "search", embedder)
        service.questions = not args.no_questions
        service.sync()
        print(f"\nRRF k={service.rrf_k} weights (vector, keyword)={service.weights} "
              f"keyword candidates={hybrid.KEYWORD_CANDIDATES}")
        table("development set (tests/search_eval/world.py, queries.py; tuned on)", service, ids, DEV_QUERIES,
              DEV_CLASSES)
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
