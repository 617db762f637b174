"""Search quality on tests/search_eval: nDCG@10 and recall@10 for keyword, vector and hybrid, per class.

    .venv/bin/python bench/search_quality.py                # both sets, per class
    .venv/bin/python bench/search_quality.py --set dev      # only the development set
    .venv/bin/python bench/search_quality.py --grid         # also the RRF grid (development set only)
    .venv/bin/python bench/search_quality.py --backend both --uri "$MODELCTX_TEST_NEO4J_URI"
                                                            # SQLite and Neo4j, and where their top 10s differ

Two sets: the development set (tests/search_eval/world.py, queries.py: tune on
this one) and the independent set (tests/search_eval/independent/: a world
built by the real ingestors, never tuned on; report it). Uses the real
all-MiniLM-L6-v2 model and temporary SQLite stores; ``--backend neo4j`` copies
each world into the (scratch: it is emptied) Neo4j server at ``--uri`` and
searches the index kept there (``search/store_index.py``); ``both`` also prints
how many queries got the same top 10 from both (tests/search_eval/backends.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.store import open_store  # noqa: E402
from modelctx.search import hybrid  # noqa: E402
from modelctx.search.embedder import MiniLMEmbedder  # noqa: E402
from modelctx.search.service import SearchService  # noqa: E402
from tests.search_eval.backends import BACKENDS, overlap_of, service_on  # noqa: E402
from tests.search_eval.evaluate import CUTOFF, MODES, Query, evaluate  # noqa: E402
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


def top_lists(service: SearchService, queries: list[Query]) -> dict[tuple[str, str], list[str]]:
    """Each (mode, query)'s top 10 ids."""
    return {(mode, query): [h.id for h in service.search(query, mode=mode, limit=CUTOFF, with_context=False)]
            for mode in MODES for _, query, _ in queries}


def agreement(title: str, lists: dict[str, dict[tuple[str, str], list[str]]]) -> None:
    """How many queries got the same top 10 (and the same set) on SQLite and on Neo4j, per mode."""
    print(f"\n{title}: SQLite vs Neo4j top {CUTOFF}")
    print(f"{'mode':<8} {'queries':>7} {'same list':>10} {'same set':>9} {'mean overlap':>13}")
    for mode in MODES:
        keys = [key for key in lists["sqlite"] if key[0] == mode]
        same = sum(lists["sqlite"][k] == lists["neo4j"][k] for k in keys)
        same_set = sum(set(lists["sqlite"][k]) == set(lists["neo4j"][k]) for k in keys)
        overlap = [overlap_of(lists["sqlite"][k], lists["neo4j"][k]) for k in keys]
        print(f"{mode:<8} {len(keys):>7} {same:>10} {same_set:>9} {sum(overlap) / len(overlap):>13.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("both", "dev", "independent"), default="both",
                        help="Which evaluation set to report.")
    parser.add_argument("--no-questions", action="store_true",
                        help="Rank every query (no answers from the graph): the baseline of search/questions.py.")
    parser.add_argument("--grid", action="store_true", help="Also print the RRF tuning grid (development set).")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="sqlite",
                        help="The store (and so the index) searched: the embedded index on SQLite, the one in Neo4j.")
    parser.add_argument("--uri", default=os.environ.get("MODELCTX_TEST_NEO4J_URI"),
                        help="A scratch Neo4j server for --backend neo4j/both (it is emptied).")
    args = parser.parse_args()
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    embedder = MiniLMEmbedder()
    if args.set in ("both", "independent"):
        with tempfile.TemporaryDirectory() as tmp:
            world = build_world(Path(tmp))
            lists = {}
            for backend in backends:
                with service_on(backend, world.store, Path(tmp), embedder, args.uri) as service:
                    service.questions = not args.no_questions
                    table(f"independent set (tests/search_eval/independent; never tuned on) on {backend}", service,
                          world.ids, INDEPENDENT_QUERIES, INDEPENDENT_CLASSES)
                    lists[backend] = top_lists(service, INDEPENDENT_QUERIES)
            if len(lists) == 2:
                agreement("independent set", lists)
            world.store.close()
    if args.set == "independent":
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = open_store(f"sqlite:///{Path(tmp) / 'graph.db'}")
        ids = write_world(source)
        lists = {}
        for backend in backends:
            with service_on(backend, source, Path(tmp), embedder, args.uri) as service:
                service.questions = not args.no_questions
                print(f"\nRRF k={service.rrf_k} weights (vector, passage, keyword)={service.weights} "
                      f"keyword candidates={hybrid.KEYWORD_CANDIDATES}")
                table(f"development set (tests/search_eval/world.py, queries.py; tuned on) on {backend}", service, ids,
                      DEV_QUERIES, DEV_CLASSES)
                lists[backend] = top_lists(service, DEV_QUERIES)
                if args.grid:
                    print("\nk  w_vec  kw_depth  hybrid nDCG@10  R@10")
                    for k in (5, 10, 30, 60):
                        for weight in (1.0, 2.0, 3.0):
                            for depth in (10, 50):
                                service.rrf_k = k
                                service.weights = (weight, hybrid.PASSAGE_WEIGHT, hybrid.KEYWORD_WEIGHT)
                                hybrid.KEYWORD_CANDIDATES = depth
                                import modelctx.search.service as service_module

                                service_module.KEYWORD_CANDIDATES = depth
                                result = evaluate(service, ids)["hybrid"]
                                print(f"{k:<3}{weight:>5} {depth:>9} {result.ndcg:>15.3f} {result.recall:>6.3f}")
        if len(lists) == 2:
            agreement("development set", lists)
        source.close()


if __name__ == "__main__":
    main()
