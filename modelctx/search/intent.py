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
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind, kind_if_id
from modelctx.graph.store import GraphStore

K = NodeKind

#: The one table of kind words (lower case, singular and plural) and the kinds they name, most likely first.
#: Ranking reads them as soft filters (:func:`kind_hints`); a question about structure reads a trailing
#: one as narrowing the entity it ends ("the robust texture feature": ``search/questions/resolve.py``).
#: Besides each kind's own name, the words people use for it: a "sign-off" or "verdict" is a review, a "lesson"
#: or "finding" an insight, a "column" a feature, a "release" a model version, a "code change" or "patch" a
#: commit, a "rollout" a deployment, an "alert" a monitoring report. Measured with bench/search_quality.py
#: (hybrid nDCG@10, development set, paraphrases older / fresh / fresh2): 0.840 / 0.778 / 0.687 without them,
#: 0.838 / 0.805 / 0.709 with them ("column" +0.023 on fresh2, "lesson"/"finding" +0.012 and "sign-off"/
#: "verdict" +0.010 on fresh; "rollout" and "alert" moved nothing there and are kept as the same vocabulary).
KIND_WORDS: Mapping[str, tuple[NodeKind, ...]] = {
    word: kinds
    for words, kinds in (
        (("run", "runs", "training run", "training runs", "experiment run", "experiment runs", "trial", "trials"),
         (K.RUN,)),
        (("experiment", "experiments", "sweep", "sweeps"), (K.EXPERIMENT, K.RUN)),
        (("job", "jobs", "pipeline", "pipelines"), (K.JOB,)),
        (("dataset", "datasets", "data set", "data sets", "table", "tables"), (K.DATASET, K.DATASET_VERSION)),
        (("data",), (K.DATASET, K.DATASET_VERSION)),
        (("export", "exports", "dataset version", "dataset versions"), (K.DATASET_VERSION, K.DATASET)),
        (("review", "reviews", "approval", "approvals", "sign-off", "sign-offs", "signoff", "sign off", "verdict",
          "verdicts"), (K.REVIEW,)),
        (("deployment", "deployments", "deployed", "endpoint", "endpoints", "rollout", "rollouts"), (K.DEPLOYMENT,)),
        (("model version", "model versions", "release", "releases"), (K.MODEL_VERSION,)),
        (("model", "models"), (K.MODEL, K.MODEL_VERSION)),
        (("version", "versions"), (K.MODEL_VERSION, K.DATASET_VERSION)),
        (("commit", "commits", "code change", "code changes", "patch", "patches"), (K.COMMIT,)),
        (("feature", "features", "column", "columns"), (K.FEATURE,)),
        (("note", "notes", "insight", "insights", "lesson", "lessons", "finding", "findings"), (K.INSIGHT,)),
        (("monitoring", "drift report", "monitoring report", "monitoring reports", "alert", "alerts"),
         (K.MONITORING_REPORT,)),
        (("person", "people"), (K.PERSON,)),
    )
    for word in words
}
#: Kind words too common in what people type to lift a kind when ranking ("models that…", "the data…",
#: "version"): they still narrow an entity in a question. On tests/search_eval (bench/search_quality.py) lifting
#: them too lost 0.009 hybrid nDCG@10 on paraphrases (0.816 -> 0.807) and 0.004 overall.
VAGUE_KIND_WORDS: frozenset[str] = frozenset({"data", "model", "models", "version", "versions", "export", "exports"})
_LONGEST_FIRST = sorted(KIND_WORDS, key=len, reverse=True)
_WORD_PATTERN = re.compile(r"\b(" + "|".join(re.escape(w) for w in _LONGEST_FIRST) + r")\b", re.IGNORECASE)
#: Text ending in a kind word ("robust texture feature"): the text before it, and the word.
_TRAILING_WORD = re.compile(r"^(?P<text>.+?)\s+(?P<word>" + "|".join(re.escape(w) for w in _LONGEST_FIRST) + r")$",
                            re.IGNORECASE)
#: A git hash as people copy it (git's shortest abbreviation is 7 hex digits, the full one 40).
_COMMIT_HASH = re.compile(r"^[0-9a-f]{7,40}$", re.IGNORECASE)
#: A tracker's run id as its UI shows it: MLflow's and the SDK's 32 hex digits, an OpenLineage ``runId`` (a UUID).
_RUN_ID = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE)
#: A version written after a name, as people type one: ``churn v3``, ``churn version 3``, ``churn/3`` (a model
#: version's own key), ``churn@3`` / ``churn@production``; the name may be of several words.
_TYPED_VERSION = re.compile(
    r"^(?P<name>.+?)(?:\s+(?:v|version\s*)(?P<number>\d+)|/(?P<key>\d+)|\s*@(?P<which>[\w.-]+))$", re.IGNORECASE)


def kind_hints(query: str) -> frozenset[str]:
    """The kinds (values) the query's kind words ask for; empty when it has none."""
    kinds: set[str] = set()
    for match in _WORD_PATTERN.finditer(query):
        word = match.group(1).lower()
        if word not in VAGUE_KIND_WORDS:
            kinds.update(k.value for k in KIND_WORDS[word])
    return frozenset(kinds)


def kind_word_at_end(text: str) -> tuple[str, tuple[NodeKind, ...]] | None:
    """``text`` without the kind word it ends with, and the kinds that word names; None when it ends with none."""
    found = _TRAILING_WORD.match(text)
    return (found["text"], KIND_WORDS[found["word"].lower()]) if found is not None else None


def resolve_reference(store: GraphStore, text: str) -> str | None:
    """The id of the node ``text`` names as a reference (an id, ``name@version``, ``name@alias``), else None.

    Only those forms, MLflow's ``models:/`` and ``runs:/`` URIs, a git hash as people copy it
    (:data:`_COMMIT_HASH`: the unique prefix of a commit's id) and a tracker's run id (:data:`_RUN_ID`) pin a
    hit: a bare word or another id prefix is a query, not a reference. What they name is decided by
    ``modelctx/graph/refs.py``, as for every command.
    """
    from modelctx.graph.refs import RUN_SOURCES, mlflow_uri

    if _COMMIT_HASH.match(text) and (commit := _resolved(store, f"{NodeKind.COMMIT.value}:{text.lower()}")):
        return commit.id
    if _RUN_ID.match(text):  # a tracker's run id (as written, else in lower case, as trackers write them)
        for typed in dict.fromkeys((text, text.lower())):
            run = _resolved(store, typed)
            if run is not None and run.id in {node_id(NodeKind.RUN, source, typed) for source in RUN_SOURCES}:
                return run.id
        return None
    if kind_if_id(text) is None and "@" not in text and mlflow_uri(text) is None:
        return None
    node = _resolved(store, text)
    return node.id if node is not None and (node.id == text or kind_if_id(text) is None) else None


def _resolved(store: GraphStore, text: str) -> Node | None:
    """The node ``text`` names by ``modelctx/graph/refs.py``, None when it names none (no suggestions read)."""
    from modelctx.graph.refs import resolve_ref

    try:
        return resolve_ref(store, text, suggest=False)
    except ModelctxError:
        return None


#: The latest version of a model, as people ask for it: ``latest churn``, ``the latest version of churn``,
#: ``churn latest``.
_LATEST = re.compile(r"^(?:the\s+)?(?:latest|newest)\s+(?:version\s+of\s+(?:the\s+)?)?(?P<name>.+?)$"
                     r"|^(?P<after>.+?)\s+latest$", re.IGNORECASE)
#: What :func:`typed_version` gives for the latest version (as in MLflow's ``models:/NAME/latest``).
LATEST = "latest"


def typed_version(text: str) -> tuple[str, str] | None:
    """The name and the version (or alias, or :data:`LATEST`) in a version as people type one
    (:data:`_TYPED_VERSION`, :data:`_LATEST`), else None."""
    if (found := _TYPED_VERSION.match(text.strip())) is not None:
        return found["name"].strip(), found["number"] or found["key"] or found["which"]
    if (latest := _LATEST.match(text.strip())) is not None:
        return (latest["name"] or latest["after"]).strip(), LATEST
    return None


def version_refs(text: str) -> list[str]:
    """The ``name@version`` references ``text`` may stand for (:func:`typed_version`), most likely first.

    A name of several words is also tried with hyphens and with underscores between them, and a name with
    capitals in lower case: people type "Tumour classifier v3" for ``tumour-classifier@3``, the name as they say
    it. At most six references.
    """
    typed = typed_version(text)
    if typed is None:
        return []
    name, which = typed
    words = name.split()
    names = [name, "-".join(words), "_".join(words)] if len(words) > 1 else [name]
    spelt = dict.fromkeys([*names, *(n.lower() for n in names)])
    # The latest version is no alias: MLflow's URI for it resolves (``graph/refs.py`` mlflow_uri).
    return [f"models:/{each}/{LATEST}" if which == LATEST else f"{each}@{which}" for each in spelt]


def exact_ids(store: GraphStore, query: str) -> list[str]:
    """Ids the query names exactly as a reference: ``text`` itself, else a version as people type one
    (:func:`version_refs`: ``name vN``, ``name/N``, a name of several words for a hyphenated one)."""
    text = query.strip()
    if not text or len(text) > 300:
        return []
    found = resolve_reference(store, text)
    for ref in version_refs(text) if found is None else []:
        if (found := resolve_reference(store, ref)) is not None:
            break
    return [found] if found else []
