"""Every Cypher statement of the Neo4j backend, as named constants.

Statements take parameters only. Labels and relationship types cannot be
parameters in Cypher, so the statements that need them are generated here, once
at import, from the ``NodeKind`` and ``EdgeType`` enums: one statement per kind
or type, never text built from user input. The only other substitution is the
depth bound of a variable-length pattern, which is an ``int`` (see
``traversal_up``/``traversal_down``).

Storage shape:

- A node is ``(:Node:<Kind label> {id, kind, nid, props, pkeys, `p.<key>`...})``:
  ``props`` is the JSON text of its properties (what reads return), ``nid`` an
  insertion counter (``find_nodes`` order), ``pkeys`` the property names and
  ``p.<key>`` a copy of each scalar property so ``find_nodes`` filters inside
  the server.
- An edge is ``(source)-[:<TYPE> {props}]->(target)`` with ``props`` as JSON text, absent when the edge
  has no properties (``edge_props`` reads it as ``{}``).
- ``(:ModelctxSchema {key: 'schema', version})`` records the schema's layout (``SCHEMA_VERSION``).
- The change log is ``(:ChangeLog {seq, at, actor, op, payload, prev_hash, hash})``;
  the single ``(:ChangeLogHead {key: 'head'})`` node is the writers' lock and
  holds the next ``nid``.
"""

from __future__ import annotations

import functools

from modelctx.graph.backends import neo4j_tokens
from modelctx.graph.model import EdgeType, NodeKind

HEAD_KEY = "head"
#: Prefix of the scalar copies of node properties used by find_nodes.
SCALAR_PREFIX = "p."

# -- schema (each statement runs in its own auto-commit transaction) -----------------------------

#: Names of existing constraints and indexes (SHOW cannot be combined with UNION: two statements).
SHOW_SCHEMA_NAMES = ("SHOW CONSTRAINTS YIELD name", "SHOW INDEXES YIELD name")


#: The layout of the schema below: stored on the one ``(:ModelctxSchema {key: 'schema'})`` node, which
#: ``delete_all`` keeps (like the schema itself). 1 (no such node): a uniqueness constraint per node kind
#: plus a plain ``Node(id)`` index; 2: one ``Node(id)`` uniqueness constraint, so a created node updates
#: one id index instead of two. ``Neo4jGraphStore._ensure_schema`` upgrades a version-1 store at open.
SCHEMA_VERSION = 2
SCHEMA_KEY = "schema"
#: The highest version recorded (two processes creating the node at once may each leave one).
READ_SCHEMA_VERSION = "OPTIONAL MATCH (s:ModelctxSchema {key: $key}) RETURN max(s.version) AS version"
SET_SCHEMA_VERSION = "MERGE (s:ModelctxSchema {key: $key}) SET s.version = $version"

#: Version 1's rules, dropped by the upgrade (name -> statement): a uniqueness constraint per kind, and
#: the ``Node(id)`` index, which must go before a uniqueness constraint can cover the same property.
LEGACY_SCHEMA: dict[str, str] = {
    **{f"modelctx_{kind.value}_id": f"DROP CONSTRAINT modelctx_{kind.value}_id IF EXISTS" for kind in NodeKind},
    "modelctx_node_id": "DROP INDEX modelctx_node_id IF EXISTS",
}

#: name -> statement; names are checked first so that an open does no schema work when all exist.
SCHEMA: dict[str, str] = {
    # One id index for every kind: seeks by id (reads, the write's lookups, find_ids' prefixes) use it,
    # and it refuses a duplicate id whatever the kind.
    "modelctx_node_id_unique": (
        "CREATE CONSTRAINT modelctx_node_id_unique IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE"
    ),
    "modelctx_node_nid": "CREATE INDEX modelctx_node_nid IF NOT EXISTS FOR (n:Node) ON (n.nid)",
    "modelctx_changelog_seq": (
        "CREATE CONSTRAINT modelctx_changelog_seq IF NOT EXISTS FOR (c:ChangeLog) REQUIRE c.seq IS UNIQUE"
    ),
    "modelctx_changelog_head": (
        "CREATE CONSTRAINT modelctx_changelog_head IF NOT EXISTS FOR (h:ChangeLogHead) REQUIRE h.key IS UNIQUE"
    ),
    # API tokens, outside the graph: their label and statements live in neo4j_tokens.py.
    **neo4j_tokens.SCHEMA,
}
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

# -- writes (all in one transaction per write) ------------------------------------------------------

#: Taken first in every write transaction: writing to the one head node serialises writers,
#: so the change log never forks. MERGE (re)creates the head after a database was wiped.
LOCK_HEAD = (
    "MERGE (h:ChangeLogHead {key: $key}) ON CREATE SET h.next_nid = 1 "
    "SET h.locked_at = timestamp() RETURN h.next_nid AS next_nid"
)
SET_NEXT_NID = "MATCH (h:ChangeLogHead {key: $key}) SET h.next_nid = $next_nid"
ENSURE_HEAD = "MERGE (h:ChangeLogHead {key: $key}) ON CREATE SET h.next_nid = 1"



def edge_props(rel: str) -> str:
    """The JSON text of relationship ``rel``'s properties: ``props`` is absent on an edge without any (no
    property record to write for the many edges that carry none), which reads as ``{}``."""
    return f"coalesce({rel}.props, '{{}}')"


SELECT_NODES_FOR_WRITE = (
    "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id, n.kind AS kind, n.props AS props, n.nid AS nid"
)
CREATE_NODES: dict[NodeKind, str] = {
    kind: f"UNWIND $rows AS row CREATE (n:Node:{kind.label}) SET n = row" for kind in NodeKind
}
#: ``SET n = row`` replaces every property, so removed keys lose their scalar copies too.
UPDATE_NODES = "UNWIND $rows AS row MATCH (n:Node {id: row.id}) SET n = row"

#: The element ids of the stored nodes among ``$ids`` (those of the batch's new nodes too), one index seek
#: per distinct id: the edge statements then find each endpoint by element id, without the id index. One
#: record of a list: a record per id would cost the driver more than the query.
RESOLVE_NODES = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN collect([id, elementId(n)]) AS found"
_ENDPOINTS = "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row[0] MATCH (b) WHERE elementId(b) = row[1] "
#: Per type, rows ``[source element id, target element id, row number, props text or null]``: create the
#: edges not stored yet (``props`` absent when null), return how many rows found both endpoints and the
#: stored edges' properties by row number (the caller merges those and updates the ones that change).
#: The stored edge is looked for as ``(b)<-[old]-(a)``, not ``(a)-[old]->(b)``: Neo4j's expand-into then
#: walks the source's relationships where neither end has many (above 50 it compares the ends' degrees
#: either way). Edges point from the later thing to its inputs (``graph/model.py``), so a source has few
#: while a target (a dataset, a feature, a project) collects many: at 300k edges this read 18k records
#: for a batch of 9k ``USED`` edges instead of 255k (``docs/guide/neo4j.md``).
_STORED = "OPTIONAL MATCH (b)<-[old:{t}]-(a) "
CREATE_MISSING_EDGES: dict[EdgeType, str] = {
    etype: (
        f"{_ENDPOINTS}{_STORED.format(t=etype.value)}"
        "FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END | "
        f"CREATE (a)-[:{etype.value} {{props: row[3]}}]->(b)) "
        "RETURN count(row) AS matched, "
        f"collect(CASE WHEN old IS NOT NULL THEN [row[2], {edge_props('old')}] END) AS stored"
    )
    for etype in EdgeType
}
#: Used by append_verbatim (a copy), where every edge is new: rows ``[source eid, target eid, props or null]``.
CREATE_EDGES: dict[EdgeType, str] = {
    etype: f"{_ENDPOINTS}CREATE (a)-[:{etype.value} {{props: row[2]}}]->(b)" for etype in EdgeType
}
#: Rows ``[source eid, target eid, props or null]``; null removes ``props`` (the edge has no properties left).
#: The pattern is written from the target, as in ``_STORED``.
UPDATE_EDGES: dict[EdgeType, str] = {
    etype: f"{_ENDPOINTS}MATCH (b)<-[r:{etype.value}]-(a) SET r.props = row[2]" for etype in EdgeType
}

#: Deletes the stored edges among the rows and names them (a row whose edge is not stored drops out).
DELETE_EDGES: dict[EdgeType, str] = {
    etype: (
        f"UNWIND $rows AS row MATCH (a:Node {{id: row.s}})-[r:{etype.value}]->(b:Node {{id: row.d}}) "
        "DELETE r RETURN collect([row.s, row.d]) AS removed"
    )
    for etype in EdgeType
}

LAST_CHANGE = "MATCH (c:ChangeLog) RETURN c.seq AS seq, c.hash AS hash ORDER BY c.seq DESC LIMIT 1"
INSERT_CHANGES = "UNWIND $rows AS row CREATE (c:ChangeLog) SET c = row"

# -- reads ------------------------------------------------------------------------------------------

SELECT_NIDS = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id, n.nid AS nid"
# Reads that can return thousands of rows return one record of [id, kind, props] lists instead:
# the driver's per-record cost is far above the query's (bench/store_bench_neo4j.py).
SELECT_NODES = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN collect([n.id, n.kind, n.props]) AS rows"

#: find_nodes: the filter is a map parameter of scalar copies; ``$missing`` lists keys that must be absent.
_FIND_WHERE = (
    "WHERE all(k IN keys($equal) WHERE n[k] = $equal[k]) "
    "AND none(k IN $missing WHERE k IN n.pkeys) "
    "RETURN n.id AS id, n.kind AS kind, n.props AS props ORDER BY n.nid SKIP $offset LIMIT $limit"
)
FIND_NODES_ANY_KIND = f"MATCH (n:Node) {_FIND_WHERE}"
FIND_NODES: dict[NodeKind, str] = {kind: f"MATCH (n:{kind.label}) {_FIND_WHERE}" for kind in NodeKind}
#: find_ids: a prefix of the id, read from the ``modelctx_node_id_unique`` constraint's index.
FIND_IDS = (
    "MATCH (n:Node) WHERE n.id STARTS WITH $prefix AND n.id > $after RETURN n.id AS id ORDER BY n.id LIMIT $limit"
)

_EDGE_RETURN = f"RETURN collect([a.id, a.nid, type(r), b.id, b.nid, {edge_props('r')}]) AS rows"
SELECT_EDGES_OUT = f"UNWIND $ids AS id MATCH (a:Node {{id: id}})-[r]->(b:Node) WHERE type(r) IN $types {_EDGE_RETURN}"
SELECT_EDGES_IN = f"UNWIND $ids AS id MATCH (a:Node)-[r]->(b:Node {{id: id}}) WHERE type(r) IN $types {_EDGE_RETURN}"

# One breadth-first level: the frontier's neighbours over the allowed types.
EXPAND_UP = (
    "UNWIND $frontier AS id MATCH (a:Node {id: id})-[r]->(b:Node) WHERE type(r) IN $types "
    "RETURN DISTINCT b.id AS id, b.nid AS nid, b.kind AS kind"
)
EXPAND_DOWN = (
    "UNWIND $frontier AS id MATCH (a:Node {id: id})<-[r]-(b:Node) WHERE type(r) IN $types "
    "RETURN DISTINCT b.id AS id, b.nid AS nid, b.kind AS kind"
)



@functools.lru_cache(maxsize=256)
def closure_query(direction: str, types: frozenset[EdgeType], max_depth: int | None) -> str:
    """The closure over ``types`` as one bounded variable-length pattern, after the starts found (depth 0).

    Relationship types must be literal for Neo4j to plan a pruning breadth-first
    expand (each node visited once, its shortest depth kept), so the pattern
    names them: the text comes from ``EdgeType`` members only (anything else is
    rejected here), and the bound is an ``int``.
    """
    if not types or not all(isinstance(t, EdgeType) for t in types):
        raise ValueError(f"closure_query needs EdgeType members, got {sorted(map(str, types))}")
    names = "|".join(sorted(t.value for t in types))
    bound = "" if max_depth is None else str(int(max_depth))
    arrow = f"-[:{names}*1..{bound}]->" if direction == "up" else f"<-[:{names}*1..{bound}]-"
    # One row per part, with lists: thousands of one-node records cost the driver far more than one record
    # of lists. The first part lists the starts that exist, so the same round trip also checks them.
    return (
        "UNWIND $starts AS sid MATCH (s:Node {id: sid}) "
        "RETURN true AS starts, collect(s.id) AS ids, [] AS nids, [] AS kinds, [] AS depths "
        "UNION ALL "
        f"UNWIND $starts AS sid MATCH (s:Node {{id: sid}}) MATCH p = (s){arrow}(b:Node) "
        "WITH b, min(length(p)) AS depth WHERE NOT b.id IN $starts AND ($kinds IS NULL OR b.kind IN $kinds) "
        "RETURN false AS starts, collect(b.id) AS ids, collect(b.nid) AS nids, collect(b.kind) AS kinds, "
        "collect(depth) AS depths"
    )


CHANGES_PAGE = (
    "MATCH (c:ChangeLog) WHERE c.seq > $since "
    "RETURN c.seq AS seq, c.at AS at, c.actor AS actor, c.op AS op, c.payload AS payload, "
    "c.prev_hash AS prev_hash, c.hash AS hash ORDER BY c.seq LIMIT $limit"
)

# Counts per label and per type are answered from Neo4j's count store, without a scan.
COUNT_NODES_BY_KIND = " UNION ALL ".join(
    f"MATCH (n:{kind.label}) RETURN '{kind.value}' AS key, count(n) AS n" for kind in NodeKind
)
COUNT_EDGES_BY_TYPE = " UNION ALL ".join(
    f"MATCH ()-[r:{etype.value}]->() RETURN '{etype.value}' AS key, count(r) AS n" for etype in EdgeType
)

#: Remove everything modelctx stores (tests, benchmarks), in batches small enough for the server's
#: transaction memory: relationships first, so a node's deletion never carries its edges along.
DELETE_EDGES_BATCH = "MATCH (:Node)-[r]->() WITH r LIMIT $batch DELETE r RETURN count(*) AS deleted"
DELETE_NODES_BATCH = (
    "MATCH (n) WHERE n:Node OR n:ChangeLog OR n:ChangeLogHead OR n:ApiToken OR n:ApiTokenCounter "
    "WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"
)

# -- verify_integrity (graph/integrity.py, neo4j_verify.py) --------------------------------------------------
# The stored side is read in ranges of nid: a range holds every node of its nids (duplicates too), and each
# range is one record of lists. Nodes the ranges cannot reach — a Node without an integer nid, or a node
# carrying a kind's label but not Node — are read by one more statement.

_KIND_LABELS = " OR ".join(f"n:{kind.label}" for kind in NodeKind)
_SCAN_NODE_ROW = (
    "[n.nid, n.id, n.kind, n.props, labels(n), n.pkeys, [k IN keys(n) WHERE k STARTS WITH 'p.' | [k, n[k]]]]"
)
_NUMBERED = "valueType(n.nid) = 'INTEGER NOT NULL'"
_UNNUMBERED = f"(n:Node AND (n.nid IS NULL OR NOT {_NUMBERED})) OR (NOT n:Node AND ({_KIND_LABELS}))"
#: The smallest integer nid at or above $from (None when there is none).
SCAN_NEXT_NID = f"MATCH (n:Node) WHERE n.nid >= $from AND {_NUMBERED} RETURN min(n.nid) AS nid"
SCAN_NODES_RANGE = (
    f"MATCH (n:Node) WHERE n.nid >= $lo AND n.nid < $hi AND {_NUMBERED} RETURN collect({_SCAN_NODE_ROW}) AS rows"
)
SCAN_NODES_UNNUMBERED = f"MATCH (n) WHERE {_UNNUMBERED} RETURN collect({_SCAN_NODE_ROW}) AS rows"
SCAN_EDGES_RANGE = (
    f"MATCH (n:Node)-[r]->(b) WHERE n.nid >= $lo AND n.nid < $hi AND {_NUMBERED} "
    f"RETURN collect([n.id, type(r), b.id, {edge_props('r')}]) AS rows"
)
SCAN_EDGES_UNNUMBERED = (
    f"MATCH (n)-[r]->(b) WHERE {_UNNUMBERED} RETURN collect([n.id, type(r), b.id, {edge_props('r')}]) AS rows"
)
#: The log in small pages: an entry holds up to 1,000 records, so 5,000 entries could be a gigabyte.
SCAN_CHANGES_PAGE = 200
