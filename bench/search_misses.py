"""The development set's paraphrases hybrid search ranks poorly: what each ranking gave, and what came first.

    .venv/bin/python bench/search_misses.py                  # the fresh and fresh2 paraphrases below nDCG@10 0.8
    .venv/bin/python bench/search_misses.py --group all --below 1

For reading failures before changing ranking (``search/hybrid.py`` keeps what
was measured). The development set only (tests/search_eval/world.py,
queries.py): the independent and held-out sets are never read while tuning.
Each line names nodes by the world's keys; ``*`` marks a judged one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.graph.store import open_store  # noqa: E402
from modelctx.search.embedder import MiniLMEmbedder  # noqa: E402
from tests.search_eval import queries as dev_queries  # noqa: E402
from tests.search_eval.backends import service_on  # noqa: E402
from tests.search_eval.evaluate import CUTOFF, MODES, Query, ndcg_at  # noqa: E402
from tests.search_eval.world import write_world  # noqa: E402

#: Shown of each miss's hybrid ranking.
SHOWN = 6


def groups() -> dict[str, list[Query]]:
    """The development set's paraphrase groups (as bench/search_quality.py reports them)."""
    fresh, fresh2 = dev_queries.fresh_paraphrases(), dev_queries.fresh2_paraphrases()
    paraphrases = [q for q in dev_queries.QUERIES if q[0] == "paraphrase"]
    older = [q for q in paraphrases if q not in fresh and q not in fresh2]
    return {"fresh": fresh, "fresh2": fresh2, "older": older, "all": paraphrases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", choices=("unseen", *groups()), default="unseen",
                        help="Which paraphrases (default: fresh and fresh2, the stand-ins for unseen queries).")
    parser.add_argument("--below", type=float, default=0.8, help="Show the queries whose hybrid nDCG@10 is below this.")
    args = parser.parse_args()
    chosen = groups()["fresh"] + groups()["fresh2"] if args.group == "unseen" else groups()[args.group]
    with tempfile.TemporaryDirectory() as tmp:
        source = open_store(f"sqlite:///{Path(tmp) / 'graph.db'}")
        ids = write_world(source)
        key_of = {node_id: key for key, node_id in ids.items()}
        with service_on("sqlite", source, Path(tmp), MiniLMEmbedder()) as service:
            for _, query, judged_keys in chosen:
                judged = {ids[key]: grade for key, grade in judged_keys.items()}
                ranked = {mode: [h.id for h in service.search(query, mode=mode, limit=CUTOFF, with_context=False)]
                          for mode in MODES}
                scores = {mode: ndcg_at(ranked[mode], judged) for mode in MODES}
                if scores["hybrid"] >= args.below:
                    continue
                print(f"{query!r}  " + "  ".join(f"{mode} {scores[mode]:.2f}" for mode in MODES))
                print("   wanted:", ", ".join(f"{key} {grade}" for key, grade in judged_keys.items()))
                print("   first: ", ", ".join(key_of.get(i, i) + ("*" if i in judged else "")
                                              for i in ranked["hybrid"][:SHOWN]))
        source.close()


if __name__ == "__main__":
    main()
