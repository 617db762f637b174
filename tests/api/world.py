"""A small two-project world for the API tests: churn (the main one) and fraud (must never leak into churn's view)."""

from __future__ import annotations

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

K = NodeKind
E = EdgeType

CHURN = "churn"
FRAUD = "fraud"

PROJECT_CHURN = node_id(K.PROJECT, CHURN)
PROJECT_FRAUD = node_id(K.PROJECT, FRAUD)
CUSTOMERS = node_id(K.DATASET, "customers")
CUSTOMERS_V1 = node_id(K.DATASET_VERSION, "customers", "v1")
CUSTOMERS_V2 = node_id(K.DATASET_VERSION, "customers", "v2")
COMMIT = node_id(K.COMMIT, "9f2c1e")
ENV = node_id(K.ENVIRONMENT, "e1")
TRAIN_RUN = node_id(K.RUN, "sdk", "train-1")
CHURN_MODEL = node_id(K.MODEL, "churn")
CHURN_V1 = node_id(K.MODEL_VERSION, "churn", "1")
REVIEW = node_id(K.REVIEW, "r1")
DEPLOY_LIVE = node_id(K.DEPLOYMENT, "d1")
DEPLOY_RETIRED = node_id(K.DEPLOYMENT, "d0")
MONITOR = node_id(K.MONITORING_REPORT, "m1")
NOTE = node_id(K.INSIGHT, "n1")

TRANSACTIONS_V1 = node_id(K.DATASET_VERSION, "transactions", "v1")
TRANSACTIONS = node_id(K.DATASET, "transactions")
FRAUD_RUN = node_id(K.RUN, "sdk", "fraud-1")
FRAUD_MODEL = node_id(K.MODEL, "fraud")
FRAUD_V1 = node_id(K.MODEL_VERSION, "fraud", "1")
FRAUD_DEPLOY = node_id(K.DEPLOYMENT, "fd1")
FRAUD_NOTE = node_id(K.INSIGHT, "fn1")

CHURN_IDS = {
    PROJECT_CHURN, CUSTOMERS, CUSTOMERS_V1, CUSTOMERS_V2, COMMIT, ENV, TRAIN_RUN, CHURN_MODEL, CHURN_V1,
    REVIEW, DEPLOY_LIVE, DEPLOY_RETIRED, MONITOR, NOTE,
}
FRAUD_IDS = {PROJECT_FRAUD, TRANSACTIONS, TRANSACTIONS_V1, FRAUD_RUN, FRAUD_MODEL, FRAUD_V1, FRAUD_DEPLOY, FRAUD_NOTE}


def _n(nid: str, project: str, **props: object) -> Node:
    return Node(nid, NodeKind(nid.split(":", 1)[0]), {"project": project, "source": "sdk", **props})


def build_world(store: GraphStore) -> None:
    """Write both projects; the fraud run also used churn's customers/v2 (a cross-project edge)."""
    nodes = [
        _n(PROJECT_CHURN, CHURN, name="churn"),
        _n(CUSTOMERS, CHURN, name="customers", description="Customer accounts with tenure and plan"),
        _n(CUSTOMERS_V1, CHURN, name="customers v1", rows=1000),
        _n(CUSTOMERS_V2, CHURN, name="customers v2", rows=1200),
        _n(COMMIT, CHURN, message="train churn model"),
        _n(ENV, CHURN, python="3.11"),
        _n(TRAIN_RUN, CHURN, name="train churn", status="finished", metrics={"auc": 0.91}),
        _n(CHURN_MODEL, CHURN, name="churn", description="Predicts which customers cancel"),
        _n(CHURN_V1, CHURN, name="churn v1", framework="sklearn"),
        _n(REVIEW, CHURN, verdict="approved", reviewer="ana@example.com", comment="Calibration fine", at="2026-01-02"),
        _n(DEPLOY_LIVE, CHURN, environment="prod", endpoint="http://churn", status="active", deployed_at="2026-01-03"),
        _n(DEPLOY_RETIRED, CHURN, environment="staging", status="retired", retired_at="2026-01-04"),
        _n(MONITOR, CHURN, severity="low"),
        _n(NOTE, CHURN, text="Tenure drifted in March", author="bo"),
        _n(PROJECT_FRAUD, FRAUD, name="fraud"),
        _n(TRANSACTIONS, FRAUD, name="transactions"),
        _n(TRANSACTIONS_V1, FRAUD, name="transactions v1"),
        _n(FRAUD_RUN, FRAUD, name="train fraud"),
        _n(FRAUD_MODEL, FRAUD, name="fraud", description="Flags fraudulent card transactions"),
        _n(FRAUD_V1, FRAUD, name="fraud v1"),
        _n(FRAUD_DEPLOY, FRAUD, environment="prod", status="active"),
        _n(FRAUD_NOTE, FRAUD, text="Fraud model secret finding"),
    ]
    edges = [
        Edge(CUSTOMERS_V1, CUSTOMERS, E.VERSION_OF),
        Edge(CUSTOMERS_V2, CUSTOMERS, E.VERSION_OF),
        Edge(CUSTOMERS_V2, CUSTOMERS_V1, E.DERIVED_FROM),
        Edge(TRAIN_RUN, CUSTOMERS_V2, E.USED, {"role": "training"}),
        Edge(TRAIN_RUN, COMMIT, E.USED),
        Edge(TRAIN_RUN, ENV, E.USED),
        Edge(CHURN_V1, TRAIN_RUN, E.GENERATED_BY),
        Edge(CHURN_V1, CHURN_MODEL, E.VERSION_OF),
        Edge(REVIEW, CHURN_V1, E.REVIEWS),
        Edge(DEPLOY_LIVE, CHURN_V1, E.DEPLOYS),
        Edge(DEPLOY_RETIRED, CHURN_V1, E.DEPLOYS),
        Edge(MONITOR, DEPLOY_LIVE, E.MONITORS),
        Edge(NOTE, CHURN_V1, E.ABOUT),
        Edge(TRANSACTIONS_V1, TRANSACTIONS, E.VERSION_OF),
        Edge(FRAUD_RUN, TRANSACTIONS_V1, E.USED),
        Edge(FRAUD_RUN, CUSTOMERS_V2, E.USED),
        Edge(FRAUD_V1, FRAUD_RUN, E.GENERATED_BY),
        Edge(FRAUD_V1, FRAUD_MODEL, E.VERSION_OF),
        Edge(FRAUD_DEPLOY, FRAUD_V1, E.DEPLOYS),
        Edge(FRAUD_NOTE, CUSTOMERS_V2, E.ABOUT),
        *(Edge(n, PROJECT_CHURN, E.IN_PROJECT) for n in sorted(CHURN_IDS - {PROJECT_CHURN})),
        *(Edge(n, PROJECT_FRAUD, E.IN_PROJECT) for n in sorted(FRAUD_IDS - {PROJECT_FRAUD})),
    ]
    store.write(nodes, edges, actor="test:world")
