"""The provenance graph's domain model: node kinds, edge types and their rules.

This module is the code form of the graph tables in ``docs/design.md``. It knows nothing about storage.
Provenance follows W3C PROV: edges point from the later thing to what it came
from, so "upstream" is always the direction the edges point.

Conventions every writer follows (documented here because stores and search
rely on them):

- ``properties`` are JSON values. ``name`` is the human title of a node;
  ``description`` and ``text`` hold free text for search.
- ``source`` and ``source_id`` say where a node came from (mlflow, git, file,
  openlineage, sdk, api ...).
- ``project`` (a project name) scopes a node for access control; an
  ``IN_PROJECT`` edge to the Project node says the same in the graph.
- Source-specific detail goes in namespaced keys (``mlflow.tags``), not new
  core fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from modelctx.errors import ValidationError
from modelctx.graph.values import check_text, clean_properties


class NodeKind(StrEnum):
    """Node kinds; the value is the snake_case prefix of every id of that kind."""

    PROJECT = "project"
    PERSON = "person"
    CODE_REPO = "code_repo"
    COMMIT = "commit"
    DATASET = "dataset"
    DATASET_VERSION = "dataset_version"
    FEATURE = "feature"
    EXPERIMENT = "experiment"
    JOB = "job"
    RUN = "run"
    ENVIRONMENT = "environment"
    MODEL = "model"
    MODEL_VERSION = "model_version"
    REVIEW = "review"
    DEPLOYMENT = "deployment"
    MONITORING_REPORT = "monitoring_report"
    INSIGHT = "insight"

    @property
    def label(self) -> str:
        """The CamelCase label (Neo4j label, PROV type suffix)."""
        return "".join(part.capitalize() for part in self.value.split("_"))

    @property
    def code(self) -> int:
        """A small stable integer for compact storage (append-only order)."""
        return self._code  # type: ignore[attr-defined, no-any-return]

    @classmethod
    def from_code(cls, code: int) -> NodeKind:
        return _KINDS_BY_CODE[code]

    @classmethod
    def parse(cls, value: str) -> NodeKind:
        """Parse a kind given by a user as snake_case or CamelCase."""
        for kind in cls:
            if value in (kind.value, kind.label) or value.lower() == kind.value:
                return kind
        raise ValidationError(
            f"unknown node kind {value!r}; valid kinds: {', '.join(k.value for k in cls)}"
        )


class EdgeType(StrEnum):
    """Edge types; always pointing from the later thing to what it came from."""

    USED = "USED"
    GENERATED_BY = "GENERATED_BY"
    DERIVED_FROM = "DERIVED_FROM"
    VERSION_OF = "VERSION_OF"
    INSTANCE_OF = "INSTANCE_OF"
    PART_OF = "PART_OF"
    CHILD_OF = "CHILD_OF"
    PARENT = "PARENT"
    IN_REPO = "IN_REPO"
    REVIEWS = "REVIEWS"
    DEPLOYS = "DEPLOYS"
    MONITORS = "MONITORS"
    ABOUT = "ABOUT"
    ATTRIBUTED_TO = "ATTRIBUTED_TO"
    IN_PROJECT = "IN_PROJECT"

    @property
    def code(self) -> int:
        return self._code  # type: ignore[attr-defined, no-any-return]

    @classmethod
    def from_code(cls, code: int) -> EdgeType:
        return _TYPES_BY_CODE[code]

    @classmethod
    def parse(cls, value: str) -> EdgeType:
        """Parse an edge type given by a user, case-insensitively."""
        upper = value.upper().replace("-", "_")
        if upper in cls.__members__:
            return cls[upper]
        raise ValidationError(
            f"unknown edge type {value!r}; valid types: {', '.join(t.value for t in cls)}"
        )


# Codes are persisted by backends: only ever append to these tuples.
_KIND_ORDER: tuple[NodeKind, ...] = tuple(NodeKind)
_KINDS_BY_CODE = dict(enumerate(_KIND_ORDER))
_TYPE_ORDER: tuple[EdgeType, ...] = tuple(EdgeType)
_TYPES_BY_CODE = dict(enumerate(_TYPE_ORDER))
# Codes are also kept on the members: Enum hashing runs Python code, and the
# write path looks codes up once per record.
for _code, _kind in enumerate(_KIND_ORDER):
    object.__setattr__(_kind, "_code", _code)
for _code, _etype in enumerate(_TYPE_ORDER):
    object.__setattr__(_etype, "_code", _code)
_KIND_BY_PREFIX: dict[str, NodeKind] = {k.value: k for k in NodeKind}

ANY_KIND: frozenset[NodeKind] = frozenset(NodeKind)
K = NodeKind

#: Allowed (source kinds, target kinds) per edge type (the edge table of ``docs/design.md``).
EDGE_RULES: Mapping[EdgeType, tuple[frozenset[NodeKind], frozenset[NodeKind]]] = {
    EdgeType.USED: (
        frozenset({K.RUN}),
        frozenset({K.DATASET_VERSION, K.FEATURE, K.COMMIT, K.ENVIRONMENT, K.MODEL_VERSION}),
    ),
    EdgeType.GENERATED_BY: (
        frozenset({K.DATASET_VERSION, K.MODEL_VERSION, K.FEATURE, K.MONITORING_REPORT}),
        frozenset({K.RUN}),
    ),
    EdgeType.DERIVED_FROM: (
        frozenset({K.DATASET_VERSION, K.FEATURE}),
        frozenset({K.DATASET_VERSION}),
    ),
    EdgeType.VERSION_OF: (
        frozenset({K.DATASET_VERSION, K.MODEL_VERSION}),
        frozenset({K.DATASET, K.MODEL}),
    ),
    EdgeType.INSTANCE_OF: (frozenset({K.RUN}), frozenset({K.JOB})),
    EdgeType.PART_OF: (frozenset({K.RUN}), frozenset({K.EXPERIMENT})),
    EdgeType.CHILD_OF: (frozenset({K.RUN}), frozenset({K.RUN})),
    EdgeType.PARENT: (frozenset({K.COMMIT}), frozenset({K.COMMIT})),
    EdgeType.IN_REPO: (frozenset({K.COMMIT}), frozenset({K.CODE_REPO})),
    EdgeType.REVIEWS: (frozenset({K.REVIEW}), frozenset({K.MODEL_VERSION})),
    EdgeType.DEPLOYS: (frozenset({K.DEPLOYMENT}), frozenset({K.MODEL_VERSION})),
    EdgeType.MONITORS: (frozenset({K.MONITORING_REPORT}), frozenset({K.DEPLOYMENT})),
    EdgeType.ABOUT: (frozenset({K.INSIGHT}), ANY_KIND),
    EdgeType.ATTRIBUTED_TO: (ANY_KIND, frozenset({K.PERSON})),
    EdgeType.IN_PROJECT: (ANY_KIND, frozenset({K.PROJECT})),
}

# VERSION_OF pairs kinds: a dataset version belongs to a dataset, a model version to a model.
_VERSION_OF_PAIRS = {(K.DATASET_VERSION, K.DATASET), (K.MODEL_VERSION, K.MODEL)}

#: Edges that carry lineage; traversals use these unless told otherwise.
LINEAGE_EDGES: frozenset[EdgeType] = frozenset(
    {
        EdgeType.USED,
        EdgeType.GENERATED_BY,
        EdgeType.DERIVED_FROM,
        EdgeType.VERSION_OF,
        EdgeType.INSTANCE_OF,
        EdgeType.REVIEWS,
        EdgeType.DEPLOYS,
        EdgeType.MONITORS,
    }
)

#: Kinds that name things outside any project — a person, code, a software environment — so that
#: every project can point at the same node: a project-scoped writer never puts them into its project.
SHARED_KINDS: frozenset[NodeKind] = frozenset({K.PERSON, K.COMMIT, K.CODE_REPO, K.ENVIRONMENT})

#: Edges that are structure, not lineage: walked only when asked for by type.
STRUCTURE_EDGES: frozenset[EdgeType] = frozenset(EdgeType) - LINEAGE_EDGES


def kind_if_id(text: str) -> NodeKind | None:
    """The kind ``text`` names when it is a node id (``kind:natural-key``), else None: for input that may be an id
    or something else (a name, a path); :func:`kind_of_id` is the same rule for text that must be an id."""
    prefix, sep, rest = text.partition(":")
    return _KIND_BY_PREFIX.get(prefix) if sep and rest else None


def kind_of_id(node_id: str) -> NodeKind:
    """The kind encoded in a node id (the part before the first colon); ValidationError saying why when it is none."""
    kind = kind_if_id(node_id)
    if kind is not None:
        return kind
    prefix, sep, rest = node_id.partition(":")
    if not sep or not rest:
        raise ValidationError(f"malformed node id {node_id!r}: expected 'kind:natural-key'")
    raise ValidationError(
        f"malformed node id {node_id!r}: unknown kind {prefix!r}; "
        f"valid kinds: {', '.join(k.value for k in NodeKind)}"
    )


def _allowed_triples() -> frozenset[tuple[int, int, int]]:
    triples = set()
    for etype, (sources, targets) in EDGE_RULES.items():
        for s in sources:
            for t in targets:
                if etype is EdgeType.VERSION_OF and (s, t) not in _VERSION_OF_PAIRS:
                    continue
                triples.add((etype.code, s.code, t.code))
    return frozenset(triples)


# (type, source kind, target kind) codes: a set of int tuples is the fastest check.
_ALLOWED_TRIPLES = _allowed_triples()


def check_edge_kinds(etype: EdgeType, source_kind: NodeKind, target_kind: NodeKind) -> None:
    """Raise ValidationError unless ``etype`` may join the two kinds."""
    if (etype._code, source_kind._code, target_kind._code) not in _ALLOWED_TRIPLES:  # type: ignore[attr-defined]
        sources, targets = EDGE_RULES[etype]
        raise ValidationError(
            f"edge {etype.value} cannot go from {source_kind.label} to {target_kind.label}; "
            f"allowed: {', '.join(sorted(k.label for k in sources))} -> "
            f"{', '.join(sorted(k.label for k in targets))}"
        )


@dataclass(frozen=True, slots=True)
class Node:
    """A node record: its id (``kind:natural-key``), kind and JSON properties."""

    id: str
    kind: NodeKind
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, NodeKind):
            object.__setattr__(self, "kind", NodeKind.parse(str(self.kind)))
        if kind_of_id(self.id) is not self.kind:
            raise ValidationError(
                f"node id {self.id!r} does not match its kind {self.kind.value!r}"
            )

    def validate(self) -> Node:
        """This node with its properties in stored form (``graph/values.py``); ValidationError if not JSON."""
        check_text(self.id, "node id")
        props = clean_properties(self.properties, f"node {self.id}")
        return self if props is self.properties else Node(self.id, self.kind, props)

    @property
    def title(self) -> str:
        """A human title: the name property, else the natural key."""
        name = self.properties.get("name")
        return str(name) if name else self.id.partition(":")[2]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind.value, "properties": self.properties}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Node:
        return cls(str(data["id"]), NodeKind.parse(str(data["kind"])), dict(data.get("properties") or {}))


@dataclass(frozen=True, slots=True)
class Edge:
    """An edge record from ``source`` (the later thing) to ``target`` (what it came from)."""

    source: str
    target: str
    type: EdgeType
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.type, EdgeType):
            object.__setattr__(self, "type", EdgeType.parse(str(self.type)))

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of an edge: at most one edge of a type joins two nodes."""
        return (self.source, self.type, self.target)  # a StrEnum member hashes as its value

    def validate(self) -> Edge:
        """This edge with its properties in stored form; ValidationError for bad endpoint kinds or non-JSON."""
        source, target = self.source, self.target
        # kind_of_id and check_edge_kinds, inlined for the common case (this runs once per edge of a bulk write);
        # they decide, and raise, whenever an id or the pair of kinds is not plainly valid.
        prefix, _, rest = source.partition(":")
        source_kind = _KIND_BY_PREFIX.get(prefix) if rest else None
        prefix, _, rest = target.partition(":")
        target_kind = _KIND_BY_PREFIX.get(prefix) if rest else None
        if source_kind is None or target_kind is None or (
            self.type._code, source_kind._code, target_kind._code  # type: ignore[attr-defined]
        ) not in _ALLOWED_TRIPLES:
            check_edge_kinds(self.type, kind_of_id(source), kind_of_id(target))
        if not (source.isascii() and target.isascii()):  # check_text's own test, inlined for bulk writes
            check_text(source, "edge source")
            check_text(target, "edge target")
        if not self.properties:
            return self
        props = clean_properties(self.properties, lambda: f"edge {self.source} -{self.type.value}-> {self.target}")
        return self if props is self.properties else Edge(self.source, self.target, self.type, props)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "type": self.type.value,
            "properties": self.properties,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Edge:
        return cls(
            str(data["source"]),
            str(data["target"]),
            EdgeType.parse(str(data["type"])),
            dict(data.get("properties") or {}),
        )


@dataclass(frozen=True, slots=True)
class EdgeRemoval:
    """A request, in a write batch, to remove the edge with this key (``GraphStore.write``).

    Removing is rare: a record that a later fact shows to be wrong (a run's
    USED edge re-pointed when an earlier write of what it read arrives late,
    ``ingest/openlineage.py``). It is logged like any write (``remove_edges``
    entries), so the graph of any past time can still be replayed.
    """

    source: str
    target: str
    type: EdgeType

    def __post_init__(self) -> None:
        if not isinstance(self.type, EdgeType):
            object.__setattr__(self, "type", EdgeType.parse(str(self.type)))

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.type, self.target)

    def validate(self) -> EdgeRemoval:
        """This removal, checked like an edge's endpoints (ValidationError for an impossible key)."""
        check_edge_kinds(self.type, kind_of_id(self.source), kind_of_id(self.target))
        check_text(self.source, "edge source")
        check_text(self.target, "edge target")
        return self

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "type": self.type.value}


@dataclass(slots=True)
class Subgraph:
    """Nodes and the edges among them, as returned by traversals."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return {n.id for n in self.nodes}

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "edges": [e.to_json() for e in self.edges],
        }


def parse_edge_types(values: Iterable[str] | None) -> frozenset[EdgeType] | None:
    """Parse user-given edge type names; None stays None (the default set)."""
    if values is None:
        return None
    return frozenset(EdgeType.parse(v) if not isinstance(v, EdgeType) else v for v in values)


_CANONICAL = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}
_CANONICAL_ACYCLIC = json.JSONEncoder(**_CANONICAL, check_circular=False).encode  # type: ignore[arg-type]


def canonical_json(value: Any, *, acyclic: bool = False) -> str:
    """JSON with sorted keys and no spaces: the form that is hashed and compared.

    ``acyclic`` skips the encoder's check for reference cycles, for values that cannot hold one (validated
    records: ``graph/values.py`` refuses values nested deeper than ``MAX_DEPTH``); the text is the same, and the
    check was about a sixth of encoding a bulk write's change-log entries.
    """
    if acyclic:
        return _CANONICAL_ACYCLIC(value)
    return json.dumps(value, **_CANONICAL)  # type: ignore[arg-type]
