"""Small questions about the graph that audits, policies and the portfolio all ask.

Kept in one place so that "the reviews of a model version", "who owns it" and
"when did this happen" (``graph/events.py``) mean the same thing in a report, a policy finding and
the portfolio page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from modelctx.graph.events import event_time
from modelctx.graph.ids import natural_key
from modelctx.graph.lineage import is_active_deployment
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.vocabulary import Severity, Verdict

#: Before every event time: where a node that records none is sorted.
OLDEST = datetime.min.replace(tzinfo=UTC)


def sort_by_time(nodes: Iterable[Node]) -> list[Node]:
    """Oldest first; nodes without a time keep their order at the front."""
    return sorted(nodes, key=lambda n: event_time(n) or OLDEST)


def sources_into(store: GraphStore, node_id: str, etype: EdgeType) -> list[Node]:
    """Nodes with an ``etype`` edge pointing at ``node_id`` (reviews of, deployments of …)."""
    edges = store.get_edges([node_id], "in", [etype])
    found = store.get_nodes([e.source for e in edges if e.target == node_id])
    return list(found.values())


def targets_of(store: GraphStore, node_id: str, etype: EdgeType) -> list[Node]:
    """Nodes that ``node_id`` points at with ``etype`` edges."""
    edges = store.get_edges([node_id], "out", [etype])
    found = store.get_nodes([e.target for e in edges if e.source == node_id])
    return list(found.values())


def reviews_of(store: GraphStore, version_id: str) -> list[Node]:
    return sort_by_time(sources_into(store, version_id, EdgeType.REVIEWS))


def deployments_of(store: GraphStore, version_id: str) -> list[Node]:
    return sort_by_time(sources_into(store, version_id, EdgeType.DEPLOYS))


def monitoring_of(store: GraphStore, deployment_id: str) -> list[Node]:
    return sort_by_time(sources_into(store, deployment_id, EdgeType.MONITORS))


def open_alert(store: GraphStore, deployment: Node) -> tuple[Node, Severity] | None:
    """The deployment's open alert: its newest monitoring report and that report's severity, when the deployment
    is active and the report is not quiet (``vocabulary.py`` Severity); None otherwise. The audit's alerts and
    search's "which deployments are drifting" are this one rule."""
    if not is_active_deployment(deployment):
        return None
    reports = monitoring_of(store, deployment.id)
    if not reports:
        return None
    severity = Severity.read(reports[-1].properties.get("severity"))
    return None if severity.is_quiet else (reports[-1], severity)


def verdict_of(review: Node) -> Verdict | None:
    """A review's decisive verdict, however it was spelled when stored; None for a comment or nothing."""
    return Verdict.parse(review.properties.get("verdict"))


def identities_of_person(person: Node) -> set[str]:
    """The strings a person may be named by: natural key, name, email, handle."""
    names = {natural_key(person.id)}
    for key in ("name", "email", "handle"):
        value = person.properties.get(key)
        if value:
            names.add(str(value))
    return {n.strip().lower() for n in names if n.strip()}


def people_of(store: GraphStore, node_id: str) -> list[Node]:
    """Persons a node is ATTRIBUTED_TO."""
    return [n for n in targets_of(store, node_id, EdgeType.ATTRIBUTED_TO) if n.kind is NodeKind.PERSON]


def reviewer_identities(store: GraphStore, review: Node) -> set[str]:
    """Who wrote a review: its ``reviewer`` property and the persons it is attributed to."""
    names: set[str] = set()
    for key in ("reviewer", "reviewer_email"):
        value = review.properties.get(key)
        if value:
            names.add(str(value).strip().lower())
    for person in people_of(store, review.id):
        names |= identities_of_person(person)
    return names


def owner_values(node: Node) -> list[str]:
    """The ``owner``/``owners`` properties of a node as a list of names."""
    out: list[str] = []
    for key in ("owner", "owners"):
        value = node.properties.get(key)
        if isinstance(value, list):
            out.extend(str(v) for v in value if v)
        elif value:
            out.append(str(value))
    return out


def model_of(store: GraphStore, version_id: str) -> Node | None:
    models = [n for n in targets_of(store, version_id, EdgeType.VERSION_OF) if n.kind is NodeKind.MODEL]
    return models[0] if models else None


def runs_of(store: GraphStore, version_id: str) -> list[Node]:
    """The runs that generated a model version."""
    return [n for n in targets_of(store, version_id, EdgeType.GENERATED_BY) if n.kind is NodeKind.RUN]


def author_identities(store: GraphStore, version_id: str) -> tuple[set[str], list[Edge]]:
    """Who made a model version (run users and persons, the version's maker and persons, owners) and the edges
    that say so: the authors a self-approval is caught against."""
    names: set[str] = set()
    evidence: list[Edge] = []
    for run in runs_of(store, version_id):
        evidence.append(Edge(version_id, run.id, EdgeType.GENERATED_BY))
        for key in ("user", "user_id", "author", "mlflow.user"):
            value = run.properties.get(key)
            if value:
                names.add(str(value).strip().lower())
        for person in people_of(store, run.id):
            names |= identities_of_person(person)
            evidence.append(Edge(run.id, person.id, EdgeType.ATTRIBUTED_TO))
    for person in people_of(store, version_id):
        names |= identities_of_person(person)
        evidence.append(Edge(version_id, person.id, EdgeType.ATTRIBUTED_TO))
    model = model_of(store, version_id)
    version = store.get_nodes([version_id]).get(version_id)
    if version is not None and version.properties.get("created_by"):
        names.add(str(version.properties["created_by"]).strip().lower())
    for holder in (model, version):
        if holder is None:
            continue
        names |= {o.strip().lower() for o in owner_values(holder)}
        if holder.kind is NodeKind.MODEL:
            evidence.append(Edge(version_id, holder.id, EdgeType.VERSION_OF))
    return names, evidence


def is_flagged(node: Node) -> bool:
    return node.properties.get("flagged") is True


def project_of(node: Node) -> str | None:
    value = node.properties.get("project")
    return str(value) if value else None
