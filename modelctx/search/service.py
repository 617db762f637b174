"""Search over one store: catch up, rank (keyword, vector or hybrid), filter, add graph context.

``SearchService`` is what the CLI and the API call. A search from the CLI or
the library first catches the index up with the change log (a cheap
``last_seq`` read when nothing changed), so results never miss a write. The
API never indexes inside a request (``catch_up=False``): a background thread
keeps the index current (``search/catchup.py``) and each answer says how many
change-log entries it does not cover yet (``pending_changes``).

Project scope: a search runs on the caller's view of the store
(``graph/scoped.py``); only nodes the view shows become hits or context.
``project`` is an ordinary filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from modelctx.errors import ValidationError
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search import questions
from modelctx.search.chunks import chunks
from modelctx.search.context import graph_context, shown_with_context
from modelctx.search.documents import build_document, snippet
from modelctx.search.embedder import Embedder, default_embedder, models_dir_for
from modelctx.search.hybrid import (
    EXACT_SCORE,
    KEYWORD_CANDIDATES,
    KEYWORD_WEIGHT,
    PASSAGE_WEIGHT,
    PROXIMITY_POOL,
    PROXIMITY_TOP,
    VECTOR_CANDIDATES,
    VECTOR_WEIGHT,
    above_floor,
    boost_kinds,
    exact_first,
    fuse,
    near_the_strongest,
)
from modelctx.search.index import DocRow, Progress, SyncReport, open_index
from modelctx.search.intent import exact_ids, kind_hints
from modelctx.search.messages import SEMANTIC_OFF_NOTE, no_results, nothing_answers
from modelctx.search.neighbourhood import adjacent
from modelctx.search.vector_index import Filter
from modelctx.search.when import Window, split_time
from modelctx.times import check_span, lower_bound, upper_bound
from modelctx.times import now as current_time

T = TypeVar("T")
Mode = Literal["hybrid", "vector", "keyword"]
MODES: tuple[str, ...] = ("hybrid", "vector", "keyword")
MAX_LIMIT = 200
#: How many more candidates a scoped search ranks than it returns.
SCOPED_OVERFETCH = 3
#: Ranked candidates searched for an entity a question names (``search/questions/``).
RESOLVE_CANDIDATES = 25
#: Threads that search keywords while the caller's thread embeds the query (ONNX Runtime releases the GIL). One
#: hand-off a search: the passages' vector search and the graph reads run in the caller's thread, since beside
#: the documents' vector search and the snippets they saved wall time only on an idle second core, and cost CPU.
POOL_THREADS = 2


@dataclass(slots=True)
class Hit:
    """One search result."""

    id: str
    kind: str
    score: float
    title: str
    snippet: str
    project: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    #: For an answer to a question about structure: the path that makes it one (``search/questions/``).
    answer: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "score": round(self.score, 6), "title": self.title,
            "snippet": self.snippet, "project": self.project, "context": self.context, "answer": self.answer,
        }


class Hits(list[Hit]):
    """A search's hits, best first, and the question about structure the query was read as, if any.

    ``question`` (the shape's documented example, ``search/questions/``) is
    set even when nothing in the graph answers it: ranked hits then only fill
    the list, and :meth:`SearchService.answer` says so rather than let them
    pass for answers.
    """

    question: questions.Shape | None = None
    answered: int = 0
    #: What the question asks, with the time it names ("what a person did (last week)"); None for a ranking.
    reads_as: str | None = None


def time_window(
    since: str | None, until: str | None, *, names: tuple[str, str] = ("since", "until")
) -> tuple[float | None, float | None]:
    """A ``since``/``until`` pair as epoch seconds, both inclusive (``modelctx/times.py``: a date is a whole day)."""
    start, end = lower_bound(since, names[0]), upper_bound(until, names[1])
    check_span(start, end, f"the time from {names[0]} {since} to {names[1]} {until}")
    return (start.timestamp() if start else None, end.timestamp() if end else None)


class SearchService:
    """Keyword, vector and hybrid search over one store's derived index."""

    def __init__(
        self, store: GraphStore, folder: Path, embedder: Embedder | None = None, **index_options: Any
    ) -> None:
        self.store = store
        models_dir = index_options.pop("models_dir", None)
        self.embedder = embedder or default_embedder(models_dir)
        self.index_options = index_options
        self.index = open_index(store, folder, self.embedder, **index_options)
        #: Fusion weights of the (enriched vector, passage vector, keyword) rankings (``search/hybrid.py`` ``fuse``).
        self.weights = (VECTOR_WEIGHT, PASSAGE_WEIGHT, KEYWORD_WEIGHT)
        #: Answer questions about structure from the graph (``search/questions/``); off only to measure without.
        self.questions = True
        self._pool = ThreadPoolExecutor(POOL_THREADS, thread_name_prefix="modelctx-search")

    @classmethod
    def for_client(cls, client: Any, embedder: Embedder | None = None, **index_options: Any) -> SearchService:
        """The service over ``client.store`` with its index in ``client.data_dir / "search"``."""
        index_options.setdefault("models_dir", models_dir_for(Path(client.home)))
        return cls(client.store, Path(client.data_dir) / "search", embedder, **index_options)

    @property
    def note(self) -> str | None:
        """What a searcher should know about this install (semantic search off), else None."""
        return None if self.embedder.semantic else SEMANTIC_OFF_NOTE

    def answer(self, query: str, mode: str, hits: list[Hit], pending: int | None = None) -> dict[str, Any]:
        """A search's answer as the CLI, the API and the MCP server print it: hits, what is not yet indexed, why empty.

        ``note`` says why there are no hits (nothing matches the query) and/or that semantic search is off.
        """
        notes = [self.note] if self.note else []
        question = hits.question if isinstance(hits, Hits) else None
        answered = hits.answered if isinstance(hits, Hits) else 0
        reads_as = (hits.reads_as if isinstance(hits, Hits) else None) or (question.meaning if question else None)
        if question is not None and not answered:
            notes.insert(0, nothing_answers(str(reads_as)))
        elif query.strip() and not hits:
            notes.insert(0, no_results(query))
        return {"query": query, "mode": mode, "hits": [h.to_json() for h in hits],
                "question": None if question is None else {
                    "shape": question.name, "reads_as": reads_as, "answers": answered},
                "pending_changes": self.pending_changes() if pending is None else pending,
                "note": "; ".join(notes) or None}

    def sync(self, progress: Progress | None = None, *, rebuild: bool = False) -> SyncReport:
        return self.index.sync(progress, rebuild=rebuild)

    def pending_changes(self) -> int:
        """Change-log entries written but not yet searchable (0 when the index is current)."""
        return max(0, self.store.last_seq() - self.index.searchable_seq)

    def search(
        self,
        query: str,
        *,
        store: GraphStore | None = None,
        kind: str | None = None,
        limit: int = 10,
        mode: str = "hybrid",
        project: str | None = None,
        since: float | None = None,
        until: float | None = None,
        with_context: bool = True,
        catch_up: bool = True,
    ) -> Hits:
        """The best ``limit`` hits for ``query`` among the nodes ``store`` shows.

        ``store`` is the caller's view (default: the whole store). The index is
        shared, so a scoped view's project (and project-less documents, which
        the view may show) pre-filter the candidates, and the view decides
        which of them are visible; snippets and context come from visible nodes only.
        ``catch_up=False`` searches what is indexed now (the API's way; see
        :meth:`pending_changes`).
        """
        if mode not in MODES:
            raise ValidationError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
        if not query.strip():
            raise ValidationError("the search query is empty")
        view = store if store is not None else self.store
        kind_value = NodeKind.parse(kind).value if kind else None
        scope = view.scope
        if scope is not None and project is not None and project != scope:
            return Hits()
        # A trailing time phrase ("last week") is a window, narrowed by since / until (search/when.py).
        query, window = split_time(query, current_time())
        if since is not None or until is not None:
            window = (window or Window(None, None, "")).within(since, until)
        since, until = window.bounds() if window is not None else (None, None)
        where = Filter(kind=kind_value, project=project, scope=scope, since=since, until=until)
        if catch_up:
            self.index.sync()
        if mode == "hybrid" and self.questions:
            answered = self.answer_question(query, view, where, limit, with_context, window)
            if answered is not None:
                return answered
        # Some candidates of a scoped search may be project-less nodes the view hides: rank a few more.
        depth = limit if scope is None else min(MAX_LIMIT, limit * SCOPED_OVERFETCH)
        rows: dict[int, DocRow] = {}
        ranked = self.rank(query, where, depth, mode, rows)
        return Hits(self._hits(query, ranked, view, limit, with_context, rows))

    def rank(
        self, query: str, where: Filter, limit: int, mode: str, rows: dict[int, DocRow] | None = None
    ) -> list[tuple[int, float]]:
        """(slot, score) pairs, best first (graph proximity reads the edges of the strongest).

        ``rows`` receives the documents an index read to name the candidates' nodes (one that keeps no node ids
        in memory: :meth:`Index.node_ids`), so the hits need not read them again.

        Nodes the query names exactly come first (``search/intent.py``); vector
        hits below the relevance floor do not count (``search/hybrid.py``);
        kind words in the query lift hits of those kinds. Without semantic
        search (no ``search`` extra) every mode ranks by keywords.
        """
        if not self.embedder.semantic:
            mode = "keyword"
        vector: list[tuple[int, float]] = []
        passage: list[tuple[int, float]] = []
        depth = {"keyword": limit, "hybrid": max(KEYWORD_CANDIDATES, limit), "vector": 1}[mode]
        if mode in ("hybrid", "vector"):
            # One hand-off: the pool searches the keywords and exact names while this thread runs the query's forward
            # pass (ONNX Runtime releases the GIL; none for a cached vector) and the documents' vector search.
            lexical = self._pool.submit(self._lexical, query, depth, where)
            query_vector = self.embedder.embed_query(query)
            k = max(VECTOR_CANDIDATES, limit)
            found = self.index.vector_search(query_vector, k, where)
            keyword, exact = _outcome(lexical, self._lexical, query, depth, where)
            vector = above_floor(found, keyword_matched=bool(keyword))
            # A query the floor turns away is turned away whole (``search/hybrid.py``): its passages are not searched.
            if mode == "hybrid" and vector:
                passage = above_floor(self.index.passage_search(query_vector, k, where), keyword_matched=bool(keyword))
        else:
            keyword, exact = self._lexical(query, depth, where)
        if mode == "vector":
            ranked = vector
        elif mode == "keyword":
            ranked = keyword
        else:
            ranked = fuse(vector, passage, keyword, self.weights)
        hints = kind_hints(query) if where.kind is None else frozenset()
        if hints and ranked:
            ranked = boost_kinds(ranked, self.index.kinds(s for s, _ in ranked), hints)
        if mode == "hybrid" and len(ranked) > 1:
            ranked = self._near_the_strongest(ranked, rows)
        return exact_first(exact, ranked)[:limit]

    def _lexical(self, query: str, depth: int, where: Filter) -> tuple[list[tuple[int, float]], list[int]]:
        """The keyword ranking and the slots the query names exactly: what ranking needs besides the query vector."""
        return (self.index.keyword_search(query, depth, where),
                self.index.exact_slots(exact_ids(self.store, query), query, where))

    def _near_the_strongest(
        self, ranked: list[tuple[int, float]], rows: dict[int, DocRow] | None
    ) -> list[tuple[int, float]]:
        """The first candidates re-ranked by graph proximity to the strongest (``search/hybrid.py``)."""
        pool = ranked[:PROXIMITY_POOL]
        node_of = self.index.node_ids((slot for slot, _ in pool), rows)
        slot_of = {node: slot for slot, node in node_of.items()}
        strong = [node_of[slot] for slot, _ in pool[:PROXIMITY_TOP] if slot in node_of]
        near = adjacent(self.store, strong, slot_of)
        return near_the_strongest(pool, {slot_of[n]: {slot_of[m] for m in ms} for n, ms in near.items()}) \
            + ranked[PROXIMITY_POOL:]

    def _hits(
        self, query: str, ranked: list[tuple[int, float]], view: GraphStore, limit: int, with_context: bool,
        read: dict[int, DocRow] | None = None,
    ) -> list[Hit]:
        """Hits for ``ranked`` that ``view`` shows, with snippets and context; ``read`` holds documents already read.

        Which hits the view shows and their context come from the store; then only the documents of the hits shown
        are read and only their snippets written. In this thread: reading the graph in the pool while this thread
        wrote snippets saved no wall time (both hold the GIL) and cost CPU in hand-offs (bench/search_bench.py).
        """
        rows = dict(read or {})
        if view.scope is None and not with_context:
            rows.update(self.index.documents(slot for slot, _ in ranked if slot not in rows))
            found = [(rows[slot], score) for slot, score in ranked if slot in rows][:limit]
            return [self._hit(row, score, query) for row, score in found]
        node_of = self.index.node_ids((slot for slot, _ in ranked), rows)
        ids = [node_of[slot] for slot, _ in ranked if slot in node_of]
        shown, contexts = _shown_in_context(view, ids, limit, with_context)
        rows.update(self.index.documents(slot for slot, _ in ranked if slot not in rows and node_of.get(slot) in shown))
        found = [(rows[slot], score) for slot, score in ranked if slot in rows and rows[slot].node_id in shown][:limit]
        hits = [self._hit(row, score, query) for row, score in found]
        for hit in hits:
            hit.context = contexts.get(hit.id, {})
        return hits

    def first_seen(self, node_ids: list[str]) -> dict[str, float | None]:
        """The time each node's search document carries (its event time, else when it first entered the change
        log: ``search/documents.py``), for the nodes that have one in the index; read in bounded chunks."""
        times: dict[str, float | None] = {}
        for chunk in chunks(node_ids):
            slots = self.index.exact_slots(chunk, "", Filter(), limit=len(chunk))
            times.update((row.node_id, row.at) for row in self.index.documents(slots).values())
        return times

    @staticmethod
    def _hit(row: DocRow, score: float, query: str) -> Hit:
        """The hit of one document, with its snippet for ``query``."""
        return Hit(row.node_id, row.kind, score, row.title, snippet(row.body, query, row.context), row.project)

    def answer_question(
        self, query: str, view: GraphStore, where: Filter, limit: int, with_context: bool, window: Window | None = None
    ) -> Hits | None:
        """A question about structure answered from ``view`` (``search/questions/``), None if ``query`` is not one.

        Entities are resolved exactly first, else by this search (best visible
        hit of a fitting kind that names it: ``resolve.py`` names_it). The answers come first, each with its path in
        ``answer``; ranked hits for the query fill the remaining places.
        """

        def resolve(text: str, kinds: tuple[NodeKind, ...]) -> Node | None:
            node = questions.exact_node(view, text, kinds)
            if node is not None:
                return node
            wanted = {k.value for k in kinds}
            ranked = self.rank(text, Filter(scope=where.scope), RESOLVE_CANDIDATES, "hybrid")
            rows = self.index.documents(slot for slot, _ in ranked)
            # Only the hits that may name the text are read (a title sharing a word, or a commit, named by its message).
            ids = [rows[slot].node_id for slot, _ in ranked if slot in rows and rows[slot].kind in wanted
                   and questions.may_name(text, rows[slot].title, rows[slot].kind)]
            nodes = view.get_nodes(ids)
            return next((nodes[i] for i in ids if i in nodes and questions.names_it(text, nodes[i])), None)

        found = questions.answer(query, view, resolve, window, self.first_seen)
        if found is None:
            return None
        shape, answers = found.shape, found.answers
        kept = [a for a in answers if (where.kind is None or a.node.kind.value == where.kind)
                and (where.project is None or a.node.properties.get("project") == where.project)][:limit]
        hits = [Hit(a.node.id, a.node.kind.value, EXACT_SCORE - rank / (2 * MAX_LIMIT), a.node.title,
                    snippet(build_document(a.node).body, query), _project(a.node), answer=a.path)
                for rank, a in enumerate(kept)]
        if with_context and hits:
            contexts = graph_context(view, [a.node for a in kept])
            for hit in hits:
                hit.context = contexts.get(hit.id, {})
        if len(hits) < limit:
            shown = {h.id for h in hits}
            depth = min(MAX_LIMIT, limit + len(hits) if where.scope is None else (limit + len(hits)) * SCOPED_OVERFETCH)
            rows: dict[int, DocRow] = {}
            ranked = self._hits(query, self.rank(query, where, depth, "hybrid", rows), view, depth, with_context, rows)
            hits += [h for h in ranked if h.id not in shown][: limit - len(hits)]
        result = Hits(hits)
        result.question, result.answered, result.reads_as = shape, len(kept), found.meaning
        return result

    def close(self) -> None:
        self._pool.shutdown()
        self.index.close()


def _outcome(future: Future[T], fn: Callable[..., T], *args: Any) -> T:
    """What ``future`` computes; run here when the pool has not started it (a busy box), rather than wait for it."""
    return fn(*args) if future.cancel() else future.result()


def _shown_in_context(
    view: GraphStore, ids: list[str], limit: int, with_context: bool
) -> tuple[set[str], dict[str, dict[str, Any]]]:
    """The first ``limit`` of ``ids`` that ``view`` shows, and (``with_context``) their graph context."""
    if with_context and len(ids) <= limit:  # every candidate is shown if the view shows it: one read fewer
        shown_nodes, contexts = shown_with_context(view, ids)
        return {n.id for n in shown_nodes}, contexts
    nodes = view.get_nodes(ids)
    shown = [nodes[i] for i in ids if i in nodes][:limit]
    return {n.id for n in shown}, graph_context(view, shown) if with_context and shown else {}


def _project(node: Node) -> str | None:
    project = node.properties.get("project")
    return str(project) if project is not None else None


@contextmanager
def open_search(client: Any, embedder: Embedder | None = None, **index_options: Any) -> Iterator[SearchService]:
    """A SearchService for the duration of a command."""
    service = SearchService.for_client(client, embedder, **index_options)
    try:
        yield service
    finally:
        service.close()
