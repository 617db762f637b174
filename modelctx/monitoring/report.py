"""``modelctx monitor DEPLOYMENT_ID``: compare what a deployment saw with what its model was trained on.

The reference is the training DatasetVersion found by walking the graph
(deployment → model version → run → USED{role: training}), read from its
recorded uri. The report is written as a MonitoringReport that MONITORS the
deployment and is GENERATED_BY a monitoring Run that USED the reference data
and the model version, so its upstream lineage is the whole story; an Insight
states any crossed threshold in words search can find.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelctx.errors import ModelctxError, NotFoundError, ValidationError
from modelctx.files import private_dir
from modelctx.graph.changelog import now_iso
from modelctx.graph.ids import natural_key, node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind, kind_of_id
from modelctx.graph.store import GraphStore
from modelctx.ingest.people import actor_person
from modelctx.monitoring.drift import PSI_CRITICAL, PSI_WARNING, FeatureDrift, categorical_psi, feature_drift, psi
from modelctx.serving.deployment import prediction_log_path
from modelctx.serving.predictions import PredictionLog, PredictionRecord, parse_window
from modelctx.training.tracking import project_records
from modelctx.vocabulary import RunStatus, Severity

if TYPE_CHECKING:
    from modelctx.client import Client

#: An accuracy this far below the training run's is critical; half of it medium.
ACCURACY_DROP_CRITICAL = 0.10
MAX_PLOTS = 12


@dataclass(slots=True)
class MonitoringOutcome:
    """What ``monitor_deployment`` wrote: the report node, its insight and plots."""

    report: Node
    run_id: str
    severity: str
    drift: list[FeatureDrift]
    insight_id: str | None = None
    plots: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"report": self.report.to_json(), "run": self.run_id, "severity": self.severity,
                "insight": self.insight_id, "plots": self.plots,
                "drifted_features": [d.feature for d in self.drift if d.drifted]}


@dataclass(frozen=True, slots=True)
class _Context:
    deployment: Node
    version: Node
    training_run: Node | None
    dataset: Node


def _one(store: GraphStore, node_id_: str, kind: NodeKind) -> Node:
    found = store.get_nodes([node_id_])
    if node_id_ not in found:
        raise NotFoundError(f"no {kind.label} {node_id_!r} in the graph")
    node = found[node_id_]
    if node.kind is not kind:
        raise ValidationError(f"{node_id_} is a {node.kind.label}, not a {kind.label}")
    return node


def find_context(client: Client, deployment_id: str) -> _Context:
    """Deployment → model version → training run → training DatasetVersion, or a clear error."""
    store = client.store
    deployment = _one(store, deployment_id, NodeKind.DEPLOYMENT)
    deploys = store.get_edges([deployment_id], "out", [EdgeType.DEPLOYS])
    if not deploys:
        raise NotFoundError(f"deployment {deployment_id} DEPLOYS no model version")
    version = _one(store, deploys[0].target, NodeKind.MODEL_VERSION)
    runs = store.get_edges([version.id], "out", [EdgeType.GENERATED_BY])
    run = store.get_nodes([runs[0].target]).get(runs[0].target) if runs else None
    used = store.get_edges([run.id], "out", [EdgeType.USED]) if run else []
    datasets = [e for e in used if kind_of_id(e.target) is NodeKind.DATASET_VERSION]
    datasets.sort(key=lambda e: e.properties.get("role") != "training")
    if not datasets:
        raise NotFoundError(
            f"deployment {deployment_id}: model version {version.id} has no training dataset version in its "
            "lineage (its run must USE one with role 'training'), so there is nothing to compare against")
    dataset = _one(store, datasets[0].target, NodeKind.DATASET_VERSION)
    return _Context(deployment, version, run, dataset)


def _overall(levels: list[str]) -> str:
    """The worst of the levels on the one severity scale (``modelctx/vocabulary.py``)."""
    return max((Severity.read(level) for level in levels), default=Severity.OK).value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _prediction_shift(ctx: _Context, reference_frame: Any, features: list[str],
                      current: list[Any]) -> dict[str, Any] | None:
    from modelctx.training.artifacts import load_artifact

    try:
        model = load_artifact(str(ctx.version.properties.get("artifact_uri", "")), ctx.version.properties.get("digest"))
        reference = list(model.predict(reference_frame[features]))
    except (ModelctxError, ValueError, KeyError) as exc:
        return {"error": f"reference predictions unavailable: {exc}"}
    reference = [r.item() if hasattr(r, "item") else r for r in reference]
    numeric = all(_is_number(v) for v in current) and len(set(reference)) > 20
    value = psi(reference, current) if numeric else categorical_psi(reference, current)
    shift: dict[str, Any] = {"psi": round(value, 6), "kind": "numeric" if numeric else "categorical"}
    if not numeric:
        shift["reference_shares"] = _shares(reference)
        shift["current_shares"] = _shares(current)
    else:
        shift["reference_mean"] = float(sum(reference) / len(reference))
        shift["current_mean"] = float(sum(current) / len(current)) if current else 0.0
    shift["severity"] = (Severity.CRITICAL if value >= PSI_CRITICAL
                         else Severity.MEDIUM if value >= PSI_WARNING else Severity.OK).value
    return shift


def _shares(values: list[Any]) -> dict[str, float]:
    from collections import Counter

    counts = Counter(map(str, values))
    return {k: round(n / len(values), 4) for k, n in sorted(counts.items())}


def _performance(ctx: _Context, records: list[PredictionRecord]) -> dict[str, Any] | None:
    labelled = [r for r in records if r.labelled]
    if not labelled:
        return None
    classification = not all(_is_number(r.prediction) and _is_number(r.label) for r in labelled) or all(
        float(r.prediction).is_integer() and float(r.label).is_integer() for r in labelled)
    result: dict[str, Any] = {"labelled": len(labelled)}
    metrics = (ctx.training_run.properties.get("metrics") or {}) if ctx.training_run else {}
    if classification:
        accuracy = sum(str(r.prediction) == str(r.label) for r in labelled) / len(labelled)
        result["accuracy"] = round(accuracy, 6)
        trained = next((metrics[k] for k in ("accuracy", "test_accuracy", "val_accuracy") if k in metrics), None)
        if trained is not None:
            result["training_accuracy"] = trained
            drop = float(trained) - accuracy
            result["severity"] = (Severity.CRITICAL if drop >= ACCURACY_DROP_CRITICAL
                                  else Severity.MEDIUM if drop >= ACCURACY_DROP_CRITICAL / 2 else Severity.OK).value
    else:
        errors = [abs(float(r.prediction) - float(r.label)) for r in labelled]
        result["mae"] = round(sum(errors) / len(errors), 6)
    return result


def _plot(feature: str, reference: Any, current: Any, drift: FeatureDrift, folder: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    private_dir(folder)
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=90)
    ax.hist(reference, bins=30, alpha=0.55, density=True, label="training")
    ax.hist(current, bins=30, alpha=0.55, density=True, label="served")
    ax.set_title(f"{feature}: PSI {drift.psi:.2f}, KS {drift.ks_statistic:.2f} ({drift.severity})")
    ax.legend(loc="upper right")  # loc="best" searches the data and warns on large windows
    fig.tight_layout()
    path = folder / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', feature)}.png"
    fig.savefig(path)
    plt.close(fig)
    return path.resolve().as_uri()


def monitor_deployment(
    client: Client, deployment_id: str, *, window: str = "all", plots: bool = True
) -> MonitoringOutcome:
    """Compute drift and performance for a deployment's prediction window and write the report."""
    import pandas as pd

    from modelctx.training.datasets import read_dataset

    ctx = find_context(client, deployment_id)
    chosen = parse_window(window)
    log_path = Path(str(ctx.deployment.properties.get("prediction_log") or prediction_log_path(client, deployment_id)))
    records = PredictionLog(log_path).read(chosen)
    if not records:
        raise ValidationError(f"deployment {deployment_id}: no predictions in window {window!r} (log {log_path})")
    reference = read_dataset(str(ctx.dataset.properties.get("uri", "")))
    inputs = list((ctx.version.properties.get("signature") or {}).get("inputs") or [])
    features = [f for f in (inputs or list(records[0].features)) if f in reference.columns]
    current = pd.DataFrame([r.features for r in records])
    drift: list[FeatureDrift] = []
    for feature in features:
        if feature not in current.columns:
            continue
        ref_col = pd.to_numeric(reference[feature], errors="coerce")
        cur_col = pd.to_numeric(current[feature], errors="coerce")
        drift.append(feature_drift(feature, ref_col.to_numpy(), cur_col.to_numpy()))
    drift.sort(key=lambda d: -d.psi)
    prediction_shift = _prediction_shift(ctx, reference, features, [r.prediction for r in records])
    performance = _performance(ctx, records)
    levels = [d.severity for d in drift]
    for part in (prediction_shift, performance):
        if part and "severity" in part:
            levels.append(str(part["severity"]))
    severity = _overall(levels)
    drifted = [d for d in drift if d.drifted]

    key = uuid.uuid4().hex
    report_id = node_id(NodeKind.MONITORING_REPORT, natural_key(deployment_id), key[:12])
    run_id = node_id(NodeKind.RUN, "monitoring", key)
    plot_uris = []
    if plots:
        folder = client.data_dir / "reports" / re.sub(r"[^A-Za-z0-9._-]+", "_", natural_key(report_id))
        for item in drifted[:MAX_PLOTS]:
            plot_uris.append(_plot(item.feature, pd.to_numeric(reference[item.feature], errors="coerce").dropna(),
                                   pd.to_numeric(current[item.feature], errors="coerce").dropna(), item, folder))
    at = now_iso()
    deployment_name = str(ctx.deployment.properties.get("name", deployment_id))
    summary = _summary(deployment_name, deployment_id, severity, drifted, prediction_shift, performance, len(records))
    project = ctx.deployment.properties.get("project") or ctx.version.properties.get("project")
    scope = {"project": project} if project else {}
    report = Node(report_id, NodeKind.MONITORING_REPORT, {
        "name": f"Monitoring of {deployment_name} ({chosen.text})",
        "description": summary,
        "deployment": deployment_id,
        "model_version": ctx.version.id,
        "reference_dataset_version": ctx.dataset.id,
        "window": chosen.text,
        "window_start": records[0].at,
        "window_end": records[-1].at,
        "predictions": len(records),
        "severity": severity,
        "drift": [d.to_json() for d in drift],
        "drifted_features": [d.feature for d in drifted],
        "prediction_drift": prediction_shift,
        "performance": performance,
        "plots": plot_uris,
        "created_at": at,
        "source": "monitoring",
        **scope,
    })
    run = Node(run_id, NodeKind.RUN, {
        "name": f"monitoring {deployment_name}", "kind": "monitoring", "status": RunStatus.COMPLETED.value,
        "started_at": at, "ended_at": now_iso(), "user": client.actor, "source": "monitoring", "source_id": key,
        "params": {"window": chosen.text, "deployment": deployment_id},
        "metrics": {"max_psi": round(max((d.psi for d in drift), default=0.0), 6),
                    "drifted_features": len(drifted), "predictions": len(records)}, **scope,
    })
    person = actor_person(client.store, client.actor, source="monitoring", home=client.home)
    nodes = [run, report, *person.nodes]
    edges = [
        Edge(run_id, ctx.dataset.id, EdgeType.USED, {"role": "reference"}),
        Edge(run_id, ctx.version.id, EdgeType.USED, {"role": "model"}),
        Edge(report_id, run_id, EdgeType.GENERATED_BY),
        Edge(report_id, deployment_id, EdgeType.MONITORS),
        Edge(run_id, person.person_id, EdgeType.ATTRIBUTED_TO),
    ]
    for subject in (run_id, report_id):
        more_nodes, more_edges = project_records(subject, str(project) if project else None)
        nodes += more_nodes
        edges += more_edges
    insight_id = None
    if severity != Severity.OK:
        insight_id = node_id(NodeKind.INSIGHT, "monitoring", key)
        nodes.append(Node(insight_id, NodeKind.INSIGHT, {
            "name": (f"Drift on {deployment_name}: {', '.join(d.feature for d in drifted[:3])}"
                     + (" ..." if len(drifted) > 3 else "") if drifted
                     else f"{severity.capitalize()} monitoring result on {deployment_name}"),
            "text": summary, "author": client.actor, "at": at,
            "source": "monitoring", "category": "drift", "severity": severity, **scope,
        }))
        edges += [Edge(insight_id, report_id, EdgeType.ABOUT), Edge(insight_id, deployment_id, EdgeType.ABOUT)]
    client.store.write(nodes, edges, actor=client.actor)
    stored = client.store.get_nodes([report_id])[report_id]
    return MonitoringOutcome(stored, run_id, severity, drift, insight_id, plot_uris)


def _summary(name: str, deployment_id: str, severity: str, drifted: list[FeatureDrift],
             prediction_shift: dict[str, Any] | None, performance: dict[str, Any] | None, count: int) -> str:
    parts = []
    if drifted:
        listed = ", ".join(f"{d.feature} (PSI {d.psi:.2f})" for d in drifted[:8])
        more = f" and {len(drifted) - 8} more" if len(drifted) > 8 else ""
        parts.append(f"Drift detected on deployment {name} [{deployment_id}]: features {listed}{more} shifted "
                     f"from the training data")
    else:
        parts.append(f"No feature drift on deployment {name} [{deployment_id}]")
    if prediction_shift and "psi" in prediction_shift:
        parts.append(f"prediction distribution PSI {prediction_shift['psi']:.2f} ({prediction_shift['severity']})")
    if performance and "accuracy" in performance:
        trained = performance.get("training_accuracy")
        parts.append(f"accuracy {performance['accuracy']:.3f} on {performance['labelled']} labelled predictions"
                     + (f" against {float(trained):.3f} in training" if trained is not None else ""))
    parts.append(f"severity {severity}, {count} predictions")
    return ". ".join(parts) + "."
