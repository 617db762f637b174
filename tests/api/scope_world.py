"""A two-project world for the scope test (``test_scope_routes.py``): alpha's nodes meet only through bravo's.

Alpha (project A, the caller's) and bravo (project B, which alpha must never
see) are laid out so that every shortcut a leaky route could take shows:

- ``alpha-raw/v1`` is connected to the rest of alpha *only* through bravo:
  ``alpha-clean/v1`` DERIVED_FROM ``bravo-mid/v1`` DERIVED_FROM ``alpha-raw/v1``,
  and alpha's training run USED ``bravo-feat/v1``, which bravo's ETL run (an
  OpenLineage run with a parent run) GENERATED from ``alpha-raw/v1``. Walks
  from alpha's nodes must stop at bravo's, whatever the depth.
- Project-less nodes attached to alpha's work: the approving review of
  ``alpha-churn/1`` (and its reviewer), the commit and its repository, the
  environment, the trainer, a shared reference dataset, a note. Alpha sees
  them, and its audit must count the review (so no ``deployed_without_approval``).
- Project-less attachments of bravo's work: a rejecting review with a secret
  comment and a note with secret text. They follow what they are about, so
  alpha never sees them. Bravo's own commit, environment, reviewer and the
  dataset version bravo derived from alpha's carry project bravo (project-less
  things other than attachments are shared with every project: ``docs/access.md``).
- Bravo's governance problems: a deployment of a version that was never
  approved (rejected, in fact), two models without an owner, and a flagged
  dataset version (``B_FLAG_REASON``) upstream of alpha's model version.

Every string of bravo's that must never reach alpha carries ``bravo`` (or is
listed in ``B_SECRETS``); alpha's carry ``alpha``.
"""

from __future__ import annotations

from pathlib import Path

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import dataset_name_for_uri, keyed_version_id, openlineage_uri, version_key

K = NodeKind
E = EdgeType

A = "alpha"
B = "bravo"
#: Every string of bravo's carries this; a response to alpha must not contain it.
B_MARKER = "bravo"


def ol_dataset_version(namespace: str, name: str) -> str:
    """The id the OpenLineage converter gives a dataset ``(namespace, name)`` seen for the first time."""
    uri = openlineage_uri(namespace, name, Path("/"))
    return node_id(K.DATASET_VERSION, dataset_name_for_uri(uri), version_key(None, uri))


def ol_written_version(namespace: str, name: str, run_id: str) -> str:
    """The id of the version the OpenLineage run ``run_id`` wrote of ``(namespace, name)`` (versions per write)."""
    return keyed_version_id(dataset_name_for_uri(openlineage_uri(namespace, name, Path("/"))), f"run-{run_id}")


# -- alpha --------------------------------------------------------------------------------------------
PROJECT_A = node_id(K.PROJECT, A)
A_RAW = node_id(K.DATASET, "alpha-raw")
A_RAW_V1 = node_id(K.DATASET_VERSION, "alpha-raw", "v1")
A_CLEAN = node_id(K.DATASET, "alpha-clean")
A_CLEAN_V1 = node_id(K.DATASET_VERSION, "alpha-clean", "v1")
A_TRAIN = node_id(K.RUN, "sdk", "alpha-train")
A_MODEL = node_id(K.MODEL, "alpha-churn")
A_V1 = node_id(K.MODEL_VERSION, "alpha-churn", "1")
A_ORPHAN = node_id(K.MODEL, "alpha-orphan")
A_DEPLOY = node_id(K.DEPLOYMENT, "alpha-prod")
A_MONITOR = node_id(K.MONITORING_REPORT, "alpha-m1")
A_NOTE = node_id(K.INSIGHT, "alpha-note")
A_FLAG_REASON = "alpha raw has duplicate rows"

# project-less, attached to alpha's work
A_REVIEW = node_id(K.REVIEW, "alpha-approval")
A_REVIEWER = node_id(K.PERSON, "rita-alpha")
A_TRAINER = node_id(K.PERSON, "alice-alpha")
A_COMMIT_SHA = "a1" * 20
A_COMMIT = node_id(K.COMMIT, A_COMMIT_SHA)
A_REPO = node_id(K.CODE_REPO, "alpha-repo")
A_ENV = node_id(K.ENVIRONMENT, "alpha-env")
SHARED = node_id(K.DATASET, "shared-alpha-ref")
SHARED_V1 = node_id(K.DATASET_VERSION, "shared-alpha-ref", "v1")
A_SHARED_NOTE = node_id(K.INSIGHT, "alpha-shared-note")

# -- bravo --------------------------------------------------------------------------------------------
PROJECT_B = node_id(K.PROJECT, B)
B_MID = node_id(K.DATASET, "bravo-mid")
B_MID_V1 = node_id(K.DATASET_VERSION, "bravo-mid", "v1")
B_NAMESPACE = "bravo-ns"
B_FEAT_NAME = "bravo-feat"
#: bravo's ETL output, with the ids the OpenLineage converter gives ``(bravo-ns, bravo-feat)`` (identity rule 3).
B_FEAT_URI = openlineage_uri(B_NAMESPACE, B_FEAT_NAME, Path("/"))
B_FEAT = node_id(K.DATASET, dataset_name_for_uri(B_FEAT_URI))
B_FEAT_V1 = ol_dataset_version(B_NAMESPACE, B_FEAT_NAME)
B_ETL_RUN_UUID = "6b0e1c3a-9d55-4a57-8d0a-0c1b2d3e4f50"
B_PARENT_RUN_UUID = "7c1f2d4b-0e66-4b68-9e1b-1d2c3e4f5a61"
B_ETL = node_id(K.RUN, "openlineage", B_ETL_RUN_UUID)
B_ETL_JOB_NAME = "bravo-etl-job"
B_JOB = node_id(K.JOB, B_NAMESPACE, B_ETL_JOB_NAME)
B_PARENT_JOB_NAME = "bravo-nightly"
B_PARENT = node_id(K.RUN, "openlineage", B_PARENT_RUN_UUID)
B_PARENT_JOB = node_id(K.JOB, B_NAMESPACE, B_PARENT_JOB_NAME)
B_TRAIN = node_id(K.RUN, "sdk", "bravo-train")
B_MODEL = node_id(K.MODEL, "bravo-fraud")
B_V1 = node_id(K.MODEL_VERSION, "bravo-fraud", "1")
B_SPARE = node_id(K.MODEL, "bravo-spare")
B_DEPLOY = node_id(K.DEPLOYMENT, "bravo-prod")
B_NOTE = node_id(K.INSIGHT, "bravo-note")
B_FLAG_REASON = "bravo vendor feed poisoned on 2026-01-01"

# project-less, attached only to bravo's work
B_REVIEW = node_id(K.REVIEW, "bravo-rejection")
B_REVIEWER = node_id(K.PERSON, "bravo-boss")
B_REVIEWER_EMAIL = "boss@bravo.example"
B_COMMENT = "bravo threshold tuned on the test set"
B_COMMIT_SHA = "b2" * 20
B_COMMIT = node_id(K.COMMIT, B_COMMIT_SHA)
B_COMMIT_MESSAGE = "bravo secret commit message"
B_ENV = node_id(K.ENVIRONMENT, "bravo-env")
B_SHARED_NOTE = node_id(K.INSIGHT, "bravo-shared-note")
B_NOTE_TEXT = "bravo secret note: the mid table leaks labels"
#: Derived by bravo from alpha's data: it points at alpha's node, but it is bravo's.
B_EXPORT_V1 = node_id(K.DATASET_VERSION, "bravo-export", "v1")

A_OWN = {PROJECT_A, A_RAW, A_RAW_V1, A_CLEAN, A_CLEAN_V1, A_TRAIN, A_MODEL, A_V1, A_ORPHAN, A_DEPLOY, A_MONITOR,
         A_NOTE}
A_SHARED = {A_REVIEW, A_REVIEWER, A_TRAINER, A_COMMIT, A_REPO, A_ENV, SHARED, SHARED_V1, A_SHARED_NOTE}
#: Everything alpha's view shows.
A_VISIBLE = A_OWN | A_SHARED
B_OWN = {PROJECT_B, B_MID, B_MID_V1, B_FEAT, B_FEAT_V1, B_ETL, B_JOB, B_PARENT, B_PARENT_JOB, B_TRAIN, B_MODEL,
         B_V1, B_SPARE, B_DEPLOY, B_NOTE, B_REVIEWER, B_COMMIT, B_ENV, B_EXPORT_V1}
B_ONLY_SHARED = {B_REVIEW, B_SHARED_NOTE}
#: Everything alpha's view hides.
B_HIDDEN = B_OWN | B_ONLY_SHARED
#: Strings of bravo's that must not appear in any answer to alpha (besides every id in B_HIDDEN).
B_SECRETS = sorted({
    *B_HIDDEN, B_FLAG_REASON, B_COMMENT, B_COMMIT_SHA, B_COMMIT_MESSAGE, B_NOTE_TEXT, B_REVIEWER_EMAIL,
    B_ETL_RUN_UUID, B_PARENT_RUN_UUID, B_NAMESPACE, B_FEAT_NAME, B_ETL_JOB_NAME, B_PARENT_JOB_NAME,
    "bravo fraud v1", "bravo feature table",
})


def _node(nid: str, project: str | None, **props: object) -> Node:
    properties = {"source": "sdk", **props}
    if project is not None:
        properties["project"] = project
    return Node(nid, NodeKind(nid.partition(":")[0]), properties)


def build_scope_world(store: GraphStore) -> None:
    """Write both projects and the project-less nodes in one batch."""
    nodes = [
        _node(PROJECT_A, A, name=A),
        _node(A_RAW, A, name="alpha-raw", description="alpha raw customer events"),
        _node(A_RAW_V1, A, name="alpha-raw v1", rows=500, flagged=True, flag_reason=A_FLAG_REASON,
              flagged_by="user:alpha-lead", flagged_at="2026-01-06T00:00:00+00:00"),
        _node(A_CLEAN, A, name="alpha-clean", description="alpha cleaned customer table"),
        _node(A_CLEAN_V1, A, name="alpha-clean v1", rows=480),
        _node(A_TRAIN, A, name="alpha train", status="COMPLETED", started_at="2026-01-01T08:00:00+00:00",
              ended_at="2026-01-01T10:00:00+00:00", metrics={"auc": 0.9}),
        _node(A_MODEL, A, name="alpha-churn", description="alpha predicts which customers cancel"),
        _node(A_V1, A, name="alpha churn v1", framework="sklearn"),
        _node(A_ORPHAN, A, name="alpha-orphan", description="an alpha model nobody owns"),
        _node(A_DEPLOY, A, environment="prod", endpoint="http://alpha", status="active",
              deployed_at="2026-01-03T00:00:00+00:00"),
        _node(A_MONITOR, A, severity="low", at="2026-01-05T00:00:00+00:00"),
        _node(A_NOTE, A, text="alpha calibration checked by hand", author="alice"),
        _node(A_REVIEW, None, verdict="approved", reviewer="rita@alpha.example", at="2026-01-02T00:00:00+00:00",
              comment="Calibration fine for alpha"),
        _node(A_REVIEWER, None, name="Rita Alpha", email="rita@alpha.example"),
        _node(A_TRAINER, None, name="Alice Alpha", email="alice@alpha.example"),
        _node(A_COMMIT, None, sha=A_COMMIT_SHA, message="alpha training code"),
        _node(A_REPO, None, name="alpha-repo", url="https://git.example/alpha-repo"),
        _node(A_ENV, None, python="3.11", name="alpha-env"),
        _node(SHARED, None, name="shared-alpha-ref", description="reference calendar shared by every team"),
        _node(SHARED_V1, None, name="shared-alpha-ref v1", rows=365),
        _node(A_SHARED_NOTE, None, text="alpha shared note: retrain monthly"),
        _node(PROJECT_B, B, name=B),
        _node(B_MID, B, name="bravo-mid", description="bravo intermediate table"),
        _node(B_MID_V1, B, name="bravo-mid v1", rows=490),
        _node(B_FEAT, B, name=B_FEAT.partition(":")[2], description="bravo feature table"),
        _node(B_FEAT_V1, B, name="bravo-feat v1", source="openlineage", uri=B_FEAT_URI, source_id=B_FEAT_URI,
              flagged=True, flag_reason=B_FLAG_REASON, flagged_by="user:bravo-lead",
              flagged_at="2026-01-06T00:00:00+00:00"),
        _node(B_ETL, B, name=B_ETL_JOB_NAME, source="openlineage", source_id=B_ETL_RUN_UUID, kind="etl",
              status="COMPLETED", job=f"{B_NAMESPACE}/{B_ETL_JOB_NAME}",
              started_at="2025-12-31T01:00:00+00:00", ended_at="2025-12-31T02:00:00+00:00"),
        _node(B_JOB, B, name=B_ETL_JOB_NAME, namespace=B_NAMESPACE, source="openlineage",
              source_id=f"{B_NAMESPACE}/{B_ETL_JOB_NAME}"),
        _node(B_PARENT, B, name=B_PARENT_JOB_NAME, source="openlineage", source_id=B_PARENT_RUN_UUID),
        _node(B_PARENT_JOB, B, name=B_PARENT_JOB_NAME, namespace=B_NAMESPACE, source="openlineage",
              source_id=f"{B_NAMESPACE}/{B_PARENT_JOB_NAME}"),
        _node(B_TRAIN, B, name="bravo train", status="COMPLETED", started_at="2026-01-01T00:00:00+00:00",
              ended_at="2026-01-01T05:00:00+00:00"),
        _node(B_MODEL, B, name="bravo-fraud", description="bravo flags fraudulent transfers"),
        _node(B_V1, B, name="bravo fraud v1"),
        _node(B_SPARE, B, name="bravo-spare"),
        _node(B_DEPLOY, B, environment="prod", endpoint="http://bravo", status="active",
              deployed_at="2026-01-03T00:00:00+00:00"),
        _node(B_NOTE, B, text="bravo note about its own model"),
        _node(B_REVIEW, None, verdict="rejected", reviewer=B_REVIEWER_EMAIL, at="2026-01-01T00:00:00+00:00",
              comment=B_COMMENT),
        _node(B_REVIEWER, B, name="bravo boss", email=B_REVIEWER_EMAIL),
        _node(B_COMMIT, B, sha=B_COMMIT_SHA, message=B_COMMIT_MESSAGE),
        _node(B_ENV, B, python="3.12", name="bravo-env"),
        _node(B_SHARED_NOTE, None, text=B_NOTE_TEXT),
        _node(B_EXPORT_V1, B, name="bravo-export v1", rows=480),
    ]
    edges = [
        # alpha, with its only links to alpha-raw going through bravo
        Edge(A_RAW_V1, A_RAW, E.VERSION_OF),
        Edge(A_CLEAN_V1, A_CLEAN, E.VERSION_OF),
        Edge(B_MID_V1, A_RAW_V1, E.DERIVED_FROM),
        Edge(A_CLEAN_V1, B_MID_V1, E.DERIVED_FROM),
        Edge(A_TRAIN, A_CLEAN_V1, E.USED, {"role": "training"}),
        Edge(A_TRAIN, B_FEAT_V1, E.USED, {"role": "features"}),
        Edge(A_TRAIN, SHARED_V1, E.USED, {"role": "reference"}),
        Edge(A_TRAIN, A_COMMIT, E.USED),
        Edge(A_TRAIN, A_ENV, E.USED),
        Edge(A_TRAIN, A_TRAINER, E.ATTRIBUTED_TO),
        Edge(A_COMMIT, A_REPO, E.IN_REPO),
        Edge(SHARED_V1, SHARED, E.VERSION_OF),
        Edge(A_V1, A_TRAIN, E.GENERATED_BY),
        Edge(A_V1, A_MODEL, E.VERSION_OF),
        Edge(A_MODEL, A_TRAINER, E.ATTRIBUTED_TO),
        Edge(A_REVIEW, A_V1, E.REVIEWS),
        Edge(A_REVIEW, A_REVIEWER, E.ATTRIBUTED_TO),
        Edge(A_DEPLOY, A_V1, E.DEPLOYS),
        Edge(A_MONITOR, A_DEPLOY, E.MONITORS),
        Edge(A_NOTE, A_V1, E.ABOUT),
        Edge(A_SHARED_NOTE, A_V1, E.ABOUT),
        # bravo
        Edge(B_MID_V1, B_MID, E.VERSION_OF),
        Edge(B_FEAT_V1, B_FEAT, E.VERSION_OF),
        Edge(B_ETL, A_RAW_V1, E.USED, {"role": "input"}),
        Edge(B_ETL, B_ENV, E.USED),
        Edge(B_ETL, B_JOB, E.INSTANCE_OF),
        Edge(B_ETL, B_PARENT, E.CHILD_OF),
        Edge(B_PARENT, B_PARENT_JOB, E.INSTANCE_OF),
        Edge(B_FEAT_V1, B_ETL, E.GENERATED_BY),
        Edge(B_TRAIN, B_FEAT_V1, E.USED, {"role": "training"}),
        Edge(B_TRAIN, SHARED_V1, E.USED, {"role": "reference"}),
        Edge(B_TRAIN, B_COMMIT, E.USED),
        Edge(B_TRAIN, A_TRAINER, E.ATTRIBUTED_TO),  # alice trains for both teams: a shared person with bravo's edges
        Edge(B_V1, B_TRAIN, E.GENERATED_BY),
        Edge(B_V1, B_MODEL, E.VERSION_OF),
        Edge(B_REVIEW, B_V1, E.REVIEWS),
        Edge(B_REVIEW, B_REVIEWER, E.ATTRIBUTED_TO),
        Edge(B_DEPLOY, B_V1, E.DEPLOYS),
        Edge(B_NOTE, B_V1, E.ABOUT),
        Edge(B_SHARED_NOTE, B_MID_V1, E.ABOUT),
        Edge(B_EXPORT_V1, A_CLEAN_V1, E.DERIVED_FROM),
        Edge(B_TRAIN, B_EXPORT_V1, E.USED, {"role": "training"}),
        *(Edge(n, PROJECT_A, E.IN_PROJECT) for n in sorted(A_OWN - {PROJECT_A})),
        *(Edge(n, PROJECT_B, E.IN_PROJECT) for n in sorted(B_OWN - {PROJECT_B})),
    ]
    store.write(nodes, edges, actor="test:scope-world")
