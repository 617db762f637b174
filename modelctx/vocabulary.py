"""The one vocabulary of modelctx: run statuses, review verdicts and severities.

Every writer stores the canonical values defined here; every reader passes
stored text through ``parse`` first, so stores written before this module
(SDK runs that ended ``FINISHED``, monitoring reports of severity
``warning``, verdicts typed as ``Changes requested``) read the same as new
ones. Sources with their own words (MLflow, OpenLineage) are translated here
too, so there is one table of synonyms, not one per ingestor.

``parse`` is lenient (unknown or empty → None) for stored values and foreign
sources; ``require`` raises ValidationError naming where the value came from,
for input a person typed (a policy file, an SDK call).

A run's status is *read* through :func:`run_status`, never straight from the
stored ``status``: a RUNNING run whose lease expired reads LOST (its process
died without ending it; ``modelctx/training/tracking.py`` renews the lease
while the process lives).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from modelctx.errors import ValidationError

if TYPE_CHECKING:
    from modelctx.graph.model import Node

__all__ = ["LEASE_PROPERTY", "RunStatus", "Severity", "Verdict", "as_read", "run_status"]


class _Vocabulary(StrEnum):
    """A closed set of words with synonyms; subclasses define members and pass ``synonyms=`` (a table)."""

    #: Other words (in ``_key`` spelling) and the member value each means: the class's ``synonyms=``.
    _synonyms: ClassVar[Mapping[str, str]]

    def __init_subclass__(cls, *, synonyms: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        # A keyword of the class statement: a table in the class body would become a member.
        super().__init_subclass__(**kwargs)
        cls._synonyms = synonyms or {}

    @classmethod
    def _key(cls, value: object) -> str:
        """The spelling synonyms are looked up by (case, spaces and hyphens folded)."""
        return re.sub(r"[\s\-]+", "_", str(value).strip()).lower()

    @classmethod
    def parse(cls, value: object) -> Self | None:
        """The member ``value`` names (any known spelling or synonym), else None."""
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, cls):
            return value
        key = cls._key(value)
        key = cls._synonyms.get(key, key)
        for member in cls:
            if member.value.lower() == key:
                return member
        return None

    @classmethod
    def require(cls, value: object, where: str) -> Self:
        """Like ``parse``, but a word that is not in the vocabulary is a ValidationError naming ``where``."""
        member = cls.parse(value)
        if member is None:
            allowed = ", ".join(m.value for m in cls)
            raise ValidationError(f"{where}: {value!r} is not one of {allowed}")
        return member


# Synonym tables of the vocabularies below (``synonyms=`` of each class statement).
_RUN_SYNONYMS = {
    "finished": "completed",  # MLflow, and modelctx SDK runs before this vocabulary
    "complete": "completed",  # OpenLineage eventType
    "succeeded": "completed",
    "success": "completed",
    "fail": "failed",  # OpenLineage eventType
    "killed": "aborted",  # MLflow
    "abort": "aborted",  # OpenLineage eventType
    "start": "running",  # OpenLineage eventType
}

_VERDICT_SYNONYMS = {
    "approve": "approved",
    "accept": "approved",
    "accepted": "approved",
    "reject": "rejected",
    "declined": "rejected",
    "request_changes": "changes_requested",
    "changes_required": "changes_requested",
    "needs_changes": "changes_requested",
}

_SEVERITY_SYNONYMS = {
    "none": "ok",
    "pass": "ok",
    "passed": "ok",
    "warning": "medium",  # the middle level monitoring wrote before this vocabulary
    "warn": "medium",
    "error": "high",
}


class RunStatus(_Vocabulary, synonyms=_RUN_SYNONYMS):
    """Where a run is in its life. Ends: COMPLETED, FAILED, ABORTED.

    LOST is read, never written: a RUNNING run whose lease expired
    (:func:`run_status`). It is not an end — a process that was only paused
    renews its lease and reads RUNNING again — and no run may be ended LOST.
    """

    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    LOST = "LOST"

    @property
    def is_final(self) -> bool:
        """Whether the run has ended (nothing more will be logged to it)."""
        return self in _FINAL_STATUSES


_FINAL_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.ABORTED})

#: The property a live run keeps a few minutes ahead of now (an ISO time): its lease.
LEASE_PROPERTY = "lease_until"


def run_status(properties: Mapping[str, Any], now: datetime | None = None) -> RunStatus | None:
    """The status a run reads as at ``now`` (default: the current time): the one rule every reader asks.

    The stored status in today's words (``parse``), except that RUNNING whose
    ``lease_until`` is before ``now`` is LOST. A RUNNING run without a lease
    (written by MLflow, OpenLineage, or an SDK before leases) stays RUNNING:
    nothing says its process died. None when the status is missing or unknown.
    """
    from modelctx.times import now as current
    from modelctx.times import read_stored

    status = RunStatus.parse(properties.get("status"))
    if status is not RunStatus.RUNNING:
        return status
    lease = read_stored(properties.get(LEASE_PROPERTY))
    if lease is None:
        return status
    moment = read_stored(now) or current()  # a naive ``now`` is UTC, as everywhere in modelctx/times.py
    return RunStatus.LOST if lease < moment else status


class Verdict(_Vocabulary, synonyms=_VERDICT_SYNONYMS):
    """The decisive outcomes of a review; anything else (a comment) decides nothing."""

    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"


class Severity(_Vocabulary, synonyms=_SEVERITY_SYNONYMS):
    """One ordered scale for monitoring results, alerts and policy findings: ok < info < low < medium < high < critical.

    Monitoring writes ok, medium (drift worth a look: PSI ≥ 0.1, a significant
    KS test, or accuracy down by half the critical drop) and critical (PSI ≥
    0.25 or accuracy down by 0.10); see ``modelctx/monitoring/drift.py``.
    """

    OK = "ok"
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def read(cls, value: object) -> Severity:
        """A stored severity for ranking: nothing is ok; an unknown word is medium (someone flagged something)."""
        parsed = cls.parse(value)
        if parsed is not None:
            return parsed
        return cls.OK if value is None or not str(value).strip() else cls.MEDIUM

    @property
    def rank(self) -> int:
        """Position on the scale, 0 for ok."""
        return _SEVERITY_RANK[self]

    # Members are strings, so without these ``high < low`` would compare spellings, not the scale.
    def _compare(self, other: object, by: Callable[[int, int], bool]) -> bool:
        parsed = Severity.parse(other) if isinstance(other, str) else None
        return NotImplemented if parsed is None else by(self.rank, parsed.rank)

    def __lt__(self, other: object) -> bool:
        return self._compare(other, operator.lt)

    def __le__(self, other: object) -> bool:
        return self._compare(other, operator.le)

    def __gt__(self, other: object) -> bool:
        return self._compare(other, operator.gt)

    def __ge__(self, other: object) -> bool:
        return self._compare(other, operator.ge)

    @property
    def is_quiet(self) -> bool:
        """Nothing to look at: ok, info or low. A quiet monitoring report opens no alert."""
        return self.rank <= Severity.LOW.rank


_SEVERITY_RANK = {member: rank for rank, member in enumerate(Severity)}


def as_read(node: Node, now: datetime | None = None) -> Node:
    """A node as people are shown it: a run whose lease expired reads LOST (``run_status``), not RUNNING.

    Other stored words are shown as written (``FINISHED`` stays ``FINISHED``): a node is the record.
    """
    from modelctx.graph.model import NodeKind

    if node.kind is not NodeKind.RUN or run_status(node.properties, now) is not RunStatus.LOST:
        return node
    return type(node)(node.id, node.kind, {**node.properties, "status": RunStatus.LOST.value})


#: Metric names where smaller is better (a name holding one of these); every other metric is larger-is-better. Read
#: by the MLflow ingestor (a metric's goal) and by search questions ("the best run for X").
LOWER_IS_BETTER = ("loss", "error", "err", "mse", "mae", "rmse", "mape", "logloss", "perplexity", "latency")


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of ``metric`` is the better one (a loss, an error, a latency)."""
    name = metric.lower()
    return any(token in name for token in LOWER_IS_BETTER)
