"""Semantic and hybrid search over the provenance graph (``docs/design.md``, "Search").

The search index is *derived*: every node becomes one document, embedded with
all-MiniLM-L6-v2 and indexed for BM25, and the index catches up from the
store's change log. Importing this package is free; the embedding model is
loaded only by :mod:`modelctx.search.embedder` when a search or index runs.
"""
