"""Review and deployment records (JSON or YAML lists) as Review and Deployment nodes.

Both attach to a model version that must already be in the graph, so that a
typo in a model name cannot create a parallel, unreviewed model;
``create_missing`` makes the Model and ModelVersion stubs instead, for
back-filling history. Files are validated against their JSON Schema first, then
every record is checked before anything is yielded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelctx.errors import IngestError
from modelctx.graph.ids import content_id, node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.ingest.formats import LoadedDocument, load_validated, parse_time
from modelctx.ingest.lookup import GraphLookup
from modelctx.ingest.people import People, PersonMatch
from modelctx.ingest.runner import BatchEnd, Record
from modelctx.times import read_stored

RecordKind = Literal["reviews", "deployments"]


class RecordsConfig(BaseModel):
    """A reviews or deployments file (formats: ``modelctx/ingest/schemas/*.schema.json``)."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(description="The JSON or YAML file: a list of records.")
    kind: RecordKind = Field(description="Which format the file is in: reviews or deployments.")
    create_missing: bool = Field(
        default=False,
        description="Create Model and ModelVersion nodes for versions not in the graph instead of failing.",
    )
    project: str | None = Field(default=None, description="Project the records belong to.")


def model_version_id(model: str, version: str | int) -> str:
    return node_id(NodeKind.MODEL_VERSION, model, str(version))


class RecordsIngestor:
    """Yields one Review or Deployment per record, each its own batch; a file is written whole or not at all."""

    atomic = True  # modelctx/ingest/runner.py: one transaction for the file

    def __init__(self, config: RecordsConfig, lookup: GraphLookup) -> None:
        self.config = config
        self.lookup = lookup
        self._people = People(lookup, source="file")
        self.name: str = config.kind

    def _check_versions(self, doc: LoadedDocument) -> set[str]:
        """Ids of the model versions the records need that are not stored (empty if all are)."""
        wanted = {model_version_id(r["model"], r["version"]): i for i, r in reversed(list(enumerate(doc.data)))}
        missing = set(wanted) - set(self.lookup.get_nodes(list(wanted)))
        if missing and not self.config.create_missing:
            first = min(missing, key=lambda m: wanted[m])
            raise IngestError(
                f"{doc.where((wanted[first], 'version'))}: model version {first} is not in the graph "
                f"({len(missing)} missing in this file); ingest the model first or pass --create-missing"
            )
        return missing

    def records(self) -> Iterator[Record]:
        doc = load_validated(self.config.path, self.config.kind)
        build = self._review if self.config.kind == "reviews" else self._deployment
        built = [build(doc, i, record) for i, record in enumerate(doc.data)]  # every record checked first
        missing = self._check_versions(doc)
        project = self.config.project
        project_id = node_id(NodeKind.PROJECT, project) if project else None
        if project_id:
            yield Node(project_id, NodeKind.PROJECT, {"name": project})
        for index, (record, (node, person, edge_type, role)) in enumerate(zip(doc.data, built, strict=True)):
            version_id = model_version_id(record["model"], record["version"])
            if version_id in missing:
                model_id = node_id(NodeKind.MODEL, record["model"])
                scope = {"project": project} if project else {}
                yield Node(model_id, NodeKind.MODEL, {"name": record["model"], **scope})
                yield Node(version_id, NodeKind.MODEL_VERSION, {
                    "name": f"{record['model']} v{record['version']}", "model": record["model"],
                    "version": str(record["version"]), **scope,
                })
                yield Edge(version_id, model_id, EdgeType.VERSION_OF)
                if project_id:
                    yield Edge(model_id, project_id, EdgeType.IN_PROJECT)
                    yield Edge(version_id, project_id, EdgeType.IN_PROJECT)
                missing.discard(version_id)
            if project:
                node.properties["project"] = project
            yield node
            yield Edge(node.id, version_id, edge_type)
            yield from person.nodes
            yield Edge(node.id, person.person_id, EdgeType.ATTRIBUTED_TO, {"role": role})
            if project_id:
                yield Edge(node.id, project_id, EdgeType.IN_PROJECT)
            yield BatchEnd(doc.where((index,)))

    def _review(self, doc: LoadedDocument, i: int, r: dict[str, Any]) -> tuple[Node, PersonMatch, EdgeType, str]:
        model, version = str(r["model"]), str(r["version"])
        at = parse_time(r["reviewed_at"], doc, (i, "reviewed_at"))
        person = self._people.resolve(r["reviewer"], r.get("reviewer_email"))
        review_id = node_id(NodeKind.REVIEW, r["id"]) if r.get("id") else content_id(
            NodeKind.REVIEW, [model, version, r["reviewer"], at])
        props: dict[str, Any] = {
            "name": f"Review of {model} v{version}: {r['verdict']}", "model": model, "version": version,
            "verdict": r["verdict"], "comment": r["comment"],
            "reviewer": r["reviewer"], "reviewer_email": person.email,
            "reviewed_at": at, "at": at, "checklist": r.get("checklist"),
            "source": "file", "source_id": str(r.get("id") or review_id.partition(":")[2]),
        }
        return Node(review_id, NodeKind.REVIEW, props), person, EdgeType.REVIEWS, "reviewer"

    def _deployment(self, doc: LoadedDocument, i: int, r: dict[str, Any]) -> tuple[Node, PersonMatch, EdgeType, str]:
        model, version = str(r["model"]), str(r["version"])
        deployed_at = parse_time(r["deployed_at"], doc, (i, "deployed_at"))
        retired_at = parse_time(r["retired_at"], doc, (i, "retired_at")) if r.get("retired_at") else None
        retired, deployed = read_stored(retired_at), read_stored(deployed_at)
        if retired is not None and deployed is not None and retired < deployed:
            raise IngestError(f"{doc.where((i, 'retired_at'))}: {retired_at} is before deployed_at {deployed_at}")
        person = self._people.resolve(r["deployed_by"])
        deployment_id = node_id(NodeKind.DEPLOYMENT, r["id"]) if r.get("id") else content_id(
            NodeKind.DEPLOYMENT, [model, version, r["environment"], r["endpoint"], deployed_at])
        props: dict[str, Any] = {
            "name": f"{model} v{version} in {r['environment']}", "model": model, "version": version,
            "environment": r["environment"], "endpoint": r["endpoint"],
            "status": "retired" if retired_at else "active",
            "deployed_by": r["deployed_by"], "deployed_at": deployed_at, "retired_at": retired_at,
            "source": "file", "source_id": str(r.get("id") or deployment_id.partition(":")[2]),
        }
        return Node(deployment_id, NodeKind.DEPLOYMENT, props), person, EdgeType.DEPLOYS, "deployer"
