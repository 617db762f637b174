"""The embedded default store: one SQLite file in WAL mode, no server.

Design choices, each measured in ``bench/store_bench.py``:

- Nodes get an integer ``nid``; edges and adjacency use it, so keys stay small.
- Besides the ``edges`` table, each node keeps its parents and children as one
  packed array (neighbour nid, edge type, neighbour kind), written in the same
  transaction as the edges. Closures walk these arrays level by level with
  numpy, filtering by edge type and kind without touching nodes; the arrays
  come from one query per level, or from memory once the walks since the last
  change have read enough of them to pay for loading all (``sqlite_cache.py``).
  ``?traversal=memory`` loads them at the first walk; the recursive-CTE walk is
  kept as ``?traversal=cte``.
- Inside ``bulk()`` (an import in batches) a write puts its new neighbour
  entries in one pending row instead of rewriting every touched node's
  arrays; they are folded in bounded steps and at the end, and every reader
  reads row and pending entries together (``sqlite_arrays.py``). A large
  import also drops the edges' index by target (each batch's commit rewrote
  most of its pages) and builds it again in one sort at its end, or when a
  store is opened after an import was killed (``sqlite_writes.py``).
- Writes take the write lock up front (``BEGIN IMMEDIATE``) and wait on a busy
  timeout, so two processes writing at once queue instead of failing.
- Each thread gets its own connection (the API serves requests from a pool).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from modelctx.errors import BackendError, BackendUnavailable, ConfigError
from modelctx.files import create_private_file, private_dir
from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.sqlite_codec import KIND_BY_CODE, TYPE_BY_CODE, chunks, dumps
from modelctx.graph.backends.sqlite_writes import SqliteWriter
from modelctx.graph.changelog import Change, VerifyResult, verify_rows
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import Direction, EdgeDirection, GraphStore, NodeQuery, missing_start

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from modelctx.graph.backends.sqlite_cache import AdjacencyCache
    from modelctx.graph.backends.sqlite_verify import SqliteScan
    from modelctx.graph.credentials import TokenTable

_CHANGES_PAGE = 5000
#: Closure engines (``?traversal=``): adjacency arrays (from rows, in memory once walks pay for it: sqlite_cache.py),
#: adjacency arrays in memory from the first walk, or the recursive CTE.
TRAVERSALS = ("adjacency", "memory", "cte")
#: Edge type and node kind codes fit in a byte (``sqlite_codec.pack``).
_CODES = 256
#: nid -> id entries kept per store (about 100 bytes each).
_ID_CACHE_LIMIT = 2_000_000


class SqliteGraphStore(SqliteWriter, GraphStore):
    """GraphStore on one SQLite file (``sqlite:///path/to/modelctx.db``)."""

    def __init__(self, path: str | Path, *, traversal: str = "adjacency", busy_timeout_s: float = 60.0) -> None:
        if traversal not in TRAVERSALS:
            raise ConfigError(f"unknown traversal engine {traversal!r}; valid: {', '.join(TRAVERSALS)}")
        self.path = Path(path).expanduser()
        self.uri = f"sqlite:///{self.path}"
        self.traversal = traversal
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._id_cache: dict[int, str] = {}
        self._all_ids_read = False
        self._committed_ids: dict[str, tuple[int, int]] = {}  # id -> (nid, kind code): sqlite_writes.py
        self._adjacency_cache: AdjacencyCache | None = None  # made by the first walk: numpy loads only then
        self._bulk_depth = 0  # open bulk() blocks: sqlite_writes.py defers adjacency entries while above 0
        self._bulk_edges, self._bulk_check_at, self._dst_index_dropped = 0, 0, False  # sqlite_writes.py
        try:
            # 0700 folder, 0600 file (and so -wal/-shm) when created here: modelctx/files.py
            private_dir(self.path.parent)
            create_private_file(self.path)
        except OSError as exc:
            raise BackendUnavailable(f"cannot create the folder of {self.path}: {exc}") from exc
        self._migrate(self._conn())

    @classmethod
    def from_uri(cls, uri: str) -> SqliteGraphStore:
        parts = urlsplit(uri)
        raw = uri.split("://", 1)[1].split("?", 1)[0]
        path = raw[1:] if raw.startswith("/") else raw
        if not path or path == ":memory:":
            raise ConfigError(f"store URI {uri!r} needs a file path, as in sqlite:///path/to/modelctx.db")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(options) - {"traversal"}
        if unknown:
            raise ConfigError(f"unknown option(s) {sorted(unknown)} in store URI {uri!r}; valid: traversal")
        return cls(path, traversal=options.get("traversal", "adjacency"))

    # -- connections and transactions ---------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise BackendError(f"the store {self.uri} is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False,
                    timeout=self._busy_timeout_s,
                )
                conn.execute(sql.BUSY_TIMEOUT_PRAGMA.format(ms=int(self._busy_timeout_s * 1000)))
                for pragma in sql.PRAGMAS:
                    conn.execute(pragma)
            except sqlite3.OperationalError as exc:  # the file cannot be opened (permissions, a folder, a lock)
                raise BackendUnavailable(f"cannot open the SQLite store {self.path}: {exc}") from exc
            except sqlite3.Error as exc:  # it opens, but is not a database
                raise BackendError(f"{self.path} is not a usable modelctx SQLite store: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _begin_write(self, conn: sqlite3.Connection) -> None:
        """Take the write lock, waiting for other writers up to the busy timeout."""
        deadline = time.monotonic() + self._busy_timeout_s
        delay = 0.01
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise BackendError(f"cannot start a write on {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise BackendError(
                        f"the store {self.path} stayed locked by another writer for "
                        f"{self._busy_timeout_s:.0f} s"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        self._begin_write(conn)
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A read transaction, so multi-query reads see one snapshot."""
        conn = self._conn()
        if conn.in_transaction:  # nested inside another read of this thread
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Writes inside defer their neighbour entries to pending rows (``sqlite_arrays.py``), folded when they
        pass a bound and when the last open block ends, in a transaction of its own; a large import also drops the
        edges' index by target until then (``sqlite_writes.py``)."""
        with self._lock:
            self._bulk_depth += 1
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            with self._lock:
                self._bulk_depth -= 1
                last = self._bulk_depth == 0
                rebuild = last and self._dst_index_dropped
                if last:
                    self._bulk_edges, self._bulk_check_at, self._dst_index_dropped = 0, 0, False
            if last and not self._closed:
                try:
                    self._finish_bulk(rebuild)
                except BackendError:
                    if not failed:  # an error of the block comes first; its pending rows stay correct as they are
                        raise

    def _finish_bulk(self, rebuild_index: bool) -> None:
        """Fold every pending neighbour entry into the arrays (readers see the same neighbours before and after) and
        build the edges' index by target again if the import dropped it, in one transaction."""
        from modelctx.graph.backends import sqlite_arrays

        with self._translate("finishing a bulk import"):
            if not rebuild_index and sqlite_arrays.pending_entries(self._conn()) == 0:  # committed state: a read
                return
            with self._writing() as conn:
                sqlite_arrays.fold(conn)
                if rebuild_index:
                    conn.execute(sql.CREATE_EDGES_BY_DST)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        try:
            version = self._schema_version(conn)
            if version > sql.SCHEMA_VERSION:
                raise ConfigError(
                    f"{self.path} has schema version {version}, newer than this modelctx "
                    f"supports ({sql.SCHEMA_VERSION}); upgrade modelctx"
                )
            if version == sql.SCHEMA_VERSION:
                self._check_codes(conn)
                if conn.execute(sql.HAS_EDGES_BY_DST).fetchone() is None:
                    # A bulk import dropped it (sqlite_writes.py) and was killed before its end built it again.
                    # Only an access path: a store this process cannot write reads right without it.
                    try:
                        with self._writing():
                            conn.execute(sql.CREATE_EDGES_BY_DST)
                    except (sqlite3.Error, BackendError):
                        pass
                return
            with self._writing():
                version = self._schema_version(conn)  # another process may have migrated meanwhile
                for target in range(version + 1, sql.SCHEMA_VERSION + 1):
                    for statement in sql.MIGRATIONS[target]:
                        conn.execute(statement)
                    conn.execute(sql.SET_META, ("schema_version", str(target)))
                conn.execute(sql.SET_META, ("kinds", dumps([k.value for k in NodeKind])))
                conn.execute(sql.SET_META, ("edge_types", dumps([t.value for t in EdgeType])))
        except sqlite3.DatabaseError as exc:
            raise BackendError(f"{self.path} is not a usable modelctx SQLite store: {exc}") from exc

    @staticmethod
    def _schema_version(conn: sqlite3.Connection) -> int:
        if conn.execute(sql.HAS_META_TABLE).fetchone() is None:
            return 0
        row = conn.execute(sql.GET_META, ("schema_version",)).fetchone()
        return int(row[0]) if row else 0

    def _check_codes(self, conn: sqlite3.Connection) -> None:
        """Kind and type codes are persisted: the stored order must be a prefix of ours."""
        for key, current in (("kinds", [k.value for k in NodeKind]), ("edge_types", [t.value for t in EdgeType])):
            row = conn.execute(sql.GET_META, (key,)).fetchone()
            stored = json.loads(row[0]) if row else []
            if stored != current[: len(stored)]:
                raise ConfigError(f"{self.path} was written with a different {key} table: {stored}")

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
            self._closed = True
        self._local = threading.local()

    # -- ids ---------------------------------------------------------------------------------

    def _resolve(self, conn: sqlite3.Connection, ids: Iterable[str], known: dict[str, tuple[int, int]]) -> None:
        """Add the nid and kind code of stored ``ids`` to ``known``."""
        wanted = [i for i in dict.fromkeys(ids) if i not in known]
        if wanted:  # one statement whatever the count: the ids go as one JSON array
            for node_id, nid, kind in conn.execute(sql.SELECT_NIDS_BY_IDS, (dumps(wanted),)):
                known[node_id] = (nid, kind)

    # -- reads ------------------------------------------------------------------------------

    @contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        """Turn sqlite3 errors into BackendError naming the operation and the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise BackendError(f"{what} on {self.path} failed: {exc}") from exc

    def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        with self._translate("reading nodes"), self._reading() as conn:
            for chunk in chunks(ids):
                for _nid, node_id, kind, props in conn.execute(
                    sql.SELECT_NODES_BY_ID.format(marks=sql.in_marks(len(chunk))), chunk
                ):
                    found[node_id] = Node(node_id, KIND_BY_CODE[kind], json.loads(props))
        return {i: found[i] for i in ids if i in found}

    def _find_nodes(self, query: NodeQuery) -> list[Node]:
        clauses: list[str] = []
        params: list[Any] = []
        if query.kind is not None:
            clauses.append(sql.WHERE_KIND)
            params.append(query.kind.code)
        for key in query.missing:
            indexed = sql.INDEXED_PROPERTIES.get(key)
            if indexed is not None:  # a constant expression from our table, never the user's key
                clauses.append(f"{indexed} IS NULL")
            else:
                clauses.append(sql.WHERE_PROPERTY_NULL)
                params.append(f'$."{key}"')
        for key, value in query.equal.items():
            path = f'$."{key}"'
            if isinstance(value, bool):
                clauses.append(sql.WHERE_PROPERTY_BOOL)
                params += [path, "true" if value else "false"]
                continue
            # json_extract ends text at a NUL (it reads "a\u0000b" as "a"): a text filter holding a NUL, and
            # any text filter on a node whose JSON holds one, compares the value's JSON text instead.
            if isinstance(value, str) and "\x00" in value:
                clauses.append(sql.WHERE_JSON_TEXT_IS)
                params += [path, path, dumps([value, value])]
                continue
            indexed = sql.INDEXED_PROPERTIES.get(key)
            if indexed is not None:
                clauses.append(f"{indexed} = ?")
            else:
                clauses.append(sql.WHERE_PROPERTY)
                params.append(path)
            params.append(value)
            if not isinstance(value, str):
                clauses.append(sql.WHERE_JSON_NUMBER)
                params += [path, path]
                continue
            clauses.append(sql.WHERE_NO_NUL_OR_JSON_TEXT_IS)
            params += [sql.JSON_NUL, path, path, dumps([value, value])]
            if value[:1] in ("[", "{"):
                # json_extract gives a list or map as its JSON text: the text '["a"]' must not match ["a"].
                # (Only text starting with a bracket can, so other text filters skip the check.)
                clauses.append(sql.WHERE_JSON_TEXT)
                params.append(path)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        with self._translate("finding nodes"), self._reading() as conn:
            rows = conn.execute(sql.FIND_NODES.format(where=where), (*params, query.limit, query.offset)).fetchall()
        return [Node(node_id, KIND_BY_CODE[k], json.loads(props)) for node_id, k, props in rows]

    def _find_ids(self, prefix: str, after: str, limit: int) -> list[str]:
        with self._translate("finding ids"), self._reading() as conn:
            rows = conn.execute(sql.FIND_IDS, (prefix, prefix + "\U0010ffff", after, limit)).fetchall()
        return [node_id for (node_id,) in rows if node_id.startswith(prefix)]

    def _get_edges(self, ids: list[str], direction: EdgeDirection, types: frozenset[EdgeType] | None) -> list[Edge]:
        type_codes = {t.code for t in types} if types is not None else None
        known: dict[str, tuple[int, int]] = {}
        with self._translate("reading edges"), self._reading() as conn:
            self._resolve(conn, ids, known)
            nids = sorted(v[0] for v in known.values())
            rows: dict[tuple[int, int, int], str] = {}
            statements = {"out": (sql.SELECT_EDGES_FROM,), "in": (sql.SELECT_EDGES_TO,)}.get(
                direction, (sql.SELECT_EDGES_FROM, sql.SELECT_EDGES_TO)
            )
            for statement in statements:
                for chunk in chunks(nids):
                    for src, etype, dst, props in conn.execute(statement.format(marks=sql.in_marks(len(chunk))), chunk):
                        if type_codes is None or etype in type_codes:
                            rows[(src, etype, dst)] = props
            names = self._ids_of(conn, {n for key in rows for n in (key[0], key[2])})
        return [
            # Most edges have no properties: "{}" needs no JSON decoder (search context reads many edges per query).
            Edge(names[src], names[dst], TYPE_BY_CODE[etype], {} if props == "{}" else json.loads(props))
            for (src, etype, dst), props in sorted(rows.items())
        ]

    def _ids_of(self, conn: sqlite3.Connection, nids: Iterable[int]) -> dict[int, str]:
        """Public ids of integer keys. An nid never changes its id, so a bounded cache is always valid."""
        wanted = list(nids)
        return dict(zip(wanted, self._names(conn, wanted), strict=True))

    def _names(self, conn: sqlite3.Connection, nids: list[int]) -> list[str]:
        """The public ids of ``nids``, in order (from the id cache, reading what it lacks)."""
        cache = self._id_cache
        try:
            return list(map(cache.__getitem__, nids))  # the common case: all cached
        except KeyError:
            pass
        missing = [nid for nid in nids if nid not in cache]
        names: dict[int, str] = dict(conn.execute(sql.SELECT_IDS_BY_NIDS, (dumps(missing),)))
        if len(cache) + len(names) <= _ID_CACHE_LIMIT:
            cache.update(names)
        return [cache[nid] if nid in cache else names[nid] for nid in nids]

    def _reachable(
        self, starts: list[str], direction: Direction, types: frozenset[EdgeType], max_depth: int | None,
        kinds: frozenset[NodeKind] | None,
    ) -> dict[str, int]:
        type_codes = {t.code for t in types}
        kind_codes = {k.code for k in kinds} if kinds is not None else None
        with self._translate("traversal"), self._reading() as conn:
            known: dict[str, tuple[int, int]] = {}
            self._resolve(conn, starts, known)
            missing_start(starts, known)
            start_nids = [known[s][0] for s in starts]
            walk = self._walk_cte if self.traversal == "cte" else self._walk_adjacency
            levels = walk(conn, start_nids, direction, type_codes, max_depth, kind_codes)
            names = iter(self._names(conn, [nid for _depth, nids in levels for nid in nids]))
        # Walks give nodes level by level, so results are ordered by depth (then by nid).
        reached: dict[str, int] = {}
        for depth, nids in levels:
            reached.update(dict.fromkeys(islice(names, len(nids)), depth))
        return reached

    @property
    def _adjacency(self) -> AdjacencyCache:
        """The closures' neighbour arrays (``sqlite_cache.py``), made at the first walk so other commands skip numpy."""
        if self._adjacency_cache is None:
            from modelctx.graph.backends.sqlite_cache import AdjacencyCache

            self._adjacency_cache = AdjacencyCache(eager=self.traversal == "memory")
        return self._adjacency_cache

    @_adjacency.setter
    def _adjacency(self, cache: AdjacencyCache) -> None:
        self._adjacency_cache = cache

    def _walk_adjacency(
        self, conn: sqlite3.Connection, starts: list[int], direction: Direction, type_codes: set[int],
        max_depth: int | None, kind_codes: set[int] | None,
    ) -> list[tuple[int, list[int]]]:
        """Breadth-first over the packed neighbour arrays: per depth, the nids first reached there (starts left
        out, only ``kind_codes`` kept if given).

        Each level is a handful of numpy operations over the whole frontier's
        entries (from memory or one query: ``sqlite_cache.py``): filter by edge
        type, drop what was seen, de-duplicate. No Python statement runs per node.
        """
        import numpy as np

        from modelctx.graph.backends.sqlite_cache import Snapshot

        if not starts:
            return []
        source = self._adjacency.begin(conn)
        if isinstance(source, Snapshot) and not self._all_ids_read:
            # Walks from memory will name much of the graph: read every id once (nids never change their id).
            self._all_ids_read = True
            if conn.execute(sql.MAX_NID).fetchone()[0] <= _ID_CACHE_LIMIT:
                self._id_cache.update(conn.execute(sql.SELECT_ALL_IDS))
        first = np.array(sorted(set(starts)), dtype=np.int64)
        last_nid = int(conn.execute(sql.MAX_NID).fetchone()[0])
        # A snapshot another connection loaded may hold nodes newer than this transaction (a write landed between
        # this transaction's start and its check of the version): walk them, but return only nodes it can name.
        newer = isinstance(source, Snapshot) and source.size > last_nid + 1
        size = max(last_nid, int(first[-1]), source.size if isinstance(source, Snapshot) else 0) + 1
        seen = np.zeros(size, dtype=np.bool_)
        seen[first] = True
        wanted_types = _code_mask(type_codes)
        wanted_kinds = _code_mask(kind_codes) if kind_codes is not None else None
        levels: list[tuple[int, list[int]]] = []
        frontier = first
        depth = 0
        while frontier.size and (max_depth is None or depth < max_depth):
            depth += 1
            entries = source.entries(frontier, direction)
            entries = entries[wanted_types[(entries >> 8) & 0xFF]]
            entries = entries[~seen[entries >> 16]]
            # Sorted and distinct; index gives one entry per node, whose low byte is the node's kind.
            frontier, index = np.unique(entries >> 16, return_index=True)
            seen[frontier] = True
            found = frontier if wanted_kinds is None else frontier[wanted_kinds[entries[index] & 0xFF]]
            if newer:
                found = found[found <= last_nid]
            if found.size:
                levels.append((depth, found.tolist()))
        return levels

    @staticmethod
    def _walk_cte(
        conn: sqlite3.Connection, starts: list[int], direction: Direction, type_codes: set[int],
        max_depth: int | None, kind_codes: set[int] | None,
    ) -> list[tuple[int, list[int]]]:
        statement = sql.CTE_UP if direction == "up" else sql.CTE_DOWN
        if max_depth is None:
            # A shortest path never repeats a node, so the node count bounds every depth.
            max_depth = conn.execute(sql.MAX_NID).fetchone()[0]
        rows = conn.execute(statement, (dumps(starts), max_depth, dumps(sorted(type_codes)))).fetchall()
        rows.sort(key=lambda row: (row[1], row[0]))
        skip = set(starts)
        levels: dict[int, list[int]] = {}
        for nid, depth, kind in rows:
            if nid not in skip and (kind_codes is None or kind in kind_codes):
                levels.setdefault(depth, []).append(nid)
        return list(levels.items())

    # -- change log and counts -------------------------------------------------------------

    def changes(self, since_seq: int = 0, limit: int | None = None) -> Iterator[Change]:
        remaining = limit if limit is not None else -1
        cursor = since_seq
        while remaining != 0:
            page = _CHANGES_PAGE if remaining < 0 else min(_CHANGES_PAGE, remaining)
            with self._translate("reading the change log"):
                rows = self._conn().execute(sql.SELECT_CHANGES, (cursor, page)).fetchall()
            for row in rows:
                yield Change(*row)
            if len(rows) < page:
                return
            cursor = rows[-1][0]
            if remaining > 0:
                remaining -= len(rows)

    def last_seq(self) -> int:
        with self._translate("reading the change log"):
            row = self._conn().execute(sql.LAST_CHANGE).fetchone()
        return int(row[0]) if row else 0

    def verify(self) -> VerifyResult:
        # One cursor over raw rows inside a read transaction: a consistent snapshot, no per-entry objects.
        with self._translate("verifying the change log"), self._reading() as conn:
            return verify_rows(conn.execute(sql.SELECT_ALL_CHANGES))

    @contextmanager
    def _integrity_scan(self, locked: bool) -> Iterator[SqliteScan]:
        # One read transaction: the log, the tables and the adjacency arrays are one snapshot (never retried).
        from modelctx.graph.backends.sqlite_verify import SqliteScan

        with self._translate("verifying the store"), self._reading() as conn:
            yield SqliteScan(conn)

    def counts(self) -> dict[str, dict[str, int]]:
        with self._translate("counting"), self._reading() as conn:
            nodes = {KIND_BY_CODE[k].value: n for k, n in conn.execute(sql.COUNT_NODES_BY_KIND)}
            edges = {TYPE_BY_CODE[t].value: n for t, n in conn.execute(sql.COUNT_EDGES_BY_TYPE)}
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    # -- credentials (outside the graph: sqlite_tokens.py) --------------------------------------------

    @property
    def tokens(self) -> TokenTable:
        from modelctx.graph.backends.sqlite_tokens import SqliteTokenTable

        return SqliteTokenTable(self)


def _code_mask(codes: Iterable[int]) -> npt.NDArray[np.bool_]:
    """A lookup table over byte codes: True at each of ``codes``."""
    import numpy as np

    mask = np.zeros(_CODES, dtype=np.bool_)
    mask[list(codes)] = True
    return mask
