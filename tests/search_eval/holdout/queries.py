# ruff: noqa: E501  (a data table: long texts read better unbroken)
"""Graded judgements for the held-out world: 3 = the answer, 2 = clearly relevant, 1 = related.

Three classes (see README.md): ``exact`` names a thing as it is called;
``paraphrase`` asks for it the way a colleague would, from what the thing is
for, in words its stored text mostly does not use; ``structure`` asks about the
graph in people's own wordings. Keys are resolved to node ids by ``world.py``;
unlisted nodes are judged 0.
"""

from __future__ import annotations

CLASSES = ("exact", "paraphrase", "structure")

_LOAD_V1_TO_V2 = {"r_trial_d6": 3, "dv_loadframe": 3, "c_degree_hours": 3, "dv_load_2024": 2, "r_load_sweep": 2,
                  "r_etl_loadframe": 1, "job_loadframe": 1, "c_export": 1, "c_bump": 1}

QUERIES: list[tuple[str, str, dict[str, int]]] = [
    # -- exact ----------------------------------------------------------------------------------
    ("exact", "feeder-load-forecast", {"m_load": 3, "mv_load_1": 2, "mv_load_2": 2}),
    ("exact", "meter-tamper-detector", {"m_tamper": 3, "mv_tamper_1": 2, "mv_tamper_2": 2}),
    ("exact", "outage-duration-estimator", {"m_outage": 3, "mv_outage_1": 2}),
    ("exact", "meter-tamper-detector v2", {"mv_tamper_2": 3, "m_tamper": 1}),
    ("exact", "feeder-load-forecast@1", {"mv_load_1": 3}),
    ("exact", "feeder-load-forecast v2", {"mv_load_2": 3, "m_load": 1}),
    ("exact", "outage-duration-estimator v1", {"mv_outage_1": 3, "m_outage": 1}),
    ("exact", "meter-tamper-detector@1", {"mv_tamper_1": 3}),
    ("exact", "smart-meter-readings", {"ds_meter": 3, "dv_meter": 2}),
    ("exact", "feeder-load-history", {"ds_load": 3, "dv_load_2023": 2, "dv_load_2024": 2}),
    ("exact", "vegetation-survey", {"ds_veg": 3, "dv_veg": 2}),
    ("exact", "outage-tickets dataset", {"ds_outage": 3, "dv_outage": 2}),
    ("exact", "meter-daily-profiles", {"ds_profiles": 3, "dv_profiles": 2}),
    ("exact", "rollup_meter_intervals", {"job_rollup": 3, "r_etl_rollup": 2}),
    ("exact", "assemble_load_frame job", {"job_loadframe": 3, "r_etl_loadframe": 2}),
    ("exact", "load gbm tree-depth search", {"r_load_sweep": 3, "r_trial_d4": 1, "r_trial_d6": 1, "r_trial_d8": 1}),
    ("exact", "depth trial max_depth=6", {"r_trial_d6": 3, "mv_load_2": 1}),
    ("exact", "tamper random forest on daily profiles", {"r_tamper_rf": 3, "mv_tamper_1": 1}),
    ("exact", "restoration time quantile gbm", {"r_outage_q": 3, "mv_outage_1": 1}),
    ("exact", "load ridge degree-hours", {"r_load_base": 3, "mv_load_1": 1}),
    ("exact", "Fix DST double-count in hourly load rollup", {"c_dst": 3}),
    ("exact", "tamper: add reverse_flow_streak feature", {"c_reverse": 3}),
    ("exact", "Lucia Ortega", {"p_lucia": 3}),
    ("exact", "Rajesh Iyer", {"p_rajesh": 3}),
    ("exact", "feeder-load-forecasting", {"exp_load": 3, "r_load_base": 1, "r_load_sweep": 1, "m_load": 1}),
    # -- paraphrase (the intents were listed before the world's texts were written) ----------------
    ("paraphrase", "model that catches people stealing electricity", {"m_tamper": 3, "mv_tamper_1": 2, "mv_tamper_2": 2}),
    ("paraphrase", "how much power will each substation circuit need tomorrow", {"m_load": 3, "mv_load_1": 2, "mv_load_2": 2, "exp_load": 1}),
    ("paraphrase", "how long until the lights come back on", {"m_outage": 3, "mv_outage_1": 2, "r_outage_q": 2}),
    ("paraphrase", "daylight saving bug that inflated demand one night", {"c_dst": 3}),
    ("paraphrase", "solar customers feeding power back treated as valid consumption", {"c_export": 3, "job_rollup": 1}),
    ("paraphrase", "warm and cold weather effects added to demand inputs", {"c_degree_hours": 3, "job_loadframe": 2, "dv_loadframe": 1}),
    ("paraphrase", "how long a meter spins backwards as a theft signal", {"c_reverse": 3, "r_tamper_gbm": 2, "mv_tamper_2": 1}),
    ("paraphrase", "ignore recently installed meters when training", {"c_history": 3, "r_tamper_gbm": 1}),
    ("paraphrase", "upper limit on the restoration estimate", {"c_clip": 3, "n_sms": 1}),
    ("paraphrase", "library upgrade", {"c_bump": 3}),
    ("paraphrase", "inspectors sent to rooftop panel houses for nothing", {"n_pv_visits": 3, "rv_tamper_2": 2}),
    ("paraphrase", "a day of usage counted twice because the export file came in two times", {"n_double_file": 3, "job_rollup": 1}),
    ("paraphrase", "circuits that moved to a different substation", {"n_reparent": 3, "ds_load": 1}),
    ("paraphrase", "what do customers see in the text message about restoration", {"n_sms": 3, "mv_outage_1": 1, "m_outage": 1}),
    ("paraphrase", "approval that the theft model is good enough for field crews", {"rv_tamper_1": 3}),
    ("paraphrase", "reviewer pleased with winter peak accuracy", {"rv_load_2": 3}),
    ("paraphrase", "old forecast is poor on heatwave days", {"rv_load_1": 3, "r_load_base": 1}),
    ("paraphrase", "trees growing too close to power lines", {"ds_veg": 3, "dv_veg": 2}),
    ("paraphrase", "history of blackouts and how many homes lost power", {"ds_outage": 3, "dv_outage": 2}),
    ("paraphrase", "raw fifteen minute consumption from household meters", {"ds_meter": 3, "dv_meter": 2}),
    ("paraphrase", "pipeline that turns interval data into one total per meter per day", {"job_rollup": 3, "ds_profiles": 2, "dv_profiles": 2, "r_etl_rollup": 2}),
    ("paraphrase", "trying several tree sizes to find the best demand model", {"r_load_sweep": 3, "r_trial_d4": 2, "r_trial_d6": 2, "r_trial_d8": 2}),
    ("paraphrase", "simple linear forecast of circuit demand", {"r_load_base": 3, "mv_load_1": 2}),
    ("paraphrase", "endpoint the planners call for next-day demand", {"dep_load_2": 3, "dep_load_1_retired": 1}),
    ("paraphrase", "pessimistic estimate so customers aren't told too early", {"r_outage_q": 3, "mv_outage_1": 2, "n_sms": 1}),
    # -- structure --------------------------------------------------------------------------------
    ("structure", "which runs read the data assemble_load_frame wrote", {"r_trial_d4": 3, "r_trial_d6": 3, "r_trial_d8": 3}),
    ("structure", "who consumed the output of rollup_meter_intervals", {"r_tamper_rf": 3, "r_tamper_gbm": 3}),
    ("structure", "models trained using feeder-load-history", {"mv_load_1": 3, "mv_load_2": 3}),
    ("structure", "what was fitted on meter-daily-profiles", {"mv_tamper_1": 3, "mv_tamper_2": 3}),
    ("structure", "Lucia Ortega's commits", {"c_export": 3, "c_reverse": 3, "c_history": 3}),
    ("structure", "what has Dmitri Volkov committed", {"c_degree_hours": 3, "c_dst": 3}),
    ("structure", "reviews by Rajesh Iyer", {"rv_tamper_2": 3, "rv_load_2": 3}),
    ("structure", "what did Hannah Okafor approve", {"rv_tamper_1": 3, "rv_load_1": 3}),
    ("structure", "what has Kwame Mensah deployed", {"dep_outage_1": 3}),
    ("structure", "deployments done by Lucia Ortega", {"dep_tamper_1": 3, "dep_tamper_2": 3}),
    ("structure", "is anything live that nobody signed off", {"mv_outage_1": 3, "dep_outage_1": 3}),
    ("structure", "which model versions were picked by hyperparameter tuning", {"mv_load_2": 3, "r_trial_d6": 1, "r_load_sweep": 1}),
    ("structure", "tables no model has ever been trained on", {"ds_veg": 3, "dv_veg": 2}),
    ("structure", "which version of feeder-load-forecast is serving right now", {"mv_load_2": 3, "dep_load_2": 2}),
    ("structure", "meter-tamper-detector in production", {"mv_tamper_1": 3, "dep_tamper_1": 2}),
    ("structure", "diff meter-tamper-detector v1 and v2", {"r_tamper_gbm": 3, "c_reverse": 3, "c_history": 3}),
    ("structure", "how does feeder-load-forecast v2 differ from v1", _LOAD_V1_TO_V2),
    ("structure", "what changed from feeder-load-forecast@1 to feeder-load-forecast@2", _LOAD_V1_TO_V2),
    ("structure", "which jobs or runs touched smart-meter-readings", {"r_etl_rollup": 3, "r_tamper_rf": 2, "r_tamper_gbm": 2}),
    ("structure", "who reviewed meter-tamper-detector v2", {"rv_tamper_2": 3, "p_rajesh": 2}),
    ("structure", "where is meter-tamper-detector deployed", {"dep_tamper_1": 3, "dep_tamper_2": 3}),
    ("structure", "what data was outage-duration-estimator v1 trained on", {"dv_outage": 3, "ds_outage": 2}),
    ("structure", "where did meter-tamper-detector v2 come from", {"r_tamper_gbm": 3, "dv_profiles": 3, "r_etl_rollup": 2, "dv_meter": 2, "c_history": 2, "job_rollup": 1, "c_export": 1}),
    ("structure", "trials of the load gbm tree-depth search", {"r_trial_d4": 3, "r_trial_d6": 3, "r_trial_d8": 3}),
    ("structure", "everything downstream of feeder-load-history", {"dv_loadframe": 3, "r_etl_loadframe": 3, "r_load_base": 3, "mv_load_1": 3, "mv_load_2": 3, "r_trial_d4": 2, "r_trial_d6": 2, "r_trial_d8": 2, "dep_load_2": 1, "dep_load_1_retired": 1}),
    ("structure", "who deployed feeder-load-forecast v2", {"dep_load_2": 3, "p_dmitri": 2}),
]
