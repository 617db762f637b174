"""What a query says besides its words: the one node it names exactly, and the kinds it asks for.

- **Exact intent.** A node id (``model_version:churn/3``), a model reference
  (``churn@3``, ``churn@production``, ``churn v3``), or the exact title of a
  node (case aside) names nodes that rank first, whatever the rankers say.
  References resolve through one function, :func:`resolve_reference`.
- **Kind words.** "run", "datasets", "review", "deployed"… in a query make hits
  of those kinds rank higher (a soft filter: other kinds still come, lower).
  ``--kind`` is the hard filter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from modelctx.errors import ModelctxError
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore

K = NodeKind

#: Words (lower case, singular and plural) and the kinds they ask for.
KIND_WORDS: Mapping[str, frozenset[NodeKind]] = {
    word: frozenset(kinds)
    for words, kinds in (
        (("run", "runs", "training run", "experiment run"), (K.RUN,)),
        (("experiment", "experiments", "sweep", "sweeps"), (K.EXPERIMENT, K.RUN)),
        (("job", "jobs", "pipeline", "pipelines"), (K.JOB,)),
        (("dataset", "datasets", "data set", "data sets", "table", "tables"), (K.DATASET, K.DATASET_VERSION)),
        (("review", "reviews", "approval", "approvals"), (K.REVIEW,)),
        (("deployment", "deployments", "deployed", "endpoint", "endpoints"), (K.DEPLOYMENT,)),
        (("model version", "model versions"), (K.MODEL_VERSION,)),
        (("commit", "commits"), (K.COMMIT,)),
        (("feature", "features"), (K.FEATURE,)),
        (("note", "notes", "insight", "insights"), (K.INSIGHT,)),
        (("monitoring", "drift report", "monitoring report", "monitoring reports"), (K.MONITORING_REPORT,)),
        (("person", "people"), (K.PERSON,)),
    )
    for word in words
}
_LONGEST_FIRST = sorted(KIND_WORDS, key=len, reverse=True)
_WORD_PATTERN = re.compile(r"\b(" + "|".join(re.escape(w) for w in _LONGEST_FIRST) + r")\b", re.IGNORECASE)
#: ``churn v3`` / ``churn version 3``: a model name and a version number.
_NAME_VERSION = re.compile(r"^(?P<name>\S+)\s+(?:v|version\s*)(?P<version>\d+)$", re.IGNORECASE)


def kind_hints(query: str) -> frozenset[str]:
    """The kinds (values) the query's kind words ask for; empty when it has none."""
    kinds: set[str] = set()
    for match in _WORD_PATTERN.finditer(query):
        kinds.update(k.value for k in KIND_WORDS[match.group(1).lower()])
    return frozenset(kinds)


def resolve_reference(store: GraphStore, text: str) -> str | None:
    """The id of the node ``text`` names as a reference (an id, ``name@version``, ``name@alias``), else None.

    Only those forms pin a hit: a bare word or an id prefix is a query, not a
    reference. What they name is decided by ``modelctx/graph/refs.py``, as for every command.
    """
    from modelctx.graph.refs import resolve_ref

    prefix, colon, rest = text.partition(":")
    if not ((colon and rest and prefix in {k.value for k in NodeKind}) or "@" in text):
        return None
    try:
        node = resolve_ref(store, text)
    except ModelctxError:
        return None
    return node.id if node.id == text or "@" in text else None


def exact_ids(store: GraphStore, query: str) -> list[str]:
    """Ids the query names exactly as a reference: ``text`` itself, or ``name vN`` read as ``name@N``."""
    text = query.strip()
    if not text or len(text) > 300:
        return []
    found = resolve_reference(store, text)
    if found is None and (match := _NAME_VERSION.match(text)):
        found = resolve_reference(store, f"{match['name']}@{match['version']}")
    return [found] if found else []
