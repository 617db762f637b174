"""Every SQL statement of the search index file (``<data_dir>/search/index.sqlite``).

Statements take parameters only; user text never becomes SQL. FTS5 query text
is built by :func:`modelctx.search.keyword_index.match_expression`, which
quotes every term, so user input cannot reach the FTS5 query syntax either.
"""

from __future__ import annotations

#: FTS5's tokenizer for documents and query terms (``search/keyword_index.py`` tokenizes with it too).
TOKENIZE = "porter unicode61"
#: ``bm25()`` column weights: the title above the body, the neighbourhood (``search/neighbourhood.py``) below both.
BM25_WEIGHTS = (2.0, 1.0, 0.1)
_BM25 = f"bm25(docs_fts, {', '.join(repr(w) for w in BM25_WEIGHTS)})"

SCHEMA = f"""
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
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, body, context, tokenize = '{TOKENIZE}');
"""

DROP_DOCS: tuple[str, ...] = (
    "DELETE FROM meta",
    "DROP TABLE IF EXISTS docs",
    "DROP TABLE IF EXISTS docs_fts",
)
DROP_CACHE = "DROP TABLE IF EXISTS embeddings"

GET_META = "SELECT value FROM meta WHERE key = ?"
SELECT_META_KEYS = "SELECT key, value FROM meta WHERE key IN (?, ?)"
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
#: Each document's node id by slot (``search/index.py`` keeps them in memory): all of them, those written after a
#: sequence, those of some slots.
SELECT_NODE_IDS = "SELECT slot, node_id FROM docs"
SELECT_NODE_IDS_SINCE = "SELECT slot, node_id FROM docs WHERE seq > ?"
SELECT_NODE_IDS_BY_SLOT = "SELECT slot, node_id FROM docs WHERE slot IN ({marks})"
SELECT_DOCS_BY_SLOT = (
    "SELECT slot, node_id, kind, project, at, title, body, context FROM docs WHERE slot IN ({marks})"
)
#: Documents whose title is exactly the given text, ignoring case (an exactly typed title).
SELECT_SLOTS_BY_TITLE = "SELECT slot FROM docs WHERE title = ? COLLATE NOCASE ORDER BY slot LIMIT ?"
SELECT_SLOTS_BY_NODE = "SELECT node_id, slot FROM docs WHERE node_id IN ({marks})"

#: BM25 hits; ``bm25()`` is lower-is-better, weights favour the title column and put the
#: neighbourhood (``search/neighbourhood.py``) below the node's own text.
KEYWORD_SEARCH = (
    f"SELECT f.rowid, {_BM25} AS rank FROM docs_fts f "
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
    f"SELECT rowid, {_BM25} AS rank FROM docs_fts WHERE docs_fts MATCH ? ORDER BY rank LIMIT ?"
)

#: Documents matching one quoted term (``search/keyword_index.py`` leaves out terms half of them contain).
COUNT_MATCHES = "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?"

#: What ``search/keyword_index.py`` ``Postings`` reads of FTS5's own index (``fts5vocab``, the shadow tables).
CREATE_TERMS = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.docs_fts_terms USING fts5vocab(main, docs_fts, 'instance')"
#: Every occurrence of one token, by document then position (the vocabulary table's own order).
SELECT_TERM_INSTANCES = "SELECT doc, col FROM temp.docs_fts_terms WHERE term = ?"
#: How many documents each token is in (``Postings.frequent_tokens``), from FTS5's vocabulary.
CREATE_TOKEN_COUNTS = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.docs_fts_rows USING fts5vocab(main, docs_fts, 'row')"
SELECT_FREQUENT_TOKENS = "SELECT term, doc FROM temp.docs_fts_rows WHERE doc >= ? ORDER BY doc DESC, term"
#: FTS5's totals: the number of rows and the tokens in each column (its "averages" record, id 1).
SELECT_FTS_TOTALS = "SELECT block FROM docs_fts_data WHERE id = 1"
#: Every document's size in tokens, per column (varints).
SELECT_DOC_SIZES = "SELECT id, sz FROM docs_fts_docsize"
SELECT_DOC_SIZES_OF = "SELECT id, sz FROM docs_fts_docsize WHERE id IN ({marks})"
#: Documents written after a sequence: their text, to tokenize again.
SELECT_TEXT_SINCE = "SELECT slot, title, body, context FROM docs WHERE seq > ?"
#: A scratch FTS5 table in a private in-memory database, to tokenize text exactly as ``docs_fts`` does.
SCRATCH_SCHEMA = (
    f"CREATE VIRTUAL TABLE scratch USING fts5(title, body, context, tokenize = '{TOKENIZE}');"
    "CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch, 'instance');"
)
INSERT_SCRATCH = "INSERT INTO scratch(rowid, title, body, context) VALUES (?, ?, ?, ?)"
SELECT_SCRATCH_INSTANCES = "SELECT term, doc, col, offset FROM scratch_terms"
CLEAR_SCRATCH = "DELETE FROM scratch"

MAX_IN = 500


def in_marks(n: int) -> str:
    return ",".join("?" * n)
