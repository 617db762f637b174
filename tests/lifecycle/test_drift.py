"""Drift statistics and prediction windows."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from modelctx.errors import ValidationError
from modelctx.monitoring.drift import categorical_psi, feature_drift, psi
from modelctx.serving.predictions import PredictionRecord, parse_window


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(0, 1, 5000)
    assert psi(reference, rng.normal(0, 1, 2000)) < 0.02
    assert psi(reference, rng.normal(1, 1, 2000)) > 0.25
    assert feature_drift("x", reference, rng.normal(0, 1, 2000)).severity == "ok"
    shifted = feature_drift("x", reference, rng.normal(0.8, 1, 2000))
    assert shifted.severity == "critical" and shifted.ks_pvalue < 1e-6


def test_categorical_psi_sees_a_change_in_class_shares() -> None:
    assert categorical_psi([0, 1] * 50, [1, 0] * 50) == pytest.approx(0.0)
    assert categorical_psi([0, 1] * 50, [1] * 90 + [0] * 10) > 0.25


def records(n: int) -> list[PredictionRecord]:
    return [PredictionRecord(str(i), f"2026-01-01T{i:02d}:00:00.000000+00:00", {}, 0) for i in range(n)]


def test_windows_by_count_duration_and_all() -> None:
    now = datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    assert [r.id for r in parse_window("3").select(records(10))] == ["7", "8", "9"]
    assert [r.id for r in parse_window("2h", now=now).select(records(10))] == ["9"]
    assert len(parse_window("all").select(records(10))) == 10
    with pytest.raises(ValidationError, match="--window 'soon'"):
        parse_window("soon")
