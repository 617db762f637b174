"""Search quality on tests/search_eval: nDCG@10 and recall@10 for keyword, vector and hybrid, per class.

    .venv/bin/python bench/search_quality.py                # every set, per class
    .venv/bin/python bench/search_quality.py --set dev      # only the development set
    .venv/bin/python bench/search_quality.py --set holdout  # only the held-out set
    .venv/bin/python bench/search_quality.py --grid         # also the fusion grid (development set only)
    .venv/bin/python bench/search_quality.py --backend both --uri "$MODELCTX_TEST_NEO4J_URI"
                                                            # SQLite and Neo4j, and where their top 10s differ

Three sets (``SETS``): the development set (tests/search_eval/world.py,
queries.py: tune on this one), the independent set
(tests/search_eval/independent/) and the held-out set
(tests/search_eval/holdout/): worlds built by the real ingestors, never
tuned on; report them. Uses the real
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.store import GraphStore, open_store  # noqa: E402
from modelctx.search import hybrid  # noqa: E402
from modelctx.search.embedder import MiniLMEmbedder  # noqa: E402
from modelctx.search.service import SearchService  # noqa: E402
from tests.search_eval import queries as dev_queries  # noqa: E402
from tests.search_eval.backends import BACKENDS, overlap_of, service_on  # noqa: E402
from tests.search_eval.evaluate import CUTOFF, MODES, Query, evaluate  # noqa: E402
from tests.search_eval.holdout import queries as holdout_queries  # noqa: E402
from tests.search_eval.holdout import world as holdout_world  # noqa: E402
from tests.search_eval.independent import queries as independent_queries  # noqa: E402
from tests.search_eval.independent import world as independent_world  # noqa: E402
from tests.search_eval.world import write_world  # noqa: E402


def _dev_world(folder: Path) -> tuple[GraphStore, dict[str, str]]:
    store = open_store(f"sqlite:///{folder / 'graph.db'}")
    return store, write_world(store)


def _independent_world(folder: Path) -> tuple[GraphStore, dict[str, str]]:
    world = independent_world.build_world(folder)
    return world.store, world.ids


def _holdout_world(folder: Path) -> tuple[GraphStore, dict[str, str]]:
    world = holdout_world.build_world(folder)
    return world.store, world.ids


@dataclass(frozen=True, slots=True)
class EvalSet:
    """One evaluation set: how its world is built, its queries and classes, and how it is titled."""

    name: str
    title: str
    build: Callable[[Path], tuple[GraphStore, dict[str, str]]]
    queries: list[Query]
    classes: tuple[str, ...]
    #: Extra rows: a label and its queries (the development set's paraphrases tuned on longer, and two fresh groups).
    rows: tuple[tuple[str, list[Query]], ...] = ()


_FRESH = dev_queries.fresh_paraphrases()
_FRESH2 = dev_queries.fresh2_paraphrases()

#: Every evaluation set, in the order they are reported; the one place that lists them.
SETS = (
    EvalSet("independent", "independent set (tests/search_eval/independent; never tuned on)", _independent_world,
            independent_queries.QUERIES, independent_queries.CLASSES),
    EvalSet("holdout", "held-out set (tests/search_eval/holdout; never tuned on)", _holdout_world,
            holdout_queries.QUERIES, holdout_queries.CLASSES),
    EvalSet("dev", "development set (tests/search_eval/world.py, queries.py; tuned on)", _dev_world,
            dev_queries.QUERIES, dev_queries.CLASSES,
            (("para older", [q for q in dev_queries.QUERIES
                             if q[0] == "paraphrase" and q not in _FRESH and q not in _FRESH2]),
             ("para fresh", _FRESH), ("para fresh2", _FRESH2))),
)


def table(title: str, service: SearchService, ids: dict[str, str], queries: list[Query],
          classes: tuple[str, ...], rows: tuple[tuple[str, list[Query]], ...] = ()) -> None:
    """One set's table: a row per class, one for all queries, and one per extra row."""
    print(f"\n{title}")
    print(f"{'class':<12} {'n':>3}  " + "  ".join(f"{m + ' nDCG':>13} {m + ' R@10':>13}" for m in MODES))
    for group in (None, *classes):
        scores = evaluate(service, ids, group=group, queries=queries)
        n = scores["hybrid"].queries
        cells = "  ".join(f"{scores[m].ndcg:>13.3f} {scores[m].recall:>13.3f}" for m in MODES)
        print(f"{group or 'all':<12} {n:>3}  {cells}")
    for label, chosen in rows:
        scores = evaluate(service, ids, queries=chosen)
        cells = "  ".join(f"{scores[m].ndcg:>13.3f} {scores[m].recall:>13.3f}" for m in MODES)
        print(f"{label:<12} {len(chosen):>3}  {cells}")


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


def report(chosen: EvalSet, backends: tuple[str, ...], embedder: MiniLMEmbedder, args: argparse.Namespace) -> None:
    """Build one set's world, then print its table on each backend (and the fusion grid for the development set)."""
    with tempfile.TemporaryDirectory() as tmp:
        source, ids = chosen.build(Path(tmp))
        lists = {}
        for backend in backends:
            with service_on(backend, source, Path(tmp), embedder, args.uri) as service:
                service.questions = not args.no_questions
                if chosen.name == "dev":
                    print(f"\nfusion weights (vector, passage, keyword)={service.weights} "
                          f"keyword candidates={hybrid.KEYWORD_CANDIDATES}")
                table(f"{chosen.title} on {backend}", service, ids, chosen.queries, chosen.classes, chosen.rows)
                lists[backend] = top_lists(service, chosen.queries)
                if args.grid and chosen.name == "dev":
                    grid(service, ids)
        if len(lists) == 2:
            agreement(chosen.title.split(" (")[0], lists)
        source.close()


def grid(service: SearchService, ids: dict[str, str]) -> None:
    """The fusion tuning grid (``search/hybrid.py`` ``fuse``), on the development set only."""
    import modelctx.search.service as service_module

    print("\nw_vec  w_passage  w_keyword  kw_depth  hybrid nDCG@10  R@10")
    chosen = service.weights, service_module.KEYWORD_CANDIDATES
    for weights in ((0.4, 0.3, 0.3), (0.5, 0.25, 0.25), (0.6, 0.2, 0.2), (0.5, 0.3, 0.2), (0.4, 0.4, 0.2)):
        for depth in (10, 50):
            service.weights = weights
            service_module.KEYWORD_CANDIDATES = depth
            result = evaluate(service, ids)["hybrid"]
            vec, passage, keyword = weights
            print(f"{vec:<6} {passage:>9} {keyword:>10} {depth:>9} {result.ndcg:>15.3f} {result.recall:>6.3f}")
    service.weights, service_module.KEYWORD_CANDIDATES = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("all", *(s.name for s in SETS)), default="all",
                        help="Which evaluation set to report (default: all of them).")
    parser.add_argument("--no-questions", action="store_true",
                        help="Rank every query (no answers from the graph): the baseline of search/questions/.")
    parser.add_argument("--grid", action="store_true", help="Also print the fusion tuning grid (development set).")
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="sqlite",
                        help="The store (and so the index) searched: the embedded index on SQLite, the one in Neo4j.")
    parser.add_argument("--uri", default=os.environ.get("MODELCTX_TEST_NEO4J_URI"),
                        help="A scratch Neo4j server for --backend neo4j/both (it is emptied).")
    args = parser.parse_args()
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    embedder = MiniLMEmbedder()
    for chosen in SETS:
        if args.set in ("all", chosen.name):
            report(chosen, backends, embedder, args)


if __name__ == "__main__":
    main()
