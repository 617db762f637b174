# ruff: noqa: E501  (a data table: long texts read better unbroken)
"""The evaluation world: six real dataset descriptions and the model work around them.

Dataset descriptions are scikit-learn's own ``DESCR`` texts (not written by
us); run notes, review comments, commit messages, monitoring findings and
insights are written the way practitioners write them. Nodes are keyed by a
short name (``KEYS``) that the judgements in ``queries.py`` refer to.
"""

from __future__ import annotations

from typing import Any

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore

K, E = NodeKind, EdgeType

SKLEARN_DATASETS = {
    "ds_cancer": ("load_breast_cancer", "clinic"),
    "ds_diabetes": ("load_diabetes", "clinic"),
    "ds_iris": ("load_iris", "botany"),
    "ds_wine": ("load_wine", "botany"),
    "ds_digits": ("load_digits", "vision"),
    "ds_linnerud": ("load_linnerud", "fitness"),
}

# key: (kind, natural key, project, properties)
SPECS: dict[str, tuple[NodeKind, str, str, dict[str, Any]]] = {
    "dv_cancer_raw": (K.DATASET_VERSION, "breast-cancer/raw", "clinic", {
        "name": "breast cancer raw export", "rows": 581,
        "description": "Raw export of the biopsy records exactly as delivered by the hospital, including repeats."}),
    "dv_cancer_clean": (K.DATASET_VERSION, "breast-cancer/clean", "clinic", {
        "name": "breast cancer cleaned", "rows": 569,
        "description": "Twelve duplicate patient rows dropped; worst-area outliers winsorised at the 99th percentile."}),
    "dv_diabetes_v1": (K.DATASET_VERSION, "diabetes/v1", "clinic", {
        "name": "diabetes progression v1", "description": "Baseline table: ten standardised clinical covariates."}),
    "dv_diabetes_v2": (K.DATASET_VERSION, "diabetes/v2", "clinic", {
        "name": "diabetes progression v2",
        "description": "Adds HbA1c measurements joined from the lab system; 31 patients without lab results removed."}),
    "dv_wine_v1": (K.DATASET_VERSION, "wine/v1", "botany", {
        "name": "wine recognition v1", "description": "Chemical analysis of three cultivars, as published."}),
    "dv_iris_v1": (K.DATASET_VERSION, "iris/v1", "botany", {
        "name": "iris v1", "description": "Sepal and petal measurements, unchanged from the original."}),
    "dv_digits_v1": (K.DATASET_VERSION, "digits/v1", "vision", {
        "name": "digits v1", "description": "8x8 grayscale scans of handwritten digits."}),
    "dv_digits_aug": (K.DATASET_VERSION, "digits/augmented", "vision", {
        "name": "digits augmented",
        "description": "Augmented with random rotations of up to 15 degrees and elastic distortions; three copies per image."}),
    "dv_linnerud_v1": (K.DATASET_VERSION, "linnerud/v1", "fitness", {
        "name": "linnerud v1", "description": "Twenty middle-aged men, exercise counts and physiological targets."}),
    "f_texture_scaled": (K.FEATURE, "cancer/texture_mean_robust", "clinic", {
        "name": "texture_mean_robust", "dtype": "float",
        "transformation": "texture_mean rescaled with a robust scaler (median and IQR) instead of the z-score."}),
    "f_bmi_bucket": (K.FEATURE, "diabetes/bmi_bucket", "clinic", {
        "name": "bmi_bucket", "dtype": "category",
        "transformation": "Body mass index bucketed into WHO weight categories."}),
    "c_texture": (K.COMMIT, "a1f3", "clinic", {
        "message": "Switch texture feature to robust scaling to reduce sensitivity to outliers", "author": "ana"}),
    "c_leak": (K.COMMIT, "b7e2", "clinic", {
        "message": "Fix data leak: split patients before computing normalisation statistics", "author": "li"}),
    "c_augment": (K.COMMIT, "c9d0", "vision", {
        "message": "Add elastic distortion augmentation for digit images", "author": "sam"}),
    "c_pin": (K.COMMIT, "d4c8", "clinic", {
        "message": "Pin scikit-learn to 1.4.2 after pickles failed to load in serving", "author": "li"}),
    "c_optuna": (K.COMMIT, "e5b1", "clinic", {
        "message": "Replace grid search with Optuna for gradient boosting hyperparameters", "author": "ana"}),
    "r_cancer_lr": (K.RUN, "sdk/cancer-lr", "clinic", {
        "name": "cancer logistic baseline", "started_at": "2024-01-10T09:00:00Z",
        "params": {"model": "logistic regression", "C": 1.0, "penalty": "l2"},
        "metrics": {"accuracy": 0.956, "recall": 0.94},
        "notes": "Baseline logistic regression on the cleaned biopsy table. Solid, but recall on malignant cases is borderline."}),
    "r_cancer_gb": (K.RUN, "sdk/cancer-gb", "clinic", {
        "name": "cancer gradient boosting", "started_at": "2024-02-02T09:00:00Z",
        "params": {"learning_rate": 0.05, "n_estimators": 400, "max_depth": 3},
        "metrics": {"accuracy": 0.971, "recall": 0.962, "auc": 0.993},
        "notes": "Gradient boosting beat the baseline on every metric; hyperparameters came from the Optuna study."}),
    "r_cancer_gb2": (K.RUN, "sdk/cancer-gb2", "clinic", {
        "name": "cancer gradient boosting retrain", "started_at": "2024-03-15T09:00:00Z",
        "params": {"learning_rate": 0.05, "n_estimators": 400, "max_depth": 3},
        "metrics": {"accuracy": 0.958, "recall": 0.91},
        "notes": "Retrained after switching the texture feature to robust scaling. Malignant recall fell from 0.96 to "
                 "0.91; the new scaling may compress the tail that separated aggressive tumours."}),
    "r_diabetes_ridge": (K.RUN, "sdk/diabetes-ridge", "clinic", {
        "name": "diabetes ridge", "started_at": "2024-01-20T09:00:00Z", "params": {"alpha": 1.0},
        "metrics": {"r2": 0.45, "mae": 43.2},
        "notes": "Ridge on the ten baseline variables. Error is large for patients whose disease advanced quickly."}),
    "r_diabetes_rf": (K.RUN, "sdk/diabetes-rf", "clinic", {
        "name": "diabetes random forest", "started_at": "2024-04-02T09:00:00Z",
        "params": {"n_estimators": 300, "min_samples_leaf": 5}, "metrics": {"r2": 0.58, "mae": 36.1},
        "notes": "Random forest with glycated haemoglobin from the lab feed; the fit improved substantially."}),
    "r_wine_svm": (K.RUN, "sdk/wine-svm", "botany", {
        "name": "wine svm", "started_at": "2024-02-14T09:00:00Z", "params": {"C": 10, "kernel": "rbf"},
        "metrics": {"accuracy": 0.983},
        "notes": "Support vector classifier separates the three cultivars almost perfectly; proline and flavanoids "
                 "dominate the decision."}),
    "r_iris_knn": (K.RUN, "sdk/iris-knn", "botany", {
        "name": "iris knn", "started_at": "2024-01-05T09:00:00Z", "params": {"n_neighbors": 5},
        "metrics": {"accuracy": 0.967}, "notes": "k nearest neighbours sanity check used by the onboarding tutorial."}),
    "r_digits_cnn": (K.RUN, "sdk/digits-cnn", "vision", {
        "name": "digits cnn augmented", "started_at": "2024-03-01T09:00:00Z",
        "params": {"epochs": 30, "learning_rate": 0.001, "batch_size": 64}, "metrics": {"accuracy": 0.988},
        "notes": "Small convolutional network on the augmented digits. Training loss plateaued after epoch 20."}),
    "r_digits_noaug": (K.RUN, "sdk/digits-cnn-noaug", "vision", {
        "name": "digits cnn plain", "started_at": "2024-02-20T09:00:00Z",
        "params": {"epochs": 30, "learning_rate": 0.001, "batch_size": 64},
        "metrics": {"train_accuracy": 1.0, "accuracy": 0.962},
        "notes": "Same network without augmentation overfits: training accuracy 1.0 against 0.96 on validation."}),
    "r_linnerud_pls": (K.RUN, "sdk/linnerud-pls", "fitness", {
        "name": "linnerud pls", "started_at": "2024-05-01T09:00:00Z", "params": {"n_components": 2},
        "metrics": {"r2": 0.21}, "notes": "Only twenty subjects; results are too noisy to act on."}),
    "m_tumour": (K.MODEL, "tumour", "clinic", {
        "name": "tumour", "description": "Malignancy classifier for breast biopsies."}),
    "m_progression": (K.MODEL, "progression", "clinic", {
        "name": "progression", "description": "Predicts one-year diabetes disease progression."}),
    "m_cultivar": (K.MODEL, "cultivar", "botany", {"name": "cultivar", "description": "Wine cultivar classifier."}),
    "m_digit": (K.MODEL, "digit-reader", "vision", {
        "name": "digit-reader", "description": "Reads single handwritten digits from scanned envelopes."}),
    "m_iris": (K.MODEL, "iris-demo", "botany", {"name": "iris-demo", "description": "Tutorial species classifier."}),
    "m_fitness": (K.MODEL, "fitness", "fitness", {"name": "fitness", "description": "Experimental multi-output regressor."}),
    "mv_tumour_1": (K.MODEL_VERSION, "tumour/1", "clinic", {"name": "tumour v1", "framework": "sklearn"}),
    "mv_tumour_2": (K.MODEL_VERSION, "tumour/2", "clinic", {"name": "tumour v2", "framework": "sklearn"}),
    "mv_tumour_3": (K.MODEL_VERSION, "tumour/3", "clinic", {"name": "tumour v3", "framework": "sklearn"}),
    "mv_prog_1": (K.MODEL_VERSION, "progression/1", "clinic", {"name": "progression v1"}),
    "mv_prog_2": (K.MODEL_VERSION, "progression/2", "clinic", {"name": "progression v2"}),
    "mv_cultivar_1": (K.MODEL_VERSION, "cultivar/1", "botany", {"name": "cultivar v1"}),
    "mv_digit_1": (K.MODEL_VERSION, "digit-reader/1", "vision", {"name": "digit-reader v1"}),
    "mv_digit_2": (K.MODEL_VERSION, "digit-reader/2", "vision", {"name": "digit-reader v2"}),
    "mv_iris_1": (K.MODEL_VERSION, "iris-demo/1", "botany", {"name": "iris-demo v1"}),
    "mv_fitness_1": (K.MODEL_VERSION, "fitness/1", "fitness", {"name": "fitness v1"}),
    "rv_t1": (K.REVIEW, "rv-t1", "clinic", {
        "verdict": "changes_requested", "reviewer": "dr-okafor", "at": "2024-01-15T00:00:00Z",
        "comment": "I am concerned this was fit on data where the outliers were clipped; those clipped cases may be "
                   "exactly the aggressive tumours. Show performance on the unprocessed records."}),
    "rv_t2": (K.REVIEW, "rv-t2", "clinic", {
        "verdict": "approved", "reviewer": "dr-okafor", "at": "2024-02-10T00:00:00Z",
        "comment": "Validated on the held-out hospital B cohort; sensitivity meets the clinical threshold. "
                   "Approved for the radiology pilot."}),
    "rv_t3": (K.REVIEW, "rv-t3", "clinic", {
        "verdict": "rejected", "reviewer": "dr-okafor", "at": "2024-03-20T00:00:00Z",
        "comment": "Rejecting: malignant recall regressed to 0.91, below the 0.95 safety floor. Revert the texture "
                   "scaling change or justify it."}),
    "rv_p1": (K.REVIEW, "rv-p1", "clinic", {
        "verdict": "changes_requested", "reviewer": "li", "at": "2024-01-25T00:00:00Z",
        "comment": "Normalisation statistics were computed before the train/test split, so the evaluation is "
                   "optimistic. Fix and rerun."}),
    "rv_p2": (K.REVIEW, "rv-p2", "clinic", {
        "verdict": "approved", "reviewer": "li", "at": "2024-04-10T00:00:00Z",
        "comment": "The lab value is available at prediction time, so nothing from the future sneaks in. Approved."}),
    "rv_d2": (K.REVIEW, "rv-d2", "vision", {
        "verdict": "approved", "reviewer": "sam", "at": "2024-03-05T00:00:00Z",
        "comment": "Robust to rotated scans in the postal sorting sample."}),
    "rv_c1": (K.REVIEW, "rv-c1", "botany", {
        "verdict": "approved", "reviewer": "eva", "at": "2024-02-16T00:00:00Z",
        "comment": "Fine for the lab's internal quality-control dashboard."}),
    "dep_t1": (K.DEPLOYMENT, "tumour-1-staging", "clinic", {
        "environment": "staging", "status": "retired", "retired_at": "2024-02-11T00:00:00Z",
        "endpoint": "https://staging.clinic.example/tumour"}),
    "dep_t2": (K.DEPLOYMENT, "tumour-2-pilot", "clinic", {
        "environment": "production", "status": "active", "deployed_at": "2024-02-12T00:00:00Z",
        "name": "tumour radiology pilot", "endpoint": "https://radiology.clinic.example/tumour"}),
    "dep_p2": (K.DEPLOYMENT, "progression-2-prod", "clinic", {
        "environment": "production", "status": "active", "deployed_at": "2024-04-12T00:00:00Z",
        "name": "progression endocrinology service"}),
    "dep_d2": (K.DEPLOYMENT, "digit-2-postal", "vision", {
        "environment": "production", "status": "active", "deployed_at": "2024-03-08T00:00:00Z",
        "name": "digit reader for the postal sorting line"}),
    "mon_t2": (K.MONITORING_REPORT, "mon-t2-2024-03", "clinic", {
        "name": "tumour pilot drift, March", "severity": "high", "window": "2024-03",
        "description": "Feature drift on area_worst and concavity_mean after the hospital switched imaging "
                       "equipment in March; PSI 0.31 on area_worst.", "drift": {"area_worst": 0.31}}),
    "mon_p2": (K.MONITORING_REPORT, "mon-p2-2024-05", "clinic", {
        "name": "progression service health, May", "severity": "low", "window": "2024-05",
        "description": "Prediction error stable; no feature above the drift threshold."}),
    "mon_d2": (K.MONITORING_REPORT, "mon-d2-2024-04", "vision", {
        "name": "digit reader input shift, April", "severity": "medium", "window": "2024-04",
        "description": "Input distribution shifted: many digits now written with thicker pens; accuracy on the "
                       "labelled sample dropped to 0.95."}),
    "in_recall": (K.INSIGHT, "in-recall", "clinic", {
        "text": "Recall drop traced to robust scaling of texture: extreme texture values that flagged aggressive "
                "tumours are now squeezed together.", "author": "ana"}),
    "in_clip": (K.INSIGHT, "in-clip", "clinic", {
        "text": "The winsorising step clips the largest tumours; keep the raw version for audits.", "author": "li"}),
    "in_epoch": (K.INSIGHT, "in-epoch", "vision", {
        "text": "Augmentation doubled epoch time on the shared CPU box; consider caching the distorted images.",
        "author": "sam"}),
    "in_intervals": (K.INSIGHT, "in-intervals", "clinic", {
        "text": "Clinicians asked for prediction intervals, not just point estimates.", "author": "li"}),
    "in_proline": (K.INSIGHT, "in-proline", "botany", {
        "text": "Proline content alone separates cultivar one from the rest.", "author": "eva"}),
    # -- for the structure questions (people, a sweep, an unreviewed deployment, unused data) --
    "p_ana": (K.PERSON, "ana", "", {"name": "ana"}),
    "p_li": (K.PERSON, "li", "", {"name": "li"}),
    "p_sam": (K.PERSON, "sam", "", {"name": "sam"}),
    "p_okafor": (K.PERSON, "dr-okafor", "", {"name": "dr-okafor"}),
    "r_cancer_study": (K.RUN, "sdk/cancer-optuna", "clinic", {
        "name": "cancer optuna study", "started_at": "2024-01-30T09:00:00Z",
        "notes": "Optuna study: forty gradient boosting trials tuning learning rate and tree depth for the tumour "
                 "classifier; the best trial became the gradient boosting run."}),
    "dep_i1": (K.DEPLOYMENT, "iris-1-tutorial", "botany", {
        "environment": "production", "status": "active", "deployed_at": "2024-01-06T00:00:00Z",
        "name": "iris tutorial endpoint"}),
    "dv_wine_draft": (K.DATASET_VERSION, "wine/v2-draft", "botany", {
        "name": "wine recognition v2 draft",
        "description": "Second wine cultivar export with the new vintage's chemical analysis, not yet validated."}),
}

# (from key, edge type, to key)
LINKS: list[tuple[str, EdgeType, str]] = [
    ("dv_cancer_raw", E.VERSION_OF, "ds_cancer"), ("dv_cancer_clean", E.VERSION_OF, "ds_cancer"),
    ("dv_cancer_clean", E.DERIVED_FROM, "dv_cancer_raw"),
    ("dv_diabetes_v1", E.VERSION_OF, "ds_diabetes"), ("dv_diabetes_v2", E.VERSION_OF, "ds_diabetes"),
    ("dv_diabetes_v2", E.DERIVED_FROM, "dv_diabetes_v1"),
    ("dv_wine_v1", E.VERSION_OF, "ds_wine"), ("dv_iris_v1", E.VERSION_OF, "ds_iris"),
    ("dv_digits_v1", E.VERSION_OF, "ds_digits"), ("dv_digits_aug", E.VERSION_OF, "ds_digits"),
    ("dv_digits_aug", E.DERIVED_FROM, "dv_digits_v1"), ("dv_linnerud_v1", E.VERSION_OF, "ds_linnerud"),
    ("f_texture_scaled", E.DERIVED_FROM, "dv_cancer_clean"), ("f_bmi_bucket", E.DERIVED_FROM, "dv_diabetes_v2"),
    ("r_cancer_lr", E.USED, "dv_cancer_clean"), ("r_cancer_gb", E.USED, "dv_cancer_clean"),
    ("r_cancer_gb", E.USED, "c_optuna"), ("r_cancer_gb2", E.USED, "dv_cancer_clean"),
    ("r_cancer_gb2", E.USED, "f_texture_scaled"), ("r_cancer_gb2", E.USED, "c_texture"),
    ("r_diabetes_ridge", E.USED, "dv_diabetes_v1"), ("r_diabetes_rf", E.USED, "dv_diabetes_v2"),
    ("r_diabetes_rf", E.USED, "c_leak"), ("r_diabetes_rf", E.USED, "f_bmi_bucket"),
    ("r_wine_svm", E.USED, "dv_wine_v1"), ("r_iris_knn", E.USED, "dv_iris_v1"),
    ("r_digits_cnn", E.USED, "dv_digits_aug"), ("r_digits_cnn", E.USED, "c_augment"),
    ("r_digits_noaug", E.USED, "dv_digits_v1"), ("r_linnerud_pls", E.USED, "dv_linnerud_v1"),
    ("mv_tumour_1", E.GENERATED_BY, "r_cancer_lr"), ("mv_tumour_2", E.GENERATED_BY, "r_cancer_gb"),
    ("mv_tumour_3", E.GENERATED_BY, "r_cancer_gb2"), ("mv_prog_1", E.GENERATED_BY, "r_diabetes_ridge"),
    ("mv_prog_2", E.GENERATED_BY, "r_diabetes_rf"), ("mv_cultivar_1", E.GENERATED_BY, "r_wine_svm"),
    ("mv_digit_1", E.GENERATED_BY, "r_digits_noaug"), ("mv_digit_2", E.GENERATED_BY, "r_digits_cnn"),
    ("mv_iris_1", E.GENERATED_BY, "r_iris_knn"), ("mv_fitness_1", E.GENERATED_BY, "r_linnerud_pls"),
    ("mv_tumour_1", E.VERSION_OF, "m_tumour"), ("mv_tumour_2", E.VERSION_OF, "m_tumour"),
    ("mv_tumour_3", E.VERSION_OF, "m_tumour"), ("mv_prog_1", E.VERSION_OF, "m_progression"),
    ("mv_prog_2", E.VERSION_OF, "m_progression"), ("mv_cultivar_1", E.VERSION_OF, "m_cultivar"),
    ("mv_digit_1", E.VERSION_OF, "m_digit"), ("mv_digit_2", E.VERSION_OF, "m_digit"),
    ("mv_iris_1", E.VERSION_OF, "m_iris"), ("mv_fitness_1", E.VERSION_OF, "m_fitness"),
    ("rv_t1", E.REVIEWS, "mv_tumour_1"), ("rv_t2", E.REVIEWS, "mv_tumour_2"), ("rv_t3", E.REVIEWS, "mv_tumour_3"),
    ("rv_p1", E.REVIEWS, "mv_prog_1"), ("rv_p2", E.REVIEWS, "mv_prog_2"), ("rv_d2", E.REVIEWS, "mv_digit_2"),
    ("rv_c1", E.REVIEWS, "mv_cultivar_1"),
    ("dep_t1", E.DEPLOYS, "mv_tumour_1"), ("dep_t2", E.DEPLOYS, "mv_tumour_2"),
    ("dep_p2", E.DEPLOYS, "mv_prog_2"), ("dep_d2", E.DEPLOYS, "mv_digit_2"),
    ("mon_t2", E.MONITORS, "dep_t2"), ("mon_p2", E.MONITORS, "dep_p2"), ("mon_d2", E.MONITORS, "dep_d2"),
    ("in_recall", E.ABOUT, "mv_tumour_3"), ("in_clip", E.ABOUT, "dv_cancer_clean"),
    ("in_epoch", E.ABOUT, "r_digits_cnn"), ("in_intervals", E.ABOUT, "mv_prog_2"),
    ("in_proline", E.ABOUT, "ds_wine"),
    ("c_texture", E.ATTRIBUTED_TO, "p_ana"), ("c_optuna", E.ATTRIBUTED_TO, "p_ana"),
    ("c_leak", E.ATTRIBUTED_TO, "p_li"), ("c_pin", E.ATTRIBUTED_TO, "p_li"), ("c_augment", E.ATTRIBUTED_TO, "p_sam"),
    ("rv_t1", E.ATTRIBUTED_TO, "p_okafor"), ("rv_t2", E.ATTRIBUTED_TO, "p_okafor"),
    ("rv_t3", E.ATTRIBUTED_TO, "p_okafor"), ("rv_p1", E.ATTRIBUTED_TO, "p_li"), ("rv_p2", E.ATTRIBUTED_TO, "p_li"),
    ("rv_d2", E.ATTRIBUTED_TO, "p_sam"), ("dep_t2", E.ATTRIBUTED_TO, "p_li"), ("dep_p2", E.ATTRIBUTED_TO, "p_li"),
    ("dep_d2", E.ATTRIBUTED_TO, "p_sam"), ("dep_i1", E.ATTRIBUTED_TO, "p_sam"),
    ("c_texture", E.PARENT, "c_pin"), ("c_pin", E.PARENT, "c_optuna"),
    ("r_cancer_gb", E.CHILD_OF, "r_cancer_study"), ("r_cancer_study", E.USED, "dv_cancer_clean"),
    ("dep_i1", E.DEPLOYS, "mv_iris_1"), ("dv_wine_draft", E.VERSION_OF, "ds_wine"),
    # -- for "who" questions (who trained / owns X): a run and a model attributed to a person --
    ("r_cancer_gb", E.ATTRIBUTED_TO, "p_ana"), ("m_digit", E.ATTRIBUTED_TO, "p_sam"),
]


def _dataset_nodes() -> dict[str, Node]:
    from sklearn import datasets

    nodes = {}
    for key, (loader, project) in SKLEARN_DATASETS.items():
        descr: str = getattr(datasets, loader)().DESCR
        title = next(line.strip() for line in descr.splitlines()[1:] if line.strip() and not line.startswith(".."))
        name = loader.removeprefix("load_").replace("_", "-")
        nodes[key] = Node(node_id(K.DATASET, name), K.DATASET,
                          {"name": title, "description": descr, "project": project, "source": "sklearn"})
    return nodes


def build_world() -> tuple[dict[str, Node], list[Edge]]:
    """The world's nodes by key, and its edges."""
    nodes = _dataset_nodes()
    for key, (kind, natural, project, props) in SPECS.items():
        scope = {"project": project} if project else {}  # people are shared: no project
        nodes[key] = Node(node_id(kind, *natural.split("/")), kind, {**props, **scope, "source": "eval"})
    edges = [Edge(nodes[a].id, nodes[b].id, etype) for a, etype, b in LINKS]
    return nodes, edges


def write_world(store: GraphStore) -> dict[str, str]:
    """Write the world; returns key → node id."""
    nodes, edges = build_world()
    store.write(nodes.values(), edges, actor="eval")
    return {key: node.id for key, node in nodes.items()}
