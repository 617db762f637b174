# ruff: noqa: E501  (a data table: long texts read better unbroken)
"""Graded judgements for the independent world: 3 = the answer, 2 = clearly relevant, 1 = related.

Three classes (see README.md): ``exact`` names a thing as it is called;
``paraphrase`` asks for it in other words, written from what the thing is
for, not from its text; ``structure`` asks about the graph (who used what,
what was trained on what, who did what, what lacks an approval). Keys are
resolved to node ids by ``world.py``; unlisted nodes are judged 0.
"""

from __future__ import annotations

CLASSES = ("exact", "paraphrase", "structure")

QUERIES: list[tuple[str, str, dict[str, int]]] = [
    # -- exact ----------------------------------------------------------------------------------
    ("exact", "fraud-scorer", {"m_fraud": 3, "mv_fraud_1": 2, "mv_fraud_2": 2}),
    ("exact", "fraud-scorer v2", {"mv_fraud_2": 3, "m_fraud": 1}),
    ("exact", "churn-predictor v1", {"mv_churn_1": 3, "m_churn": 1}),
    ("exact", "churn-predictor@2", {"mv_churn_2": 3}),
    ("exact", "demand-forecaster", {"m_demand": 3, "mv_demand_1": 2}),
    ("exact", "card-transactions", {"ds_card": 3, "dv_card": 2}),
    ("exact", "customer-accounts", {"ds_customer": 3, "dv_accounts_june": 2, "dv_accounts_aug": 2}),
    ("exact", "call-centre-logs", {"ds_call": 3, "dv_call": 2}),
    ("exact", "store-sales", {"ds_store": 3, "dv_store": 2}),
    ("exact", "transactions-enriched", {"ds_enriched": 3, "dv_enriched": 2}),
    ("exact", "enrich_transactions", {"job_enrich": 3}),
    ("exact", "build_churn_features", {"job_churnfeat": 3}),
    ("exact", "churn gradient boosting sweep", {"r_sweep": 3, "r_trial_005": 1, "r_trial_01": 1, "r_trial_03": 1}),
    ("exact", "fraud isolation forest", {"r_fraud_iforest": 3, "mv_fraud_1": 1}),
    ("exact", "demand ridge weekly", {"r_demand_ridge": 3, "mv_demand_1": 1}),
    ("exact", "sweep trial lr=0.1", {"r_trial_01": 3, "mv_churn_2": 1}),
    ("exact", "Fix timezone bug in sales aggregation", {"c_tz": 3}),
    ("exact", "Priya Natarajan", {"p_priya": 3}),
    ("exact", "Olu Adeyemi", {"p_olu": 3}),
    ("exact", "demand-forecaster v1", {"mv_demand_1": 3, "m_demand": 1}),
    ("exact", "retention-churn experiment", {"exp_churn": 3, "r_sweep": 1, "r_churn_base": 1, "m_churn": 1}),
    # -- paraphrase -----------------------------------------------------------------------------
    ("paraphrase", "model that flags suspicious card payments", {"m_fraud": 3, "mv_fraud_1": 2, "mv_fraud_2": 2}),
    ("paraphrase", "predicting which subscribers will leave", {"m_churn": 3, "mv_churn_1": 2, "mv_churn_2": 2}),
    ("paraphrase", "estimating how much each shop will sell next week", {"m_demand": 3, "mv_demand_1": 2, "r_demand_ridge": 2, "ds_store": 1}),
    ("paraphrase", "day boundaries were off because of the clock zone", {"c_tz": 3}),
    ("paraphrase", "new customers excluded from the training data", {"c_tenure": 3, "job_churnfeat": 1, "rv_churn_2": 1}),
    ("paraphrase", "how many times a card was used recently at the same shop", {"c_velocity": 3, "r_fraud_gb": 2}),
    ("paraphrase", "extreme purchase sums limited before normalising", {"c_cap": 3}),
    ("paraphrase", "too many alerts for little cafés after the update", {"n_fraud_alerts": 3, "rv_fraud_2": 2}),
    ("paraphrase", "regional versus national bank holidays in the sales history", {"n_holidays": 3, "ds_store": 1}),
    ("paraphrase", "records of customer support phone conversations", {"ds_call": 3, "dv_call": 2}),
    ("paraphrase", "anomaly detector trained without labels", {"r_fraud_iforest": 3, "mv_fraud_1": 2}),
    ("paraphrase", "reviewer worried that legitimate small businesses get blocked", {"rv_fraud_2": 3, "n_fraud_alerts": 1}),
    ("paraphrase", "sign-off for the model that keeps customers from cancelling", {"rv_churn_1": 3, "rv_churn_2": 3}),
    ("paraphrase", "trying several step sizes to find the best boosted model", {"r_sweep": 3, "r_trial_005": 2, "r_trial_01": 2, "r_trial_03": 2}),
    ("paraphrase", "weekly buying rhythm and public holidays in the forecast", {"c_seasonality": 3, "r_demand_ridge": 2}),
    ("paraphrase", "nightly export of card purchase approvals from the books", {"ds_card": 3, "dv_card": 2}),
    ("paraphrase", "adding merchant risk to each payment in the pipeline", {"job_enrich": 3, "c_enrich": 2, "dv_enriched": 1}),
    ("paraphrase", "turning subscriber records into model inputs", {"job_churnfeat": 3, "ds_churn": 2, "dv_churn": 2}),
    ("paraphrase", "live endpoint scoring payments", {"dep_fraud_1": 3, "dep_fraud_2": 1}),
    ("paraphrase", "simple linear yardstick for cancellations", {"r_churn_base": 3, "mv_churn_1": 2}),
    ("paraphrase", "boosted trees that won the learning-rate search", {"r_trial_01": 3, "mv_churn_2": 2, "r_sweep": 1}),
    ("paraphrase", "customer table taken after moving to the new billing system", {"dv_accounts_aug": 3, "ds_customer": 2}),
    # -- structure ------------------------------------------------------------------------------
    ("structure", "runs that used the output of enrich_transactions", {"r_fraud_iforest": 3, "r_fraud_gb": 3}),
    ("structure", "runs that consumed the output of build_churn_features", {"r_trial_005": 3, "r_trial_01": 3, "r_trial_03": 3}),
    ("structure", "model versions trained on customer-accounts", {"mv_churn_1": 3, "mv_churn_2": 3}),
    ("structure", "model versions trained on card-transactions", {"mv_fraud_1": 3, "mv_fraud_2": 3}),
    ("structure", "what did Priya Natarajan change", {"c_enrich": 3, "c_velocity": 3, "c_cap": 3}),
    ("structure", "what did Tomas Berg change", {"c_tenure": 3, "c_tz": 3}),
    ("structure", "what did Olu Adeyemi review", {"rv_fraud_1": 3, "rv_fraud_2": 3, "rv_churn_2": 3}),
    ("structure", "what did Mei Chen deploy", {"dep_demand_1": 3}),
    ("structure", "what did Priya Natarajan deploy", {"dep_fraud_1": 3, "dep_fraud_2": 3}),
    ("structure", "which models are in production without approval", {"mv_demand_1": 3, "dep_demand_1": 3}),
    ("structure", "model versions that came out of a hyperparameter sweep", {"mv_churn_2": 3, "r_trial_01": 1, "r_sweep": 1}),
    ("structure", "datasets nothing was trained on", {"ds_call": 3, "dv_call": 2, "ds_card": 1}),
    ("structure", "current production model for fraud-scorer", {"mv_fraud_1": 3, "dep_fraud_1": 2}),
    ("structure", "current production model for churn-predictor", {"mv_churn_2": 3, "dep_churn_2": 2}),
    ("structure", "what changed between fraud-scorer v1 and fraud-scorer v2", {"r_fraud_gb": 3, "c_velocity": 3, "c_cap": 3}),
    ("structure", "what changed between churn-predictor v1 and churn-predictor v2", {"r_trial_01": 3, "dv_churn": 3, "c_tenure": 3, "dv_accounts_aug": 2, "r_sweep": 2, "job_churnfeat": 1}),
    ("structure", "runs that used card-transactions", {"r_etl_enrich": 3, "r_fraud_iforest": 2, "r_fraud_gb": 2}),
    ("structure", "model versions trained on store-sales", {"mv_demand_1": 3}),
    ("structure", "what did Tomas Berg deploy", {"dep_churn_2": 3, "dep_churn_1_retired": 3}),
    ("structure", "who reviewed churn-predictor v2", {"rv_churn_2": 3, "p_olu": 2}),
    ("structure", "deployments of fraud-scorer", {"dep_fraud_1": 3, "dep_fraud_2": 3}),
]
