"""Every SQL statement of the search index file (``<data_dir>/search/index.sqlite``).

Statements take parameters only; user text never becomes SQL. FTS5 query text
is built by :func:`modelctx.search.keyword_index.match_expression`, which
quotes every term, so user input cannot reach the FTS5 query syntax either.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    slot INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    project TEXT,
    at REAL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL,
    passage_digest TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_seq ON docs(seq);
CREATE INDEX IF NOT EXISTS docs_title ON docs(title COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS embeddings (digest TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, body, context, tokenize = 'porter unicode61');
"""

DROP_DOCS: tuple[str, ...] = (
    "DELETE FROM meta",
    "DROP TABLE IF EXISTS docs",
    "DROP TABLE IF EXISTS docs_fts",
)
DROP_CACHE = "DROP TABLE IF EXISTS embeddings"

GET_META = "SELECT value FROM meta WHERE key = ?"
SET_META = "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"

SELECT_DOCS_BY_NODE = "SELECT slot, node_id, digest, at FROM docs WHERE node_id IN ({marks})"
INSERT_DOC = (
    "INSERT INTO docs(slot, node_id, kind, project, at, title, body, context, digest, passage_digest, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_DOC = (
    "UPDATE docs SET kind = ?, project = ?, at = ?, title = ?, body = ?, context = ?, digest = ?, passage_digest = ?, "
    "seq = ? "
    "WHERE slot = ?"
)
MAX_SLOT = "SELECT COALESCE(MAX(slot), -1) FROM docs"
COUNT_DOCS = "SELECT COUNT(*) FROM docs"
DELETE_FTS = "DELETE FROM docs_fts WHERE rowid = ?"
INSERT_FTS = "INSERT INTO docs_fts(rowid, title, body, context) VALUES (?, ?, ?, ?)"

SELECT_CACHED_DIGESTS = "SELECT digest FROM embeddings WHERE digest IN ({marks})"
INSERT_EMBEDDING = "INSERT OR IGNORE INTO embeddings(digest, vector) VALUES (?, ?)"

#: Rows changed after a given sequence, with their vectors and passage vectors (for the in-memory matrices).
SELECT_ROWS_SINCE = (
    "SELECT d.slot, d.kind, d.project, d.at, e.vector, p.vector FROM docs d "
    "JOIN embeddings e ON e.digest = d.digest JOIN embeddings p ON p.digest = d.passage_digest "
    "WHERE d.seq > ? ORDER BY d.slot"
)
SELECT_DOCS_BY_SLOT = (
    "SELECT slot, node_id, kind, project, at, title, body, context FROM docs WHERE slot IN ({marks})"
)
#: Documents whose title is exactly the given text, ignoring case (an exactly typed title).
SELECT_SLOTS_BY_TITLE = "SELECT slot FROM docs WHERE title = ? COLLATE NOCASE ORDER BY slot LIMIT ?"
SELECT_SLOTS_BY_NODE = "SELECT node_id, slot FROM docs WHERE node_id IN ({marks})"

#: BM25 hits; ``bm25()`` is lower-is-better, weights favour the title column and put the
#: neighbourhood (``search/neighbourhood.py``) below the node's own text.
KEYWORD_SEARCH = (
    "SELECT f.rowid, bm25(docs_fts, 2.0, 1.0, 0.1) AS rank FROM docs_fts f "
    "JOIN docs d ON d.slot = f.rowid "
    "WHERE docs_fts MATCH ? "
    "AND (? IS NULL OR d.kind = ?) "
    "AND (? IS NULL OR d.project = ?) "
    "AND (? IS NULL OR d.project = ? OR d.project IS NULL) "
    "AND (? IS NULL OR d.at >= ?) "
    "AND (? IS NULL OR d.at <= ?) "
    "ORDER BY rank LIMIT ?"
)

#: The unfiltered case skips the join (about a third faster at 100k documents).
KEYWORD_SEARCH_ALL = (
    "SELECT rowid, bm25(docs_fts, 2.0, 1.0, 0.1) AS rank FROM docs_fts WHERE docs_fts MATCH ? ORDER BY rank LIMIT ?"
)

#: Documents matching one quoted term (``search/keyword_index.py`` leaves out terms half of them contain).
COUNT_MATCHES = "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?"

MAX_IN = 500


def in_marks(n: int) -> str:
    return ",".join("?" * n)
