"""One function per question shape: the graph operation that answers it on the caller's view, with its paths.

Each takes the caller's view of the store, the resolver for entity text
(``search/questions/resolve.py`` find narrows it by a trailing kind word) and
the named parts ``search/questions/patterns.py`` read from the query; it
returns the answers, or None when an entity the question names is not found
(the query is then ranked). The rules come from their one home: lineage walks
and "in production" from ``graph/lineage.py``, "approved" from
``governance/approval.py``, reviews and deployments of a version from
``governance/facts.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from modelctx.governance import facts
from modelctx.governance.approval import ApprovalState, approval_of, approval_state
from modelctx.graph.ids import natural_key
from modelctx.graph.lineage import is_active_deployment, is_in_production, is_production_environment
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind, kind_of_id
from modelctx.graph.refs import model_versions
from modelctx.graph.store import GraphStore
from modelctx.search.intent import KIND_WORDS
from modelctx.search.questions.resolve import find, same_model_versions
from modelctx.search.questions.verbs import VERB_KINDS, WHO_ACTS, verb_of
from modelctx.search.questions.walks import (
    MAX_HOPS,
    Answer,
    Resolver,
    bounded_paths,
    edge_answers,
    edges_of,
    label,
    newest_first,
    once,
    render_path,
    scan,
    versions_of,
    walk,
    walk_starts,
)
from modelctx.vocabulary import Severity, Verdict, lower_is_better

K = NodeKind
E = EdgeType
#: Commits between two versions' commits followed through PARENT edges at most.
MAX_COMMITS = 50

#: What a "X" in "runs that used X" / "trained on X" may name.
DATA_KINDS: tuple[NodeKind, ...] = (K.DATASET, K.DATASET_VERSION, K.FEATURE, K.COMMIT, K.JOB, K.RUN,
                                    K.MODEL_VERSION, K.ENVIRONMENT, K.CODE_REPO)


def used_output(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Runs downstream of what X produced: the path passes a GENERATED_BY edge and ends in USED."""
    node = find(resolve, parts["x"], (K.JOB, K.RUN, K.DATASET, K.DATASET_VERSION))
    if node is None:
        return None

    def consumes(path: list[Edge]) -> bool:
        produced = node.kind in (K.DATASET, K.DATASET_VERSION) or any(e.type is E.GENERATED_BY for e in path)
        return produced and path[-1].type is E.USED

    return walk(view, [node.id], "down", (K.RUN,), keep=consumes)


def _downstream_of(view: GraphStore, resolve: Resolver, parts: dict[str, str], kinds: tuple[NodeKind, ...],
                   keep: Callable[[list[Edge]], bool] | None = None) -> list[Answer] | None:
    """The nodes of ``kinds`` downstream of X (one of ``DATA_KINDS``) whose path ``keep`` accepts, nearest first."""
    node = find(resolve, parts["x"], DATA_KINDS)
    if node is None:
        return None
    return walk(view, [node.id], "down", kinds, keep=keep)


def used(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Runs downstream of X (directly or through what was derived from it), nearest first."""
    return _downstream_of(view, resolve, parts, (K.RUN,), keep=lambda path: path[-1].type is E.USED)


def trained_on(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Model versions downstream of X."""
    return _downstream_of(view, resolve, parts, (K.MODEL_VERSION,))


def derived(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Dataset versions and features downstream of X (derived from it, or made by a run that read it), nearest
    first."""
    return _downstream_of(view, resolve, parts, (K.DATASET_VERSION, K.FEATURE))


def downstream(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Runs and model versions downstream of X, nearest first."""
    return _downstream_of(view, resolve, parts, (K.RUN, K.MODEL_VERSION, K.DATASET_VERSION, K.DEPLOYMENT))


def outputs_of(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """What run, job or experiment X generated (a job, an experiment, a sweep: through its runs), nearest first:
    the nodes GENERATED_BY it or them."""
    node = find(resolve, parts["x"], (K.RUN, K.JOB, K.EXPERIMENT))
    if node is None:
        return None
    return walk(view, [node.id], "down", edge_types=[E.GENERATED_BY, E.INSTANCE_OF, E.PART_OF, E.CHILD_OF],
                keep=lambda path: path[-1].type is E.GENERATED_BY)


#: What "the data X was trained on" may name, and what "upstream of X" may start from.
MADE_KINDS: tuple[NodeKind, ...] = (K.MODEL_VERSION, K.MODEL, K.RUN, K.DEPLOYMENT, K.DATASET_VERSION, K.FEATURE)


def _upstream_of(view: GraphStore, resolve: Resolver, parts: dict[str, str],
                 kinds: tuple[NodeKind, ...] | None) -> list[Answer] | None:
    """The nodes of ``kinds`` (None: every kind) upstream of X (a model's: of its versions), nearest first."""
    node = find(resolve, parts["x"], MADE_KINDS)
    if node is None:
        return None
    return once(walk(view, walk_starts(view, node), "up", kinds))


def training_data(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The dataset versions, datasets and features upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, (K.DATASET_VERSION, K.DATASET, K.FEATURE))


def environment_of(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The environments (interpreter and packages, ``training/environment.py``) upstream of X: what its runs ran in."""
    return _upstream_of(view, resolve, parts, (K.ENVIRONMENT,))


def upstream(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Everything upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, None)


def person_did(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """What is ATTRIBUTED_TO the person, of the kinds the verb names (commits: as their author), newest first."""
    person = find(resolve, parts["person"], (K.PERSON,))
    if person is None:
        return None
    verb = verb_of(parts["verb"])
    noun = verb_of(parts.get("noun", ""))
    if noun in VERB_KINDS and verb not in ("approve", "reject"):  # "which runs did ana launch": runs
        verb = noun
    kinds = VERB_KINDS.get(verb, (K.COMMIT,))
    edges = [e for e in view.get_edges([person.id], "in", [E.ATTRIBUTED_TO])
             if e.properties.get("role") in (None, "author", "reviewer", "deployer", "owner", "creator")
             or K.COMMIT not in kinds]
    answers = edge_answers(view, edges, "source", kinds)
    if verb in ("approve", "reject"):
        wanted = "approved" if verb == "approve" else "rejected"
        answers = [a for a in answers if (v := facts.verdict_of(a.node)) is not None and v.value == wanted]
    return newest_first(answers)


def _attached(view: GraphStore, resolve: Resolver, parts: dict[str, str], etype: EdgeType,
              kind: NodeKind) -> list[Answer] | None:
    """Reviews / deployments of a version (of every version of a model; of the version a deployment named by what it
    is called serves: "who reviewed the radiology pilot"), newest first."""
    node = find(resolve, parts["x"], (K.MODEL_VERSION, K.MODEL, K.DEPLOYMENT))
    if node is None:
        return None
    versions = ([e.target for e in view.get_edges([node.id], "out", [E.DEPLOYS])] if node.kind is K.DEPLOYMENT
                else versions_of(view, node))
    edges = view.get_edges(versions, "in", [etype])
    return newest_first(edge_answers(view, edges, "source", (kind,)))


def _with_people(view: GraphStore, answers: list[Answer] | None, parts: dict[str, str]) -> list[Answer] | None:
    """For a "who ..." question, each answer followed by the persons it is ATTRIBUTED_TO."""
    if answers is None or "who" not in parts:
        return answers
    edges = view.get_edges([a.node.id for a in answers], "out", [E.ATTRIBUTED_TO])
    people = {a.node.id: a for a in edge_answers(view, edges, "target", (K.PERSON,))}
    by_source: dict[str, list[Answer]] = {}
    for edge in edges:
        if edge.target in people:
            by_source.setdefault(edge.source, []).append(people[edge.target])
    return once([x for a in answers for x in (a, *by_source.get(a.node.id, []))])


def reviews_of(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The reviews of a version (of every version of a model), newest first; for "who ...", each with its reviewers.

    A verdict in the verb ("who approved X", "who requested changes on X", "who turned down X") keeps the reviews
    that gave it: the state each review alone would put a version in (``governance/approval.py``) is the one asked
    for (``REVIEW_STATES``); "who reviewed X" keeps them all.
    """
    reviews = _attached(view, resolve, parts, E.REVIEWS, K.REVIEW)
    said = parts.get("verb") or parts.get("declined")
    if reviews is not None and said is not None and not _NEUTRAL_REVIEW.match(said):
        reviews = _giving(reviews, said)
    return _with_people(view, reviews, parts)


def reviews_in_state(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every review that gave the verdict the question names ("which reviews were rejections"), newest first,
    each with the version it reviews."""
    acts = _acts(view, K.REVIEW, E.REVIEWS)
    return _giving([Answer(act, path) for act, _version, path in acts], parts["state"])


def _giving(reviews: list[Answer], said: str) -> list[Answer]:
    """The reviews among ``reviews`` that gave the verdict ``said`` names: the state each review alone would put a
    version in (``governance/approval.py``) is the one asked for (``REVIEW_STATES``, read by ``review_state``)."""
    state_asked = REVIEW_STATES[review_state(said)]
    return [a for a in reviews if state_asked(approval_state([a.node]))]


#: Verbs of reviewing that name no verdict ("who reviewed X", "who vetted X").
_NEUTRAL_REVIEW = re.compile(r"^(?:reviewed|vetted|been\s+through\s+review)$", re.IGNORECASE)


def deployments_of(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The deployments of a version (of every version of a model), newest first; for "who ...", each with its
    deployers."""
    return _with_people(view, _attached(view, resolve, parts, E.DEPLOYS, K.DEPLOYMENT), parts)


def who(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The persons the act behind X is ATTRIBUTED_TO (who trained X: its runs'; who wrote X: its commits'; who
    owns X: X's or its model's), then the acts themselves; an owner named only by a property is resolved."""
    verb = verb_of(parts.get("verb", "own"))  # "who is responsible for X" names no verb: who owns it
    acts_kinds = WHO_ACTS.get(verb, WHO_ACTS["own"])
    node = find(resolve, parts["x"], (*MADE_KINDS, K.COMMIT, K.DATASET, K.JOB, K.MODEL))
    if node is None:
        return None
    if node.kind in acts_kinds:  # X is the act itself (its path: X); who owns a version: the model too
        acts = [Answer(node, label(node, {}))]
        model = facts.model_of(view, node.id) if verb == "own" and node.kind is K.MODEL_VERSION else None
        if model is not None:
            acts.append(Answer(model, f"{label(node, {})} {E.VERSION_OF.value} {label(model, {})}"))
    else:
        acts = walk(view, walk_starts(view, node), "up", acts_kinds, hops=4)
    edges = view.get_edges([a.node.id for a in acts], "out", [E.ATTRIBUTED_TO])
    people = view.get_nodes({e.target for e in edges})
    out: list[Answer] = []
    unknown: dict[str, list[str]] = {}  # owners named by a property that no person node is
    for act in acts:
        for edge in edges:
            person = people.get(edge.target)
            if edge.source == act.node.id and person is not None and person.kind is K.PERSON:
                out.append(Answer(person, f"{act.path} {E.ATTRIBUTED_TO.value} {label(person, {})}"))
        for name in facts.owner_values(act.node) if verb == "own" else []:
            person = resolve(name, (K.PERSON,))
            if person is not None:
                out.append(Answer(person, f"{act.path}; owner: {name}"))
            else:
                unknown.setdefault(act.node.id, []).append(name)
    return once([*out, *(Answer(a.node, a.path + "".join(f"; owner: {n}" for n in unknown.get(a.node.id, [])))
                         for a in acts)])


def code_behind(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The commits upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, (K.COMMIT,))


def runs_behind(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The runs upstream of X (a model's: of its versions), with their jobs, the sweeps they are trials of and the
    experiments they are part of, nearest first."""
    node = find(resolve, parts["x"], MADE_KINDS)
    if node is None:
        return None
    return once(walk(view, walk_starts(view, node), "up", (K.RUN, K.JOB, K.EXPERIMENT),
                     edge_types=[*LINEAGE_EDGES, E.CHILD_OF, E.PART_OF]))


def in_production(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every deployment in production now (``graph/lineage.py``), or active in the environment the question names
    (in any, asked what is active), and the version it serves, newest first."""
    env = None if "active" in parts else parts.get("env", "production").lower()
    out: list[Answer] = []
    for deployment, version, path in _served(view, _production_deployments(view, environment=env)):
        out += [Answer(deployment, path), Answer(version, path, deployment)]
    return out  # a version served twice is an answer twice, once per deployment: questions/__init__.py keeps one


def deployed(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every deployment, active or retired (to the environment the question names, if any), and the version it
    serves, newest first: what was deployed, each version timed by its deployment. Asked for retired ones ("which
    models were rolled back"), those no longer active (``graph/lineage.py`` ``is_active_deployment``)."""
    env = parts.get("env")
    retired = "retired" in parts
    acts = _acts(view, K.DEPLOYMENT, E.DEPLOYS, keep=lambda d: (env is None or _environment_is(d, env.lower()))
                 and not (retired and is_active_deployment(d)))
    # A version deployed twice is an answer twice, once per deployment: questions/__init__.py keeps one.
    return [x for act, version, path in acts for x in (Answer(act, path), Answer(version, path, act))]


def reviewed(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every reviewed model version, each with its review (newest first): what was reviewed, timed by the review."""
    acts = _acts(view, K.REVIEW, E.REVIEWS)
    return [x for act, version, path in acts for x in (Answer(version, path, act), Answer(act, path))]


def trained(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every model version with the run that generated it (newest run first): what was trained, timed by the run."""
    acts = _acts(view, K.RUN, E.GENERATED_BY)
    return [x for act, version, path in acts for x in (Answer(version, path, act), Answer(act, path))]


def _acts(view: GraphStore, kind: NodeKind, etype: EdgeType,
          keep: Callable[[Node], bool] | None = None) -> list[tuple[Node, Node, str]]:
    """(act, model version, one-edge path) for the acts of ``kind`` (deployments, reviews, runs) ``keep`` accepts and
    the versions their ``etype`` edges join them to (a deployment DEPLOYS, a review REVIEWS a version; a version is
    GENERATED_BY a run), the newest act first."""
    newest = list(reversed(facts.sort_by_time(a for a in scan(view, kind) if keep is None or keep(a))))
    ids = [a.id for a in newest]
    edges = edges_of(view, ids, "in", [etype]) if etype is E.GENERATED_BY else edges_of(view, ids, "out", [etype])
    nodes = view.get_nodes({e.source for e in edges} | {e.target for e in edges})
    by_act: dict[str, list[Edge]] = {}
    for edge in edges:
        by_act.setdefault(edge.target if etype is E.GENERATED_BY else edge.source, []).append(edge)
    out: list[tuple[Node, Node, str]] = []
    for act in newest:
        for edge in by_act.get(act.id, []):
            version = nodes.get(edge.source if etype is E.GENERATED_BY else edge.target)
            if version is not None and version.kind is K.MODEL_VERSION:
                out.append((act, version, render_path([edge], nodes)))
    return out


def _environment_is(deployment: Node, environment: str) -> bool:
    """Whether a deployment is to ``environment`` (production by any of its names: ``graph/lineage.py``; another
    by its name or a longer one, "stag" for "staging")."""
    named = str(deployment.properties.get("environment") or "").strip().lower()
    if is_production_environment(environment):
        return is_production_environment(named)
    return named == environment or named.startswith(environment)


def _in_environment(deployment: Node, environment: str | None) -> bool:
    """Active in ``environment`` ("production" and its names: ``graph/lineage.py`` is_in_production; None: any)."""
    if environment is not None and is_production_environment(environment):
        return is_in_production(deployment)
    return is_active_deployment(deployment) and (environment is None or _environment_is(deployment, environment))


def _production_deployments(view: GraphStore, versions: Iterable[str] | None = None,
                            environment: str | None = "production") -> list[tuple[Node, Edge]]:
    """(deployment, its DEPLOYS edge) for deployments in production (``graph/lineage.py``) or active in another
    environment (None: in any), newest first."""
    if versions is None:
        deployments = [d for d in scan(view, K.DEPLOYMENT) if _in_environment(d, environment)]
        edges = view.get_edges([d.id for d in deployments], "out", [E.DEPLOYS]) if deployments else []
    else:
        edges = view.get_edges(list(versions), "in", [E.DEPLOYS])
        deployments = [d for d in view.get_nodes({e.source for e in edges}).values() if is_in_production(d)]
    by_id = {d.id: d for d in facts.sort_by_time(deployments)}
    order = {ident: i for i, ident in enumerate(by_id)}
    pairs = [(by_id[e.source], e) for e in edges if e.source in by_id]
    return sorted(pairs, key=lambda pair: -order[pair[0].id])


def _served(view: GraphStore, pairs: list[tuple[Node, Edge]]) -> list[tuple[Node, Node, str]]:
    """(deployment, the version it DEPLOYS, the one-edge path) for each pair whose version the view holds, in order."""
    nodes = view.get_nodes({e.source for _, e in pairs} | {e.target for _, e in pairs})
    return [(deployment, nodes[e.target], render_path([e], nodes)) for deployment, e in pairs if e.target in nodes]


#: Words a question says "in production" by that name no environment (``graph/lineage.py`` names production's).
_PRODUCTION_SAID = frozenset({"live", "serving", "in use"})


def unapproved_in_production(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Model versions deployed and active in the environment the question names (production by any of its names:
    production, prod, live, serving...; "without approval in staging": staging), else active anywhere ("deployed
    models without an approval"), whose approval (``governance/approval.py``) is not granted."""
    out: list[Answer] = []
    said = " ".join(parts["env"].lower().split()) if "env" in parts else None
    environment = "production" if said in _PRODUCTION_SAID else said
    for deployment, version, path in _served(view, _production_deployments(view, environment=environment)):
        state = approval_of(view, version.id)
        if not state.approved:
            why = f"{path}; {state.state}: {state.reason}"
            out += [Answer(version, why, deployment), Answer(deployment, why)]
    return out  # a version deployed twice is an answer twice, once per deployment: questions/__init__.py keeps one


def current_production(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The versions of model X deployed in production now, the newest deployment first, then the deployments; for a
    deployment named by what it is called ("what's serving on the postal line"), the version it serves while active
    (``graph/lineage.py`` is_active_deployment)."""
    if "deployment" in parts:
        named = find(resolve, parts["deployment"], (K.DEPLOYMENT,))
        if named is None:
            return None
        served = _served(view, [(named, e) for e in view.get_edges([named.id], "out", [E.DEPLOYS])]
                         if is_active_deployment(named) else [])
        return [*(Answer(version, path, deployment) for deployment, version, path in served), *(
            Answer(deployment, path) for deployment, _, path in served[:1])]
    node = find(resolve, parts["x"], (K.MODEL, K.MODEL_VERSION))
    if node is None:
        return None
    if node.kind is K.MODEL_VERSION:
        model = facts.model_of(view, node.id)
        node = model or node
    served = _served(view, _production_deployments(view, versions_of(view, node)))
    return once([*(Answer(version, path, deployment) for deployment, version, path in served),
                 *(Answer(deployment, path) for deployment, _, path in served)])


def best_runs(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The runs behind X ranked by a metric, the best first (asked for versions or models: the versions they made,
    each before its run): X a model or version (the runs that made its versions), a run (its trials, CHILD_OF it, else
    itself), an experiment (its runs) or data (the runs that used it). The metric is the one named ("the highest
    accuracy"), else the one most of them logged; best is highest unless a smaller value of it is better
    (``vocabulary.py`` lower_is_better) or the question says lowest. Runs without the metric are left out."""
    node = find(resolve, parts["x"], (K.MODEL, K.MODEL_VERSION, K.RUN, K.EXPERIMENT, K.DATASET, K.DATASET_VERSION))
    if node is None:
        return None
    if node.kind in (K.MODEL, K.MODEL_VERSION):
        made = view.get_edges(versions_of(view, node), "out", [E.GENERATED_BY])
        runs = edge_answers(view, made, "target", (K.RUN,))
    elif node.kind in (K.RUN, K.EXPERIMENT):
        children = view.get_edges([node.id], "in", [E.CHILD_OF if node.kind is K.RUN else E.PART_OF])
        runs = edge_answers(view, children, "source", (K.RUN,)) or [Answer(node, label(node, {}))]
    else:
        runs = walk(view, [node.id], "down", (K.RUN,), keep=lambda path: path[-1].type is E.USED)
    logged = [(a, _metrics(a.node)) for a in runs]
    metric = _metric_asked(parts.get("metric"), [m for _, m in logged])
    if metric is None:
        return []
    lowest = bool(re.match(r"(?:lowest|min|smallest)", parts.get("best", ""), re.IGNORECASE)) or (
        lower_is_better(metric) and not re.match(r"(?:highest|max|biggest)", parts.get("best", ""), re.IGNORECASE))
    ranked = sorted(((a, m[metric]) for a, m in logged if metric in m), key=lambda pair: (
        pair[1] if lowest else -pair[1], pair[0].node.title, pair[0].node.id))
    out: list[Answer] = []
    versions_asked = _asks_for_versions(parts)
    for run, value in ranked:
        scored = Answer(run.node, f"{run.path}; {metric} {value:g}")
        if versions_asked:
            built = edge_answers(view, view.get_edges([run.node.id], "in", [E.GENERATED_BY]), "source",
                                 (K.MODEL_VERSION,))
            out += [Answer(v.node, f"{v.path}; {metric} {value:g}", run.node) for v in built]
        out.append(scored)
    return once(out)


def _asks_for_versions(parts: dict[str, str]) -> bool:
    """Whether the question asks for models or versions ("which models are drifting", "best versions of X"): their
    answers then put the versions first."""
    return re.match(r"(?:models?|versions?|model\s+versions?)$", parts.get("subject", ""), re.IGNORECASE) is not None


def _metrics(run: Node) -> dict[str, float]:
    """A run's numeric metrics (``metrics``: SDK, MLflow), by name in lower case."""
    logged = run.properties.get("metrics")
    if not isinstance(logged, dict):
        return {}
    return {str(k).lower(): float(v) for k, v in logged.items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


def _metric_asked(named: str | None, logged: list[dict[str, float]]) -> str | None:
    """The metric a question ranks by: the one named (or the only logged one holding its name: "auc" is "val_auc"),
    else the one most runs logged (ties by name); None when none fits."""
    counts: dict[str, int] = {}
    for metrics in logged:
        for name in metrics:
            counts[name] = counts.get(name, 0) + 1
    if named:
        said = named.lower()
        holding = sorted(n for n in counts if said in n)
        return said if said in counts else (holding[0] if len(holding) == 1 else None)
    return min(counts, key=lambda n: (-counts[n], n)) if counts else None


def rollback_candidates(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The versions a model could roll back to: those once served in production (a production deployment no longer
    active, ``graph/lineage.py``) and not serving there now, the newest such deployment first, each with its approval
    (``governance/approval.py``): of model X (a version named: of its model, other than it), else of every model."""
    named: str | None = None
    if "x" in parts:
        node = find(resolve, parts["x"], (K.MODEL, K.MODEL_VERSION))
        if node is None:
            return None
        model = facts.model_of(view, node.id) if node.kind is K.MODEL_VERSION else node
        named = node.id if node.kind is K.MODEL_VERSION else None
        edges = view.get_edges(versions_of(view, model) if model is not None else [node.id], "in", [E.DEPLOYS])
        deployments = list(view.get_nodes({e.source for e in edges}).values())
    else:
        deployments = list(scan(view, K.DEPLOYMENT))
    production = [d for d in deployments if is_production_environment(d.properties.get("environment"))]
    serving = {e.target for e in view.get_edges([d.id for d in production if is_in_production(d)], "out",
                                                [E.DEPLOYS])} if production else set()
    retired = [d for d in reversed(facts.sort_by_time(production)) if not is_active_deployment(d)]
    out: list[Answer] = []
    for deployment, version, path in _served(view, [(d, e) for d in retired
                                                    for e in view.get_edges([d.id], "out", [E.DEPLOYS])]):
        if version.id not in serving and version.id != named and version.kind is K.MODEL_VERSION:
            state = approval_of(view, version.id)
            out.append(Answer(version, f"{path} (retired); {state.state}: {state.reason}", deployment))
    return once(out)


def from_sweep(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Model versions GENERATED_BY a sweep's trial (a run CHILD_OF another run) or by the sweep's parent run,
    newest first; for a question about runs or trials, the trial runs first. A sweep named (X: "the trials of
    X") is that run's: its children and what they and it made; an experiment named, the runs PART_OF it."""
    if "x" in parts:
        sweep = find(resolve, parts["x"], (K.RUN, K.EXPERIMENT))
        if sweep is None:
            return None
        children = view.get_edges([sweep.id], "in", [E.CHILD_OF if sweep.kind is K.RUN else E.PART_OF])
    else:
        children = edges_of(view, [r.id for r in scan(view, K.RUN)], "out", [E.CHILD_OF])
    parent_of = {e.source: e for e in children}
    trials: dict[str, int] = {}
    for edge in children:
        trials[edge.target] = trials.get(edge.target, 0) + 1
    made = view.get_edges([*parent_of, *trials], "in", [E.GENERATED_BY]) if parent_of else []
    chains = [[m, parent_of[m.target]] if m.target in parent_of else [m] for m in made]
    nodes = view.get_nodes({i for c in [*chains, children] for e in c for i in (e.source, e.target)})
    versions = [Answer(nodes[c[0].source], render_path(c, nodes) + ("" if len(c) > 1 else
                                                                    f" (a sweep of {trials[c[0].target]} trial runs)"))
                for c in chains if c[0].source in nodes and nodes[c[0].source].kind is K.MODEL_VERSION]
    runs_asked = re.match(r"(?:runs?|trials?|experiments?|child\s+runs?|children|sub-?runs?)$",
                          parts.get("subject", ""), re.IGNORECASE)
    if not runs_asked:
        return once(newest_first(versions))
    trial_runs = [Answer(nodes[e.source], render_path([e], nodes)) for e in children if e.source in nodes]
    return once([*newest_first(trial_runs), *newest_first(versions)])


def _by_approval(view: GraphStore, keep: Callable[[ApprovalState], bool]) -> list[Answer]:
    """Model versions whose approval state (``governance/approval.py``) ``keep`` accepts, newest first, each with
    the state and who decided it."""
    out: list[Answer] = []
    for version in scan(view, K.MODEL_VERSION):
        state = approval_of(view, version.id)
        if keep(state):
            out.append(Answer(version, f"{label(version, {})}: {state.state}: {state.reason}", state.in_force))
    return newest_first(out)


def versions_without(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Model versions lacking what the question names: a review (no REVIEWS edge), an approval
    (``governance/approval.py``) or a deployment (no DEPLOYS edge), newest first."""
    lacking = parts["lacking"].lower()
    if lacking.startswith(("approv", "unapprov", "sign", "green", "okay")):
        return _by_approval(view, lambda state: not state.approved)
    versions = list(scan(view, K.MODEL_VERSION))
    etype, says = (E.DEPLOYS, "never deployed") if "deploy" in lacking else (E.REVIEWS, "no reviews")
    had = {e.target for e in edges_of(view, [v.id for v in versions], "in", [etype])}
    return newest_first([Answer(v, f"{label(v, {})}: {says}") for v in versions if v.id not in had])


def of_kind(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every node of the kind the question names ("list all datasets", "which runs ran in May 2024"), newest first.

    The kind is the first its word names in ``search/intent.py`` ``KIND_WORDS`` (the one table of kind words); at
    most ``MAX_SCAN`` nodes are read.
    """
    kind = KIND_WORDS[" ".join(parts["kind"].lower().split())][0]
    return newest_first([Answer(node, label(node, {})) for node in scan(view, kind)])


def untrained_datasets(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Datasets (then dataset versions) with no model version anywhere downstream."""
    out: list[Answer] = []
    for kind in (K.DATASET, K.DATASET_VERSION):
        for node in scan(view, kind):
            if not view.reachable([node.id], "down", kinds=[K.MODEL_VERSION], max_depth=MAX_HOPS):
                out.append(Answer(node, f"{label(node, {})}: no model version downstream"))
    return out


def drifting(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Deployments with an open alert (``governance/facts.py`` open_alert: active, newest monitoring report not
    quiet), most severe first, each with the version it serves and the report; of model X's versions, or X itself
    a deployment, when the question names one; of the severity it names ("critical drift": ``alert_severity``); in
    production when it says so ("drift in production", "which production models are drifting").
    Asked about models or versions, the versions come first."""
    if "x" in parts:
        node = find(resolve, parts["x"], (K.MODEL, K.MODEL_VERSION, K.DEPLOYMENT))
        if node is None:
            return None
        if node.kind is K.DEPLOYMENT:
            deployments = [node]
        else:
            deploys = view.get_edges(versions_of(view, node), "in", [E.DEPLOYS])
            deployments = list(view.get_nodes({e.source for e in deploys}).values())
    else:
        deployments = list(scan(view, K.DEPLOYMENT))
    if "prod" in parts:  # "drift in production": of deployments in production (graph/lineage.py), not staging's
        deployments = [d for d in deployments if is_in_production(d)]
    versions_first = _asks_for_versions(parts)
    named = alert_severity(parts["severity"]) if "severity" in parts else None
    found: list[tuple[int, list[Answer]]] = []
    for deployment, (report, severity) in ((d, a) for d in deployments if (a := facts.open_alert(view, d))):
        if named is not None and not named(severity):
            continue
        served = edge_answers(view, view.get_edges([deployment.id], "out", [E.DEPLOYS]), "target",
                              (K.MODEL_VERSION,))
        path = (f"{label(report, {})} {E.MONITORS.value} {label(deployment, {})}"
                + "".join(f" {E.DEPLOYS.value} {label(v.node, {})}" for v in served[:1])
                + f"; severity {severity.value}")
        versions = [Answer(v.node, path, report) for v in served[:1]]
        own = [Answer(deployment, path, report), Answer(report, path)]
        found.append((severity.rank, [*versions, *own] if versions_first else [own[0], *versions, own[1]]))
    return once([a for _, answers in sorted(found, key=lambda pair: -pair[0]) for a in answers])


#: Words a drift question names a severity by that are not ``vocabulary.py`` Severity's own: "severe" drift is
#: high or critical; "moderate" is medium, "minor" low.
_SEVERITY_WORDS: dict[str, tuple[Severity, bool]] = {
    "severe": (Severity.HIGH, True), "serious": (Severity.HIGH, True), "major": (Severity.HIGH, True),
    "moderate": (Severity.MEDIUM, False), "minor": (Severity.LOW, False),
}


def alert_severity(text: str) -> Callable[[Severity], bool]:
    """Which alert severities a severity as typed asks for: the level ``vocabulary.py`` Severity reads ("critical";
    "warning" is medium, as monitoring wrote it), or high and above for "severe"."""
    word = text.lower().split("-")[0].split()[0]
    level, or_above = _SEVERITY_WORDS.get(word, (Severity.read(word), False))
    return (lambda s: s.rank >= level.rank) if or_above else (lambda s: s is level)


def _in_order(view: GraphStore, model: Node) -> list[Node]:
    """A model's versions, oldest first: by number (``graph/refs.py`` model_versions); versions written without a
    model property are found by their VERSION_OF edges and ordered by their number (their ``version``, else their
    key's last part: ``model_version:tumour/3``), those without one first, by time."""
    found = model_versions(view, natural_key(model.id))
    if found:
        return found
    edges = view.get_edges([model.id], "in", [E.VERSION_OF])
    oldest_first = [a.node for a in reversed(newest_first(edge_answers(view, edges, "source", (K.MODEL_VERSION,))))]
    return sorted(oldest_first, key=_number)


def _number(version: Node) -> int:
    """A version's number (-1 when it has none)."""
    said = str(version.properties.get("version") or natural_key(version.id).rpartition("/")[2])
    return int(said) if said.isdigit() else -1


def _version_before(view: GraphStore, version: Node) -> Node | None:
    """The version of ``version``'s model just below it (``_in_order``), None for the first."""
    model = facts.model_of(view, version.id)
    versions = _in_order(view, model) if model is not None else []
    ids = [v.id for v in versions]
    at = ids.index(version.id) if version.id in ids else 0
    return versions[at - 1] if at > 0 else None


def changed_between(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """What lies upstream of B but not of A (then what only A had), with the commits between theirs; without A
    ("what's new in churn v3"), A is the version of B's model before B (``graph/refs.py`` model_versions); without
    B ("what changed since churn v2"), B is the latest version of A's model."""
    kinds = (K.MODEL_VERSION, K.DATASET_VERSION, K.RUN, K.COMMIT, K.MODEL, K.DATASET)
    if "a" in parts:
        earlier, later = same_model_versions(parts["a"], parts["b"])
        first, second = find(resolve, earlier, kinds), find(resolve, later, kinds)
    elif "since" in parts:  # "what changed since churn v2": from it to its model's latest version
        first = find(resolve, parts["since"], (K.MODEL_VERSION,))
        model = facts.model_of(view, first.id) if first is not None else None
        latest = _in_order(view, model) if model is not None else []
        second = latest[-1] if latest else None
    else:
        second = find(resolve, parts["b"], (K.MODEL_VERSION,))
        first = _version_before(view, second) if second is not None else None
    if first is None or second is None or first.id == second.id:
        return None
    types = [*LINEAGE_EDGES, E.CHILD_OF]
    before = bounded_paths(view, [first.id], "up", types)
    after = bounded_paths(view, [second.id], "up", types)
    shared_model = {e.target for e in view.get_edges([first.id, second.id], "out", [E.VERSION_OF])}
    only_after = [i for i in after if i not in before and i not in shared_model and i != second.id]
    only_before = [i for i in before if i not in after and i not in shared_model and i != first.id]
    # Commits between: from each commit only B has, back through PARENT edges until one A has.
    between: dict[str, list[Edge]] = {}
    frontier = [i for i in only_after if kind_of_id(i) is K.COMMIT]
    while frontier and len(between) < MAX_COMMITS:
        edges = view.get_edges(frontier, "out", [E.PARENT])
        frontier = []
        for edge in edges:
            if edge.target in before or edge.target in after or edge.target in between:
                continue
            between[edge.target] = [*between.get(edge.source, after.get(edge.source, [])), edge]
            frontier.append(edge.target)
    wanted = only_after + list(between) + only_before
    nodes = view.get_nodes({*wanted, first.id, second.id, *(i for p in (*after.values(), *before.values(),
                                                                        *between.values())
                                                           for e in p for i in (e.source, e.target))})

    def only_in(ids: list[str], node: Node, paths: dict[str, list[Edge]]) -> list[Answer]:
        return [Answer(nodes[i], f"only in {label(node, nodes)}: {render_path(paths[i], nodes)}")
                for i in ids if i in nodes]

    found = [*only_in(only_after, second, after),
             *(Answer(nodes[i], f"between the two: {render_path(path, nodes)}") for i, path in between.items()
               if i in nodes),
             *only_in(only_before, first, before)]
    # "Which commits / features / datasets changed between A and B": the kind named (search/intent.py KIND_WORDS).
    named = KIND_WORDS.get(" ".join(parts["kind"].lower().split())) if "kind" in parts else None
    return found if named is None else [a for a in found if a.node.kind in named]


#: The review states a question may ask for ("which models were rejected") → whether a version's state is one.
REVIEW_STATES: dict[str, Callable[[ApprovalState], bool]] = {
    "approved": lambda state: state.approved,
    "rejected": lambda state: state.state == Verdict.REJECTED,
    "changes_requested": lambda state: state.state == Verdict.CHANGES_REQUESTED,
    "objected": lambda state: state.objected,
}


def versions_in_state(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Model versions whose review verdict in force (``governance/approval.py``) is the one the question names
    (approved, rejected, changes requested, or either objection for "failed review"), newest first; of those in
    production now (``graph/lineage.py``) when the question says so ("approved models in production")."""
    found = _by_approval(view, REVIEW_STATES[review_state(parts["state"])])
    if "env" not in parts:
        return found
    serving = {e.target for _, e in _production_deployments(view)}
    return [a for a in found if a.node.id in serving]


def review_state(text: str) -> str:
    """The ``REVIEW_STATES`` key a state as typed names: "turned down" is rejected, "failed review" objected."""
    said = " ".join(text.lower().split())
    if said.startswith(("fail", "did not", "didn't", "not pass")):
        return "objected"
    if "change" in said or said.startswith("sent back"):
        return "changes_requested"
    return "rejected" if said.startswith("reject") or verb_of(said) == "reject" else "approved"


def versions_of_node(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The versions of model (or dataset) X, latest first: a model's by version number (``graph/refs.py``, where
    ``NAME`` alone names the latest), a dataset's by time; a version named stands for its model or dataset."""
    kinds = (K.MODEL, K.DATASET, K.MODEL_VERSION, K.DATASET_VERSION)
    node = find(resolve, parts["x"], kinds)
    if node is None:
        return None
    if node.kind in (K.MODEL_VERSION, K.DATASET_VERSION):
        parents = edge_answers(view, view.get_edges([node.id], "out", [E.VERSION_OF]), "target")
        node = parents[0].node if parents else node
    if node.kind is K.MODEL:
        versions = list(reversed(_in_order(view, node)))
        total = len(versions)
        return [Answer(v, f"{label(v, {})} {E.VERSION_OF.value} {label(node, {})}"
                          + (f" (the latest of {total})" if rank == 0 and total > 1 else ""))
                for rank, v in enumerate(versions)]
    if node.kind is K.DATASET:
        return newest_first(edge_answers(view, view.get_edges([node.id], "in", [E.VERSION_OF]), "source",
                                         (K.DATASET_VERSION,)))
    return None
