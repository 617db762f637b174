"""Drift statistics: population stability index and the two-sample Kolmogorov–Smirnov test.

PSI uses bins cut at the reference's deciles, so every bin holds about a
tenth of the training data and the index reads the same whatever a
feature's scale. Conventional reading: < 0.1 stable, 0.1–0.25 moderate
shift, > 0.25 major shift.

Severities are on the one scale of ``modelctx/vocabulary.py``: a major shift
(PSI ≥ 0.25) is critical; a moderate one (PSI ≥ 0.1, or a KS test significant
at 1% with a statistic of at least 0.1) is medium; anything less is ok.
Reports written before that scale said ``warning`` for medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelctx.vocabulary import Severity

PSI_WARNING = 0.1
PSI_CRITICAL = 0.25
KS_ALPHA = 0.01
KS_MIN_STATISTIC = 0.1
BINS = 10
_EPS = 1e-4


@dataclass(frozen=True, slots=True)
class FeatureDrift:
    feature: str
    psi: float
    ks_statistic: float
    ks_pvalue: float
    reference_mean: float
    current_mean: float
    severity: str

    @property
    def drifted(self) -> bool:
        return Severity.read(self.severity) is not Severity.OK

    def to_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "psi": round(self.psi, 6), "ks_statistic": round(self.ks_statistic, 6),
                "ks_pvalue": float(f"{self.ks_pvalue:.6g}"), "reference_mean": round(self.reference_mean, 6),
                "current_mean": round(self.current_mean, 6), "severity": self.severity, "drifted": self.drifted}


def psi(reference: Any, current: Any, bins: int = BINS) -> float:
    """Population stability index of ``current`` against ``reference`` (numeric arrays)."""
    import numpy as np

    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    if ref.size == 0 or cur.size == 0:
        return 0.0
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=edges.size + 1) / ref.size
    cur_share = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=edges.size + 1) / cur.size
    ref_share = np.clip(ref_share, _EPS, None)
    cur_share = np.clip(cur_share, _EPS, None)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def categorical_psi(reference: list[Any], current: list[Any]) -> float:
    """PSI over category shares (predicted classes, string features)."""
    import math
    from collections import Counter

    if not reference or not current:
        return 0.0
    ref_counts, cur_counts = Counter(map(str, reference)), Counter(map(str, current))
    total = 0.0
    for key in set(ref_counts) | set(cur_counts):
        r = max(ref_counts[key] / len(reference), _EPS)
        c = max(cur_counts[key] / len(current), _EPS)
        total += (c - r) * math.log(c / r)
    return total


def severity_of(psi_value: float, ks_statistic: float, ks_pvalue: float) -> str:
    if psi_value >= PSI_CRITICAL:
        return Severity.CRITICAL.value
    if psi_value >= PSI_WARNING or (ks_pvalue < KS_ALPHA and ks_statistic >= KS_MIN_STATISTIC):
        return Severity.MEDIUM.value
    return Severity.OK.value


def feature_drift(feature: str, reference: Any, current: Any) -> FeatureDrift:
    """PSI and KS of one numeric feature, with a severity."""
    import numpy as np
    from scipy.stats import ks_2samp

    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    value = psi(ref, cur)
    if ref.size and cur.size:
        test = ks_2samp(ref, cur)
        statistic, pvalue = float(test.statistic), float(test.pvalue)
    else:
        statistic, pvalue = 0.0, 1.0
    return FeatureDrift(feature, value, statistic, pvalue,
                        float(ref.mean()) if ref.size else 0.0, float(cur.mean()) if cur.size else 0.0,
                        severity_of(value, statistic, pvalue))
