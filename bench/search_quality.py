"""Search quality on tests/search_eval: nDCG@10 and recall@10 for keyword, vector and hybrid, per class.

    .venv/bin/python bench/search_quality.py                # every set, per class
    .venv/bin/python bench/search_quality.py --set dev      # only the development set
    .venv/bin/python bench/search_quality.py --set holdout  # only the held-out set
    .venv/bin/python bench/search_quality.py --grid         # also the fusion grid (development set only)
    .venv/bin/python bench/search_quality.py --chart quality.png  # also hybrid nDCG@10 per set and class, as a chart
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


#: One set's hybrid (nDCG@10, recall@10) by class ("all" first), as its table printed them.
Hybrid = dict[str, tuple[float, float]]


def table(title: str, service: SearchService, ids: dict[str, str], queries: list[Query],
          classes: tuple[str, ...], rows: tuple[tuple[str, list[Query]], ...] = ()) -> Hybrid:
    """One set's table: a row per class, one for all queries, and one per extra row; returns the classes' hybrid
    figures (for ``--chart``)."""
    print(f"\n{title}")
    print(f"{'class':<12} {'n':>3}  " + "  ".join(f"{m + ' nDCG':>13} {m + ' R@10':>13}" for m in MODES))
    hybrid_scores: Hybrid = {}
    for group in (None, *classes):
        scores = evaluate(service, ids, group=group, queries=queries)
        n = scores["hybrid"].queries
        cells = "  ".join(f"{scores[m].ndcg:>13.3f} {scores[m].recall:>13.3f}" for m in MODES)
        print(f"{group or 'all':<12} {n:>3}  {cells}")
        hybrid_scores[group or "all"] = (scores["hybrid"].ndcg, scores["hybrid"].recall)
    for label, chosen in rows:
        scores = evaluate(service, ids, queries=chosen)
        cells = "  ".join(f"{scores[m].ndcg:>13.3f} {scores[m].recall:>13.3f}" for m in MODES)
        print(f"{label:<12} {len(chosen):>3}  {cells}")
    return hybrid_scores


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


def report(chosen: EvalSet, backends: tuple[str, ...], embedder: MiniLMEmbedder,
           args: argparse.Namespace) -> dict[str, Hybrid]:
    """Build one set's world, then print its table on each backend (and the fusion grid for the development set);
    returns each backend's hybrid figures."""
    figures: dict[str, Hybrid] = {}
    with tempfile.TemporaryDirectory() as tmp:
        source, ids = chosen.build(Path(tmp))
        lists = {}
        for backend in backends:
            with service_on(backend, source, Path(tmp), embedder, args.uri) as service:
                service.questions = not args.no_questions
                if chosen.name == "dev":
                    print(f"\nfusion weights (vector, passage, keyword)={service.weights} "
                          f"keyword candidates={hybrid.KEYWORD_CANDIDATES}")
                figures[backend] = table(f"{chosen.title} on {backend}", service, ids, chosen.queries,
                                         chosen.classes, chosen.rows)
                lists[backend] = top_lists(service, chosen.queries)
                if args.grid and chosen.name == "dev":
                    grid(service, ids)
        if len(lists) == 2:
            agreement(chosen.title.split(" (")[0], lists)
        source.close()
    return figures


#: The targets the chart marks (issue 15): nDCG@10 over all queries, and in each class.
TARGET_ALL = 0.85
TARGET_CLASS = 0.75


def chart(figures: dict[str, dict[str, Hybrid]], path: Path) -> None:
    """Hybrid nDCG@10 per set and class as grouped bars (a set a group), with the targets as dashed lines: the
    figures people compare at a glance (the tables print them all)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [(f"{name} ({backend})" if len(by_backend) > 1 else name, hybrid_scores)
            for name, by_backend in figures.items() for backend, hybrid_scores in by_backend.items()]
    classes = list(dict.fromkeys(group for _, hybrid_scores in runs for group in hybrid_scores))
    colours = {group: f"C{i}" for i, group in enumerate(classes)}  # one colour a class, in every set
    fig, ax = plt.subplots(figsize=(4 + 2.2 * len(runs), 4.4))
    width = 0.8 / max(len(hybrid_scores) for _, hybrid_scores in runs)
    labelled: set[str] = set()
    for r, (_, hybrid_scores) in enumerate(runs):  # a set's own classes only: the development set has "direct"
        for i, (group, (ndcg, _)) in enumerate(hybrid_scores.items()):
            x = r + (i - (len(hybrid_scores) - 1) / 2) * width
            bars = ax.bar([x], [ndcg], width, color=colours[group], label=None if group in labelled else group)
            labelled.add(group)
            ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=1)
    ax.axhline(TARGET_ALL, color="black", linestyle="--", linewidth=0.8, label=f"target, all ({TARGET_ALL})")
    ax.axhline(TARGET_CLASS, color="grey", linestyle=":", linewidth=0.8, label=f"target, each class ({TARGET_CLASS})")
    ax.set_xticks(range(len(runs)), [name for name, _ in runs])
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("hybrid nDCG@10")
    ax.set_title("Search quality by set and class")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"\nchart: {path}")


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
    parser.add_argument("--chart", type=Path, metavar="PNG",
                        help="Also draw hybrid nDCG@10 per set and class, with the targets, into this PNG file.")
    args = parser.parse_args()
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    embedder = MiniLMEmbedder()
    figures = {chosen.name: report(chosen, backends, embedder, args)
               for chosen in SETS if args.set in ("all", chosen.name)}
    if args.chart is not None:
        chart(figures, args.chart)


if __name__ == "__main__":
    main()
