"""The typed interface a store offers to keep the search index inside itself (Neo4j: ``backends/neo4j_search.py``).

With a team store, every API process must answer a search the same way, so
the derived search index (``search/index.py`` describes what it holds) lives
in the store rather than beside each process. The search package speaks to it
only through :class:`SearchDocStore`; the query language stays in the backend.

Documents are addressed by *slot*, an integer the store hands out once per
node id (as the embedded index's row number), so the ranking code
(``search/service.py``) works on the same ``(slot, score)`` pairs whatever
the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class DocFilter(Protocol):
    """Which documents may match (``search/vector_index.py`` ``Filter`` is one): kind, project, scope, time."""

    kind: str | None
    project: str | None
    scope: str | None
    since: float | None
    until: float | None


@dataclass(frozen=True, slots=True)
class DocWrite:
    """One document to store, replacing the node's previous one; the vectors None when search is keyword-only.

    ``passage_vector`` embeds the node's own words alone (``search/documents.py`` ``passage_text``),
    ``passage_digest`` is its text's digest.
    """

    node_id: str
    kind: str
    project: str | None
    at: float | None
    title: str
    body: str
    context: str
    digest: str
    vector: Sequence[float] | None
    passage_digest: str = ""
    passage_vector: Sequence[float] | None = None


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """A stored document as the ranking code reads it."""

    slot: int
    node_id: str
    kind: str
    project: str | None
    at: float | None
    title: str
    body: str
    context: str


@dataclass(frozen=True, slots=True)
class IndexState:
    """What the stored index covers: the embedding model, its layout, the change-log entry and its hash.

    ``generation`` changes with every reset, so a writer that read the index
    before a reset can never commit documents computed against it.
    """

    model: str
    dim: int
    schema: str
    last_seq: int
    last_hash: str
    generation: str


class SearchDocStore(Protocol):
    """Search documents, their vectors and the covered change-log sequence, kept in the graph store."""

    def state(self) -> IndexState | None:
        """The index's state, None before the first reset."""

    def reset(self, model: str, dim: int, schema: str) -> IndexState:
        """A new generation at sequence 0 for ``model`` (``dim`` floats); old documents stay until ``prune``."""

    def prune(self, generation: str) -> int:
        """Delete the documents of generations other than ``generation``; returns how many."""

    def existing(self, node_ids: Sequence[str]) -> dict[str, tuple[int, float | None]]:
        """(slot, at) of the stored documents of ``node_ids``."""

    def cached_vectors(self, digests: Sequence[str]) -> dict[str, list[float]]:
        """Vectors already stored for texts with these digests, a document's or a passage's (an unchanged text is
        not re-embedded)."""

    def commit(self, docs: Sequence[DocWrite], expected: IndexState, seq: int, seq_hash: str) -> bool:
        """Write ``docs`` and advance the covered sequence to ``seq``, only if the index is still at ``expected``.

        Compare-and-set in one transaction: False (and nothing written) when
        another writer advanced or reset the index in between.
        """

    def keyword(self, terms: Sequence[str], k: int, where: DocFilter) -> list[tuple[int, float]]:
        """The ``k`` best full-text matches of any of ``terms`` (plain words) that ``where`` allows."""

    def vector(self, vector: Sequence[float], k: int, where: DocFilter) -> list[tuple[int, float]]:
        """The ``k`` nearest documents (slot, cosine in [-1, 1]) that ``where`` allows, best first."""

    def passage_vector(self, vector: Sequence[float], k: int, where: DocFilter) -> list[tuple[int, float]]:
        """The ``k`` documents with the nearest passage vectors, as :meth:`vector`."""

    def slots_by_node(self, node_ids: Sequence[str]) -> dict[str, int]:
        """Slots of the documents of ``node_ids``."""

    def slots_by_title(self, title: str, limit: int) -> list[int]:
        """Slots of documents titled ``title`` (case aside), lowest first."""

    def allowed(self, slots: Sequence[int], where: DocFilter) -> set[int]:
        """Those of ``slots`` that ``where`` allows."""

    def kinds(self, slots: Sequence[int]) -> dict[int, str]:
        """The kind of each stored slot."""

    def documents(self, slots: Sequence[int]) -> dict[int, StoredDoc]:
        """The stored documents of ``slots``."""

    def count(self) -> int:
        """How many documents are stored."""
