"""Questions about structure, answered from the graph: deterministic, offline, one parser per shape.

A search query that matches one of ``SHAPES`` ("runs that used the output of
nightly_etl", "what did Ada change", "in production without approval", ...)
is not ranked: the entities it names are resolved (an id, ``name@version`` /
``name vN`` through ``graph/refs.py``, an exact name, else the best
search hit of a fitting kind that shares a word with it), the graph operation
runs on the caller's view of the store, and every answer carries the path that
makes it one (``run R USED dataset_version D GENERATED_BY run E INSTANCE_OF job J``).

The rules come from their one home: lineage walks and "in production" from
``graph/lineage.py``, "approved" from ``governance/approval.py``, reviews and
deployments of a version from ``governance/facts.py``. A query no shape
matches, or whose entity cannot be resolved, returns ``None``: the caller ranks
it as usual. The guide (docs/guide/search.md, "Questions about structure")
lists the shapes with an example each; ``SHAPES`` is the list it documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from modelctx.errors import ModelctxError
from modelctx.governance import facts
from modelctx.governance.approval import approval_of
from modelctx.graph.lineage import is_active_deployment, is_in_production, is_production_environment, paths_from
from modelctx.graph.model import LINEAGE_EDGES, Edge, EdgeType, Node, NodeKind
from modelctx.graph.refs import resolve_ref
from modelctx.graph.store import GraphStore
from modelctx.search.intent import kind_word_at_end

K = NodeKind
E = EdgeType
#: Hops a question's walk may take, and nodes it may visit: every answer is bounded.
MAX_HOPS = 8
MAX_VISITED = 5000
#: Nodes of one kind a whole-graph question (sweeps, unused datasets, production) scans at most.
MAX_SCAN = 20_000
#: Commits between two versions' commits followed through PARENT edges at most.
MAX_COMMITS = 50
#: Longest entity text resolved (a question is bounded by the search query limit too).
MAX_ENTITY_CHARS = 200

#: Resolves entity text to a node of one of the kinds (best first), or None.
Resolver = Callable[[str, tuple[NodeKind, ...]], Node | None]


@dataclass(frozen=True, slots=True)
class Answer:
    """One node that answers a question, and the path (or fact) that makes it an answer."""

    node: Node
    path: str


@dataclass(frozen=True, slots=True)
class Shape:
    """One recognised question shape: its pattern, an example, and how it is answered."""

    name: str
    pattern: re.Pattern[str]
    example: str
    answer: Callable[[GraphStore, Resolver, dict[str, str]], list[Answer] | None]

    @property
    def meaning(self) -> str:
        """What every wording of this shape asks, in words (what a search says it read the query as)."""
        return MEANINGS[self.name]


#: What each shape asks, whatever its wording (one line per shape name; ``tests/search/test_questions.py``
#: checks that every shape has one).
MEANINGS: dict[str, str] = {
    "unapproved_production": "model versions deployed in production without an approval",
    "sweep": "model versions that came out of a hyperparameter sweep",
    "used_output": "runs that used what a run or job produced",
    "trained_on": "model versions trained on a dataset",
    "used": "runs that used a dataset",
    "downstream": "what is downstream of a node",
    "training_data": "the data a model version was trained on",
    "upstream": "what a node came from",
    "person_did": "what a person did",
    "untrained_datasets": "datasets no model version was trained on",
    "current_production": "the model version in production for a model",
    "changed_between": "what changed between two versions",
    "reviews_of": "the reviews of a model version",
    "deployments_of": "the deployments of a model version",
    "who": "who did something to a node (trained, wrote or owns it)",
    "code_behind": "the commits a node came from",
    "runs_behind": "the runs a node came from",
    "in_production": "everything deployed in production (or a named environment) now",
    "versions_without": "model versions with no review, approval or deployment",
}


# -- rendering and walking ----------------------------------------------------------------------


def _label(node: Node | str, nodes: dict[str, Node]) -> str:
    found = node if isinstance(node, Node) else nodes.get(node)
    if found is None:
        return str(node)
    return f"{found.kind.value} {found.title}"


def render_path(edges: list[Edge], nodes: dict[str, Node]) -> str:
    """Edges forming a chain (each edge's target is the next edge's source) as ``kind title TYPE kind title ...``."""
    if not edges:
        return ""
    parts = [_label(edges[0].source, nodes)]
    for edge in edges:
        parts += [edge.type.value, _label(edge.target, nodes)]
    return " ".join(parts)


def _chain(path: list[Edge], direction: Literal["up", "down"]) -> list[Edge]:
    """A walk's edges as a chain following the edges as they point (a downward walk reads backwards)."""
    return list(reversed(path)) if direction == "down" else path


def _walk(
    view: GraphStore, starts: Iterable[str], direction: Literal["up", "down"], kinds: Iterable[NodeKind] | None = None,
    *, edge_types: Iterable[EdgeType] | None = None, hops: int = MAX_HOPS,
    keep: Callable[[list[Edge]], bool] | None = None,
) -> list[Answer]:
    """Nodes of ``kinds`` reachable from ``starts``, nearest first, each with its path."""
    start_ids = list(starts)
    paths = paths_from(view, start_ids, direction, max_depth=hops, edge_types=edge_types, max_nodes=MAX_VISITED)
    wanted = frozenset(kinds) if kinds is not None else None
    found = [i for i, p in paths.items() if p and i not in start_ids and (keep is None or keep(p))]
    nodes = view.get_nodes({i for i in found} | {e.source for i in found for e in paths[i]}
                           | {e.target for i in found for e in paths[i]})
    return [Answer(nodes[i], render_path(_chain(paths[i], direction), nodes)) for i in found
            if i in nodes and (wanted is None or nodes[i].kind in wanted)]


def _edge_answers(view: GraphStore, edges: Iterable[Edge], pick: Literal["source", "target"],
                  kinds: Iterable[NodeKind] | None = None) -> list[Answer]:
    """The source (or target) of each edge as an answer with the one-edge path, once each."""
    edges = list(edges)
    nodes = view.get_nodes({e.source for e in edges} | {e.target for e in edges})
    wanted = frozenset(kinds) if kinds is not None else None
    out: dict[str, Answer] = {}
    for edge in edges:
        ident = edge.source if pick == "source" else edge.target
        node = nodes.get(ident)
        if node is None or ident in out or (wanted is not None and node.kind not in wanted):
            continue
        out[ident] = Answer(node, render_path([edge], nodes))
    return list(out.values())


def _scan(view: GraphStore, kind: NodeKind) -> Iterator[Node]:
    for count, node in enumerate(view.iter_nodes(kind)):
        if count >= MAX_SCAN:
            return
        yield node


def _newest_first(answers: list[Answer]) -> list[Answer]:
    order = {n.id: i for i, n in enumerate(facts.sort_by_time(a.node for a in answers))}
    return sorted(answers, key=lambda a: -order.get(a.node.id, 0))


def _versions_of(view: GraphStore, node: Node) -> list[str]:
    """A model's versions (a Dataset's versions), else the node itself."""
    if node.kind in (K.MODEL, K.DATASET):
        return [e.source for e in view.get_edges([node.id], "in", [E.VERSION_OF])] or [node.id]
    return [node.id]


# -- the shapes' answers ---------------------------------------------------------------------------

#: What a "X" in "runs that used X" / "trained on X" may name.
DATA_KINDS: tuple[NodeKind, ...] = (K.DATASET, K.DATASET_VERSION, K.FEATURE, K.COMMIT, K.JOB, K.RUN,
                                    K.MODEL_VERSION, K.ENVIRONMENT, K.CODE_REPO)


def _used_output(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Runs downstream of what X produced: the path passes a GENERATED_BY edge and ends in USED."""
    node = _find(resolve, parts["x"], (K.JOB, K.RUN, K.DATASET, K.DATASET_VERSION))
    if node is None:
        return None

    def consumes(path: list[Edge]) -> bool:
        produced = node.kind in (K.DATASET, K.DATASET_VERSION) or any(e.type is E.GENERATED_BY for e in path)
        return produced and path[-1].type is E.USED

    return _walk(view, [node.id], "down", (K.RUN,), keep=consumes)


def _used(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Runs downstream of X (directly or through what was derived from it), nearest first."""
    node = _find(resolve, parts["x"], DATA_KINDS)
    if node is None:
        return None
    return _walk(view, [node.id], "down", (K.RUN,), keep=lambda path: path[-1].type is E.USED)


def _trained_on(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Model versions downstream of X."""
    node = _find(resolve, parts["x"], DATA_KINDS)
    if node is None:
        return None
    return _walk(view, [node.id], "down", (K.MODEL_VERSION,))


def _downstream(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Runs and model versions downstream of X, nearest first."""
    node = _find(resolve, parts["x"], DATA_KINDS)
    if node is None:
        return None
    return _walk(view, [node.id], "down", (K.RUN, K.MODEL_VERSION, K.DATASET_VERSION, K.DEPLOYMENT))


#: What "the data X was trained on" may name, and what "upstream of X" may start from.
MADE_KINDS: tuple[NodeKind, ...] = (K.MODEL_VERSION, K.MODEL, K.RUN, K.DEPLOYMENT, K.DATASET_VERSION, K.FEATURE)


def _upstream_of(view: GraphStore, resolve: Resolver, parts: dict[str, str],
                 kinds: tuple[NodeKind, ...] | None) -> list[Answer] | None:
    node = _find(resolve, parts["x"], MADE_KINDS)
    if node is None:
        return None
    return _once(_walk(view, _versions_of(view, node) if node.kind is K.MODEL else [node.id], "up", kinds))


def _training_data(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The dataset versions, datasets and features upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, (K.DATASET_VERSION, K.DATASET, K.FEATURE))


def _upstream(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """Everything upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, None)


#: Verbs of "what did PERSON <verb>" → the kinds attributed to the person that answer it.
VERB_KINDS: dict[str, tuple[NodeKind, ...]] = {
    "change": (K.COMMIT,), "commit": (K.COMMIT,), "write": (K.COMMIT,), "author": (K.COMMIT,),
    "push": (K.COMMIT,), "review": (K.REVIEW,), "approve": (K.REVIEW,), "reject": (K.REVIEW,),
    "deploy": (K.DEPLOYMENT,), "ship": (K.DEPLOYMENT,), "release": (K.DEPLOYMENT,), "train": (K.RUN,),
    "run": (K.RUN,), "work": (K.COMMIT, K.REVIEW, K.DEPLOYMENT, K.RUN), "do": (K.COMMIT, K.REVIEW, K.DEPLOYMENT, K.RUN),
    "touch": (K.COMMIT,), "sign": (K.REVIEW,), "own": (K.MODEL, K.DATASET, K.FEATURE, K.JOB),
}
_VERB_FORMS = {"changed": "change", "changes": "change", "committed": "commit", "commits": "commit",
               "wrote": "write", "written": "write", "authored": "author", "pushed": "push",
               "reviewed": "review", "reviews": "review", "approved": "approve", "rejected": "reject",
               "deployed": "deploy", "deployments": "deploy", "deployment": "deploy", "shipped": "ship",
               "released": "release", "trained": "train", "ran": "run", "runs": "run", "worked": "work",
               "done": "do", "did": "do", "touched": "touch", "signed": "sign", "approvals": "approve",
               "rejections": "reject", "trainings": "train", "commit": "commit",
               # synonyms people type for the same acts
               "releases": "release", "rollouts": "deploy", "roll out": "deploy", "rolled out": "deploy",
               "launch": "deploy", "launched": "deploy", "promote": "deploy", "promoted": "deploy",
               "put live": "deploy", "put in production": "deploy", "pushes": "push",
               "decline": "reject", "declined": "reject", "refuse": "reject", "refused": "reject",
               "turn down": "reject", "turned down": "reject", "veto": "reject", "vetoed": "reject",
               "green-light": "approve", "green-lit": "approve", "greenlit": "approve", "green-lighted": "approve",
               "okay": "approve", "okayed": "approve", "ok'd": "approve", "accept": "approve", "accepted": "approve",
               "sign off": "approve", "signed off": "approve", "sign off on": "approve", "signed off on": "approve",
               "sign-offs": "approve", "signoffs": "approve",
               "fit": "train", "fitted": "train", "modify": "change", "modified": "change", "edit": "change",
               "edited": "change", "own": "own", "owns": "own", "owned": "own",
               "working": "work", "committing": "commit", "reviewing": "review", "deploying": "deploy",
               "changing": "change", "training": "train", "running": "run", "shipping": "ship",
               "start": "run", "started": "run", "kick off": "run", "kicked off": "run", "execute": "run",
               "executed": "run", "experiments": "run", "trials": "run"}


def verb_of(text: str) -> str:
    """The act a verb as typed names (``VERB_KINDS`` key): "turned down" is reject, "shipped" is ship."""
    verb = " ".join(text.lower().split())
    return _VERB_FORMS.get(verb, verb)


def _person_did(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """What is ATTRIBUTED_TO the person, of the kinds the verb names (commits: as their author), newest first."""
    person = _find(resolve, parts["person"], (K.PERSON,))
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
    answers = _edge_answers(view, edges, "source", kinds)
    if verb in ("approve", "reject"):
        wanted = "approved" if verb == "approve" else "rejected"
        answers = [a for a in answers if (v := facts.verdict_of(a.node)) is not None and v.value == wanted]
    return _newest_first(answers)


def _attached(view: GraphStore, resolve: Resolver, parts: dict[str, str], etype: EdgeType,
              kind: NodeKind) -> list[Answer] | None:
    """Reviews / deployments of a version (or of every version of a model), newest first."""
    node = _find(resolve, parts["x"], (K.MODEL_VERSION, K.MODEL))
    if node is None:
        return None
    edges = view.get_edges(_versions_of(view, node), "in", [etype])
    return _newest_first(_edge_answers(view, edges, "source", (kind,)))


def _with_people(view: GraphStore, answers: list[Answer] | None, parts: dict[str, str]) -> list[Answer] | None:
    """For a "who ..." question, each answer followed by the persons it is ATTRIBUTED_TO."""
    if answers is None or "who" not in parts:
        return answers
    edges = view.get_edges([a.node.id for a in answers], "out", [E.ATTRIBUTED_TO])
    people = {a.node.id: a for a in _edge_answers(view, edges, "target", (K.PERSON,))}
    by_source: dict[str, list[Answer]] = {}
    for edge in edges:
        if edge.target in people:
            by_source.setdefault(edge.source, []).append(people[edge.target])
    return _once([x for a in answers for x in (a, *by_source.get(a.node.id, []))])


def _reviews_of(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    return _with_people(view, _attached(view, resolve, parts, E.REVIEWS, K.REVIEW), parts)


def _deployments_of(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    return _with_people(view, _attached(view, resolve, parts, E.DEPLOYS, K.DEPLOYMENT), parts)


#: Acts of "who <verb> X" → the kinds of node upstream of X (or X itself) whose persons answer it.
WHO_ACTS: dict[str, tuple[NodeKind, ...]] = {
    "train": (K.RUN,), "commit": (K.COMMIT,), "change": (K.COMMIT,), "write": (K.COMMIT,), "author": (K.COMMIT,),
    "push": (K.COMMIT,), "own": (K.MODEL, K.DATASET, K.FEATURE, K.JOB, K.MODEL_VERSION, K.DATASET_VERSION),
}


def _who(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The persons the act behind X is ATTRIBUTED_TO (who trained X: its runs'; who wrote X: its commits'; who
    owns X: X's or its model's), then the acts themselves; an owner named only by a property is resolved."""
    verb = verb_of(parts["verb"])
    acts_kinds = WHO_ACTS.get(verb, WHO_ACTS["own"])
    node = _find(resolve, parts["x"], (*MADE_KINDS, K.COMMIT, K.DATASET, K.JOB, K.MODEL))
    if node is None:
        return None
    if node.kind in acts_kinds:  # X is the act itself (its path: X); who owns a version: the model too
        acts = [Answer(node, _label(node, {}))]
        model = facts.model_of(view, node.id) if verb == "own" and node.kind is K.MODEL_VERSION else None
        if model is not None:
            acts.append(Answer(model, f"{_label(node, {})} {E.VERSION_OF.value} {_label(model, {})}"))
    else:
        acts = _walk(view, _versions_of(view, node) if node.kind is K.MODEL else [node.id], "up", acts_kinds, hops=4)
    edges = view.get_edges([a.node.id for a in acts], "out", [E.ATTRIBUTED_TO])
    people = view.get_nodes({e.target for e in edges})
    out: list[Answer] = []
    for act in acts:
        for edge in edges:
            person = people.get(edge.target)
            if edge.source == act.node.id and person is not None and person.kind is K.PERSON:
                out.append(Answer(person, f"{act.path} {E.ATTRIBUTED_TO.value} {_label(person, {})}"))
        for name in facts.owner_values(act.node) if verb == "own" else []:
            person = resolve(name, (K.PERSON,))
            if person is not None:
                out.append(Answer(person, f"{act.path}; owner: {name}"))
    return _once([*out, *acts])


def _code_behind(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The commits upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, (K.COMMIT,))


def _runs_behind(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The runs (and their jobs) upstream of X (a model's: of its versions), nearest first."""
    return _upstream_of(view, resolve, parts, (K.RUN, K.JOB))


def _in_production(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Every deployment in production now (``graph/lineage.py``), or active in the environment the question names,
    and the version it serves, newest first."""
    env = parts.get("env", "production").lower()
    out: list[Answer] = []
    for deployment, edge in _production_deployments(view, environment=env):
        nodes = view.get_nodes([edge.source, edge.target])
        if edge.target in nodes:
            path = render_path([edge], nodes)
            out += [Answer(deployment, path), Answer(nodes[edge.target], path)]
    return _once(out)


def _in_environment(deployment: Node, environment: str) -> bool:
    """Active in ``environment`` ("production" and its names: ``graph/lineage.py`` is_in_production)."""
    if is_production_environment(environment):
        return is_in_production(deployment)
    named = str(deployment.properties.get("environment") or "").strip().lower()
    return is_active_deployment(deployment) and (named == environment or named.startswith(environment))


def _production_deployments(view: GraphStore, versions: Iterable[str] | None = None,
                            environment: str = "production") -> list[tuple[Node, Edge]]:
    """(deployment, its DEPLOYS edge) for deployments in production (``graph/lineage.py``) or active in another
    environment, newest first."""
    if versions is None:
        deployments = [d for d in _scan(view, K.DEPLOYMENT) if _in_environment(d, environment)]
        edges = view.get_edges([d.id for d in deployments], "out", [E.DEPLOYS]) if deployments else []
    else:
        edges = view.get_edges(list(versions), "in", [E.DEPLOYS])
        deployments = [d for d in view.get_nodes({e.source for e in edges}).values() if is_in_production(d)]
    by_id = {d.id: d for d in facts.sort_by_time(deployments)}
    order = {ident: i for i, ident in enumerate(by_id)}
    pairs = [(by_id[e.source], e) for e in edges if e.source in by_id]
    return sorted(pairs, key=lambda pair: -order[pair[0].id])


def _unapproved_in_production(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Model versions deployed in production whose approval (``governance/approval.py``) is not granted."""
    out: list[Answer] = []
    for deployment, edge in _production_deployments(view):
        state = approval_of(view, edge.target)
        if state.approved:
            continue
        nodes = view.get_nodes([edge.source, edge.target])
        if edge.target not in nodes:
            continue
        path = f"{render_path([edge], nodes)}; {state.state}: {state.reason}"
        out += [Answer(nodes[edge.target], path), Answer(deployment, path)]
    return out


def _current_production(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """The versions of model X deployed in production now, the newest deployment first, then the deployments."""
    node = _find(resolve, parts["x"], (K.MODEL, K.MODEL_VERSION))
    if node is None:
        return None
    if node.kind is K.MODEL_VERSION:
        model = facts.model_of(view, node.id)
        node = model or node
    pairs = _production_deployments(view, _versions_of(view, node))
    nodes = view.get_nodes({e.target for _, e in pairs} | {d.id for d, _ in pairs})
    versions = [Answer(nodes[e.target], render_path([e], nodes)) for _, e in pairs if e.target in nodes]
    deployments = [Answer(d, render_path([e], nodes)) for d, e in pairs if e.target in nodes]
    return _once([*versions, *deployments])


def _from_sweep(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Model versions GENERATED_BY a sweep's trial (a run CHILD_OF another run) or by the sweep's parent run,
    newest first; for a question about runs or trials, the trial runs first."""
    runs = [r.id for r in _scan(view, K.RUN)]
    children: list[Edge] = []
    for start in range(0, len(runs), 500):
        children += view.get_edges(runs[start:start + 500], "out", [E.CHILD_OF])
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
    runs_asked = re.match(r"(?:runs?|trials?|experiments?)$", parts.get("subject", ""), re.IGNORECASE)
    if not runs_asked:
        return _once(_newest_first(versions))
    trial_runs = [Answer(nodes[e.source], render_path([e], nodes)) for e in children if e.source in nodes]
    return _once([*_newest_first(trial_runs), *_newest_first(versions)])


def _versions_without(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Model versions lacking what the question names: a review (no REVIEWS edge), an approval
    (``governance/approval.py``) or a deployment (no DEPLOYS edge), newest first."""
    lacking = parts["lacking"].lower()
    versions = list(_scan(view, K.MODEL_VERSION))
    out: list[Answer] = []
    if lacking.startswith(("approv", "unapprov", "sign", "green", "okay")):
        for version in versions:
            state = approval_of(view, version.id)
            if not state.approved:
                out.append(Answer(version, f"{_label(version, {})}: {state.state}: {state.reason}"))
        return _newest_first(out)
    etype, says = (E.DEPLOYS, "never deployed") if "deploy" in lacking else (E.REVIEWS, "no reviews")
    had: set[str] = set()
    ids = [v.id for v in versions]
    for start in range(0, len(ids), 500):
        had |= {e.target for e in view.get_edges(ids[start:start + 500], "in", [etype])}
    return _newest_first([Answer(v, f"{_label(v, {})}: {says}") for v in versions if v.id not in had])


def _untrained_datasets(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer]:
    """Datasets (then dataset versions) with no model version anywhere downstream."""
    out: list[Answer] = []
    for kind in (K.DATASET, K.DATASET_VERSION):
        for node in _scan(view, kind):
            downstream = view.reachable([node.id], "down", kinds=[K.MODEL_VERSION], max_depth=MAX_HOPS)
            if not downstream:
                out.append(Answer(node, f"{_label(node, {})}: no model version downstream"))
    return out


def _changed_between(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> list[Answer] | None:
    """What lies upstream of B but not of A (then what only A had), with the commits between theirs."""
    kinds = (K.MODEL_VERSION, K.DATASET_VERSION, K.RUN, K.COMMIT, K.MODEL, K.DATASET)
    earlier, later = parts["a"], parts["b"]
    for named, other in ((earlier, later), (later, earlier)):  # "between tumour v1 and v2": v2 of the same model
        same_model, bare = _VERSION_REF.match(named), _BARE_VERSION.match(other)
        if same_model is not None and bare is not None:
            earlier, later = (earlier, f"{same_model['name']} v{bare['n']}") if named == earlier else \
                (f"{same_model['name']} v{bare['n']}", later)
    first, second = _find(resolve, earlier, kinds), _find(resolve, later, kinds)
    if first is None or second is None or first.id == second.id:
        return None
    types = [*LINEAGE_EDGES, E.CHILD_OF]
    before = paths_from(view, [first.id], "up", max_depth=MAX_HOPS, edge_types=types, max_nodes=MAX_VISITED)
    after = paths_from(view, [second.id], "up", max_depth=MAX_HOPS, edge_types=types, max_nodes=MAX_VISITED)
    shared_model = {e.target for e in view.get_edges([first.id, second.id], "out", [E.VERSION_OF])}
    only_after = [i for i in after if i not in before and i not in shared_model and i != second.id]
    only_before = [i for i in before if i not in after and i not in shared_model and i != first.id]
    # Commits between: from each commit only B has, back through PARENT edges until one A has.
    between: dict[str, list[Edge]] = {}
    frontier = [i for i in only_after if i.startswith(f"{K.COMMIT.value}:")]
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
    out: list[Answer] = []
    for ident in only_after:
        if ident in nodes:
            out.append(Answer(nodes[ident], "only in " + _label(second, nodes) + ": "
                              + render_path(after[ident], nodes)))
    for ident, path in between.items():
        if ident in nodes:
            out.append(Answer(nodes[ident], "between the two: " + render_path(path, nodes)))
    for ident in only_before:
        if ident in nodes:
            out.append(Answer(nodes[ident], "only in " + _label(first, nodes) + ": "
                              + render_path(before[ident], nodes)))
    return out


def _once(answers: list[Answer]) -> list[Answer]:
    seen: set[str] = set()
    out = []
    for answer in answers:
        if answer.node.id not in seen:
            seen.add(answer.node.id)
            out.append(answer)
    return out


# -- the shapes ------------------------------------------------------------------------------------


def _shape(name: str, pattern: str, example: str,
           answer: Callable[[GraphStore, Resolver, dict[str, str]], list[Answer] | None]) -> Shape:
    return Shape(name, re.compile(pattern, re.IGNORECASE), example, answer)


_WHICH = (r"^(?:(?:which|what|show|list|find|all|give|get|any|are\s+there\s+any|were\s+there\s+any)\s+(?:me\s+)?"
          r"(?:the\s+|all\s+(?:the\s+)?|every\s+|each\s+|any\s+)?)?")
_RUNS = r"(?:runs?|jobs?|experiments?|trainings?|training\s+runs?|trials?|what|which|anything|everything|who)"
_VERSIONS = r"(?:model\s+versions?|versions?|models?)"
_THAT = r"\s+(?:that|which|who)?\s*(?:have\s+|has\s+|were\s+|was\s+|are\s+|is\s+|did\s+)?"
_USE = (r"(?:(?:read|reads|reading|pulled|pulls|loaded|loads)\s+from|"
        r"used|use|uses|using|read|reads|reading|consumed|consume|consumes|consuming|took|take|takes|taking|"
        r"ingest(?:ed|s|ing)?|load(?:ed|s|ing)?|pull(?:ed|s|ing)?(?:\s+in)?|"
        r"depend(?:s|ed)?\s+on|depending\s+on|rel(?:y|ies|ied|ying)\s+on|ran\s+on|run\s+on|trained\s+on|"
        r"built\s+on|fed\s+(?:on|from|by|with)|draws?\s+(?:on|from)|drew\s+(?:on|from))")
#: "the output of X", "data produced by X", "the dataset written by X".
_OUTPUT = (r"(?:the\s+|an?\s+)?(?:outputs?|results?|products?|data|datasets?|tables?|files?|data\s+sets?)\s+"
           r"(?:of|from|by|(?:that\s+)?(?:was\s+|were\s+)?(?:produced|written|made|generated|created|emitted)\s+by)\s+")
_MADE = r"(?:wrote|writes|written|produced|produces|made|makes|generated|generates|created|creates|emitted|emits)"
_TRAIN = (r"(?:trained|retrained|fitted|fit|built|learned|learnt|made|derived|produced|developed|created)\s+"
          r"(?:on(?:\s+top\s+of)?|from|with|using|off)")
#: What "data" is called in a question about what something was trained on.
_DATA = (r"(?:data|datasets?|data\s+sets?|dataset\s+versions?|tables?|features?|inputs?|input\s+data|training\s+data|"
         r"data\s+sources?|sources?)")
_VERBS = "|".join(re.escape(v).replace(r"\ ", r"\s+")
                  for v in sorted({*VERB_KINDS, *_VERB_FORMS}, key=len, reverse=True))
_NOUN_VERBS = (r"(?:commits|changes|reviews|deployments|runs|approvals|rejections|trainings|releases|rollouts|"
               r"sign-?offs|experiments|trials)")
#: A person named in a question: never a pronoun or "nobody" ("datasets nobody trained on" names no one).
_PERSON = (r"(?!(?:nobody|no\s+\w+|nothing|never|not|ever|anyone|anybody|someone|somebody|everyone|everybody|"
           r"people|we|you|i|they|it|this|that|models?|datasets?|runs?|versions?)\b)")
_TUNING = (r"(?:(?:parameter\s+|hyper-?parameter\s+|tuning\s+)?sweeps?|"
           r"hyper-?parameter\s+(?:search|sweep|tuning|optimi[sz]ation)(?:es|s)?|grid\s+search(?:es)?|"
           r"random\s+search(?:es)?|tuning\s+(?:runs?|jobs?|stud(?:y|ies))|hpo|optuna(?:\s+stud(?:y|ies))?)"
           r"(?:\s+(?:trials?|runs?|jobs?|stud(?:y|ies)|experiments?|sweeps?|searche?s?))?")
_PRODUCTION = r"(?:production|prod|live|serving|deployed)"
_IN_PRODUCTION = (r"(?:in\s+production|in\s+prod|live|deployed(?:\s+(?:in|to)\s+prod(?:uction)?)?|serving|"
                  r"being\s+served|running(?:\s+in\s+prod(?:uction)?)?|online|in\s+use)"
                  r"(?:\s+(?:traffic|requests|predictions|users|customers))?")
#: An entity written as a name, not a common word, where nothing else marks a question ("tumour v3 lineage",
#: "churn@2 upstream", "clean_patients downstream"; not "data lineage"): it holds a digit, @, - or _.
_NAMED = r"(?=\S*[\d@_-])\S+(?:\s+\S+){0,3}|\S+(?:\s+\S+){0,2}\s+(?=\S*[\d@_-])\S+"
#: Deployment environments a question may name ("what is deployed in staging"); production's names are
#: ``graph/lineage.py`` PRODUCTION_ENVIRONMENTS.
_ENVIRONMENTS = (r"(?:production|prod|staging|stage|dev|development|test|testing|qa|uat|canary|shadow|preprod|"
                 r"pre-production|sandbox)")
#: How "X changes" / "X has a bug" ends a question about what depends on X.
_CHANGE_TAIL = (r"(?:\s+(?:changes?|changed|breaks|goes\s+away|gets\s+(?:changed|updated|deleted)|"
                r"has\s+(?:a\s+|an\s+)?(?:bug|problem|issue|error|mistake)s?|"
                r"is\s+(?:changed|modified|updated|removed|deleted|wrong|bad|dropped|fixed|broken|buggy|corrupt(?:ed)?)))?")
#: A version reference written whole: ``name@3``, ``name v3``, ``name version 3``.
_REF = r"(?:\S+@\S+|\S+\s+v\d+|\S+\s+version\s+\d+)"
#: Verbs of approving or reviewing, as typed.
_APPROVED = (r"(?:approved|reviewed|signed\s+off(?:\s+on)?|green-?lit|green-?lighted|accepted|rejected|vetted|"
             r"okayed|ok'd|passed\s+review|been\s+through\s+review)")

def _made_x(things: str) -> str:
    """"which <things> produced X" / "the <things> behind X" / "which <thing> was X built from": one pattern for
    every kind of thing upstream of X that a question names (commits, runs)."""
    return (r"^(?:which|what)\s+" + things + r"\s+(?:produced|built|made|trained|created|generated|went\s+into|"
            r"goes\s+into|(?:is|are|was|were)\s+behind|led\s+to|(?:is|are|was|were)\s+in|(?:is|are|was|were)\s+used\s+"
            r"(?:for|by|in|to\s+(?:build|train|make|produce))|trained|fit|fitted)\s+(?P<x>.+)$"
            r"|^(?:the\s+)?" + things + r"\s+(?:behind|that\s+(?:produced|built|made|trained)|used\s+by|used\s+for|"
            r"used\s+to\s+(?:build|train|make|produce))\s+(?P<y>.+)$"
            r"|^(?:which|what)\s+" + things + r"\s+(?:is|was|were|are)\s+(?P<z>.+?)\s+(?:built|trained|made|produced|"
            r"generated|from)(?:\s+(?:from|with|on|at|by|in))?$")


#: The recognised shapes, tried in order (the first match that answers).
SHAPES: tuple[Shape, ...] = (
    _shape("unapproved_production", r"\b(?:production|prod|live|deployed|deployments?|serving)\b.*"
           r"(?:\b(?:without|lacks?|lacking|missing|no|not|never|nobody|no\s+one|none)\b|n['’]t\b).*"
           r"\b(?:approv\w*|review\w*|sign[- ]?offs?|signed\s+off|green-?l\w*|okayed|ok'd|vetted|blessed)"
           r"|\b(?:unapproved|unreviewed|unvetted|unsigned)\b.*\b(?:production|prod|live|deployed|deployments?)\b"
           r"|\b(?:production|prod|live|deployed)\b.*\b(?:unapproved|unreviewed|unvetted)\b",
           "deployed models without an approval", _unapproved_in_production),
    _shape("sweep", r"\b(?:came|come|comes|coming|produced|made|resulted|trained|picked|chosen|selected|won)\b.*"
           r"\b" + _TUNING + r"\b"
           r"|^" + _WHICH.removeprefix("^") + r"(?:best\s+|winning\s+|top\s+)?(?P<subject>" + _VERSIONS
           + r"|results?|winners?|outputs?|runs?|trials?|experiments?)?\s*"
           r"(?:(?:that\s+|which\s+)?(?:were|was|are|is)\s+(?:part\s+of|in|from)|from|of|out\s+of|by|in|inside|within)"
           r"\s+(?:a\s+|an\s+|the\s+|any\s+)?" + _TUNING + r"$"
           r"|^(?:the\s+)?" + _TUNING + r"\s+(?:results?|winners?|outputs?|models?|versions?|model\s+versions?)$",
           "which versions came out of a sweep", _from_sweep),
    _shape("used_output", _WHICH + _RUNS + _THAT + _USE + r"\s+" + _OUTPUT + r"(?P<x>.+)$",
           "runs that consumed the output of tumour random forest", _used_output),
    _shape("used_output", _WHICH + _RUNS + _THAT + _USE + r"\s+(?:what|whatever|everything|anything)\s+(?P<x>.+?)\s+"
           + _MADE + r"$",
           "which runs read what tumour random forest produced", _used_output),
    _shape("used_output", _WHICH + _RUNS + _THAT + _USE + r"\s+(?P<x>.+?)(?:'s|’s)\s+(?:outputs?|results?|data)$",
           "what consumed tumour random forest's output", _used_output),
    _shape("trained_on", _WHICH + _VERSIONS + _THAT + r"(?:" + _TRAIN + r"|" + _USE + r")\s+(?!(?:to|for)\s)(?P<x>.+)$",
           "model versions trained on wine", _trained_on),
    _shape("trained_on", _WHICH + _VERSIONS + r"\s+(?:trained\s+on|built\s+on|built\s+from|using|based\s+on|"
           r"downstream\s+of)\s+(?P<x>.+)$",
           "models built from breast-cancer@2", _trained_on),
    _shape("trained_on", r"^(?:what|which|anything|everything)\s+(?:was|were|is|are|has\s+been|have\s+been|got)\s+"
           + _TRAIN + r"\s+(?P<x>.+)$",
           "what was trained on diabetes", _trained_on),
    _shape("downstream", r"^(?:what|everything|anything|which\s+(?:things|nodes|artifacts|assets))\s+(?:else\s+)?"
           r"(?:depends|relies|is\s+built|are\s+built|builds)\s+on\s+(?P<x>.+)$"
           r"|^what\s+(?:would\s+|will\s+|could\s+|might\s+|else\s+)?(?:breaks?|be\s+affected|is\s+affected|"
           r"gets?\s+affected|needs?\s+(?:retraining|to\s+be\s+retrained)|has\s+to\s+be\s+retrained)\s+"
           r"if\s+(?:i\s+|we\s+|you\s+|someone\s+)?(?:change\s+|modify\s+|update\s+|delete\s+|remove\s+|drop\s+|"
           r"edit\s+|fix\s+)?(?P<y>.+?)" + _CHANGE_TAIL + r"$"
           r"|^(?:the\s+)?(?:impact(?:\s+analysis)?|blast\s+radius|dependants|dependents|consumers|downstream\s+"
           r"(?:impact|dependencies|dependants|dependents|consumers|usage))\s+(?:of|for|on)\s+"
           r"(?:(?:a\s+)?changes?\s+(?:to|in)\s+|changing\s+)?(?P<z>.+)$"
           r"|^(?:what|which\s+\w+)\s+(?:is|are|would\s+be|will\s+be|could\s+be|gets?|get)\s+(?:affected|impacted)\s+"
           r"(?:by|if)\s+(?:(?:a\s+)?changes?\s+(?:to|in)\s+|changing\s+)?(?P<w>.+?)" + _CHANGE_TAIL + r"$"
           r"|^(?P<v>" + _NAMED + r")\s+(?:downstream|dependants|dependents)$",
           "what depends on breast-cancer", _downstream),
    _shape("used", _WHICH + _RUNS + _THAT + _USE + r"\s+(?!(?:to|for)\s)(?P<x>.+)$"
           r"|" + _WHICH + _RUNS + r"\s+(?:where|in\s+which)\s+(?P<y>.+?)\s+(?:was|is|were|got)\s+(?:an?\s+)?"
           r"(?:input|used|read|consumed)$",
           "runs that used breast-cancer", _used),
    _shape("used", _WHICH + r"(?:runs?|jobs?|experiments?|trainings?|training\s+runs?|trials?)\s+"
           r"(?:using|on|reading|consuming|with|over|downstream\s+of|fed\s+(?:by|from))\s+(?P<x>.+)$",
           "runs downstream of breast-cancer", _used),
    _shape("downstream", r"^(?:(?:what|which|everything|anything)\s+(?:\w+\s+)?(?:is|are|lies|lie|sits?)\s+)?"
           r"downstream\s+(?:of|from)\s+(?P<x>.+)$",
           "what is downstream of breast-cancer", _downstream),
    _shape("training_data", r"^(?:what|which)\s+(?:data|datasets?|data\s+sets?|tables?|features?|inputs?|"
           r"training\s+data)\s+(?:was|were|is|are|did|does|has\s+been)\s+(?P<x>.+?)\s+(?:trained|fitted|fit|built|made|train)"
           r"\s+(?:on|from|with|using)$"
           r"|^(?:what|which)\s+(?:data|datasets?|data\s+sets?|tables?|features?|inputs?)\s+(?:was|were|are|is)\s+"
           r"(?:used|read|consumed)\s+(?:to|for)\s+(?:train|training|build|building|fit|fitting|make|making)\s+(?P<y>.+)$"
           r"|^(?:the\s+)?(?:training\s+data|training\s+sets?|training\s+datasets?|inputs?|input\s+data)\s+"
           r"(?:of|for|behind|used\s+by)\s+(?P<z>.+)$"
           r"|^what\s+did\s+(?P<w>.+?)\s+(?:use|read|consume|train\s+on|learn\s+from)$"
           r"|^(?:the\s+)?(?:data|datasets?|data\s+sets?|features?|inputs?|tables?)\s+(?:that\s+(?:was|were)\s+)?"
           r"(?:used\s+)?(?:to\s+train|for\s+training|to\s+build|behind)\s+(?P<v>.+)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:was|were|is|are|has\s+been|have\s+been|got)\s+"
           r"(?:used|read|consumed|ingested|loaded|fed\s+in(?:to)?|taken)\s+(?:by|in|for)\s+(?P<u>.+)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:went|goes|go|was\s+fed|were\s+fed|fed|feeds|feed)\s+into\s+"
           r"(?:training\s+|building\s+)?(?P<t>.+)$"
           r"|^(?:what|which\s+\w+)\s+(?:was|were)\s+used\s+(?:to\s+train|for\s+training|to\s+build|to\s+fit|in\s+training)"
           r"\s+(?P<n>.+)$"
           r"|^(?P<s>.+?)(?:'s|’s)\s+(?:training\s+data|training\s+sets?|training\s+datasets?|inputs?|input\s+data|"
           r"input\s+datasets?|data\s+sources?|source\s+data|datasets?|data)$"
           r"|^(?:what|which\s+\w+)\s+(?:was|were|is|did)\s+(?P<r>.+?)\s+(?:trained|retrained|fitted|fit|learned|learnt|"
           r"train|fit|learn)\s+(?:on|from|with|using)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:trained|fed|feeds|feed|built|produced)\s+(?P<q>.+)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:does|do|did)\s+(?P<p>.+?)\s+(?:use|read|consume|ingest|depend\s+on|"
           r"rely\s+on|need|train\s+on|learn\s+from|come\s+from)$"
           r"|^(?:what|which)\s+(?:are|were|is|was)\s+the\s+(?:inputs?|training\s+data|data\s+sources?|sources?|"
           r"datasets?|features?|training\s+sets?)\s+(?:to|of|for|behind|used\s+by)\s+(?P<o>.+)$",
           "what data was tumour-classifier v2 trained on", _training_data),
    _shape("upstream", r"^(?:(?:what|which|everything|anything)\s+(?:\w+\s+)?(?:is|are|lies|lie|sits?)\s+)?"
           r"upstream\s+(?:of|from)\s+(?P<x>.+)$"
           r"|^(?:(?:show|list|give|get|find|display|what\s+is|what's)\s+(?:me\s+)?)?(?:the\s+)?(?:full\s+|complete\s+)?"
           r"(?:lineage|provenance|origins?|sources?|ancestry|upstream)\s+(?:of|for|behind)\s+(?P<y>.+)$"
           r"|^where\s+(?:did|does|do)\s+(?P<z>.+?)\s+come\s+from$"
           r"|^(?P<w>" + _NAMED + r")\s+(?:upstream|lineage|provenance|ancestry|origins?)$"
           r"|^(?:what|everything)\s+(?:went|goes|feeds|fed|flows|flowed)\s+into\s+(?P<v>.+)$"
           r"|^(?:trace\s+back|ancestors\s+of)\s+(?P<u>.+)$"
           r"|^trace\s+(?P<q>.+?)\s+(?:back(?:\s+to\s+(?:its|the|their)\s+\w+(?:\s+\w+)?)?|to\s+(?:its|the|their)\s+"
           r"(?:sources?|origins?|source\s+data|data|inputs?))$"
           r"|^how\s+(?:was|were|is)\s+(?P<t>.+?)\s+(?:made|built|produced|created|trained|derived)$"
           r"|^what\s+(?:is|was|are|were)\s+(?P<s>.+?)\s+(?:made|built|derived)\s+from$",
           "where did tumour-classifier v2 come from", _upstream),
    _shape("person_did", r"^(?:what|which)(?:\s+(?P<noun>\w+))?\s+(?:did|has|have)\s+" + _PERSON
           + r"(?P<person>.+?)\s+(?:been\s+)?(?P<verb>" + _VERBS + r")\b",
           "what did Alan Turing review", _person_did),
    _shape("person_did", r"^(?:what|which)\s+(?P<verb>" + _NOUN_VERBS + r")\s+(?:did|has|have)\s+" + _PERSON
           + r"(?P<person>.+?)\s+"
           r"(?:make|made|do|done|write|written|author|authored|create|created|push|pushed|ship|shipped|run|ran)$",
           "which reviews did Grace Hopper make", _person_did),
    _shape("person_did", r"^(?:(?:show|list|find)\s+(?:me\s+)?)?(?:what|everything|anything|(?:all\s+(?:the\s+)?)?"
           r"(?P<noun>" + _NOUN_VERBS + r"))\s+"
           + _PERSON + r"(?P<person>\S+(?:\s+\S+)?)\s+(?:has\s+|have\s+|ever\s+)?(?P<verb>" + _VERBS + r")$",
           "everything Grace Hopper reviewed", _person_did),
    _shape("person_did", r"^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<verb>" + _NOUN_VERBS
           + r")"
           r"\s+(?:by|from|(?:made|done|authored|written|pushed|signed|given|left|submitted|created)\s+by)\s+"
           r"(?P<person>.+)$",
           "reviews by Grace Hopper", _person_did),
    _shape("person_did", _WHICH + r"(?P<noun>" + _NOUN_VERBS + r"|models?|versions?|model\s+versions?|datasets?|"
           r"experiments?|everything|anything|things|stuff)\s+(?:that\s+(?:was|were)\s+|(?:was|were)\s+)?"
           r"(?P<verb>" + _VERBS + r")\s+by\s+" + _PERSON + r"(?P<person>.+)$",
           "models approved by Grace Hopper", _person_did),
    _shape("person_did", r"^(?:(?:show|list|find|all)\s+(?:me\s+)?)?" + _PERSON
           + r"(?P<person>\S+(?:\s+\S+)?)(?:'s|’s)\s+"
           r"(?P<verb>" + _NOUN_VERBS + r")$",
           "Alan Turing's reviews", _person_did),
    _shape("code_behind", _made_x(r"(?:git\s+)?(?:commits?|code(?:\s+changes?)?|revisions?|source(?:\s+code)?|"
                                  r"code\s+versions?)"),
           "which commit produced tumour-classifier v2", _code_behind),
    _shape("runs_behind", _made_x(r"(?:runs?|training\s+runs?|experiments?|jobs?|trainings?|pipelines?)"),
           "which run trained tumour-classifier v2", _runs_behind),
    _shape("who", r"^who\s+(?:has\s+|have\s+)?(?P<verb>trained|retrained|fit|fitted|committed|changed|modified|wrote|"
           r"authored|pushed|owns|owned|own|created|made|built|developed|registered|published)\s+(?P<x>.+)$"
           r"|^(?:who\s+is|who's|who\s+are)\s+(?:the\s+)?(?P<verb2>owner|owners|author|authors|maintainer|trainer)s?\s+"
           r"(?:of|for)\s+(?P<y>.+)$"
           r"|^(?:the\s+)?(?P<verb3>owner|author|maintainer)s?\s+of\s+(?P<z>.+)$"
           r"|^who\s+(?:is\s+responsible\s+for|maintains|looks\s+after)\s+(?P<w>.+)$",
           "who trained tumour-classifier v2", _who),
    _shape("versions_without", r"^" + _WHICH.removeprefix("^") + _VERSIONS
           + r"\b.*?(?:\b(?:without|with\s+no|with\s+zero|lacking|missing|(?:have|has|had)\s+(?:no|not|never)|"
           r"never|not\s+yet|not)\b|n['’]t\b)\s*(?:any\s+|an?\s+|been\s+|yet\s+|ever\s+|got\s+|gotten\s+|received\s+)*(?P<lacking>reviews?|reviewed|approvals?|approved|sign-?offs?|signed\s+off|"
           r"deployments?|deployed)(?:\s+yet)?$"
           r"|^" + _WHICH.removeprefix("^") + r"(?P<lacking2>unreviewed|unapproved|undeployed)\s+" + _VERSIONS + r"$",
           "models that were never deployed", _versions_without),
    _shape("untrained_datasets", r"\b(?:datasets?|data\s+sets?|data|tables?)\b.*\b(?:nothing|no\s+model|no\s+models|"
           r"no\s+run|no\s+runs|no\s+one|nobody|never|not|\w+n['’]t)\b.*\b(?:trained|used|uses|use|fitted|read|reads|consumed|"
           r"consumes|touched|touches)\b"
           r"|\b(?:unused|untrained|orphan(?:ed)?|unconsumed)\s+(?:datasets?|data\s+sets?|data|tables?)\b"
           r"|\bdatasets?\s+(?:with\s+no|with\s+zero|without(?:\s+any)?|(?:that\s+)?(?:have|has)\s+(?:no|zero))\s+"
           r"(?:models?|runs?|consumers?|users?|model\s+versions?)\b",
           "datasets no model was trained on", _untrained_datasets),
    _shape("current_production", r"^(?:what\s+is\s+|what's\s+|which\s+is\s+)?(?:the\s+)?(?:current|live|latest)?\s*"
           + _PRODUCTION + r"\s+(?:model|version|model\s+version)\s+(?:for|of)\s+(?P<x>.+)$",
           "current production model for tumour-classifier", _current_production),
    _shape("current_production", r"^(?:what|which)\s+(?:version\s+|model\s+version\s+)?(?:of\s+)?(?P<x>.+?)\s+"
           r"(?:version\s+)?is\s+(?:currently\s+|now\s+|right\s+now\s+)?" + _IN_PRODUCTION
           + r"(?:\s+now|\s+today|\s+currently|\s+right\s+now|\s+at\s+the\s+moment)?$"
           r"|^(?:what\s+is\s+|what's\s+|which\s+is\s+)?(?:the\s+)?current\s+(?P<y>\S+)\s+(?:model|version|model\s+version)$",
           "which version of diabetes-progression is in production", _current_production),
    _shape("current_production", r"^(?:what\s+is|what's|which\s+\w+\s+is)\s+(?:currently\s+|now\s+|right\s+now\s+)?"
           + _IN_PRODUCTION + r"\s+"
           r"(?:for|of)\s+(?P<x>.+)$",
           "what is live for diabetes-progression", _current_production),
    _shape("in_production", r"^(?:what|which)(?:\s+(?:models?|versions?|model\s+versions?|deployments?|services?))?\s+"
           r"(?:is|are|'s|’s)\s+(?:currently\s+|now\s+)?(?:running\s+|deployed\s+|live\s+|serving\s+)?"
           + _IN_PRODUCTION + r"(?:\s+right\s+now|\s+now|\s+today|\s+currently|\s+at\s+the\s+moment)?$"
           r"|^(?:what's|what’s)\s+(?:currently\s+|now\s+)?(?:running\s+|deployed\s+|live\s+|serving\s+)?"
           + _IN_PRODUCTION + r"(?:\s+right\s+now|\s+now|\s+today|\s+currently|\s+at\s+the\s+moment)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:current\s+)?(?:production|prod|live)\s+"
           r"(?:models|deployments|model\s+versions|versions|services)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:models|deployments|model\s+versions|"
           r"services)\s+(?:currently\s+)?(?:in\s+production|"
           r"in\s+prod|live)(?:\s+now)?$"
           r"|^(?:what|which(?:\s+(?:models?|versions?|model\s+versions?|deployments?|services?))?|what's|what’s)\s+"
           r"(?:is\s+|are\s+)?(?:currently\s+|now\s+)?(?:running|deployed|live|serving)\s+(?:in|to|on)\s+(?:the\s+)?"
           r"(?P<env>" + _ENVIRONMENTS + r")(?:\s+(?:env|environment))?(?:\s+right\s+now|\s+now|\s+currently)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:models|deployments|model\s+versions|"
           r"services)\s+(?:currently\s+)?(?:in|on)\s+(?P<env2>" + _ENVIRONMENTS + r")$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<env3>" + _ENVIRONMENTS
           + r")\s+(?:models|deployments|model\s+versions|services)$",
           "what is running in production", _in_production),
    _shape("current_production", r"^(?P<x>[^\s]+(?:\s+[^\s]+)?)\s+(?:current\s+)?(?:prod|production|live)\s+"
           r"(?:model|version|model\s+version|deployment)$",
           "tumour-classifier prod version", _current_production),
    _shape("current_production", r"^(?P<x>[^\s]+(?:\s+[^\s]+)?)\s+(?:in\s+production|in\s+prod|live\s+now)$",
           "tumour-classifier in production", _current_production),
    _shape("changed_between", r"^(?:what\s+)?(?:has\s+|was\s+|is\s+|are\s+)?(?:changed|changes|differs|different|"
           r"differences?|diff)\s+(?:between|from)\s+(?P<a>.+?)\s+(?:and|to|vs\.?|versus|with)\s+(?P<b>.+)$",
           "what changed between tumour-classifier v2 and tumour-classifier v3", _changed_between),
    _shape("changed_between", r"^what(?:'s|’s|\s+is|\s+was)\s+(?:new|different|changed)\s+in\s+(?P<b>.+?)\s+"
           r"(?:compared\s+(?:to|with)|vs\.?|versus|relative\s+to|since|over|against)\s+(?P<a>.+)$",
           "what's new in tumour-classifier v2 compared to v1", _changed_between),
    _shape("changed_between", r"^(?:compare|diff)\s+(?P<a>.+?)\s+(?:and|with|to|vs\.?|versus|against)\s+(?P<b>.+)$",
           "compare tumour-classifier v1 with tumour-classifier v2", _changed_between),
    _shape("changed_between", r"^(?:compare|diff|differences?|changes)\s+(?P<a>" + _REF + r")\s+(?P<b>" + _REF
           + r"|v\d+|\d+)$",
           "diff tumour-classifier@1 tumour-classifier@2", _changed_between),
    _shape("changed_between", r"^how\s+(?:does|do|did|is|are)\s+(?P<b>.+?)\s+(?:differ|different|compare|compared)\s+"
           r"(?:from|to|with|against)\s+(?P<a>.+)$",
           "how does wine-cultivar v2 differ from wine-cultivar v1", _changed_between),
    _shape("changed_between", r"^(?P<a>\S+(?:\s+\S+)?)\s+(?:vs\.?|versus)\s+(?P<b>\S+(?:\s+\S+)?)$",
           "tumour-classifier v2 vs v3", _changed_between),
    _shape("reviews_of", r"^(?:(?P<who>who)\s+(?:has\s+|have\s+)?" + _APPROVED
           + r"|(?:who\s+)?(?:turned\s+down|declined)|" + _WHICH.removeprefix("^")
           + r"(?:reviews?|approvals?|sign-?offs?|verdicts?)\s+(?:of|for|on))\s+(?P<x>.+)$"
           r"|^(?:has|did|have)\s+(?:anyone|anybody|someone|somebody)\s+(?:already\s+)?(?:approved|reviewed|signed\s+off"
           r"(?:\s+on)?|green-?lit|looked\s+at|checked|approve|review|sign\s+off(?:\s+on)?)\s+(?P<r>.+?)(?:\s+yet)?$"
           r"|^(?:is|was|has|have|did|does)\s+(?P<y>.+?)\s+(?:been\s+|get\s+|got\s+|gotten\s+|already\s+)?"
           r"(?:approved|reviewed|signed\s+off(?:\s+on)?|green-?lit|green-?lighted|accepted|rejected|vetted|okayed|"
           r"approve|review|pass(?:ed)?\s+review)(?:\s+for\s+\w+)?(?:\s+yet|\s+already)?$"
           r"|^(?:the\s+|what\s+is\s+the\s+|what's\s+the\s+)?(?:approval|review|sign-?off)\s+"
           r"(?:status|state|verdict|history|decision)\s+(?:of|for|on)\s+(?P<z>.+)$",
           "who reviewed wine-cultivar v1", _reviews_of),
    _shape("deployments_of", r"^(?:(?P<who>who)\s+(?:has\s+|have\s+)?(?:deployed|shipped|released|rolled\s+out|"
           r"launched|promoted|put\s+live)|where\s+(?:is|was|are|were|has|have)|"
           + _WHICH.removeprefix("^") + r"(?:deployments?|releases?|rollouts?|endpoints?)\s+(?:of|for))\s+(?P<x>.+?)"
           r"(?:\s+(?:been\s+)?(?:deployed|running|served|serving|hosted|live|shipped|released))?"
           r"(?:\s+(?:to|in|into|on)\s+(?:production|prod|staging|\w+))?$"
           r"|^where\s+(?:does|do|did)\s+(?P<v>.+?)\s+(?:run|live|get\s+served|serve|get\s+deployed)$"
           r"|^(?:which|what)\s+(?:endpoints?|services?|environments?|deployments?|servers?)\s+(?:serve|serves|run|runs|host|"
           r"hosts)\s+(?P<u>.+)$"
           r"|^(?:the\s+)?(?:deployment|release|rollout)\s+(?:history|status)\s+(?:of|for)\s+(?P<t>.+)$"
           r"|^when\s+(?:was|were|did|is|has)\s+(?P<y>.+?)\s+(?:been\s+)?(?:deployed|shipped|released|rolled\s+out|"
           r"launched|promoted|put\s+(?:in|into)\s+(?:production|prod)|go(?:ing)?\s+live|went\s+live|deploy|ship|"
           r"release)(?:\s+(?:to|in|into)\s+\w+)?$"
           r"|^(?:is|was|has)\s+(?P<z>.+?)\s+(?:been\s+|ever\s+|already\s+)?(?:deployed|shipped|released|live|"
           r"in\s+production|in\s+prod|serving)(?:\s+yet|\s+anywhere|\s+already)?$"
           r"|^(?:which|what)\s+(?:environments?|envs?|endpoints?|places|clusters|regions|servers|services)\s+"
           r"(?:is|are|was|were|has|have)\s+(?P<w>.+?)\s+(?:been\s+)?(?:deployed|running|served|live|shipped|released)"
           r"(?:\s+(?:to|in|on|at))?$",
           "deployments of tumour-classifier", _deployments_of),
)


def matches(query: str) -> Iterator[tuple[Shape, dict[str, str]]]:
    """The shapes ``query`` matches, in order, with their named parts (entity texts cleaned).

    An entity text holding a clause of its own ("data that a reviewer worried
    about") makes no match: the query says more than the shape can answer, so
    it is ranked instead.
    """
    text = _POLITE.sub("", " ".join(query.strip().rstrip("?.!").split())) or query.strip()
    for shape in SHAPES:
        found = shape.pattern.search(text)
        if found is None:
            continue
        parts = {_ALIASES.get(k, k): clean_entity(v) for k, v in found.groupdict().items() if v is not None}
        if all(parts.values()) and not any(_CLAUSE.search(v) for k, v in parts.items() if k not in ("verb", "who")):
            yield shape, parts


def match(query: str) -> tuple[Shape, dict[str, str]] | None:
    """The first shape ``query`` matches and its named parts, or None."""
    return next(matches(query), None)


#: How people open a question without changing it ("can you tell me which runs…", "please list…").
_POLITE = re.compile(r"^(?:(?:please|pls|hey|hi|so|ok|okay|can\s+you|could\s+you|would\s+you|will\s+you|tell\s+me|"
                     r"i\s+want\s+to\s+know|i'd\s+like\s+to\s+know|i\s+would\s+like\s+to\s+know|do\s+you\s+know|"
                     r"help\s+me\s+find|i\s+need\s+to\s+know|i\s+need|i\s+want)[\s,]+)+", re.IGNORECASE)
#: Alternatives of one pattern name the same part by other group names (a group name is unique per pattern).
_ALIASES = {"y": "x", "z": "x", "w": "x", "v": "x", "u": "x", "t": "x", "s": "x", "r": "x", "q": "x", "p": "x",
            "o": "x", "n": "x",
            "verb2": "verb", "verb3": "verb", "env2": "env", "env3": "env", "lacking2": "lacking"}
_CLAUSE = re.compile(r"\b(?:that|which|who|whose|where|when|because|but|so|if|while|after|before)\b", re.IGNORECASE)
def narrowed(text: str, kinds: tuple[NodeKind, ...]) -> tuple[str, tuple[NodeKind, ...]]:
    """Entity text without a trailing kind word (``search/intent.py`` KIND_WORDS, the one table), and the kinds
    that word allows (when any of ``kinds``)."""
    found = kind_word_at_end(text)
    if found is None:
        return text, kinds
    allowed = tuple(k for k in found[1] if k in kinds)
    return (found[0], allowed) if allowed else (text, kinds)


def _find(resolve: Resolver, text: str, kinds: tuple[NodeKind, ...]) -> Node | None:
    """Resolve entity text, a trailing kind word narrowing the kinds (the whole text is tried last)."""
    short, allowed = narrowed(text, kinds)
    node = resolve(short, allowed)
    return node if node is not None or short == text else resolve(text, kinds)


def clean_entity(text: str) -> str:
    """Entity text without quotes, a leading article or kind word, bounded."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    text = re.sub(r"^(?:job|run|dataset|model|commit|person)\s+(?=\S)", "", text, flags=re.IGNORECASE)
    return text.strip().strip("\"'`“”‘’").strip()[:MAX_ENTITY_CHARS].strip()


def answer(query: str, view: GraphStore, resolve: Resolver) -> tuple[Shape, list[Answer]] | None:
    """The shape ``query`` was read as and its answers from ``view`` (None: it is not a recognised question,
    or an entity it names is not found). An empty list is an answer: nothing in the graph fits the question."""
    for shape, parts in matches(query):
        try:
            answers = shape.answer(view, resolve, parts)
        except ModelctxError:
            answers = None
        if answers is not None:
            return shape, answers
    return None


_WORD = re.compile(r"[^\W_]+")
_BARE_VERSION = re.compile(r"^(?:v|version\s*)?(?P<n>\d+)$", re.IGNORECASE)


def shares_a_word(text: str, title: str) -> bool:
    """Whether a title shares a word with entity text: a search hit resolves an entity only then, so that
    "Ada Lovelace" never resolves to the nearest person who is someone else."""
    words = {w for w in _WORD.findall(text.lower()) if len(w) > 1}
    return bool(words & set(_WORD.findall(title.lower())))


_VERSION_REF = re.compile(r"^(?P<name>.+?)(?:\s+v|\s+version\s+|@|/)(?P<which>[\w.-]+)$", re.IGNORECASE)


def exact_node(view: GraphStore, text: str, kinds: tuple[NodeKind, ...]) -> Node | None:
    """The node ``text`` names exactly, among ``kinds``: a bare natural key of one of the kinds, in their
    order (so "tumour" is the model, not its latest version, when a model is wanted first); else what
    ``graph/refs.py`` resolve_ref makes of it (``name vN`` read as ``name@N``); else an exact name."""
    keys = [f"{kind.value}:{text}" for kind in kinds]
    direct = view.get_nodes(keys)
    for key in keys:
        if key in direct:
            return direct[key]
    version = _VERSION_REF.match(text)
    refs = [f"{version['name']}@{version['which']}"] if version is not None and "@" not in text else []
    for ref in [*refs, text]:
        try:
            node = resolve_ref(view, ref)
        except ModelctxError:
            continue
        if node.kind in kinds:
            return node
    for kind in kinds:
        for key in _NAMED_BY.get(kind, ("name",)):
            found = view.find_nodes(kind, {key: text}, limit=2)
            if len(found) == 1:
                return found[0]
    return None


#: The properties an exact entity text may equal, per kind: ``name`` (indexed, ``graph/backends/sqlite_sql.py``)
#: for every kind, and what people also call a person or a commit by. Looking for an email on a run would read
#: every run (110 ms at 100k nodes).
_NAMED_BY: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.PERSON: ("name", "email"),
    NodeKind.COMMIT: ("name", "message"),
}
