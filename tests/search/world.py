# ruff: noqa: E501  (a data table: long texts read better unbroken)
"""A small two-project graph for search tests: onc (a tumour classifier) and crm (churn)."""

from __future__ import annotations

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

K, E = NodeKind, EdgeType

ONC_DATASET = node_id(K.DATASET, "breast-cancer")
ONC_DV = node_id(K.DATASET_VERSION, "breast-cancer", "cleaned")
ONC_RUN = node_id(K.RUN, "sdk", "onc-1")
ONC_MODEL = node_id(K.MODEL, "tumour")
ONC_MV = node_id(K.MODEL_VERSION, "tumour", "1")
ONC_REVIEW_OLD = node_id(K.REVIEW, "onc-r1")
ONC_REVIEW_NEW = node_id(K.REVIEW, "onc-r2")
ONC_DEPLOY = node_id(K.DEPLOYMENT, "onc-prod")
ONC_DEPLOY_OLD = node_id(K.DEPLOYMENT, "onc-old")
CRM_DV = node_id(K.DATASET_VERSION, "telecom-customers", "v1")
CRM_RUN = node_id(K.RUN, "sdk", "crm-1")
CRM_MV = node_id(K.MODEL_VERSION, "churn", "1")
CRM_MODEL = node_id(K.MODEL, "churn")


def write_world(store: GraphStore) -> None:
    onc = {"project": "onc"}
    crm = {"project": "crm"}
    nodes = [
        Node(ONC_DATASET, K.DATASET, {"name": "breast cancer", **onc,
             "description": "Wisconsin diagnostic breast cancer: features of cell nuclei from fine needle aspirate images"}),
        Node(ONC_DV, K.DATASET_VERSION, {"name": "breast cancer (cleaned)", **onc,
             "description": "duplicate patients removed and outliers clipped", "created_at": "2024-02-01T00:00:00Z"}),
        Node(ONC_RUN, K.RUN, {"name": "train tumour classifier", **onc, "started_at": "2024-02-10T09:00:00Z",
             "params": {"learning_rate": 0.1, "max_depth": 4}, "metrics": {"accuracy": 0.93, "recall": 0.88}}),
        Node(ONC_MODEL, K.MODEL, {"name": "tumour", **onc}),
        Node(ONC_MV, K.MODEL_VERSION, {"name": "tumour v1", **onc, "framework": "sklearn"}),
        Node(ONC_REVIEW_OLD, K.REVIEW, {"verdict": "changes_requested", **onc, "at": "2024-02-12T00:00:00Z",
             "comment": "worried that the classifier overfits; probabilities are badly calibrated"}),
        Node(ONC_REVIEW_NEW, K.REVIEW, {"verdict": "approved", **onc, "at": "2024-02-20T00:00:00Z",
             "comment": "calibration fixed with isotonic regression, fine to ship"}),
        Node(ONC_DEPLOY, K.DEPLOYMENT, {"environment": "production", "status": "active", **onc}),
        Node(ONC_DEPLOY_OLD, K.DEPLOYMENT, {"environment": "staging", "status": "retired", **onc,
             "retired_at": "2024-03-01T00:00:00Z"}),
        Node(CRM_DV, K.DATASET_VERSION, {"name": "telecom customers v1", **crm,
             "description": "monthly telecom customer accounts with contract type and tenure"}),
        Node(CRM_RUN, K.RUN, {"name": "train churn model", **crm, "started_at": "2024-06-01T09:00:00Z",
             "metrics": {"auc": 0.81}}),
        Node(CRM_MODEL, K.MODEL, {"name": "churn", **crm}),
        Node(CRM_MV, K.MODEL_VERSION, {"name": "churn v1", **crm,
             "description": "predicts which telecom customers cancel their subscription"}),
    ]
    edges = [
        Edge(ONC_DV, ONC_DATASET, E.VERSION_OF),
        Edge(ONC_RUN, ONC_DV, E.USED, {"role": "train"}),
        Edge(ONC_MV, ONC_RUN, E.GENERATED_BY),
        Edge(ONC_MV, ONC_MODEL, E.VERSION_OF),
        Edge(ONC_REVIEW_OLD, ONC_MV, E.REVIEWS),
        Edge(ONC_REVIEW_NEW, ONC_MV, E.REVIEWS),
        Edge(ONC_DEPLOY, ONC_MV, E.DEPLOYS),
        Edge(ONC_DEPLOY_OLD, ONC_MV, E.DEPLOYS),
        Edge(CRM_RUN, CRM_DV, E.USED, {"role": "train"}),
        Edge(CRM_MV, CRM_RUN, E.GENERATED_BY),
        Edge(CRM_MV, CRM_MODEL, E.VERSION_OF),
    ]
    store.write(nodes, edges, actor="test")
