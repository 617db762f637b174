"""A small governed world: one model with two versions, reviews, deployments and monitoring.

Shapes follow what the ingestors write (MLflow runs with params/metrics and
timestamps, dataset versions with digests and row counts, commits, environments).
"""

from __future__ import annotations

from modelctx.graph.ids import content_id, node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

K = NodeKind
E = EdgeType


def n(kind: NodeKind, /, *key: str, **props: object) -> Node:
    return Node(node_id(kind, *key), kind, dict(props))


def e(source: Node, etype: EdgeType, target: Node, **props: object) -> Edge:
    return Edge(source.id, target.id, etype, dict(props))


def governed_world() -> tuple[list[Node], list[Edge], dict[str, Node]]:
    """churn v1: trained by ana, approved by bob, deployed to prod, monitored (warning)."""
    project = n(K.PROJECT, "churn", name="churn", owners=["ana@example.org"])
    ana = n(K.PERSON, "ana@example.org", name="Ana", email="ana@example.org")
    bob = n(K.PERSON, "bob@example.org", name="Bob", email="bob@example.org")
    dataset = n(K.DATASET, "customers", name="customers", owner="ana@example.org", project="churn")
    raw = n(K.DATASET_VERSION, "customers", "sha256-aaa", name="customers@aaa", digest="sha256:aaa",
            rows=12000, uri="s3://lake/customers/2026-01.parquet", format="parquet", project="churn")
    clean = n(K.DATASET_VERSION, "customers", "sha256-bbb", name="customers-clean@bbb", digest="sha256:bbb",
              rows=11800, uri="s3://lake/customers/clean.parquet", format="parquet", project="churn")
    feature = n(K.FEATURE, "churn", "tenure_months", name="tenure_months", dtype="int64", project="churn")
    commit = n(K.COMMIT, "9f2c1e0d", message="train churn with tenure", author="ana@example.org",
               authored_at="2026-01-10T09:00:00+00:00")
    env = Node(content_id(K.ENVIRONMENT, ["numpy==2.0", "scikit-learn==1.5"]), K.ENVIRONMENT,
               {"python": "3.11.9", "packages": ["numpy==2.0", "scikit-learn==1.5"]})
    run = n(K.RUN, "mlflow", "4b1e", name="train-churn", kind="training", status="FINISHED", project="churn",
            params={"max_depth": 6, "n_estimators": 200}, metrics={"auc": 0.91, "logloss": 0.31},
            started_at="2026-01-12T10:00:00+00:00", ended_at="2026-01-12T12:30:00+00:00", user="ana@example.org",
            metric_history={"auc": [[0, 0.7], [1, 0.85], [2, 0.91]]})
    model = n(K.MODEL, "churn", name="churn", owner="ana@example.org", project="churn")
    version = n(K.MODEL_VERSION, "churn", "1", name="churn v1", framework="sklearn", project="churn",
                digest="sha256:m1")
    review = n(K.REVIEW, "rv-1", verdict="approved", reviewer="bob@example.org", at="2026-01-13T09:00:00+00:00",
               comment="fairness checks pass", project="churn")
    deployment = n(K.DEPLOYMENT, "prod-churn-1", environment="prod", endpoint="https://ml/churn", status="active",
                   deployed_at="2026-01-14T09:00:00+00:00", project="churn")
    report = n(K.MONITORING_REPORT, "mr-1", severity="warning", at="2026-01-20T00:00:00+00:00",
               window="2026-01-13/2026-01-20", project="churn")
    nodes = [project, ana, bob, dataset, raw, clean, feature, commit, env, run, model, version, review,
             deployment, report]
    edges = [
        e(raw, E.VERSION_OF, dataset), e(clean, E.VERSION_OF, dataset), e(clean, E.DERIVED_FROM, raw),
        e(feature, E.DERIVED_FROM, clean),
        e(run, E.USED, clean, role="training"), e(run, E.USED, feature, role="feature"),
        e(run, E.USED, commit, role="code"), e(run, E.USED, env, role="environment"),
        e(run, E.ATTRIBUTED_TO, ana),
        e(version, E.GENERATED_BY, run), e(version, E.VERSION_OF, model),
        e(review, E.REVIEWS, version), e(review, E.ATTRIBUTED_TO, bob),
        e(deployment, E.DEPLOYS, version), e(report, E.MONITORS, deployment),
        e(version, E.IN_PROJECT, project), e(run, E.IN_PROJECT, project),
    ]
    names = {"project": project, "ana": ana, "bob": bob, "dataset": dataset, "raw": raw, "clean": clean,
             "feature": feature, "commit": commit, "env": env, "run": run, "model": model, "version": version,
             "review": review, "deployment": deployment, "report": report}
    return nodes, edges, names
