"""OpenLineage facets as the graph keeps them: merged by time, bounded in size, columns, versions of code.

Used by ``ingest/openlineage.py``; one place decides how facet sets merge
(:func:`merge_facets`), so runs, jobs, dataset versions and edges all follow
the same rule whatever order events arrive in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from modelctx.ingest.openlineage_events import Dataset, SchemaField, _Facets
from modelctx.ingest.runner import IngestWarning

FACETS = "openlineage.facets"
_FACET_TIMES = "openlineage.facet_times"
#: Facets bigger than this (Spark logical plans) are dropped with a warning.
MAX_FACET_BYTES = 64_000
#: Job facets that say which code a run ran: they make its job version.
_CODE_FACETS = ("sourceCode", "sql", "sourceCodeLocation")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9._:+-]{1,64}$")


def facets_json(facets: _Facets | dict[str, Any], where: str, warnings: list[IngestWarning]) -> dict[str, Any]:
    """The facets as JSON, each over :data:`MAX_FACET_BYTES` dropped with a warning."""
    payload = facets.payload() if isinstance(facets, _Facets) else facets
    kept: dict[str, Any] = {}
    for name, value in sorted(payload.items()):
        size = len(json.dumps(value, default=str))
        if size > MAX_FACET_BYTES:
            warnings.append(IngestWarning(f"facet {name!r} dropped ({size} bytes)", where))
            continue
        kept[name] = value
    return kept


def merge_facets(stored: dict[str, Any], new: dict[str, Any], deleted: Iterable[str], time: str) -> dict[str, Any]:
    """``openlineage.facets`` and ``openlineage.facet_times`` after an event at ``time``: per facet, the later wins.

    A deletion is kept as a time without a value, so an older event arriving
    later cannot bring the facet back. Returns the properties to write.
    """
    facets = dict(stored.get(FACETS) or {})
    times = dict(stored.get(_FACET_TIMES) or {})
    changes = [(name, value) for name, value in new.items()] + [(name, None) for name in deleted]
    for name, value in changes:
        stored_time = str(times.get(name, ""))
        if stored_time > time:
            continue
        if stored_time == time and name in facets and value is not None and _rank(value) <= _rank(facets[name]):
            continue  # two values at one time: the same one wins whichever came first
        times[name] = time
        if value is None:
            facets.pop(name, None)
        else:
            facets[name] = value
    return {FACETS: dict(sorted(facets.items())) or None, _FACET_TIMES: dict(sorted(times.items())) or None}


def _rank(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def column_json(field: SchemaField) -> dict[str, Any]:
    """A schema field as a column: name, type, description and nested fields (structs), as sent."""
    column: dict[str, Any] = field.model_dump(mode="json", exclude_none=True, include={"name", "type", "description"})
    if field.fields:
        column["fields"] = [column_json(f) for f in field.fields]
    return column


def version_key(dataset: Dataset | None, fallback: str | None) -> str | None:
    """A version's key from the ``version`` facet (readable when short and plain), else ``fallback``."""
    facet = dataset.facets.version if dataset is not None else None
    if facet is None:
        return fallback
    value = facet.datasetVersion.strip()
    return f"v-{value}" if _PLAIN_KEY.match(value) else "v-" + hashlib.sha256(value.encode()).hexdigest()[:32]


def job_version(facets: dict[str, Any]) -> str | None:
    """The version of a job's code: the SHA-256 (first 16 hex) of its code facets, None without any."""
    code = {name: facets[name] for name in _CODE_FACETS if name in facets}
    if not code:
        return None
    return hashlib.sha256(json.dumps(code, sort_keys=True, default=str).encode()).hexdigest()[:16]
