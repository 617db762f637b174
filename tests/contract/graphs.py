"""Small graphs the contract tests share."""

from __future__ import annotations

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

K = NodeKind
E = EdgeType


def n(kind: NodeKind, *key: str, **props: object) -> Node:
    return Node(node_id(kind, *key), kind, dict(props))


def e(source: Node, etype: EdgeType, target: Node, **props: object) -> Edge:
    return Edge(source.id, target.id, etype, dict(props))


def lineage_world() -> tuple[list[Node], list[Edge], dict[str, Node]]:
    """A provenance graph with a diamond (two cleaned versions of one raw version) and a cycle.

    deployment -> model_version -> run -> {clean_a, clean_b, commit}; clean_a/b -> raw -> loop_x <-> loop_y.
    """
    ds_raw = n(K.DATASET, "raw", name="raw")
    ds_clean = n(K.DATASET, "clean", name="clean")
    raw = n(K.DATASET_VERSION, "raw", "d0", name="raw v0", rows=100)
    clean_a = n(K.DATASET_VERSION, "clean", "a", name="clean a")
    clean_b = n(K.DATASET_VERSION, "clean", "b", name="clean b")
    loop_x = n(K.DATASET_VERSION, "loop", "x", name="loop x")
    loop_y = n(K.DATASET_VERSION, "loop", "y", name="loop y")
    repo = n(K.CODE_REPO, "git@example.org/churn", name="churn")
    commit = n(K.COMMIT, "abc123", message="train churn")
    run = n(K.RUN, "sdk", "r1", name="train", status="FINISHED")
    model = n(K.MODEL, "churn", name="churn")
    version = n(K.MODEL_VERSION, "churn", "1", name="churn v1")
    review = n(K.REVIEW, "rv1", verdict="approved")
    deployment = n(K.DEPLOYMENT, "d1", environment="prod", status="active")
    person = n(K.PERSON, "ana@example.org", name="Ana")
    nodes = [ds_raw, ds_clean, raw, clean_a, clean_b, loop_x, loop_y, repo, commit, run, model, version,
             review, deployment, person]
    edges = [
        e(raw, E.VERSION_OF, ds_raw),
        e(clean_a, E.VERSION_OF, ds_clean),
        e(clean_b, E.VERSION_OF, ds_clean),
        e(clean_a, E.DERIVED_FROM, raw),
        e(clean_b, E.DERIVED_FROM, raw),
        e(raw, E.DERIVED_FROM, loop_x),
        e(loop_x, E.DERIVED_FROM, loop_y),
        e(loop_y, E.DERIVED_FROM, loop_x),
        e(commit, E.IN_REPO, repo),
        e(run, E.USED, clean_a, role="training"),
        e(run, E.USED, clean_b, role="validation"),
        e(run, E.USED, commit, role="code"),
        e(version, E.GENERATED_BY, run),
        e(version, E.VERSION_OF, model),
        e(review, E.REVIEWS, version),
        e(deployment, E.DEPLOYS, version),
        e(run, E.ATTRIBUTED_TO, person),
    ]
    names = {"ds_raw": ds_raw, "ds_clean": ds_clean, "raw": raw, "clean_a": clean_a, "clean_b": clean_b,
             "loop_x": loop_x, "loop_y": loop_y, "repo": repo, "commit": commit, "run": run, "model": model,
             "version": version, "review": review, "deployment": deployment, "person": person}
    return nodes, edges, names
