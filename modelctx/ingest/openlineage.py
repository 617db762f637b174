"""OpenLineage events into the graph: jobs, runs, and the dataset versions they read and wrote.

:class:`EventConverter` turns a validated event (``ingest/openlineage_events.py``)
into records, inside the write transaction (:func:`event_units`); the
JSON-lines ingestor and the ``POST /api/v1/lineage`` endpoint both use it.

Mapping of a RunEvent: Job → ``job:<namespace>/<name>``; run →
``run:openlineage/<runId>`` INSTANCE_OF the job; status from eventType; the
``parent`` run facet → CHILD_OF (its ``root`` → ``openlineage.root_run``);
``sourceCodeLocation`` naming a full commit sha → USED Commit; the code facets
(``sourceCode``, ``sql``, ``sourceCodeLocation``) → the run's ``job_version``.

Datasets are versioned per write (``ingest/identity.py``, rule step 4):

* every output of a run that completed is the DatasetVersion that write made
  (``resolve_write``: keyed by the output's ``version`` facet, else the run),
  stamped ``written_at`` (the run's COMPLETE time) and ``written_by``, and
  GENERATED_BY the run;
* every input is the version current when the run started (``resolve_read``:
  the last written at or before ``started_at`` and not by the run itself, so
  a MERGE or incremental write reads the version before it), unless the
  input's ``version`` facet names one; the run USED it;
* the ``columnLineage`` facet → DERIVED_FROM from the written version to the
  versions the run read, with the column mapping, each input field's
  transformations and the dataset-level dependencies; the ``schema`` facet →
  ``columns`` of that version (an empty schema sets nothing).

Facets are kept on the node they describe, under ``openlineage.facets``:
dataset facets on the version, input facets on the USED edge, output facets on
the GENERATED_BY edge, run and job facets on the run and job. Facet sets merge
facet by facet, the later ``eventTime`` winning, and a facet sent as
``{"_deleted": true}`` is removed by a later deletion only — so arrival order
does not change them. ``symlinks`` become ``aliases`` of the Dataset. A
DatasetEvent adds its facets to the dataset's current version; a JobEvent
records the job's design-time lineage (``openlineage.static_inputs`` /
``static_outputs``, Dataset ids, and on each Dataset the jobs declaring it:
``graph/declared_lineage.py``, which lineage answers read).

Events of one run may arrive in any order: a run's state is merged with what
is stored (read inside the write transaction) by rules that do not depend on
arrival order — a terminal state beats START and RUNNING, ties go to the later
``eventTime``; ``started_at`` is the earliest START (else the earliest event).
Outputs are products only once the run completed: until a COMPLETE event is
known, the outputs its events declare are kept on the run
(``attempted_outputs``, Dataset ids, and the declarations themselves) and
become versions when it comes, so a failed attempt produces nothing. One
ingest converts its events in time order (``event_time_key``); which version a
run read is decided from the writes known when its events are converted, and
re-pointed when a later-arriving write or an earlier START shows it wrong
(``ingest/openlineage_reads.py``), so any arrival order builds the same graph.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from modelctx.errors import IngestError
from modelctx.graph.declared_lineage import STATIC_INPUTS, STATIC_OUTPUTS, STATIC_READERS, STATIC_WRITERS, union_ids
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeRemoval, EdgeType, Node, NodeKind
from modelctx.graph.refs import OPENLINEAGE_SOURCE
from modelctx.ingest.identity import (
    DatasetIdentity,
    DatasetMatch,
    DatasetMention,
    dataset_name_for_uri,
    keyed_version_id,
    openlineage_uri,
)
from modelctx.ingest.lookup import GraphLookup
from modelctx.ingest.openlineage_events import (
    AnyEvent,
    ColumnLineageFacet,
    Dataset,
    DatasetEvent,
    EventError,
    JobEvent,
    RunEvent,
    event_digest,
    event_time_key,
    is_deleted,
    parse_event,
)
from modelctx.ingest.openlineage_facets import (
    FACETS,
    column_json,
    facets_json,
    job_version,
    merge_facets,
    version_key,
)
from modelctx.ingest.openlineage_reads import PINNED, ReadKeeper, UnitEdges
from modelctx.ingest.runner import IngestWarning, InTransaction, Record
from modelctx.times import format_iso
from modelctx.vocabulary import RunStatus

__all__ = ["EventConverter", "EventError", "EventIngestor", "OpenLineageIngestor", "RunEvent", "event_units",
           "parse_event"]

SOURCE = OPENLINEAGE_SOURCE
_RANK = {"OTHER": 0, "START": 1, "RUNNING": 2, "COMPLETE": 3, "FAIL": 3, "ABORT": 3}
_TERMINAL = frozenset({"COMPLETE", "FAIL", "ABORT"})
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
#: Facets the graph holds as nodes and edges rather than as facets.
_RUN_STRUCTURE = frozenset({"parent"})
#: The run property listing the Datasets its events declared as outputs before it completed.
ATTEMPTED_OUTPUTS = "attempted_outputs"
_PENDING = "openlineage.pending_outputs"


class EventConverter:
    """Turns events into records, remembering run state across the events of one ingest."""

    def __init__(self, reader: GraphLookup | None, *, base_dir: Path, project: str | None = None) -> None:
        self._identity = DatasetIdentity(reader, project=project)
        self._reader = reader
        self._base_dir = base_dir
        self._project = project
        self._state: dict[str, dict[str, Any]] = {}
        self._emitted: set[str] = set()
        self._edges = UnitEdges(reader)
        self._keeper = ReadKeeper(self._identity, self._edges, self._stored_many)
        self._repointed: list[Edge | EdgeRemoval] = []

    def records(self, event: AnyEvent, where: str) -> list[Node | Edge | EdgeRemoval | IngestWarning]:
        """The records of one event (nodes before the edges that need them; reads it re-points first)."""
        self._repointed = []
        warnings: list[IngestWarning] = []
        nodes: list[Node] = []
        edges: list[Edge] = []
        if isinstance(event, RunEvent):
            self._run_event(event, where, warnings, nodes, edges)
        elif isinstance(event, JobEvent):
            self._job_event(event, where, warnings, nodes, edges)
        else:
            self._dataset_event(event, where, warnings, nodes, edges)
        if self._project:
            project_id = node_id(NodeKind.PROJECT, self._project)
            nodes.insert(0, Node(project_id, NodeKind.PROJECT, {"name": self._project}))
            edges += [Edge(n.id, project_id, EdgeType.IN_PROJECT) for n in nodes if n.kind is not NodeKind.PROJECT]
        self._edges.note(edges)  # the re-pointed reads were noted as they were decided
        return [*warnings, *nodes, *self._repointed, *edges]

    # -- events --------------------------------------------------------------------------------

    def _run_event(
        self, event: RunEvent, where: str, warnings: list[IngestWarning], nodes: list[Node], edges: list[Edge]
    ) -> None:
        job_id = node_id(NodeKind.JOB, event.job.namespace, event.job.name)
        run_id = node_id(NodeKind.RUN, SOURCE, event.run.runId)
        time = format_iso(event.eventTime)
        job_node = self._job_node(job_id, event, time, warnings, where)
        nodes.append(job_node)
        started_before = self._stored(run_id).get("started_at")
        run_node = self._run_node(run_id, event, time, warnings, where)
        nodes.append(run_node)
        if started_before is not None and started_before != run_node.properties["started_at"]:
            self._repointed += self._keeper.after_start_moved(run_id)
        edges.append(Edge(run_id, job_id, EdgeType.INSTANCE_OF))
        self._parent(event, run_node, nodes, edges)
        self._code(event, run_id, where, warnings, nodes, edges)
        started = str(run_node.properties["started_at"])
        reads: dict[tuple[str, str], str] = {}
        for dataset in event.inputs:
            match = self._read(dataset.namespace, dataset.name, dataset, started, run_id, time, where, warnings)
            nodes += match.nodes
            edges += match.edges
            reads[(dataset.namespace, dataset.name)] = match.version_id
            props = {"role": "input", **self._edge_facets((run_id, EdgeType.USED, match.version_id),
                                                          dataset.inputFacets, time, where, warnings)}
            if version_key(dataset, None) is not None:
                props[PINNED] = True
            edges.append(Edge(run_id, match.version_id, EdgeType.USED, props))
        for dataset in self._products(run_node, event.outputs):
            self._write(dataset, run_node, started, reads, time, where, warnings, nodes, edges)

    def _job_event(
        self, event: JobEvent, where: str, warnings: list[IngestWarning], nodes: list[Node], edges: list[Edge]
    ) -> None:
        job_id = node_id(NodeKind.JOB, event.job.namespace, event.job.name)
        time = format_iso(event.eventTime)
        job = self._job_node(job_id, event, time, warnings, where)
        static = ((STATIC_INPUTS, STATIC_READERS, event.inputs), (STATIC_OUTPUTS, STATIC_WRITERS, event.outputs))
        for key, back, datasets in static:
            ids = []
            for dataset in datasets:
                match = self._read(dataset.namespace, dataset.name, dataset, time, None, time, where, warnings)
                nodes += match.nodes
                edges += match.edges
                dataset_id = node_id(NodeKind.DATASET, self._name(dataset.namespace, dataset.name))
                ids.append(dataset_id)
                declared = self._state.setdefault(dataset_id, self._stored(dataset_id))
                declared[back] = union_ids(declared.get(back), [job_id])
                nodes.append(Node(dataset_id, NodeKind.DATASET, {back: declared[back]}))
            if datasets:
                job.properties[key] = sorted(set(ids) | set(job.properties.get(key) or []))
                self._state[job_id][key] = job.properties[key]
        nodes.insert(0, job)

    def _dataset_event(
        self, event: DatasetEvent, where: str, warnings: list[IngestWarning], nodes: list[Node], edges: list[Edge]
    ) -> None:
        time = format_iso(event.eventTime)
        dataset = Dataset(namespace=event.dataset.namespace, name=event.dataset.name, facets=event.dataset.facets)
        match = self._read(dataset.namespace, dataset.name, dataset, time, None, time, where, warnings)
        nodes += match.nodes
        edges += match.edges

    # -- jobs and runs -------------------------------------------------------------------------

    def _stored(self, ident: str) -> dict[str, Any]:
        state = self._state.get(ident)
        if state is None:
            stored = self._reader.get_nodes([ident]).get(ident) if self._reader is not None else None
            state = dict(stored.properties) if stored is not None else {}
        return state

    def _stored_many(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """``_stored`` of several nodes, those not converted in this unit read at once."""
        missing = [i for i in ids if i not in self._state]
        stored = self._reader.get_nodes(missing) if self._reader is not None and missing else {}
        return {i: self._state[i] if i in self._state else dict(stored[i].properties) for i in ids
                if i in self._state or i in stored}

    def _stubs(self, wanted: dict[str, tuple[NodeKind, dict[str, Any]]]) -> list[Node]:
        """Nodes another source may own: made only when absent, never overwriting."""
        missing = [i for i in wanted if i not in self._emitted]
        stored = self._reader.get_nodes(missing) if self._reader is not None and missing else {}
        made = []
        for ident in missing:
            self._emitted.add(ident)
            if ident not in stored:
                kind, props = wanted[ident]
                if self._project:
                    props = {**props, "project": self._project}
                made.append(Node(ident, kind, props))
        return made

    def _job_node(
        self, job_id: str, event: RunEvent | JobEvent, time: str, warnings: list[IngestWarning], where: str
    ) -> Node:
        job = event.job
        state = self._stored(job_id)
        props: dict[str, Any] = {
            "name": job.name, "namespace": job.namespace, "source": SOURCE,
            "source_id": f"{job.namespace}/{job.name}",
        }
        facets = facets_json(job.facets, where, warnings)
        props.update(merge_facets(state, facets, job.facets.deleted_facets, time))
        merged = props[FACETS] or {}
        doc = merged.get("documentation")
        props["description"] = doc.get("description") if isinstance(doc, dict) else None
        version = job_version(facets)
        if version is not None and time >= str(state.get("openlineage.job_version_time", "")):
            props["job_version"] = version
            props["openlineage.job_version_time"] = time
        if self._project:
            props["project"] = self._project
        new = {k: v for k, v in {**state, **props}.items() if v is not None}
        self._state[job_id] = new
        self._emitted.add(job_id)
        kept = {k: v for k, v in new.items() if k.startswith("openlineage.static")}
        return Node(job_id, NodeKind.JOB, {**props, **kept})

    def _run_node(self, run_id: str, event: RunEvent, time: str, warnings: list[IngestWarning], where: str) -> Node:
        state = self._stored(run_id)
        etype = event.eventType
        new = dict(state)
        new.update({"kind": state.get("kind", "etl"), "source": SOURCE, "source_id": event.run.runId})
        # Who ran it is the latest event's say; ties are broken by the values, never by arrival.
        said = (time, f"{event.job.namespace}/{event.job.name}", event.producer)
        if said >= (str(state.get("openlineage.last_event_time", "")), str(state.get("job", "")),
                    str(state.get("openlineage.producer", ""))):
            new.update({"name": event.job.name, "job": said[1], "openlineage.producer": event.producer})
        rank = _RANK[etype or "OTHER"]
        old = (int(state.get("openlineage.status_rank", -1)), str(state.get("openlineage.status_time", "")),
               str(state.get("openlineage.status_event", "")))
        if etype not in (None, "OTHER") and (rank, time, etype) >= old:
            new["status"] = str(RunStatus.parse(etype) or etype)  # START → RUNNING, COMPLETE → COMPLETED …
            new["openlineage.status_rank"] = rank
            new["openlineage.status_time"] = time
            new["openlineage.status_event"] = etype
            if etype in _TERMINAL:
                new["ended_at"] = time
        first = min(filter(None, [state.get("openlineage.first_event_time"), time]))
        new["openlineage.first_event_time"] = first
        if etype == "START":
            new["openlineage.start_time"] = min(filter(None, [state.get("openlineage.start_time"), time]))
        if etype == "COMPLETE":
            new["openlineage.complete_time"] = min(filter(None, [state.get("openlineage.complete_time"), time]))
        new["started_at"] = new.get("openlineage.start_time") or first
        seen = sorted(set(state.get("openlineage.event_types", [])) | ({etype} if etype else set()))
        new["openlineage.event_types"] = seen
        facets = {k: v for k, v in facets_json(event.run.facets, where, warnings).items() if k not in _RUN_STRUCTURE}
        new.update(merge_facets(state, facets, event.run.facets.deleted_facets, time))
        merged = new.get(FACETS) or {}
        error = merged.get("errorMessage")
        if isinstance(error, dict) and error.get("message"):
            new["text"] = str(error["message"])
        version = job_version(facets_json(event.job.facets, where, []))
        if version is not None:
            new["job_version"] = version
        new["openlineage.last_event_time"] = max(str(state.get("openlineage.last_event_time", "")), time)
        if self._project:
            new["project"] = self._project
        self._state[run_id] = {k: v for k, v in new.items() if v is not None}
        self._emitted.add(run_id)
        return Node(run_id, NodeKind.RUN, new)

    def _parent(self, event: RunEvent, run_node: Node, nodes: list[Node], edges: list[Edge]) -> None:
        parent = event.run.facets.parent
        if parent is None:
            return
        wanted: dict[str, tuple[NodeKind, dict[str, Any]]] = {}
        links = [(parent.run.runId, parent.job.namespace, parent.job.name)]
        if parent.root is not None:
            root = parent.root
            links.append((root.run.runId, root.job.namespace, root.job.name))
            run_node.properties["openlineage.root_run"] = node_id(NodeKind.RUN, SOURCE, root.run.runId)
        for run_uuid, namespace, name in links:
            job = node_id(NodeKind.JOB, namespace, name)
            run = node_id(NodeKind.RUN, SOURCE, run_uuid)
            wanted[job] = (NodeKind.JOB, {"name": name, "namespace": namespace, "source": SOURCE,
                                          "source_id": f"{namespace}/{name}"})
            wanted[run] = (NodeKind.RUN, {"name": name, "source": SOURCE, "source_id": run_uuid})
            edges.append(Edge(run, job, EdgeType.INSTANCE_OF))
        nodes += self._stubs(wanted)
        parent_run = node_id(NodeKind.RUN, SOURCE, parent.run.runId)
        if parent_run != run_node.id:
            edges.append(Edge(run_node.id, parent_run, EdgeType.CHILD_OF))

    def _code(
        self, event: RunEvent, run_id: str, where: str, warnings: list[IngestWarning], nodes: list[Node],
        edges: list[Edge],
    ) -> None:
        code = event.job.facets.sourceCodeLocation
        if code is not None and code.version and _SHA.match(code.version.lower()):
            sha = code.version.lower()
            commit_id = node_id(NodeKind.COMMIT, sha)
            nodes += self._stubs({commit_id: (NodeKind.COMMIT, {"sha": sha, "source": SOURCE, "source_id": sha})})
            edges.append(Edge(run_id, commit_id, EdgeType.USED, {"role": "code"}))
        elif code is not None and code.version:
            warnings.append(IngestWarning(
                f"sourceCodeLocation version {code.version!r} is not a full commit sha; no Commit linked", where))

    # -- datasets ------------------------------------------------------------------------------

    def _uri(self, namespace: str, name: str) -> str:
        """The dataset's URI, through a symlink the dataset is known by (``DatasetIdentity.canonical_uri``)."""
        return self._identity.canonical_uri(openlineage_uri(namespace, name, self._base_dir))

    def _name(self, namespace: str, name: str) -> str:
        return dataset_name_for_uri(self._uri(namespace, name))

    def _alias_nodes(self, mention: DatasetMention) -> list[Node]:
        aliases = mention.dataset_properties.get("aliases")
        if not aliases or mention.uri is None:
            return []
        return self._identity.alias_records(mention.uri, list(aliases), SOURCE)

    def _mention(self, namespace: str, name: str, dataset: Dataset | None, time: str, where: str,
                 warnings: list[IngestWarning], stored: dict[str, Any] | None = None) -> DatasetMention:
        uri = self._uri(namespace, name)
        core: dict[str, Any] = {}
        # Reached through an alias: the dataset keeps the namespace and name it is known by.
        named = {} if uri != openlineage_uri(namespace, name, self._base_dir) else {
            "openlineage.namespace": namespace, "openlineage.name": name}
        namespaced: dict[str, Any] = dict(named)
        dataset_props: dict[str, Any] = dict(named)
        if dataset is not None:
            facets = dataset.facets
            schema = facets.schema_
            if schema is not None and schema.fields:  # an empty schema says nothing: it never wipes columns
                columns = [column_json(f) for f in schema.fields]
                core["columns"] = columns
                namespaced["openlineage.columns"] = columns
            if facets.documentation is not None:
                core["description"] = facets.documentation.description
            if facets.symlinks is not None and facets.symlinks.identifiers:
                dataset_props["aliases"] = sorted({openlineage_uri(i.namespace, i.name, self._base_dir)
                                                   for i in facets.symlinks.identifiers})
            payload = facets_json(facets, where, warnings)
            if payload or facets.deleted_facets:
                namespaced.update(merge_facets(stored or {}, payload, facets.deleted_facets, time))
        return DatasetMention(name=dataset_name_for_uri(uri), source=SOURCE, uri=uri, source_id=uri,
                              properties=core, namespaced=namespaced, dataset_properties=dataset_props)

    def _read(self, namespace: str, name: str, dataset: Dataset | None, at: str, run_id: str | None, time: str,
              where: str, warnings: list[IngestWarning]) -> DatasetMatch:
        """The version a reader that started at ``at`` read (``run_id`` None: not a run — a static mention)."""
        bare = self._mention(namespace, name, None, time, where, warnings)
        found = self._identity.resolve_read(bare, at, key=version_key(dataset, None), not_by=run_id)
        if dataset is None or not (dataset.facets.payload() or dataset.facets.deleted_facets):
            return found  # nothing more to say about it (most inputs)
        full = self._mention(namespace, name, dataset, time, where, warnings, self._version_state(found.version_id))
        match = self._identity.resolve_read(full, at, key=version_key(dataset, None), not_by=run_id)
        self._state[match.version_id].update({k: v for k, v in full.namespaced.items() if v is not None})
        aliases = self._alias_nodes(full)
        return DatasetMatch(match.version_id, match.existing, [*found.nodes, *match.nodes, *aliases], match.edges)

    def _edge_facets(self, key: tuple[str, EdgeType, str], facets: dict[str, Any], time: str, where: str,
                     warnings: list[IngestWarning]) -> dict[str, Any]:
        """Input or output facets on their edge, merged with the stored ones facet by facet (the later wins)."""
        if not facets:
            return {}
        state = self._edges.properties(*key)
        deleted = [name for name, value in facets.items() if is_deleted(value)]
        kept = facets_json({k: v for k, v in facets.items() if k not in deleted}, where, warnings)
        return merge_facets(state, kept, deleted, time)

    def _version_state(self, version_id: str) -> dict[str, Any]:
        return self._state.setdefault(version_id, self._stored(version_id))

    def _products(self, run: Node, outputs: list[Dataset]) -> list[Dataset]:
        """The outputs the run has written: all its events declared once it completed, else none.

        Until a COMPLETE event of the run is known, declared outputs are kept on
        the run (``attempted_outputs``, Dataset ids; the declarations under
        ``openlineage.pending_outputs``); a run that ends FAIL or ABORT keeps them
        there and produces nothing. ``run`` is updated in place.
        """
        props = run.properties
        pending: dict[str, Any] = dict(props.get(_PENDING) or {})
        for dataset in outputs:
            key = f"{dataset.namespace}\n{dataset.name}"
            previous = pending.get(key)
            body = dataset.model_dump(mode="json", by_alias=True, exclude_none=True)
            pending[key] = body if previous is None or len(json.dumps(body)) >= len(json.dumps(previous)) else previous
        if "COMPLETE" not in props.get("openlineage.event_types", []):
            if pending:
                props[_PENDING] = dict(sorted(pending.items()))
                props[ATTEMPTED_OUTPUTS] = sorted({node_id(NodeKind.DATASET, self._name(*k.split("\n", 1)))
                                                   for k in pending})
            self._state[run.id] = {k: v for k, v in props.items() if v is not None}
            return []
        if props.get(_PENDING) or props.get(ATTEMPTED_OUTPUTS):
            props[_PENDING] = None  # None removes the stored lists: they are products now
            props[ATTEMPTED_OUTPUTS] = None
        self._state[run.id] = {k: v for k, v in props.items() if v is not None}
        sent = {(d.namespace, d.name): d for d in outputs}
        for key, body in pending.items():
            namespace, name = key.split("\n", 1)
            sent.setdefault((namespace, name), Dataset.model_validate(body))
        return [sent[k] for k in sorted(sent)]

    def _write(
        self, dataset: Dataset, run: Node, started: str, reads: dict[tuple[str, str], str], time: str, where: str,
        warnings: list[IngestWarning], nodes: list[Node], edges: list[Edge],
    ) -> None:
        props = run.properties
        written_at = str(props.get("openlineage.complete_time") or props.get("ended_at") or time)
        key = version_key(dataset, "run-" + str(props["source_id"]))
        assert key is not None
        bare = self._mention(dataset.namespace, dataset.name, None, time, where, warnings)
        version_id = keyed_version_id(bare.name, key)
        mention = self._mention(dataset.namespace, dataset.name, dataset, time, where, warnings,
                                self._version_state(version_id))
        match = self._identity.resolve_write(mention, key, written_at=written_at, by=run.id)
        self._repointed += self._keeper.after_write(mention.uri, match.version_id, written_at)
        self._state[version_id] = {**self._version_state(version_id),
                                   **{k: v for k, v in mention.namespaced.items() if v is not None}}
        nodes += [*match.nodes, *self._alias_nodes(mention)]
        edges += match.edges
        out_props = self._edge_facets((match.version_id, EdgeType.GENERATED_BY, run.id), dataset.outputFacets, time,
                                      where, warnings)
        edges.append(Edge(match.version_id, run.id, EdgeType.GENERATED_BY, out_props))
        lineage = dataset.facets.columnLineage
        if lineage is not None:
            edges += self._column_lineage(match.version_id, lineage, started, run.id, reads, time, where, warnings,
                                          nodes)

    def _column_lineage(
        self, version_id: str, facet: ColumnLineageFacet, started: str, run_id: str,
        reads: dict[tuple[str, str], str], time: str, where: str, warnings: list[IngestWarning], nodes: list[Node],
    ) -> list[Edge]:
        """DERIVED_FROM the versions the run read, one edge per input dataset, with columns and transformations."""
        columns: dict[tuple[str, str], dict[str, set[str]]] = {}
        transforms: dict[tuple[str, str], dict[str, dict[str, list[dict[str, Any]]]]] = {}
        described: dict[str, str] = {}
        kinds: dict[str, str] = {}
        for out_field, spec in facet.fields.items():
            for field in spec.inputFields:
                key = (field.namespace, field.name)
                columns.setdefault(key, {}).setdefault(out_field, set()).add(field.field)
                if field.transformations:
                    transforms.setdefault(key, {}).setdefault(out_field, {})[field.field] = [
                        t.model_dump(mode="json", exclude_none=True) for t in field.transformations]
            if spec.transformationDescription:
                described[out_field] = spec.transformationDescription
            if spec.transformationType:
                kinds[out_field] = spec.transformationType
        dataset_level: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for field in facet.dataset:
            dataset_level.setdefault((field.namespace, field.name), []).append(
                {"field": field.field, "transformations": [t.model_dump(mode="json", exclude_none=True)
                                                           for t in field.transformations]})
        edges = []
        for key in sorted(columns.keys() | dataset_level.keys()):
            source = reads.get(key)
            if source is None:
                match = self._read(key[0], key[1], None, started, run_id, time, where, warnings)
                nodes += match.nodes
                edges += match.edges
                source = match.version_id
            mapping = columns.get(key, {})
            props: dict[str, Any] = {"columns": {k: sorted(v) for k, v in sorted(mapping.items())}}
            text = {k: v for k, v in sorted(described.items()) if k in mapping}
            if text:
                props["transformations"] = text
            types = {k: v for k, v in sorted(kinds.items()) if k in mapping}
            if types:
                props["transformation_types"] = types
            if key in transforms:
                props["column_transformations"] = transforms[key]
            if key in dataset_level:
                props["dataset_dependencies"] = sorted(dataset_level[key], key=lambda d: str(d["field"]))
            if source != version_id:
                edges.append(Edge(version_id, source, EdgeType.DERIVED_FROM, props))
        return edges


#: Events whose records one transaction writes (they read and merge run state inside it).
EVENTS_PER_TRANSACTION = 500


def event_units(
    events: Iterable[tuple[str, AnyEvent]], *, base_dir: Path, project: str | None = None,
    size: int = EVENTS_PER_TRANSACTION,
) -> Iterator[InTransaction]:
    """Units of at most ``size`` events (each with where it came from), converted inside their transaction.

    A unit's converter reads run state and dataset versions from the store as
    the transaction sees it, so events of one run that reach two processes at
    once (two API replicas, an API and a CLI ingest) merge and never overwrite
    each other. Within a unit, events are converted in time order.
    """
    group: list[tuple[str, AnyEvent]] = []

    def unit(items: list[tuple[str, AnyEvent]]) -> InTransaction:
        ordered = sorted(items, key=lambda item: (event_time_key(item[1]), event_digest(item[1])))

        def work(reader: GraphLookup) -> list[Node | Edge | EdgeRemoval | IngestWarning]:
            converter = EventConverter(reader, base_dir=base_dir, project=project)
            return [r for where, event in ordered for r in converter.records(event, where)]

        return InTransaction(work, items[0][0] if len(items) == 1 else f"{items[0][0]} to {items[-1][0]}")

    for item in events:
        group.append(item)
        if len(group) >= size:
            yield unit(group)
            group = []
    if group:
        yield unit(group)


class OpenLineageIngestor:
    """Reads events from a JSON-lines file; every line is validated before anything is written.

    Events are written in time order whatever the order of the lines: the
    validating pass notes each line's time and offset (a few dozen bytes per
    event), the writing pass reads them back in that order. So a file gives the
    same graph however its lines are shuffled.
    """

    name = "openlineage"

    def __init__(self, path: Path, *, base_dir: Path, project: str | None = None) -> None:
        self.path = path
        self.base_dir = base_dir
        self.project = project

    def _open(self) -> Any:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise IngestError(f"cannot read OpenLineage events from {self.path}: {exc.strerror or exc}") from exc

    def _lines(self) -> Iterator[tuple[str, int, AnyEvent]]:
        """Each event with where it came from and its offset; the rules of ``ingest/formats.py`` apply per line."""
        from modelctx.ingest.formats import TextCheck, load_json, sniff_encoding

        with self._open() as handle:
            text: TextCheck | None = None
            offset = 0
            for number, raw in enumerate(handle, start=1):
                start, offset = offset, offset + len(raw)
                if text is None:
                    text = TextCheck(str(self.path), sniff_encoding(raw[:4]))
                line = text.feed(raw)
                if not line.strip():
                    continue
                where = f"{self.path}:{number}"
                yield where, start, parse_event(load_json(line.rstrip("\r\n"), where), where)

    def _in_time_order(self) -> Iterator[tuple[str, AnyEvent]]:
        from modelctx.ingest.formats import load_json, sniff_encoding

        with self._open() as handle:
            encoding = sniff_encoding(handle.read(4))
        if encoding not in ("utf-8", "utf-8-sig"):  # lines of UTF-16/32 cannot be read back one by one
            events = sorted(((where, event) for where, _, event in self._lines()),
                            key=lambda i: (event_time_key(i[1]), event_digest(i[1])))
            yield from events
            return
        order = sorted(((event_time_key(event), event_digest(event)), start, where)
                       for where, start, event in self._lines())
        with self._open() as handle:
            for _, start, where in order:
                handle.seek(start)
                raw = handle.readline().decode("utf-8-sig" if start == 0 else "utf-8", errors="strict")
                yield where, parse_event(load_json(raw.rstrip("\r\n"), where), where)

    def records(self) -> Iterator[Record]:
        yield from event_units(self._in_time_order(), base_dir=self.base_dir, project=self.project)


class EventIngestor:
    """Already-validated events (the HTTP endpoint's unit of work), written in one transaction."""

    name = "openlineage"

    def __init__(self, events: Iterable[AnyEvent], *, base_dir: Path | None = None, project: str | None = None) -> None:
        self._events = [(f"event {i}", event) for i, event in enumerate(events)]
        self._base_dir = base_dir or Path.cwd()
        self._project = project

    def records(self) -> Iterator[Record]:
        size = len(self._events) or 1
        yield from event_units(self._events, base_dir=self._base_dir, project=self._project, size=size)
