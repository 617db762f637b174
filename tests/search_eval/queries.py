# ruff: noqa: E501  (a data table: long texts read better unbroken)
"""Graded judgements for the evaluation world: 3 = the answer, 2 = clearly relevant, 1 = related.

``direct`` queries use the words of their targets; ``paraphrase`` queries say
the same thing in other words (few shared terms), which is where embeddings
must carry the ranking. Unlisted nodes are judged 0.
"""

from __future__ import annotations

CLASSES = ("direct", "paraphrase")

QUERIES: list[tuple[str, str, dict[str, int]]] = [
    # -- direct ---------------------------------------------------------------
    ("direct", "breast cancer biopsy dataset",
     {"ds_cancer": 3, "dv_cancer_raw": 2, "dv_cancer_clean": 2, "m_tumour": 1}),
    ("direct", "wine cultivar chemical analysis",
     {"ds_wine": 3, "dv_wine_v1": 2, "r_wine_svm": 1, "m_cultivar": 1, "in_proline": 1}),
    ("direct", "handwritten digits augmentation",
     {"dv_digits_aug": 3, "c_augment": 2, "r_digits_cnn": 2, "in_epoch": 1, "ds_digits": 1}),
    ("direct", "malignant recall regressed after texture scaling",
     {"rv_t3": 3, "r_cancer_gb2": 3, "in_recall": 3, "mv_tumour_3": 2, "f_texture_scaled": 1, "c_texture": 1}),
    ("direct", "normalisation statistics computed before the split",
     {"rv_p1": 3, "c_leak": 3}),
    ("direct", "HbA1c lab measurements", {"dv_diabetes_v2": 3, "r_diabetes_rf": 1}),
    ("direct", "Optuna gradient boosting hyperparameters", {"c_optuna": 3, "r_cancer_gb": 3, "r_cancer_gb2": 1}),
    ("direct", "pin scikit-learn version pickles", {"c_pin": 3}),
    ("direct", "iris k nearest neighbours", {"r_iris_knn": 3, "mv_iris_1": 1, "ds_iris": 1, "m_iris": 1}),
    ("direct", "linnerud exercise physiological",
     {"ds_linnerud": 3, "dv_linnerud_v1": 2, "r_linnerud_pls": 2, "m_fitness": 1}),
    ("direct", "drift on area_worst imaging equipment", {"mon_t2": 3}),
    ("direct", "prediction intervals for clinicians", {"in_intervals": 3, "mv_prog_2": 2}),
    ("direct", "convolutional network digits accuracy",
     {"r_digits_cnn": 3, "r_digits_noaug": 2, "mv_digit_2": 1, "mv_digit_1": 1}),
    ("direct", "ridge regression diabetes", {"r_diabetes_ridge": 3, "mv_prog_1": 1, "ds_diabetes": 1}),
    ("direct", "proline flavanoids", {"r_wine_svm": 3, "in_proline": 2, "ds_wine": 1}),
    ("direct", "winsorised outliers duplicate rows dropped", {"dv_cancer_clean": 3, "in_clip": 2}),
    ("direct", "approved for the radiology pilot", {"rv_t2": 3, "dep_t2": 2, "mv_tumour_2": 1}),
    ("direct", "postal sorting rotated scans", {"rv_d2": 3, "dep_d2": 2, "mv_digit_2": 1}),
    ("direct", "thicker pens accuracy dropped", {"mon_d2": 3}),
    ("direct", "robust scaler texture_mean", {"f_texture_scaled": 3, "c_texture": 2, "in_recall": 1, "r_cancer_gb2": 1}),
    ("direct", "random forest glycated haemoglobin", {"r_diabetes_rf": 3, "mv_prog_2": 1}),
    ("direct", "diabetes ten baseline variables",
     {"ds_diabetes": 3, "dv_diabetes_v1": 2, "r_diabetes_ridge": 2}),
    # -- paraphrase -----------------------------------------------------------
    ("paraphrase", "models trained on the cleaned cancer data that a reviewer worried about",
     {"rv_t1": 3, "mv_tumour_1": 2, "r_cancer_lr": 2, "rv_t3": 1, "dv_cancer_clean": 1}),
    ("paraphrase", "why did recall drop after the feature change",
     {"in_recall": 3, "r_cancer_gb2": 3, "rv_t3": 2, "mv_tumour_3": 2, "c_texture": 1}),
    ("paraphrase", "which model was turned down because it was unsafe", {"rv_t3": 3, "mv_tumour_3": 2}),
    ("paraphrase", "test information leaking into preprocessing", {"rv_p1": 3, "c_leak": 3, "rv_p2": 1}),
    ("paraphrase", "blood sugar results from the laboratory",
     {"dv_diabetes_v2": 3, "r_diabetes_rf": 2, "rv_p2": 1}),
    ("paraphrase", "tumour detector live in the x-ray department trial", {"dep_t2": 3, "rv_t2": 2, "mv_tumour_2": 1}),
    ("paraphrase", "a library upgrade broke loading of saved models", {"c_pin": 3}),
    ("paraphrase", "telling grape varieties apart from their chemistry",
     {"ds_wine": 3, "r_wine_svm": 2, "dv_wine_v1": 2, "m_cultivar": 2, "in_proline": 1}),
    ("paraphrase", "flower species measured by petal size", {"ds_iris": 3, "dv_iris_v1": 2, "r_iris_knn": 1}),
    ("paraphrase", "athletes' workouts and their body measurements",
     {"ds_linnerud": 3, "dv_linnerud_v1": 2, "r_linnerud_pls": 2}),
    ("paraphrase", "too few people in the sample to trust the outcome", {"r_linnerud_pls": 3, "ds_linnerud": 1}),
    ("paraphrase", "the clinic changed its scanner and the inputs shifted", {"mon_t2": 3}),
    ("paraphrase", "doctors want uncertainty ranges around forecasts", {"in_intervals": 3, "mv_prog_2": 1}),
    ("paraphrase", "making the picture training set bigger with transformed copies",
     {"dv_digits_aug": 3, "c_augment": 3, "r_digits_cnn": 1}),
    ("paraphrase", "network memorised its training images", {"r_digits_noaug": 3, "mv_digit_1": 1}),
    ("paraphrase", "each pass over the data became twice as slow on the shared computer", {"in_epoch": 3}),
    ("paraphrase", "automatic tuning replaced exhaustive search over settings",
     {"c_optuna": 3, "r_cancer_gb": 2}),
    ("paraphrase", "removing repeated patient records", {"dv_cancer_clean": 3, "dv_cancer_raw": 1, "in_clip": 1}),
    ("paraphrase", "biggest lesions get cut off so retain the unprocessed copy",
     {"in_clip": 3, "dv_cancer_clean": 2, "dv_cancer_raw": 1, "rv_t1": 1}),
    ("paraphrase", "how fast the illness worsens within a year",
     {"m_progression": 3, "ds_diabetes": 2, "mv_prog_1": 1, "mv_prog_2": 1, "r_diabetes_ridge": 1}),
    ("paraphrase", "mail sorting machine reading numbers on envelopes",
     {"dep_d2": 3, "rv_d2": 2, "m_digit": 2, "mv_digit_2": 1}),
    ("paraphrase", "handwriting got bolder and the reader made more mistakes", {"mon_d2": 3}),
    ("paraphrase", "one compound alone identifies the first variety", {"in_proline": 3, "r_wine_svm": 1}),
]
