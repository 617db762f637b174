"""Every Cypher statement of the store-resident search index (``neo4j_search.py``), as named constants.

Storage shape, beside the graph and never mixed into it:

- One ``(:SearchDoc {node_id, slot, generation, model, kind, project, at, title,
  title_lower, body, context, digest, embedding, passage_digest, passage_embedding})``
  per indexed node. A node of
  its own rather than properties on the graph node: the document is derived
  data with its own lifecycle (a new model or a replaced store drops them all),
  graph reads and the integrity scan (``neo4j_verify.py``) never see it, and the
  vector and full-text indexes cover exactly one label.
- ``embedding`` is a 32-bit float array (``db.create.setNodeVectorProperty``),
  indexed by a native vector index (cosine) named for its dimension;
  ``passage_embedding`` (the node's own words alone, ``search/documents.py``
  ``passage_text``) by a second one (one vector index covers one property); title,
  body and context by one full-text index (Lucene's English analyzer: stemming
  as the embedded index's porter tokenizer does).
- ``(:SearchIndexState {key: 'search'})`` holds the model, the layout, the
  covered change-log sequence and its hash, the generation and the next slot;
  writers lock it first, which makes the commit a compare-and-set.

Statements take parameters only. The full-text query is a parameter too (``$text``); its
text is built by ``neo4j_search.lucene_query`` from plain words, each quoted.
The only substitution is the vector dimension, an ``int``.
"""

from __future__ import annotations

STATE_KEY = "search"
FULLTEXT_INDEX = "modelctx_search_text"
VECTOR_INDEX_PREFIX = "modelctx_search_vectors_"
PASSAGE_INDEX_PREFIX = "modelctx_search_passages_"
#: The vector property of a search document, and of its passage, each with its vector index's name prefix.
EMBEDDING = "embedding"
PASSAGE_EMBEDDING = "passage_embedding"
VECTOR_PROPERTIES: dict[str, str] = {EMBEDDING: VECTOR_INDEX_PREFIX, PASSAGE_EMBEDDING: PASSAGE_INDEX_PREFIX}

SCHEMA: dict[str, str] = {
    "modelctx_search_doc_node": (
        "CREATE CONSTRAINT modelctx_search_doc_node IF NOT EXISTS FOR (d:SearchDoc) REQUIRE d.node_id IS UNIQUE"
    ),
    "modelctx_search_doc_slot": (
        "CREATE CONSTRAINT modelctx_search_doc_slot IF NOT EXISTS FOR (d:SearchDoc) REQUIRE d.slot IS UNIQUE"
    ),
    "modelctx_search_state": (
        "CREATE CONSTRAINT modelctx_search_state IF NOT EXISTS FOR (s:SearchIndexState) REQUIRE s.key IS UNIQUE"
    ),
    "modelctx_search_doc_digest": (
        "CREATE INDEX modelctx_search_doc_digest IF NOT EXISTS FOR (d:SearchDoc) ON (d.digest)"
    ),
    "modelctx_search_doc_passage_digest": (
        "CREATE INDEX modelctx_search_doc_passage_digest IF NOT EXISTS FOR (d:SearchDoc) ON (d.passage_digest)"
    ),
    "modelctx_search_doc_title": (
        "CREATE INDEX modelctx_search_doc_title IF NOT EXISTS FOR (d:SearchDoc) ON (d.title_lower)"
    ),
    "modelctx_search_doc_kind": "CREATE INDEX modelctx_search_doc_kind IF NOT EXISTS FOR (d:SearchDoc) ON (d.kind)",
    "modelctx_search_doc_generation": (
        "CREATE INDEX modelctx_search_doc_generation IF NOT EXISTS FOR (d:SearchDoc) ON (d.generation)"
    ),
    FULLTEXT_INDEX: (
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (d:SearchDoc) ON EACH [d.title, d.body, d.context] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}"
    ),
}


def vector_index_name(dim: int, prop: str = EMBEDDING) -> str:
    """The vector index of ``prop`` (one of :data:`VECTOR_PROPERTIES`) for ``dim``-float embeddings."""
    return f"{VECTOR_PROPERTIES[prop]}{int(dim)}"


def drop_vector_index(name: str) -> str:
    """Drop a search vector index by its name (one ``SHOW_SEARCH_VECTOR_INDEXES`` listed, never user text)."""
    if not name.startswith(tuple(VECTOR_PROPERTIES.values())):
        raise ValueError(f"not a search vector index: {name!r}")
    return f"DROP INDEX {name} IF EXISTS"


#: HNSW links per node, as the embedded index's FAISS HNSW (``search/vector_index.py`` HNSW_M); Neo4j's default is 16.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 100


def create_vector_index(dim: int, prop: str = EMBEDDING) -> str:
    """The vector index of ``prop`` (one of :data:`VECTOR_PROPERTIES`) for ``dim``-float embeddings (an int).

    Quantization off: scores are the exact cosines of the stored vectors, as
    in the embedded index, so the relevance floor (``search/hybrid.py``) means
    the same on both.
    """
    return (
        f"CREATE VECTOR INDEX {vector_index_name(dim, prop)} IF NOT EXISTS FOR (d:SearchDoc) ON d.{prop} "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dim)}, `vector.similarity_function`: 'cosine', "
        f"`vector.hnsw.m`: {HNSW_M}, `vector.hnsw.ef_construction`: {HNSW_EF_CONSTRUCTION}, "
        "`vector.quantization.enabled`: false}}"
    )


SHOW_INDEX_NAMES = "SHOW INDEXES YIELD name"
SHOW_CONSTRAINT_NAMES = "SHOW CONSTRAINTS YIELD name"
SHOW_SEARCH_VECTOR_INDEXES = (
    f"SHOW VECTOR INDEXES YIELD name WHERE name STARTS WITH '{VECTOR_INDEX_PREFIX}' "
    f"OR name STARTS WITH '{PASSAGE_INDEX_PREFIX}'"
)
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

# -- state ---------------------------------------------------------------------------------------------------

READ_STATE = (
    "MATCH (s:SearchIndexState {key: $key}) RETURN s.model AS model, s.dim AS dim, s.schema AS schema, "
    "s.last_seq AS last_seq, s.last_hash AS last_hash, s.generation AS generation"
)
#: Take the state's write lock (held until commit) and read it: the first statement of every writer.
LOCK_STATE = (
    "MERGE (s:SearchIndexState {key: $key}) ON CREATE SET s.next_slot = 0 "
    "SET s.locks = coalesce(s.locks, 0) + 1 "
    "RETURN s.last_seq AS last_seq, s.generation AS generation, s.next_slot AS next_slot"
)
RESET_STATE = (
    "MATCH (s:SearchIndexState {key: $key}) SET s.model = $model, s.dim = $dim, s.schema = $schema, "
    "s.last_seq = 0, s.last_hash = '', s.generation = $generation"
)
ADVANCE_STATE = (
    "MATCH (s:SearchIndexState {key: $key}) SET s.last_seq = $seq, s.last_hash = $hash, s.next_slot = $next_slot"
)
#: Documents of earlier generations, deleted in batches after a reset.
DELETE_OLD_DOCS = (
    "MATCH (d:SearchDoc) WHERE d.generation <> $generation "
    "WITH d LIMIT $batch DETACH DELETE d RETURN count(*) AS deleted"
)
DELETE_ALL_BATCH = (
    "MATCH (d) WHERE d:SearchDoc OR d:SearchIndexState WITH d LIMIT $batch DETACH DELETE d RETURN count(*) AS deleted"
)

# -- writing -------------------------------------------------------------------------------------------------

EXISTING = (
    "UNWIND $ids AS id MATCH (d:SearchDoc {node_id: id}) WHERE d.generation = $generation "
    "RETURN collect([d.node_id, d.slot, d.at]) AS rows"
)
SLOTS_OF_ANY_GENERATION = (
    "UNWIND $ids AS id MATCH (d:SearchDoc {node_id: id}) RETURN collect([d.node_id, d.slot]) AS rows"
)
CACHED_VECTORS = (
    "UNWIND $digests AS digest MATCH (d:SearchDoc {digest: digest}) WHERE d.model = $model AND d.embedding IS NOT NULL "
    "WITH digest, head(collect(d.embedding)) AS vector RETURN collect([digest, vector]) AS rows"
)
CACHED_PASSAGE_VECTORS = (
    "UNWIND $digests AS digest MATCH (d:SearchDoc {passage_digest: digest}) "
    "WHERE d.model = $model AND d.passage_embedding IS NOT NULL "
    "WITH digest, head(collect(d.passage_embedding)) AS vector RETURN collect([digest, vector]) AS rows"
)
_SET_DOC = (
    "MERGE (d:SearchDoc {node_id: row.node_id}) "
    "SET d.slot = row.slot, d.generation = $generation, d.model = $model, d.kind = row.kind, "
    "d.project = row.project, d.at = row.at, d.title = row.title, d.title_lower = toLower(row.title), "
    "d.body = row.body, d.context = row.context, d.digest = row.digest, d.passage_digest = row.passage_digest "
)
WRITE_DOCS_WITH_VECTORS = (
    "UNWIND $rows AS row " + _SET_DOC
    + f"WITH d, row CALL db.create.setNodeVectorProperty(d, '{EMBEDDING}', row.vector) "
    + f"WITH d, row CALL db.create.setNodeVectorProperty(d, '{PASSAGE_EMBEDDING}', row.passage_vector)"
)
WRITE_DOCS_WITHOUT_VECTORS = "UNWIND $rows AS row " + _SET_DOC + f"REMOVE d.{EMBEDDING}, d.{PASSAGE_EMBEDDING}"

# -- reading -------------------------------------------------------------------------------------------------

#: The filter every read applies (``search/vector_index.py`` Filter): a parameter left null allows anything.
_ALLOWED = (
    "($kind IS NULL OR d.kind = $kind) "
    "AND ($project IS NULL OR d.project = $project) "
    "AND ($scope IS NULL OR d.project = $scope OR d.project IS NULL) "
    "AND ($since IS NULL OR d.at >= $since) "
    "AND ($until IS NULL OR d.at <= $until)"
)
KEYWORD = (
    f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $text) YIELD node AS d, score "
    f"WHERE {_ALLOWED} WITH d, score LIMIT $k RETURN collect([d.slot, score]) AS rows"
)
KEYWORD_ALL = (
    f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $text, {{limit: $k}}) YIELD node AS d, score "
    "RETURN collect([d.slot, score]) AS rows"
)
#: How many documents match each query (document frequencies, for the FTS5-style IDF of ``neo4j_search``).
MATCH_COUNTS = (
    "UNWIND $queries AS q CALL { WITH q "
    f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', q) YIELD node RETURN count(node) AS n }} "
    "RETURN collect(n) AS counts"
)
ALL_DOCS = "MATCH (d:SearchDoc) RETURN count(d) AS n"
#: Approximate nearest neighbours from the vector index, then filtered (over-fetched by the caller).
VECTOR = (
    "CALL db.index.vector.queryNodes($index, $fetch, $vector) YIELD node AS d, score "
    f"WHERE {_ALLOWED} RETURN collect([d.slot, score]) AS rows"
)
#: Exact nearest neighbours among the documents the filter allows (pre-filtered brute force); ``$property`` is
#: one of :data:`VECTOR_PROPERTIES`.
VECTOR_EXACT = (
    f"MATCH (d:SearchDoc) WHERE d[$property] IS NOT NULL AND {_ALLOWED} "
    "WITH d, vector.similarity.cosine(d[$property], $vector) AS score ORDER BY score DESC, d.slot LIMIT $k "
    "RETURN collect([d.slot, score]) AS rows"
)
#: The same, starting from the documents of one kind (an index seek rather than a scan of every document).
VECTOR_EXACT_KIND = (
    f"MATCH (d:SearchDoc {{kind: $kind}}) WHERE d[$property] IS NOT NULL AND {_ALLOWED} "
    "WITH d, vector.similarity.cosine(d[$property], $vector) AS score ORDER BY score DESC, d.slot LIMIT $k "
    "RETURN collect([d.slot, score]) AS rows"
)
SLOTS_BY_NODE = "UNWIND $ids AS id MATCH (d:SearchDoc {node_id: id}) RETURN collect([d.node_id, d.slot]) AS rows"
SLOTS_BY_TITLE = (
    "MATCH (d:SearchDoc) WHERE d.title_lower = $title RETURN d.slot AS slot ORDER BY slot LIMIT $limit"
)
ALLOWED_SLOTS = f"UNWIND $slots AS s MATCH (d:SearchDoc {{slot: s}}) WHERE {_ALLOWED} RETURN collect(d.slot) AS slots"
KINDS = "UNWIND $slots AS s MATCH (d:SearchDoc {slot: s}) RETURN collect([d.slot, d.kind]) AS rows"
DOCUMENTS = (
    "UNWIND $slots AS s MATCH (d:SearchDoc {slot: s}) "
    "RETURN collect([d.slot, d.node_id, d.kind, d.project, d.at, d.title, d.body, d.context]) AS rows"
)
COUNT = "MATCH (d:SearchDoc) WHERE d.generation = $generation RETURN count(d) AS n"
