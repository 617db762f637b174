"""The team store: a Neo4j server (or cluster, or Aura) through the official driver.

``neo4j://user:password@host:7687/database`` (also ``bolt://``, ``neo4j+s://`` …).
Semantics are those of every GraphStore (``tests/contract/`` is the
specification); the shared batch rules (``graph/batch.py``) and hash chain
(``graph/changelog.py``) run here exactly as in the SQLite backend. Choices:

- One transaction per ``write``: it first writes to the single ``ChangeLogHead``
  node, which takes that node's lock, so concurrent writers (other processes,
  other API replicas) queue there and the change log never forks. Then it reads
  what the batch touches, computes the merge in Python, and sends ``UNWIND``
  batches (nodes, edges, change-log entries) in the same transaction.
- Labels and relationship types come from the model enums only; every statement
  is a named constant of ``neo4j_cypher``. The write transaction itself lives in
  ``neo4j_writes``.
- Traversal is one bounded variable-length pattern over literal relationship
  types (``?traversal=varlength``, the default), which Neo4j plans as a pruning
  breadth-first expand that keeps each node's shortest depth; or breadth-first
  with one query per level (``?traversal=bfs``). ``bench/store_bench_neo4j.py``
  measures both: the single query is several times faster.
- Reads that can return many rows return one record of lists: the driver's
  per-record cost is far above the server's.
- Driver errors become BackendUnavailable (cannot connect or authenticate),
  ConflictError (a uniqueness constraint) or BackendError, naming the URI
  without its password and what failed.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from modelctx.errors import BackendError, BackendUnavailable, ConfigError, ConflictError
from modelctx.graph.backends import NEO4J_SCHEMES
from modelctx.graph.backends import neo4j_cypher as cy
from modelctx.graph.backends.neo4j_writes import BatchWriter, append_records, chunks
from modelctx.graph.batch import PreparedBatch
from modelctx.graph.changelog import Change, VerifyResult, WriteResult, verify_chain
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import Direction, EdgeDirection, GraphStore, NodeQuery, missing_start, redact_uri
from modelctx.graph.values import INT64_MAX

if TYPE_CHECKING:
    from neo4j import Driver, ManagedTransaction

    from modelctx.graph.backends.neo4j_search import Neo4jSearchDocs
    from modelctx.graph.backends.neo4j_verify import Neo4jScan
    from modelctx.graph.credentials import TokenTable

T = TypeVar("T")

_CHANGES_PAGE = 5000
_TRAVERSALS = ("varlength", "bfs")
#: The integer and the float Cypher's ``=`` confuses (see ``_find_nodes``).
_SATURATING = (INT64_MAX, float(2**63))


#: Optional modules the driver imports eagerly when installed (2-3 s) for data-frame results we never ask for.
_DRIVER_EXTRAS = ("numpy", "pandas", "pyarrow", "pyarrow.compute")


def import_driver() -> ModuleType:
    """The ``neo4j`` driver module, imported without its numpy/pandas/pyarrow conversions.

    With the ``all`` extras installed they would make every ``--store neo4j://``
    command start seconds later. Modules already imported are left alone.
    """
    # The driver logs connection failures it also raises; without a handler of its own, Python's
    # last-resort handler would print them to stderr beside our one-line error.
    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    if "neo4j" in sys.modules:
        return sys.modules["neo4j"]
    masked = [name for name in _DRIVER_EXTRAS if name not in sys.modules]
    for name in masked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        import neo4j
    finally:
        for name in masked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    return neo4j


class Neo4jGraphStore(GraphStore):
    """GraphStore on a Neo4j 5 server (``neo4j://user:pass@host:7687[/database]``)."""

    def __init__(
        self,
        address: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        traversal: str = "varlength",
        display_uri: str | None = None,
    ) -> None:
        if traversal not in _TRAVERSALS:
            raise ConfigError(f"unknown traversal engine {traversal!r}; valid: {', '.join(_TRAVERSALS)}")
        self.uri = redact_uri(display_uri or address)
        self.database = database or None
        self.traversal = traversal
        self._closed = False
        driver_module = import_driver()

        auth = (user or "neo4j", password or "") if (user or password) else None
        try:
            # Notifications (e.g. "relationship type does not exist yet" for types no edge uses) are noise here.
            self._driver: Driver = driver_module.GraphDatabase.driver(
                address, auth=auth, notifications_min_severity=driver_module.NotificationMinimumSeverity.OFF
            )
        except Exception as exc:  # the driver raises ValueError/ConfigurationError for bad URIs
            raise ConfigError(f"cannot use the Neo4j URI {self.uri}: {exc}") from exc
        try:
            with self._translate("connecting"):
                self._driver.verify_connectivity()
            self._ensure_schema()
        except BaseException:
            self._driver.close()
            raise

    @classmethod
    def from_uri(cls, uri: str) -> Neo4jGraphStore:
        """Parse ``scheme://user:pass@host:port[/database][?traversal=varlength|bfs]``."""
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if scheme not in NEO4J_SCHEMES:
            raise ConfigError(f"{redact_uri(uri)!r} is not a Neo4j URI; valid schemes: {', '.join(NEO4J_SCHEMES)}")
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"bad port in store URI {redact_uri(uri)!r}: {exc}") from exc
        if not parts.hostname:
            raise ConfigError(f"store URI {redact_uri(uri)!r} needs a host, as in neo4j://user:pass@localhost:7687")
        database = parts.path.strip("/") or None
        if database is not None and "/" in database:
            raise ConfigError(f"store URI {redact_uri(uri)!r}: the path names one database, as in /neo4j")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(options) - {"traversal"}
        if unknown:
            raise ConfigError(f"unknown option(s) {sorted(unknown)} in store URI {redact_uri(uri)!r}; valid: traversal")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        address = urlunsplit((scheme, f"{host}:{port}" if port else host, "", "", ""))
        return cls(
            address,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            database=database,
            traversal=options.get("traversal", "varlength"),
            display_uri=uri,
        )

    # -- connections, errors and schema ---------------------------------------------------------

    @contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        """Turn driver errors into BackendError/BackendUnavailable naming the URI and the operation."""
        from neo4j.exceptions import (
            AuthError,
            ConstraintError,
            DriverError,
            Neo4jError,
            ServiceUnavailable,
            SessionExpired,
        )

        try:
            yield
        except ConstraintError as exc:  # a uniqueness constraint refused a node that is already stored
            raise ConflictError(f"{what} on {self.uri} failed: {exc.message}") from exc
        except AuthError as exc:
            raise BackendUnavailable(f"{what} on {self.uri} failed: authentication refused ({exc.message})") from exc
        except (ServiceUnavailable, SessionExpired) as exc:
            raise BackendUnavailable(f"{what} on {self.uri} failed: Neo4j is not reachable ({exc})") from exc
        except Neo4jError as exc:
            raise BackendError(f"{what} on {self.uri} failed: {exc.code}: {exc.message}") from exc
        except DriverError as exc:
            raise BackendError(f"{what} on {self.uri} failed: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise BackendError(f"the store {self.uri} is closed")

    def _read(self, what: str, query: str, **params: Any) -> list[Any]:
        """Run one read query and return its records.

        An auto-commit query is one network round trip where a managed
        transaction takes three; reads are single statements, so nothing is lost.
        """
        from neo4j import READ_ACCESS

        self._check_open()
        with self._translate(what), self._driver.session(
            database=self.database, default_access_mode=READ_ACCESS, fetch_size=-1,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
        ) as session:
            return list(session.run(query, params))

    def _run_write(self, what: str, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one write transaction; the driver retries it on transient errors."""
        self._check_open()
        with self._translate(what), self._driver.session(
            database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
        ) as session:
            return session.execute_write(work)

    def _ensure_schema(self) -> None:
        """Upgrade an older schema layout, create missing constraints and indexes (idempotent), then the head.

        The layout's version lives on a node of its own (``neo4j_cypher.SCHEMA_VERSION``); a store of
        version 1 loses its per-kind constraints and its plain ``Node(id)`` index for the one ``Node(id)``
        uniqueness constraint. Older modelctx versions still open an upgraded store: they find their
        missing per-kind constraints and create them again, and a later open here drops them again.
        """
        from neo4j import RoutingControl
        from neo4j.exceptions import ClientError

        existing = {r["name"] for query in cy.SHOW_SCHEMA_NAMES for r in self._read("reading the schema", query)}
        version = self._read("reading the schema version", cy.READ_SCHEMA_VERSION, key=cy.SCHEMA_KEY)[0]["version"]
        if version is not None and version > cy.SCHEMA_VERSION:
            raise ConfigError(
                f"the Neo4j store {self.uri} has schema version {version}, newer than this modelctx knows "
                f"({cy.SCHEMA_VERSION}): upgrade modelctx to use it"
            )
        # The legacy rules go first: the Node(id) index must be gone before the constraint covers n.id.
        legacy = [statement for name, statement in cy.LEGACY_SCHEMA.items() if name in existing]
        missing = [statement for name, statement in cy.SCHEMA.items() if name not in existing]
        for statement in [*legacy, *missing]:
            try:
                with self._translate("creating the schema" if statement in missing else "upgrading the schema"):
                    self._driver.execute_query(statement, database_=self.database, routing_=RoutingControl.WRITE)
            except BackendError as exc:
                # Another process created an equivalent rule between our check and our statement.
                cause = exc.__cause__
                if not (isinstance(cause, ClientError) and "EquivalentSchemaRuleAlreadyExists" in (cause.code or "")):
                    raise
        if missing:
            with self._translate("waiting for indexes"):
                self._driver.execute_query(cy.AWAIT_INDEXES, {"seconds": 300}, database_=self.database)
        if version != cy.SCHEMA_VERSION:
            self._run_write("recording the schema version", lambda tx: tx.run(
                cy.SET_SCHEMA_VERSION, key=cy.SCHEMA_KEY, version=cy.SCHEMA_VERSION).consume())
        self._run_write("creating the change-log head", lambda tx: tx.run(cy.ENSURE_HEAD, key=cy.HEAD_KEY).consume())

    def search_docs(self) -> Neo4jSearchDocs:
        """The search index in this server (``neo4j_search.py``): every API process on it searches the same."""
        from modelctx.graph.backends.neo4j_search import Neo4jSearchDocs

        return Neo4jSearchDocs(self)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._driver.close()

    # -- writes -----------------------------------------------------------------------------------

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        return self._run_write("writing a batch", lambda tx: BatchWriter(tx, batch, actor).run())

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        def run(tx: ManagedTransaction) -> WriteResult:
            # Take the head's lock before reading, so the reads see every earlier writer and no later one.
            tx.run(cy.LOCK_HEAD, key=cy.HEAD_KEY).consume()
            batch = work(_InTransaction(self, tx))
            if batch.empty:
                return WriteResult()
            return BatchWriter(tx, batch, actor).run()

        return self._run_write("writing a batch", run)

    def append_verbatim(self, nodes: Sequence[Node], edges: Sequence[Edge], changes: Sequence[Change]) -> None:
        """Store new records and another store's change-log entries exactly as given (``modelctx copy``).

        Nothing is merged and no entry of our own is made: the entries keep the
        source's hashes, so the copied chain verifies against the source. The
        nodes must not exist yet (the id constraints refuse duplicates) and the
        first entry must continue this store's chain, else ConflictError.
        """
        self._run_write("appending a copy", lambda tx: append_records(tx, self.uri, nodes, edges, changes))

    def delete_all(self) -> None:
        """Remove every node, edge, change-log entry and API token modelctx stored (schema stays)."""
        self._check_open()
        with self._translate("deleting the graph"):
            for statement in (cy.DELETE_EDGES_BATCH, cy.DELETE_NODES_BATCH):
                while True:
                    records, _s, _k = self._driver.execute_query(
                        statement, {"batch": 20_000}, database_=self.database
                    )
                    if records[0]["deleted"] == 0:
                        break
        self.search_docs().delete_all()
        self._run_write("creating the change-log head", lambda tx: tx.run(cy.ENSURE_HEAD, key=cy.HEAD_KEY).consume())

    # -- reads ------------------------------------------------------------------------------------

    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        for chunk in chunks(ids):
            for record in self._read("reading nodes", cy.SELECT_NODES, ids=list(chunk)):
                for node_id, kind, props in record["rows"]:
                    found[node_id] = Node(node_id, NodeKind(kind), json.loads(props))
        return {i: found[i] for i in ids if i in found}

    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        # Scalar copies are compared in Cypher, where true = 1 is false and 1 = 1.0 is true:
        # the typing rule of ``graph/values.py``.
        equal = {cy.SCALAR_PREFIX + key: value for key, value in query.equal.items()}
        statement = cy.FIND_NODES[query.kind] if query.kind is not None else cy.FIND_NODES_ANY_KIND
        # Cypher holds 2**63 - 1 and 2.0**63 equal (it casts the float to a long, which saturates), the
        # one pair of numbers it compares wrongly: a filter on either is checked again here, then paged.
        recheck = any(v in _SATURATING and type(v) is not bool for v in query.equal.values())
        limit, offset = (INT64_MAX, 0) if recheck else (query.limit, query.offset)
        records = self._read("finding nodes", statement, equal=equal, missing=list(query.missing),
                             limit=limit, offset=offset)
        nodes = [Node(r["id"], NodeKind(r["kind"]), json.loads(r["props"])) for r in records]
        if recheck:
            nodes = [node for node in nodes if query.matches(node)][query.offset : query.offset + query.limit]
        return nodes

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        records = self._read("finding ids", cy.FIND_IDS, prefix=prefix, after=after, limit=limit)
        return [str(r["id"]) for r in records]

    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        type_names = [t.value for t in (types if types is not None else EdgeType)]
        queries = {"out": (cy.SELECT_EDGES_OUT,), "in": (cy.SELECT_EDGES_IN,)}.get(
            direction, (cy.SELECT_EDGES_OUT, cy.SELECT_EDGES_IN)
        )
        rows: dict[tuple[int, int, int], Edge] = {}
        for query in queries:
            for chunk in chunks(ids):
                for record in self._read("reading edges", query, ids=list(chunk), types=type_names):
                    for source, source_nid, type_name, target, target_nid, props in record["rows"]:
                        etype = EdgeType(type_name)
                        rows[(source_nid, etype.code, target_nid)] = Edge(source, target, etype, json.loads(props))
        return [rows[key] for key in sorted(rows)]

    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        kind_names = sorted(k.value for k in kinds) if kinds is not None else None
        if self.traversal == "varlength" and types and max_depth != 0:
            query = cy.closure_query(direction, types, max_depth)
            known = set()
            depths = {}
            for r in self._read("traversal", query, starts=starts, kinds=kind_names):
                if r["starts"]:
                    known.update(r["ids"])
                else:
                    rows = zip(r["ids"], r["nids"], r["kinds"], r["depths"], strict=True)
                    depths = {i: (d, n, k) for i, n, k, d in rows}
        else:
            known = {r["id"] for r in self._read("traversal", cy.SELECT_NIDS, ids=starts)}
            depths = self._walk_bfs(starts, direction, sorted(t.value for t in types), max_depth)
            for start in starts:
                depths.pop(start, None)
            if kind_names is not None:
                depths = {i: d for i, d in depths.items() if d[2] in kind_names}
        missing_start(starts, known)
        return {i: d[0] for i, d in sorted(depths.items(), key=lambda item: (item[1][0], item[1][1]))}

    def _walk_bfs(
        self, starts: list[str], direction: Direction, types: list[str], max_depth: int | None
    ) -> dict[str, tuple[int, int, str]]:
        """Breadth-first, one query per level: id -> (depth, nid, kind)."""
        query = cy.EXPAND_UP if direction == "up" else cy.EXPAND_DOWN
        seen: dict[str, tuple[int, int, str]] = {s: (0, 0, "") for s in starts}
        frontier = starts
        depth = 0
        while frontier and (max_depth is None or depth < max_depth):
            depth += 1
            next_frontier: list[str] = []
            for chunk in chunks(frontier):
                for r in self._read("traversal", query, frontier=list(chunk), types=types):
                    if r["id"] not in seen:
                        seen[r["id"]] = (depth, r["nid"], r["kind"])
                        next_frontier.append(r["id"])
            frontier = next_frontier
        return seen

    # -- change log and counts --------------------------------------------------------------------

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        remaining = limit if limit is not None else -1
        cursor = since_seq
        while remaining != 0:
            page = _CHANGES_PAGE if remaining < 0 else min(_CHANGES_PAGE, remaining)
            records = self._read("reading the change log", cy.CHANGES_PAGE, since=cursor, limit=page)
            for r in records:
                yield Change(r["seq"], r["at"], r["actor"], r["op"], r["payload"], r["prev_hash"], r["hash"])
            if len(records) < page:
                return
            cursor = records[-1]["seq"]
            if remaining > 0:
                remaining -= len(records)

    def last_seq(self) -> int:
        records = self._read("reading the change log", cy.LAST_CHANGE)
        return int(records[0]["seq"]) if records else 0

    def verify(self) -> VerifyResult:
        return verify_chain(self.changes(0))

    @contextmanager
    def _integrity_scan(self, locked: bool) -> Iterator[Neo4jScan]:
        """Plain reads (not one snapshot); ``locked``: one transaction holding the writers' lock throughout."""
        from modelctx.graph.backends.neo4j_verify import Neo4jScan

        if not locked:
            yield Neo4jScan(self, consistent=False)
            return
        self._check_open()
        with self._translate("verifying the store"), self._driver.session(
            database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
        ) as session:
            tx = session.begin_transaction()
            try:
                # Writers take the head first (LOCK_HEAD), so none commits until this transaction ends.
                tx.run(cy.LOCK_HEAD, key=cy.HEAD_KEY).consume()
                yield Neo4jScan(_InTransaction(self, tx), consistent=True)  # type: ignore[arg-type]  # runs .run only
            finally:
                tx.rollback()  # it only read (and touched the head's lock time)

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = {r["key"]: r["n"] for r in self._read("counting", cy.COUNT_NODES_BY_KIND) if r["n"]}
        edges = {r["key"]: r["n"] for r in self._read("counting", cy.COUNT_EDGES_BY_TYPE) if r["n"]}
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    # -- credentials (outside the graph: neo4j_tokens.py) ---------------------------------------------

    @property
    def tokens(self) -> TokenTable:
        from modelctx.graph.backends.neo4j_tokens import Neo4jTokenTable

        return Neo4jTokenTable(self)


class _InTransaction(Neo4jGraphStore):
    """The store's reads, run inside one write transaction (what ``transact`` hands its work)."""

    def __init__(self, store: Neo4jGraphStore, tx: ManagedTransaction) -> None:  # noqa: D107 - no driver of its own
        self.uri = store.uri
        self.database = store.database
        self.traversal = "bfs"  # one statement per level, all on the transaction
        self._closed = False
        self._tx = tx

    def _read(self, what: str, query: str, **params: Any) -> list[Any]:
        with self._translate(what):
            return list(self._tx.run(query, params))

    def _write(self, batch: PreparedBatch, actor: str) -> WriteResult:
        raise BackendError(f"{self.uri}: a write inside a transaction's reads; return the records instead")

    def _transact(self, work: Callable[[GraphStore], PreparedBatch], actor: str) -> WriteResult:
        raise BackendError(f"{self.uri}: transactions do not nest")

    @property
    def tokens(self) -> TokenTable:
        raise BackendError(f"{self.uri}: API tokens are not read inside a graph transaction")

    def close(self) -> None:
        return None
