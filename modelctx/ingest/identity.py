"""The dataset identity rule: one place decides which DatasetVersion a dataset mention is.

Files ingested from disk, MLflow dataset inputs and OpenLineage datasets name
the same data in different ways (a path, a source JSON with a relative path, a
``(namespace, name)`` pair). Every ingestor that makes DatasetVersion nodes
from a location goes through :class:`DatasetIdentity`, so the three meet at
one node:

1. **Location → URI.** A local path (relative ones resolved against the
   ``--base-dir`` the user gives, default the current directory) becomes
   ``file://`` + the resolved absolute path, exactly as the file ingestor
   records ``uri``; a file on another host keeps its host (:func:`file_uri`).
   An OpenLineage ``(namespace, name)`` follows the OpenLineage naming spec
   (:func:`openlineage_uri`): ``file`` names a path, ``s3://bucket`` or
   ``postgres://host:5432`` give ``namespace/name`` with the scheme and
   authority lower-cased, a namespace without a scheme keeps its case.
2. **Look the URI up in the graph.** If a stored DatasetVersion has that
   ``uri`` and the mention's content digest, it is that node. A digest that
   one stored version carries (any URI: the same bytes moved) also decides.
   Otherwise a stored version with that ``uri`` is reused — the newest when
   there are several (the file changed), since a mention without a comparable
   digest cannot tell them apart.
3. **Otherwise create** ``node_id("dataset_version", dataset_name, key)`` where
   ``key`` is the hex of a ``sha256:`` digest (the file ingestor's key, so a
   later ingest of the same bytes under the same name merges), ``algo-hex``
   for other digests, else ``uri-`` + the first 16 hex digits of the SHA-256
   of the URI.

Who sets the core properties (``uri``, ``digest``, ``rows``, ``columns`` …):

* **The file ingestor** (source ``file``, :data:`CONTENT_SOURCE`) read the
  bytes, so it is authoritative for what they are: on a version another source
  made (an OpenLineage or MLflow mention of the same ``uri``) it sets every core
  property, ``source`` becomes ``file``, the other source's digest is kept as
  ``<source>.digest``, and the version gains a VERSION_OF edge to the file's
  dataset. Ingest order therefore does not matter. It does not adopt a version
  another *file* ingest made under another dataset name: the same bytes under
  two names stay two versions, as ``dataset_version:<name>/<sha256>`` says.
* **Every other source** sets core properties only on versions it created; on
  another source's version it adds namespaced properties
  (``openlineage.columns``) and edges, never overwriting.

A run that *reads* a file (``run.use(path)``, ``modelctx/training/datasets.py``)
names no dataset, it reads bytes: a stored version with the file's SHA-256 is
the node, whatever dataset it was ingested under (:func:`stored_content_version`);
only when none is does the file ingestor make one.

Ingestors read the graph only through
:class:`~modelctx.ingest.lookup.GraphLookup`, the read-only slice of the store
protocol that the CLI and the API fill with the store itself.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.refs import ALIAS_OF
from modelctx.ingest.lookup import GraphLookup, empty_lookup

#: The source that reads a dataset's bytes: authoritative for its core properties wherever it lands.
CONTENT_SOURCE = "file"
#: How many stored versions of one URI the lookup considers.
LOOKUP_LIMIT = 1000
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1", "[::1]"})


def path_uri(path: str | Path, base_dir: Path) -> str:
    """``file://`` + the resolved absolute path; relative paths resolve against ``base_dir``."""
    return _resolved_uri(str(path), str(base_dir))


@lru_cache(maxsize=8192)
def _resolved_uri(path: str, base_dir: str) -> str:
    # Resolving walks the file system (symlinks); event streams name the same few paths over and over.
    candidate = Path(path).expanduser() if path.startswith("~") else Path(path)
    if not candidate.is_absolute():
        candidate = Path(base_dir) / candidate
    try:
        return "file://" + str(candidate.resolve())
    except (OSError, ValueError, RuntimeError):  # a name no file system accepts (NUL byte, symlink loop)
        return "file://" + os.path.normpath(str(candidate))


def location_uri(location: str, base_dir: Path) -> str:
    """Normalise a path or URI as written by any source (rule step 1)."""
    text = location.strip()
    if text.lower().startswith("file:"):
        if text[5:7] != "//":  # file:relative and file:/abs name a local path
            return path_uri(unquote(text[5:]) or "/", base_dir)
        authority, _, path = text[7:].partition("/")
        return file_uri(authority, "/" + unquote(path.split("#", 1)[0].split("?", 1)[0]), base_dir)
    if not _SCHEME.match(text) or _WINDOWS_DRIVE.match(text):
        return path_uri(text, base_dir)
    return normalise_uri(text)


def file_uri(host: str, path: str, base_dir: Path) -> str:
    """A file on this machine (no host, ``localhost``) is its resolved path; a file on another host keeps the host.

    Two machines' ``/data/x.csv`` are two datasets (OpenLineage naming spec:
    the ``file`` namespace is ``file://{host}``); only this machine's paths can
    be resolved, so only they meet the file ingestor's ``uri``.
    """
    name = host.rpartition("@")[2].strip().lower()
    if name in _LOCAL_HOSTS:
        return path_uri(path or "/", base_dir)
    return f"file://{name}/{_fold_slashes(path).lstrip('/')}"


def _fold_slashes(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/") if len(path) > 1 else path


def normalise_authority(authority: str) -> str:
    """Host part(s) lower-cased, any password dropped; ports and host lists (``h1:3306,h2:3306``) kept as written.

    Never parses a port: OpenLineage namespaces carry broker lists and
    placeholders (``database://host:port``) that no URL parser accepts.
    """
    user, at, hosts = authority.rpartition("@")
    user = user.partition(":")[0]
    return f"{user}@{hosts.lower()}" if at and user else hosts.lower()


def normalise_uri(uri: str) -> str:
    """Lower-case scheme and host, fold duplicate slashes, drop a trailing slash, any password and fragment."""
    scheme, _, rest = uri.partition("://")
    rest = rest.partition("#")[0]
    rest, question, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    tail = _fold_slashes(slash + path) if slash else ""
    return f"{scheme.lower()}://{normalise_authority(authority)}{tail}{question}{query}"


def openlineage_uri(namespace: str, name: str, base_dir: Path) -> str:
    """The URI of an OpenLineage dataset ``(namespace, name)`` (rule step 1), per the OpenLineage naming spec.

    ``scheme://authority`` namespaces lower-case the scheme and authority and
    keep the name as written (``#`` and ``?`` included: they are part of names
    such as Kafka topics and partitions); ``file`` namespaces name a local path
    unless they carry another host (:func:`file_uri`); namespaces without a
    scheme are opaque labels and keep their case. Never raises.
    """
    ns = namespace.strip()
    scheme, sep, authority = ns.partition("://")
    if not sep:
        if ns.lower() == "file" or ns.lower().startswith("file:"):
            return path_uri(name, base_dir)
        return f"{ns}:{name.strip()}"
    authority, _, prefix = authority.partition("/")
    if scheme.lower() == "file":
        return file_uri(authority, f"/{prefix.strip('/')}/{name.lstrip('/')}" if prefix.strip("/") else name, base_dir)
    path = _fold_slashes("/".join(p.strip("/") for p in (prefix, name) if p.strip("/")))
    return f"{scheme.lower()}://{normalise_authority(authority)}/{path}"


def dataset_id_for_uri(uri: str) -> str:
    """The Dataset a URI names by default (before aliases: :meth:`DatasetIdentity.canonical_uri`)."""
    return node_id(NodeKind.DATASET, dataset_name_for_uri(uri))


def normalise_digest(digest: str | None, algorithm: str | None = None) -> str | None:
    """``algo:hex`` (lower case); a bare 64-hex digest is taken as SHA-256."""
    if digest is None or not str(digest).strip():
        return None
    text = str(digest).strip()
    if ":" in text:
        algo, _, value = text.partition(":")
        return f"{algo.lower()}:{value.lower()}"
    if algorithm:
        return f"{algorithm.lower()}:{text.lower()}"
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return f"sha256:{text.lower()}"
    return f"unknown:{text.lower()}"


def version_key(digest: str | None, uri: str | None) -> str:
    """The natural-key part that tells versions of one dataset apart (rule step 3)."""
    if digest:
        algo, _, value = digest.partition(":")
        return value if algo == "sha256" else f"{algo}-{value}"
    if uri:
        return "uri-" + hashlib.sha256(uri.encode()).hexdigest()[:16]
    raise ValueError("a dataset version needs a digest or a URI")


def keyed_version_id(dataset_name: str, key: str) -> str:
    """The version a writer names (rule step 4): ``dataset_version:<name>/<key>``, key from a version facet or run."""
    return node_id(NodeKind.DATASET_VERSION, dataset_name, key)


def dataset_name_for_uri(uri: str) -> str:
    """A default dataset name for a URI: the absolute path (without its leading slash) for files, else the URI."""
    if uri.startswith("file://"):
        return uri[len("file://"):].lstrip("/") or uri
    return uri


@dataclass(frozen=True, slots=True)
class DatasetMention:
    """What a source says about a dataset it read or wrote.

    ``properties`` are the core properties the source would give a version it
    creates; ``namespaced`` the source-specific ones it adds to any version.
    """

    name: str
    source: str
    uri: str | None = None
    digest: str | None = None
    source_id: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    namespaced: Mapping[str, Any] = field(default_factory=dict)
    dataset_properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DatasetMatch:
    """The node a mention resolved to and the records that create or enrich it."""

    version_id: str
    existing: bool
    nodes: list[Node]
    edges: list[Edge]


class DatasetIdentity:
    """Resolves dataset mentions to DatasetVersion ids, remembering what it decided in this ingest."""

    def __init__(self, reader: GraphLookup | None, *, project: str | None = None) -> None:
        self._reader: GraphLookup = reader if reader is not None else empty_lookup()
        self._project = project
        self._by_uri: dict[tuple[str, str | None], Node] = {}
        self._by_digest: dict[str, Node] = {}
        #: Per URI, every version known (stored or made in this ingest): id → (written_at, written_by).
        self._writes: dict[str, dict[str, tuple[str | None, str | None]]] = {}
        self._made: dict[str, Node] = {}
        #: Alias URI -> the URI of the dataset it names (symlinks), as stored or learned in this ingest.
        self._aliases: dict[str, str] = {}

    # -- aliases (symlinks) ----------------------------------------------------------------------

    def canonical_uri(self, uri: str) -> str:
        """The URI of the dataset ``uri`` names: itself, or the dataset it is an alias of (a symlink)."""
        if uri not in self._aliases:
            ident = dataset_id_for_uri(uri)
            node = self._reader.get_nodes([ident]).get(ident)
            target = node.properties.get("alias_uri") if node is not None and node.properties.get(ALIAS_OF) else None
            self._aliases[uri] = str(target) if isinstance(target, str) and target != uri else uri
        return self._aliases[uri]

    def alias_records(self, uri: str, aliases: list[str], source: str) -> list[Node]:
        """Dataset nodes naming ``uri``'s dataset under other names (an OpenLineage ``symlinks`` facet).

        Each alias becomes a Dataset whose :data:`~modelctx.graph.refs.ALIAS_OF`
        is that dataset, so a later mention of the alias (``canonical_uri``)
        and a reference to it (``graph/refs.py``) land on the one dataset. A
        dataset already stored under the alias name with versions of its own
        (seen before the symlink was) is left as it is.
        """
        target = dataset_id_for_uri(uri)
        made = []
        for alias in sorted(set(aliases) - {uri}):
            ident = dataset_id_for_uri(alias)
            if ident == target or self.canonical_uri(alias) not in (alias, uri):
                continue
            stored = self._reader.get_nodes([ident]).get(ident)
            if stored is not None and not stored.properties.get(ALIAS_OF):
                continue
            self._aliases[alias] = uri
            props: dict[str, Any] = {"name": dataset_name_for_uri(alias), ALIAS_OF: target, "alias_uri": uri,
                                     "source": source, "source_id": alias}
            if self._project:
                props["project"] = self._project
            made.append(Node(ident, NodeKind.DATASET, props))
        return made

    # -- versions per write (rule step 4) ------------------------------------------------------

    def resolve_write(self, mention: DatasetMention, key: str, *, written_at: str, by: str) -> DatasetMatch:
        """The version one completed write made: ``dataset_version:<name>/<key>``, stamped with its time and run.

        ``key`` comes from the writer (a version facet, else its run), so every
        event of the write, in any order, lands on the same node; ``written_at``
        (an ISO time as :func:`modelctx.times.format_iso` writes it, so strings
        compare as times) and ``written_by`` (the run's id) are what
        :meth:`resolve_read` chooses by.
        """
        version_id = keyed_version_id(mention.name, key)
        stamp = {"written_at": written_at, "written_by": by}
        stamped = DatasetMention(
            name=mention.name, source=mention.source, uri=mention.uri, digest=mention.digest,
            source_id=mention.source_id, properties={**mention.properties, **stamp},
            namespaced=mention.namespaced, dataset_properties=mention.dataset_properties,
        )
        known = self._known(mention.uri)
        stored = self._reader.get_nodes([version_id]).get(version_id) if version_id not in self._made else None
        if stored is None and version_id not in self._made and mention.uri and mention.uri.startswith("file://"):
            # The file rule: bytes the file ingestor read at this path, claimed by no other write, are this write's.
            for vid, (_, writer) in known.items():
                node = self._made.get(vid) or self._reader.get_nodes([vid]).get(vid)
                if node is not None and node.properties.get("source") == CONTENT_SOURCE and writer in (None, by):
                    version_id, stored = vid, node
                    break
        if mention.uri is not None:
            self._writes.setdefault(mention.uri, {})[version_id] = (written_at, by)
        if version_id in self._made or stored is not None:
            node = self._made.get(version_id) or stored
            assert node is not None
            match = self._enrich(node, stamped)
            nodes = [*match.nodes, Node(version_id, NodeKind.DATASET_VERSION, stamp)]
            self._made[version_id] = Node(version_id, NodeKind.DATASET_VERSION, {**self._made[version_id].properties,
                                                                                  **stamp})
            dataset_nodes, edges = self._own_dataset(node, mention)
            return DatasetMatch(version_id, True, [*dataset_nodes, *nodes], edges)
        return self._create(stamped, version_id)

    def resolve_read(
        self, mention: DatasetMention, at: str, *, key: str | None = None, not_by: str | None = None
    ) -> DatasetMatch:
        """The version a reader that started at ``at`` read: the one a write made last at or before ``at``.

        ``key`` (the reader's version facet) names the version outright.
        Versions written by ``not_by`` (the reader itself: a MERGE reads what
        was there before it wrote) are skipped. With no write known, the
        version made without one (a file ingest, or a mention: rule steps 2–3)
        is it. The reader's core properties only fill what the version lacks:
        the writer described it first.

        A dataset that is read has a version made without a write (the one
        before any write known), whenever its reads arrive: so which versions
        exist does not depend on whether a reader's events came before or after
        the writes it follows (``ingest/openlineage.py`` re-points such a reader).
        """
        if key is not None:
            version_id = keyed_version_id(mention.name, key)
            node = self._made.get(version_id) or self._reader.get_nodes([version_id]).get(version_id)
            if node is None:
                return self._create(mention, version_id)
            return self._fill(node, mention)
        known = self._known(mention.uri)
        made: list[Node] = []
        edges: list[Edge] = []
        if not any(when is None for when, _ in known.values()):
            base = self._create(DatasetMention(name=mention.name, source=mention.source, uri=mention.uri,
                                               digest=mention.digest, source_id=mention.source_id,
                                               namespaced=mention.namespaced,
                                               dataset_properties=mention.dataset_properties))
            made, edges = base.nodes, base.edges
        chosen = self.current_version(mention.uri, at, not_by=not_by)
        node = (self._made.get(chosen) or self._reader.get_nodes([chosen]).get(chosen)) if chosen else None
        if node is None:
            return self._create(mention)
        match = self._fill(node, mention)
        return DatasetMatch(match.version_id, match.existing, [*made, *match.nodes], [*edges, *match.edges])

    def current_version(self, uri: str | None, at: str, *, not_by: str | None = None) -> str | None:
        """The version of ``uri`` a reader that started at ``at`` reads (``resolve_read``'s choice), if any.

        The one written last at or before ``at`` (ties: the greatest id), not by
        ``not_by``; else the newest version made without a write.
        """
        known = self._known(uri)
        written = [(when, vid) for vid, (when, by) in known.items()
                   if when is not None and when <= at and (not_by is None or by != not_by)]
        if written:
            return max(written)[1]
        unwritten = [vid for vid, (when, _) in known.items() if when is None]
        return unwritten[-1] if unwritten else None

    def uri_of(self, version_id: str) -> str | None:
        """The ``uri`` of a version made in this ingest or stored."""
        node = self._made.get(version_id) or self._reader.get_nodes([version_id]).get(version_id)
        uri = node.properties.get("uri") if node is not None else None
        return str(uri) if uri is not None else None

    def versions_before(self, uri: str | None, at: str, count: int) -> list[str]:
        """The ``count`` versions of ``uri`` written last at or before ``at``, newest first, then the unwritten ones."""
        known = self._known(uri)
        written = sorted(((when, vid) for vid, (when, _) in known.items() if when is not None and when <= at),
                         reverse=True)
        return [vid for _, vid in written[:count]] + [vid for vid, (when, _) in known.items() if when is None]

    def _known(self, uri: str | None) -> dict[str, tuple[str | None, str | None]]:
        if uri is None:
            return {}
        if uri not in self._writes:
            found = self._writes.setdefault(uri, {})
            for node in self._reader.iter_nodes(NodeKind.DATASET_VERSION, {"uri": uri}):
                found[node.id] = (node.properties.get("written_at"), node.properties.get("written_by"))
        return self._writes[uri]

    def _fill(self, node: Node, mention: DatasetMention) -> DatasetMatch:
        absent = {k: v for k, v in mention.properties.items() if k not in node.properties}
        reader = DatasetMention(name=mention.name, source=mention.source, uri=mention.uri, digest=mention.digest,
                                source_id=mention.source_id, properties=absent, namespaced=mention.namespaced,
                                dataset_properties=mention.dataset_properties)
        match = self._enrich(node, reader)
        dataset_nodes, edges = self._own_dataset(node, mention)
        return DatasetMatch(node.id, True, [*dataset_nodes, *match.nodes], edges)

    def _own_dataset(self, node: Node, mention: DatasetMention) -> tuple[list[Node], list[Edge]]:
        """The Dataset records of a version this source made; another source's version keeps its own Dataset."""
        if node.properties.get("source") != mention.source:
            return [], []
        return self._dataset_records(node.id, mention)

    def resolve(self, mention: DatasetMention) -> DatasetMatch:
        """Apply the identity rule (module docstring) and return the records to write."""
        found = self._find(mention.uri, mention.digest)
        if found is not None and self._may_adopt(found, mention):
            return self._enrich(found, mention)
        return self._create(mention)

    @staticmethod
    def _may_adopt(node: Node, mention: DatasetMention) -> bool:
        """False when a file ingest would land on another file ingest's version of another dataset."""
        if mention.source != CONTENT_SOURCE or node.properties.get("source") != CONTENT_SOURCE:
            return True
        if node.properties.get("dataset") == mention.name:  # includes versions it adopted
            return True
        return node.id == node_id(NodeKind.DATASET_VERSION, mention.name, version_key(mention.digest, mention.uri))

    def _find(self, uri: str | None, digest: str | None) -> Node | None:
        if uri is not None and (uri, digest) in self._by_uri:
            return self._by_uri[(uri, digest)]
        if digest is not None and digest in self._by_digest:
            return self._by_digest[digest]
        if digest is not None:
            if uri is not None:
                same = self._reader.find_nodes(NodeKind.DATASET_VERSION, {"uri": uri, "digest": digest}, limit=1)
                if same:
                    return self._remember(same[0], uri, digest)
            by_digest = self._reader.find_nodes(NodeKind.DATASET_VERSION, {"digest": digest}, limit=2)
            if len(by_digest) == 1:
                return self._remember(by_digest[0], uri, digest)
        if uri is None:
            return None
        if (uri, None) in self._by_uri:
            return self._by_uri[(uri, None)]
        stored = self._reader.find_nodes(NodeKind.DATASET_VERSION, {"uri": uri}, limit=LOOKUP_LIMIT)
        if not stored:
            return None
        if digest is not None:
            # A stored version of this URI with another digest of the same algorithm is other content.
            algo = digest.partition(":")[0] + ":"
            stored = [n for n in stored if not str(n.properties.get("digest") or "").startswith(algo)]
            if not stored:
                return None
        return self._remember(stored[-1], uri, digest)

    def _remember(self, node: Node, uri: str | None, digest: str | None) -> Node:
        if uri is not None:
            self._by_uri[(uri, digest)] = node
            self._by_uri.setdefault((uri, None), node)
        if digest is not None:
            self._by_digest[digest] = node
        return node

    def _enrich(self, node: Node, mention: DatasetMention) -> DatasetMatch:
        stored_source = node.properties.get("source")
        if mention.source == CONTENT_SOURCE and stored_source != CONTENT_SOURCE:
            return self._adopt(node, mention)
        properties: dict[str, Any] = dict(mention.namespaced)
        if stored_source == mention.source:
            properties.update(self._core(mention))
            properties.pop("uri", None)
            properties.pop("digest", None)
        # A placeholder (made from a mention without a content digest) learns the SHA-256 and location.
        if mention.digest is not None and mention.digest.startswith("sha256:") and not node.properties.get("digest"):
            properties["digest"] = mention.digest
        if mention.uri is not None and not node.properties.get("uri"):
            properties["uri"] = mention.uri
        nodes = [Node(node.id, NodeKind.DATASET_VERSION, properties)] if properties else []
        merged = {k: v for k, v in {**node.properties, **properties}.items() if v is not None}
        self._made[node.id] = Node(node.id, NodeKind.DATASET_VERSION, merged)
        return DatasetMatch(node.id, True, nodes, [])

    def _adopt(self, node: Node, mention: DatasetMention) -> DatasetMatch:
        """The file ingestor lands on a version another source named: its core properties win."""
        properties: dict[str, Any] = {**mention.namespaced, **self._core(mention)}
        stored_digest = node.properties.get("digest")
        if stored_digest and stored_digest != mention.digest and node.properties.get("source"):
            properties[f"{node.properties['source']}.digest"] = stored_digest
        version = Node(node.id, NodeKind.DATASET_VERSION, properties)
        dataset_nodes, edges = self._dataset_records(node.id, mention)
        self._remember(version, mention.uri, mention.digest)
        return DatasetMatch(node.id, True, [*dataset_nodes, version], edges)

    def _core(self, mention: DatasetMention) -> dict[str, Any]:
        core: dict[str, Any] = {"name": mention.name, **mention.properties, "source": mention.source}
        core["source_id"] = mention.source_id or mention.uri or mention.name
        if mention.uri is not None:
            core["uri"] = mention.uri
        if mention.digest is not None:
            core["digest"] = mention.digest
        if mention.source == CONTENT_SOURCE:
            core["dataset"] = mention.name
        if self._project:
            core["project"] = self._project
        return core

    def _create(self, mention: DatasetMention, version_id: str | None = None) -> DatasetMatch:
        if version_id is None:
            version_id = node_id(NodeKind.DATASET_VERSION, mention.name, version_key(mention.digest, mention.uri))
        version = Node(version_id, NodeKind.DATASET_VERSION, {**self._core(mention), **mention.namespaced})
        dataset_nodes, edges = self._dataset_records(version_id, mention)
        self._made[version_id] = version
        if mention.uri is not None:
            props = version.properties
            self._known(mention.uri).setdefault(version_id, (props.get("written_at"), props.get("written_by")))
        self._remember(version, mention.uri, mention.digest)
        return DatasetMatch(version_id, False, [*dataset_nodes, version], edges)

    def _dataset_records(self, version_id: str, mention: DatasetMention) -> tuple[list[Node], list[Edge]]:
        """The Dataset a version belongs to (unless another source made it) and the VERSION_OF edge."""
        dataset_id = node_id(NodeKind.DATASET, mention.name)
        dataset_props: dict[str, Any] = {"name": mention.name, **mention.dataset_properties}
        if self._project:
            dataset_props["project"] = self._project
        stored_dataset = self._reader.get_nodes([dataset_id]).get(dataset_id)
        nodes = []
        if stored_dataset is None or stored_dataset.properties.get("source") == mention.source:
            dataset_props.setdefault("source", mention.source)
            dataset_props.setdefault("source_id", mention.name)
            nodes.append(Node(dataset_id, NodeKind.DATASET, dataset_props))
        return nodes, [Edge(version_id, dataset_id, EdgeType.VERSION_OF)]


def stored_content_version(
    reader: GraphLookup, digest: str, *, uri: str | None = None, dataset: str | None = None
) -> Node | None:
    """The stored DatasetVersion holding the bytes with ``digest``, whatever dataset it belongs to.

    The same bytes ingested under two names are two versions (rule above); a
    reader of those bytes then takes the version of ``dataset`` when one is,
    else the one at ``uri``, else the oldest.
    """
    found = reader.find_nodes(NodeKind.DATASET_VERSION, {"digest": digest}, limit=LOOKUP_LIMIT)
    for wanted, key in ((dataset, "dataset"), (uri, "uri")):
        chosen = [n for n in found if wanted is not None and n.properties.get(key) == wanted]
        if chosen:
            return chosen[0]
    return found[0] if found else None


def file_dataset_version(
    path: str | Path, name: str, sha256_hex: str, base_dir: Path, reader: GraphLookup | None = None
) -> DatasetMatch:
    """The DatasetVersion of a file read from disk, as the file ingestor records it.

    Same id (``dataset_version:<name>/<sha256>``) and ``uri``/``digest`` as
    the file ingestor, for callers (tests, the SDK) that record a file without
    reading its statistics.
    """
    uri = path_uri(path, base_dir)
    mention = DatasetMention(
        name=name, source="file", uri=uri, digest=f"sha256:{sha256_hex.lower()}", source_id=uri,
    )
    return DatasetIdentity(reader).resolve(mention)
