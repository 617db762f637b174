"""The model catalogue: every model with a row per version, as the web app's ``/models`` page lists them.

Nothing here decides a rule of its own: approval comes from
``governance/approval.py``, "active deployment" and "in production" from
``graph/lineage.py`` (``is_active_deployment``, ``is_in_production``), the
severity scale from ``modelctx/vocabulary.py`` ``Severity`` and the small graph
questions from ``governance/facts.py``. The catalogue only gathers those answers per version, bounded (``max_models``,
``max_versions``) and on whatever store view it is given (a project-scoped
caller's view lists that project's models only).
"""

from __future__ import annotations

from typing import Any

from modelctx.governance import facts
from modelctx.governance.approval import approval_of
from modelctx.graph.events import event_time
from modelctx.graph.lineage import is_active_deployment, is_in_production
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.vocabulary import Severity

MAX_MODELS = 500
MAX_VERSIONS = 200
#: how many metrics a version row shows (the rest are on the version's page)
KEY_METRICS = 4


def _version_order(node: Node) -> tuple[int, str]:
    raw = str(node.properties.get("version", ""))
    return (int(raw) if raw.isdigit() else -1, node.id)


def _key_metrics(node: Node) -> dict[str, float]:
    metrics = node.properties.get("metrics")
    if not isinstance(metrics, dict):
        return {}
    numeric = {str(k): v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    return dict(sorted(numeric.items())[:KEY_METRICS])


def version_row(store: GraphStore, version: Node) -> dict[str, Any]:
    """One catalogue row: aliases, approval in force, deployments by environment, latest drift, key metrics."""
    approval = approval_of(store, version.id)
    environments: dict[str, list[dict[str, Any]]] = {}
    drift: dict[str, Any] | None = None
    for deployment in facts.deployments_of(store, version.id):
        active = is_active_deployment(deployment)
        env = str(deployment.properties.get("environment") or "unknown")
        environments.setdefault(env, []).append(
            {"id": deployment.id, "active": active, "in_production": is_in_production(deployment)})
        reports = facts.monitoring_of(store, deployment.id) if active else []
        if reports:
            latest = reports[-1]
            when = event_time(latest)
            if drift is None or (when is not None and (drift["_when"] is None or when > drift["_when"])):
                drift = {"report": latest.id, "severity": Severity.read(latest.properties.get("severity")).value,
                         "deployment": deployment.id, "_when": when}
    if drift is not None:
        drift.pop("_when")
    created = event_time(version)
    aliases = version.properties.get("aliases")
    return {
        "id": version.id,
        "title": version.title,
        "version": version.properties.get("version"),
        "aliases": [str(a) for a in aliases] if isinstance(aliases, list) else [],
        "verdict": {"state": approval.state, "review": approval.in_force.id if approval.in_force else None},
        "deployments": environments,
        "drift": drift,
        "metrics": _key_metrics(version),
        "flagged": facts.is_flagged(version),
        "created": created.isoformat() if created else None,
    }


def model_entry(store: GraphStore, model: Node, *, max_versions: int = MAX_VERSIONS) -> dict[str, Any]:
    """A model and its versions, newest first (at most ``max_versions``; ``versions_total`` counts them all)."""
    versions = [v for v in facts.sources_into(store, model.id, EdgeType.VERSION_OF) if v.kind is NodeKind.MODEL_VERSION]
    versions.sort(key=_version_order, reverse=True)
    return {
        "id": model.id,
        "name": model.properties.get("name") or model.title,
        "title": model.title,
        "description": model.properties.get("description"),
        "project": facts.project_of(model),
        "versions": [version_row(store, v) for v in versions[:max_versions]],
        "versions_total": len(versions),
    }


def model_catalogue(store: GraphStore, *, max_models: int = MAX_MODELS,
                    max_versions: int = MAX_VERSIONS) -> dict[str, Any]:
    """Every model (by name, at most ``max_models``) with its version rows; ``truncated`` when more exist."""
    models = store.find_nodes(NodeKind.MODEL, {}, limit=max_models + 1, offset=0)
    shown = sorted(models[:max_models], key=lambda m: str(m.properties.get("name") or m.id))
    return {
        "models": [model_entry(store, m, max_versions=max_versions) for m in shown],
        "truncated": len(models) > max_models,
    }
