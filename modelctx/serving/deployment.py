"""Recording deployments: the Deployment node, the governance decision behind it, retirement."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.changelog import now_iso
from modelctx.graph.ids import natural_key, node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.ingest.people import actor_person
from modelctx.serving.gate import check_governance, require_approval
from modelctx.training.tracking import project_records

if TYPE_CHECKING:
    from modelctx.client import Client


def prediction_log_path(client: Client, deployment_id: str) -> Path:
    """Where a deployment's predictions are logged: beside the store, one JSON-lines file each."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", natural_key(deployment_id))
    return client.data_dir / "predictions" / f"{safe}.jsonl"


def record_deployment(
    client: Client,
    version: Node,
    *,
    environment: str = "local",
    endpoint: str | None = None,
    override_reason: str | None = None,
    deployed_at: str | None = None,
) -> Node:
    """Check governance, then write an active Deployment that DEPLOYS ``version``.

    Without an approval the deployment is refused (GovernanceRefusedError)
    unless ``override_reason`` is given; then the override, its reason and its
    actor are written on the Deployment and as an Insight about the version.
    """
    if version.kind is not NodeKind.MODEL_VERSION:
        raise ValidationError(f"{version.id} is a {version.kind.label}, not a model version")
    if override_reason is not None and not override_reason.strip():
        raise ValidationError("--override-governance needs a reason")
    decision = check_governance(client.store, version.id) if override_reason else require_approval(
        client.store, version.id)
    props = version.properties
    model, number = str(props.get("model", "")), str(props.get("version", ""))
    deployment_id = node_id(NodeKind.DEPLOYMENT, model or natural_key(version.id), number or "0",
                            uuid.uuid4().hex[:12])
    at = deployed_at or now_iso()
    project = props.get("project")
    deployment_props = {
        "name": f"{props.get('name', version.id)} on {environment}",
        "model": model,
        "version": props.get("version"),
        "environment": environment,
        "endpoint": endpoint,
        "status": "active",
        "deployed_at": at,
        "deployed_by": client.actor,
        "prediction_log": str(prediction_log_path(client, deployment_id)),
        "source": "sdk",
        "project": project,
        "governance": decision.reason if decision.allowed else f"OVERRIDDEN: {decision.reason}",
    }
    person = actor_person(client.store, client.actor, source="sdk", home=client.home)
    nodes = [Node(deployment_id, NodeKind.DEPLOYMENT, {k: v for k, v in deployment_props.items() if v is not None}),
             *person.nodes]
    edges = [Edge(deployment_id, version.id, EdgeType.DEPLOYS),
             Edge(deployment_id, person.person_id, EdgeType.ATTRIBUTED_TO)]
    more_nodes, more_edges = project_records(deployment_id, str(project) if project else None)
    nodes += more_nodes
    edges += more_edges
    if override_reason and not decision.allowed:
        reason = override_reason.strip()
        nodes[0].properties["governance_override"] = {"reason": reason, "actor": client.actor, "at": at,
                                                      "refused_because": decision.reason}
        insight_id = node_id(NodeKind.INSIGHT, "governance-override", natural_key(deployment_id))
        nodes.append(Node(insight_id, NodeKind.INSIGHT, {
            "name": f"Governance override: {props.get('name', version.id)} deployed without approval",
            "text": (f"Governance override: {client.actor} deployed {version.id} to {environment} without an "
                     f"approval. Reason given: {reason}. The gate said: {decision.reason}."),
            "author": client.actor, "at": at, "source": "serving", "category": "governance_override",
            **({"project": project} if project else {}),
        }))
        edges += [Edge(insight_id, version.id, EdgeType.ABOUT), Edge(insight_id, deployment_id, EdgeType.ABOUT)]
    client.store.write(nodes, edges, actor=client.actor)
    return client.store.get_nodes([deployment_id])[deployment_id]


def retire_deployment(client: Client, deployment_id: str, *, retired_at: str | None = None) -> Node:
    """Mark a deployment retired (idempotent: an already retired one keeps its time)."""
    found = client.store.get_nodes([deployment_id])
    if deployment_id not in found:
        raise NotFoundError(f"no deployment {deployment_id!r} in the graph")
    node = found[deployment_id]
    if node.kind is not NodeKind.DEPLOYMENT:
        raise ValidationError(f"{deployment_id} is a {node.kind.label}, not a deployment")
    if node.properties.get("retired_at"):
        return node
    client.store.write([Node(deployment_id, NodeKind.DEPLOYMENT,
                             {"status": "retired", "retired_at": retired_at or now_iso()})], (), actor=client.actor)
    return client.store.get_nodes([deployment_id])[deployment_id]
