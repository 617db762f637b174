"""Feature definitions (a YAML or JSON file) as Feature nodes tied to the data they read.

Each feature is DERIVED_FROM, with the columns it reads, the DatasetVersion
named in its ``source`` (a version label or digest, else the latest ingested
version). The dataset must already be in the graph: a feature pointing at data
nobody ingested would be lineage that cannot be checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.ingest.formats import LoadedDocument, load_validated
from modelctx.ingest.lookup import GraphLookup, get_node
from modelctx.ingest.people import People
from modelctx.ingest.runner import BatchEnd, Record


class FeaturesConfig(BaseModel):
    """A feature-definitions file (format: ``modelctx/ingest/schemas/features.schema.json``)."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(description="The YAML or JSON file of feature definitions.")
    project: str | None = Field(default=None, description="Project the features belong to.")


def _version_index(node: Node) -> int:
    value = node.properties.get("version_index")
    return int(value) if isinstance(value, int) else 0


class FeaturesIngestor:
    """Yields one Feature per definition, each in its own batch; the file is written whole or not at all."""

    name = "features"
    atomic = True  # modelctx/ingest/runner.py: one transaction for the file

    def __init__(self, config: FeaturesConfig, lookup: GraphLookup) -> None:
        self.config = config
        self.lookup = lookup

    def _dataset_version(self, doc: LoadedDocument, index: int, source: dict[str, Any]) -> Node:
        dataset = str(source["dataset"])
        key = ("features", index, "source")
        if get_node(self.lookup, node_id(NodeKind.DATASET, dataset)) is None:
            known = sorted(str(n.properties.get("name") or n.id) for n in self.lookup.iter_nodes(NodeKind.DATASET))
            raise IngestError(
                f"{doc.where((*key, 'dataset'))}: unknown dataset {dataset!r}; "
                f"known datasets: {', '.join(known) or 'none (run `modelctx ingest dataset` first)'}"
            )
        versions = list(self.lookup.iter_nodes(NodeKind.DATASET_VERSION, {"dataset": dataset}))
        if "digest" in source:
            chosen = [v for v in versions if v.properties.get("digest") == source["digest"]]
            field, wanted = "digest", str(source["digest"])
        elif "version" in source:
            chosen = [v for v in versions if str(v.properties.get("version")) == str(source["version"])]
            field, wanted = "version", str(source["version"])
        else:
            chosen, field, wanted = versions, "dataset", "latest"
        if not chosen:
            labels = [f"{v.properties.get('version')} ({v.properties.get('digest')})"
                      for v in sorted(versions, key=_version_index)]
            raise IngestError(
                f"{doc.where((*key, field))}: dataset {dataset!r} has no version {wanted!r}; "
                f"known versions: {', '.join(labels) or 'none'}"
            )
        version = max(chosen, key=_version_index)
        known_columns = [str(c.get("name")) for c in version.properties.get("columns") or [] if isinstance(c, dict)]
        for position, column in enumerate(source["columns"]):
            if known_columns and column not in known_columns:
                raise IngestError(
                    f"{doc.where((*key, 'columns', position))}: dataset version {version.id} has no column "
                    f"{column!r}; its columns: {', '.join(known_columns)}"
                )
        return version

    def records(self) -> Iterator[Record]:
        doc = load_validated(self.config.path, "features")
        data: dict[str, Any] = doc.data
        project = self.config.project
        project_id = node_id(NodeKind.PROJECT, project) if project else None
        prepared: list[tuple[int, dict[str, Any], str, Node]] = []
        people = People(self.lookup, source="file")
        for index, spec in enumerate(data["features"]):
            group = spec.get("group") or data.get("group")
            if not group:
                where = doc.where(("features", index, "group"))
                raise IngestError(f"{where}: missing group (set it here or at file level)")
            prepared.append((index, spec, str(group), self._dataset_version(doc, index, spec["source"])))
        if project_id:
            yield Node(project_id, NodeKind.PROJECT, {"name": project})
        for index, spec, group, version in prepared:
            feature_id = node_id(NodeKind.FEATURE, group, spec["name"])
            source = spec["source"]
            props: dict[str, Any] = {
                "name": spec["name"], "group": group, "dtype": spec["dtype"],
                "description": spec.get("description"), "transformation": spec.get("transformation"),
                "code": spec.get("code"),
                "source_dataset": source["dataset"], "source_version": version.properties.get("version"),
                "source_digest": version.properties.get("digest"), "source_columns": list(source["columns"]),
                "source": "file", "source_id": f"{group}/{spec['name']}", "project": project,
            }
            owner = spec.get("owner") or data.get("owner")
            person = people.resolve(str(owner)) if owner else None
            if person is not None:
                props["owner"] = person.email or str(owner).strip()
            yield Node(feature_id, NodeKind.FEATURE, props)  # None clears a field dropped from the file
            yield Edge(feature_id, version.id, EdgeType.DERIVED_FROM, {"columns": list(source["columns"])})
            if person is not None:
                yield from person.nodes
                yield Edge(feature_id, person.person_id, EdgeType.ATTRIBUTED_TO, {"role": "owner"})
            if project_id:
                yield Edge(feature_id, project_id, EdgeType.IN_PROJECT)
            yield BatchEnd(doc.where(("features", index)))
