"""Every SQL statement of the SQLite backend, as named constants.

Statements take parameters only. The ``{marks}`` placeholders are filled with
``?, ?, …`` (a count, never a user string) by ``in_marks``.
"""

from __future__ import annotations

from modelctx.graph.backends import sqlite_tokens

SCHEMA_VERSION = 4

#: Migrations by target version; each runs once, in order, in one transaction.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # nid is the integer key every other table uses; id is the public id.
        """CREATE TABLE nodes (
            nid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            kind INTEGER NOT NULL,
            props TEXT NOT NULL
        )""",
        "CREATE INDEX nodes_by_kind ON nodes (kind, nid)",
        """CREATE TABLE edges (
            src INTEGER NOT NULL,
            type INTEGER NOT NULL,
            dst INTEGER NOT NULL,
            props TEXT NOT NULL,
            PRIMARY KEY (src, type, dst)
        ) WITHOUT ROWID""",
        "CREATE INDEX edges_by_dst ON edges (dst, type, src)",
        # Each node's neighbours as packed int64 (nid << 16 | type << 8 | kind),
        # written in the same transaction as the edges: walking these arrays
        # level by level is faster than a recursive CTE (see bench/store_bench.py).
        """CREATE TABLE adjacency (
            nid INTEGER PRIMARY KEY,
            up BLOB NOT NULL DEFAULT x'',
            down BLOB NOT NULL DEFAULT x''
        )""",
        """CREATE TABLE changelog (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            op TEXT NOT NULL,
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        "CREATE INDEX changelog_by_time ON changelog (at)",
    ),
    # Identity lookups (a dataset version by uri or digest), names and project scoping
    # filter on these properties; expression indexes keep them off full scans.
    2: (
        "CREATE INDEX IF NOT EXISTS nodes_by_uri ON nodes (kind, json_extract(props, '$.uri'))",
        "CREATE INDEX IF NOT EXISTS nodes_by_digest ON nodes (kind, json_extract(props, '$.digest'))",
        "CREATE INDEX IF NOT EXISTS nodes_by_name ON nodes (kind, json_extract(props, '$.name'))",
        "CREATE INDEX IF NOT EXISTS nodes_by_project ON nodes (kind, json_extract(props, '$.project'))",
    ),
    # API tokens, outside the graph: their table and statements live in sqlite_tokens.py.
    3: sqlite_tokens.MIGRATION,
    # Neighbour entries a bulk import deferred (``sqlite_arrays.py``): one row per write, holding per direction
    # (nid, entry count) pairs in nid order and the entries, which belong after each node's row and earlier rows.
    4: (
        """CREATE TABLE IF NOT EXISTS adjacency_pending (
            seq INTEGER PRIMARY KEY,
            entries INTEGER NOT NULL,
            up_nodes BLOB NOT NULL,
            up BLOB NOT NULL,
            down_nodes BLOB NOT NULL,
            down BLOB NOT NULL
        )""",
    ),
}

#: Properties with an expression index: filters on them use the indexed expression verbatim.
INDEXED_PROPERTIES: dict[str, str] = {
    "uri": "json_extract(props, '$.uri')",
    "digest": "json_extract(props, '$.digest')",
    "name": "json_extract(props, '$.name')",
    "project": "json_extract(props, '$.project')",
}

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -65536",
    "PRAGMA mmap_size = 268435456",
    # Checkpoint the WAL into the file every 10k pages (40 MB), not every 1k: a bulk write rewrites the same
    # index and adjacency pages batch after batch, and fewer checkpoints copy each of them fewer times
    # (about 5% of an ingest's CPU time at a million edges, more of its wall time: bench/store_bench.py).
    "PRAGMA wal_autocheckpoint = 10000",
)

BUSY_TIMEOUT_PRAGMA = "PRAGMA busy_timeout = {ms:d}"

GET_META = "SELECT value FROM meta WHERE key = ?"
SET_META = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
HAS_META_TABLE = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"

SELECT_NODES_BY_ID = "SELECT nid, id, kind, props FROM nodes WHERE id IN ({marks})"
SELECT_NODES_BY_IDS = (
    "SELECT n.nid, n.id, n.kind, n.props FROM json_each(?) AS j JOIN nodes AS n ON n.id = j.value"
)
SELECT_IDS_BY_NIDS = "SELECT n.nid, n.id FROM json_each(?) AS j JOIN nodes AS n ON n.nid = j.value"
SELECT_ALL_IDS = "SELECT nid, id FROM nodes"
SELECT_NIDS_BY_IDS = "SELECT n.id, n.nid, n.kind FROM json_each(?) AS j JOIN nodes AS n ON n.id = j.value"
INSERT_NODE = "INSERT INTO nodes (nid, id, kind, props) VALUES (?, ?, ?, ?)"
UPDATE_NODE = "UPDATE nodes SET props = ? WHERE nid = ?"
MAX_NID = "SELECT coalesce(max(nid), 0) FROM nodes"

FIND_NODES = "SELECT id, kind, props FROM nodes {where} ORDER BY nid LIMIT ? OFFSET ?"
#: Ids in [prefix, prefix + U+10FFFF] after a cursor, by the id index: a prefix lookup without a scan.
FIND_IDS = "SELECT id FROM nodes WHERE id >= ? AND id <= ? AND id > ? ORDER BY id LIMIT ?"
WHERE_KIND = "kind = ?"
# Filters compare JSON types strictly: json_extract turns true into 1, so numbers also check
# json_type, and booleans compare json_type alone ('true' / 'false'). An integer beyond 64 bits
# (json_type 'integer', extracted as a lossy 'real') matches no filter (``graph/values.py``).
WHERE_PROPERTY = "json_extract(props, ?) = ?"
WHERE_JSON_NUMBER = (
    "(CASE json_type(props, ?) WHEN 'real' THEN 1 "
    "WHEN 'integer' THEN typeof(json_extract(props, ?)) = 'integer' ELSE 0 END)"
)
WHERE_JSON_TEXT = "json_type(props, ?) = 'text'"
# json_extract ends text at a NUL. With the path given twice it returns the values' JSON text verbatim
# (an array of two), which the caller compares with the filter's JSON text; only nodes whose JSON holds
# an escaped NUL (JSON_NUL, or a literal backslash-u0000: checked again, harmlessly) need it.
JSON_NUL = "\\u0000"
WHERE_JSON_TEXT_IS = "json_extract(props, ?, ?) = ?"
WHERE_NO_NUL_OR_JSON_TEXT_IS = "(instr(props, ?) = 0 OR json_extract(props, ?, ?) = ?)"
WHERE_PROPERTY_BOOL = "json_type(props, ?) = ?"
WHERE_PROPERTY_NULL = "json_extract(props, ?) IS NULL"

SELECT_EDGES_FROM = "SELECT src, type, dst, props FROM edges WHERE src IN ({marks})"
SELECT_EDGES_FROM_NIDS = (
    "SELECT e.src, e.type, e.dst, e.props FROM json_each(?) AS j JOIN edges AS e ON e.src = j.value"
)
SELECT_EDGES_TO = "SELECT src, type, dst, props FROM edges WHERE dst IN ({marks})"
INSERT_EDGE = "INSERT INTO edges (src, type, dst, props) VALUES (?, ?, ?, ?)"
UPDATE_EDGE = "UPDATE edges SET props = ? WHERE src = ? AND type = ? AND dst = ?"
DELETE_EDGE = "DELETE FROM edges WHERE src = ? AND type = ? AND dst = ?"
COUNT_EDGES = "SELECT count(*) FROM edges"
# The edges' index by target, which a large bulk import drops and builds again (sqlite_writes.py): SQLite stores
# this text without IF NOT EXISTS, so the schema reads as migration 1 wrote it.
CREATE_EDGES_BY_DST = "CREATE INDEX IF NOT EXISTS edges_by_dst ON edges (dst, type, src)"
DROP_EDGES_BY_DST = "DROP INDEX IF EXISTS edges_by_dst"
HAS_EDGES_BY_DST = "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'edges_by_dst'"

SELECT_ADJACENCY_BY_NIDS = (
    "SELECT a.nid, a.up, a.down FROM json_each(?) AS j JOIN adjacency AS a ON a.nid = j.value"
)
# One statement per direction whatever the frontier's size: the nids come as a
# JSON array, so the compiled statement is cached and the join probes the key.
SELECT_UP_BY_NID = "SELECT a.up FROM json_each(?) AS j JOIN adjacency AS a ON a.nid = j.value"
SELECT_DOWN_BY_NID = "SELECT a.down FROM json_each(?) AS j JOIN adjacency AS a ON a.nid = j.value"
# The highest nid holding entries in a row (pending entries: sqlite_arrays.py).
MAX_ADJACENCY_NID = "SELECT coalesce(max(nid), 0) FROM adjacency"
# -- pending entries (sqlite_arrays.py) --
PENDING_ENTRIES = "SELECT coalesce(sum(entries), 0) FROM adjacency_pending"
INSERT_PENDING = (
    "INSERT INTO adjacency_pending (entries, up_nodes, up, down_nodes, down) VALUES (?, ?, ?, ?, ?)"
)
SCAN_PENDING = "SELECT up_nodes, up, down_nodes, down FROM adjacency_pending ORDER BY seq"
DELETE_ALL_PENDING = "DELETE FROM adjacency_pending"
DATA_VERSION = "PRAGMA data_version"
# Appends to a node's arrays without reading them: || joins the bytes (as text, lengths kept, NULs too) and the
# CAST gives the stored type back, a BLOB (tests/sqlite/test_bulk_writes.py checks the bytes).
APPEND_ADJACENCY = (
    "INSERT INTO adjacency (nid, up, down) VALUES (?, ?, ?) "
    "ON CONFLICT (nid) DO UPDATE SET up = CAST(up || excluded.up AS BLOB), "
    "down = CAST(down || excluded.down AS BLOB)"
)
UPSERT_ADJACENCY = (
    "INSERT INTO adjacency (nid, up, down) VALUES (?, ?, ?) "
    "ON CONFLICT (nid) DO UPDATE SET up = excluded.up, down = excluded.down"
)

# The recursive-CTE traversal, kept as a selectable engine (?traversal=cte) and
# as the baseline the adjacency walk is measured against. UNION (not UNION ALL)
# drops repeated (node, depth) rows, and the depth bound ends cycles.
CTE_UP = """
WITH RECURSIVE walk (nid, depth) AS (
    SELECT value, 0 FROM json_each(?)
    UNION
    SELECT e.dst, w.depth + 1 FROM walk AS w
    JOIN edges AS e ON e.src = w.nid
    WHERE w.depth < ? AND e.type IN (SELECT value FROM json_each(?))
)
SELECT w.nid, min(w.depth), n.kind FROM walk AS w JOIN nodes AS n ON n.nid = w.nid GROUP BY w.nid
"""
CTE_DOWN = """
WITH RECURSIVE walk (nid, depth) AS (
    SELECT value, 0 FROM json_each(?)
    UNION
    SELECT e.src, w.depth + 1 FROM walk AS w
    JOIN edges AS e ON e.dst = w.nid
    WHERE w.depth < ? AND e.type IN (SELECT value FROM json_each(?))
)
SELECT w.nid, min(w.depth), n.kind FROM walk AS w JOIN nodes AS n ON n.nid = w.nid GROUP BY w.nid
"""

SELECT_ALL_CHANGES = "SELECT seq, at, actor, op, payload, prev_hash, hash FROM changelog ORDER BY seq"
LAST_CHANGE = "SELECT seq, hash FROM changelog ORDER BY seq DESC LIMIT 1"
INSERT_CHANGE = (
    "INSERT INTO changelog (seq, at, actor, op, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
SELECT_CHANGES = (
    "SELECT seq, at, actor, op, payload, prev_hash, hash FROM changelog "
    "WHERE seq > ? ORDER BY seq LIMIT ?"
)

# -- verify_integrity (graph/integrity.py, sqlite_verify.py): every table streamed in key order ------------
SCAN_NODES = "SELECT id, kind, props FROM nodes ORDER BY nid"
# An edge whose node row is gone keeps its nid (the LEFT JOIN gives no id).
SCAN_EDGES = (
    "SELECT e.src, s.id, e.type, e.dst, d.id, e.props FROM edges AS e "
    "LEFT JOIN nodes AS s ON s.nid = e.src LEFT JOIN nodes AS d ON d.nid = e.dst ORDER BY e.src, e.type, e.dst"
)
SCAN_ADJACENCY = "SELECT nid, up, down FROM adjacency ORDER BY nid"
# What each node's arrays must hold, grouped by node: (nid, packed entry), packed as sqlite_codec.pack does
# (neighbour nid << 16 | type << 8 | neighbour kind; 255 for a neighbour whose row is gone).
SCAN_UP_ENTRIES = (
    "SELECT e.src, (e.dst << 16) | (e.type << 8) | coalesce(n.kind, 255) FROM edges AS e "
    "LEFT JOIN nodes AS n ON n.nid = e.dst WHERE typeof(e.src) = 'integer' ORDER BY e.src, e.type, e.dst"
)
SCAN_DOWN_ENTRIES = (
    "SELECT e.dst, (e.src << 16) | (e.type << 8) | coalesce(n.kind, 255) FROM edges AS e "
    "LEFT JOIN nodes AS n ON n.nid = e.src WHERE typeof(e.dst) = 'integer' ORDER BY e.dst, e.type, e.src"
)
SELECT_ID_BY_NID = "SELECT id FROM nodes WHERE nid = ?"

COUNT_NODES_BY_KIND = "SELECT kind, count(*) FROM nodes GROUP BY kind"
COUNT_EDGES_BY_TYPE = "SELECT type, count(*) FROM edges GROUP BY type"

#: SQLite allows 32766 host parameters; stay well below for IN lists.
MAX_IN = 900


def in_marks(count: int) -> str:
    """``?, ?, …`` with ``count`` marks."""
    return ", ".join("?" * count)
