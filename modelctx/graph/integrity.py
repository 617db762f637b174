"""What ``verify`` proves beyond the hash chain: the stored tables are exactly what the change log says.

``verify_integrity`` (``GraphStore.verify_integrity``) reads the log once,
checking the hash chain entry by entry (``changelog.ChainWalk``, the rule of
``verify``) and folding each verified entry (``graph/replay.py``), noting the
entry that last wrote every node and edge. Then it streams the stored nodes
and edges through the backend's scan (``TableScan``) and compares each with
the fold, strictly (``graph/values.py``: ``true``, ``1`` and ``1.0`` differ),
and asks the backend whether its derived data agrees with its own tables (the
SQLite adjacency arrays, the Neo4j labels and filter copies). The comparison
lives here once; a backend only streams.

Memory: the fold (``LoggedGraph``) holds the logged graph, as ``modelctx copy``
does, but as lean tuples with repeated ids and small property sets shared;
the stored side is streamed (a cursor, or pages of nids) and a matched
record's properties are let go as it is read (its entry number stays, to tell
a record stored twice), so nothing of the stored side accumulates.
``bench/audit_bench.py`` measures time and peak memory against plain chain
verification.

The first difference reported is the first node (in the order of the entries
that last wrote them, then by id), else the first edge, else the first derived
record: which record, what differs (missing, not in the log, stored twice, its
kind, a property with both values) and the entry that last wrote it.

A backend whose reads are not one snapshot (Neo4j) can see a write that
commits between reading the log and reading the tables; when that happens and
the tables differ, the comparison is repeated while holding the writers' lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from modelctx.errors import ModelctxError
from modelctx.graph.changelog import ChainWalk, Change, ChangeRow, VerifyResult
from modelctx.graph.checkpoint import Checkpoint, CheckpointResult, SigningKey, check_checkpoint, require_key
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.replay import Replay
from modelctx.graph.values import strict_equal

if TYPE_CHECKING:
    from modelctx.graph.store import GraphStore

StoredNode = tuple[str, str, Any]
"""(id, kind, properties): as stored; properties as JSON text or already parsed."""
StoredEdge = tuple[str, str, str, Any]
"""(source id, type, target id, properties): as stored; an end whose node row is gone is named ``<…>``."""

_INF = float("inf")
_decode = json.JSONDecoder().decode
#: Stored values are shown up to this many characters of JSON in a difference.
_SHOWN = 80


@dataclass(frozen=True, slots=True)
class Derived:
    """A backend's derived data disagreeing with its own tables; ``node``/``edge`` say what it is about."""

    place: str
    detail: str
    node: str | None = None
    edge: tuple[str, str, str] | None = None


class TableScan(Protocol):
    """What a backend streams for ``verify_integrity``: the log's rows, then its nodes, edges and derived faults."""

    consistent: bool
    """True when every read of the scan sees one snapshot (no write can fall between the log and the tables)."""

    def change_rows(self) -> Iterable[ChangeRow]: ...

    def nodes(self) -> Iterable[StoredNode]: ...

    def edges(self) -> Iterable[StoredEdge]: ...

    def derived(self) -> Iterable[Derived]: ...


class RecordScan:
    """A ``TableScan`` over given iterables, with no derived data (views, and the default of the base class)."""

    def __init__(
        self,
        rows: Callable[[], Iterable[ChangeRow]],
        nodes: Callable[[], Iterable[StoredNode]],
        edges: Callable[[], Iterable[StoredEdge]],
        *,
        consistent: bool,
    ) -> None:
        self._rows, self._nodes, self._edges = rows, nodes, edges
        self.consistent = consistent

    def change_rows(self) -> Iterable[ChangeRow]:
        return self._rows()

    def nodes(self) -> Iterable[StoredNode]:
        return self._nodes()

    def edges(self) -> Iterable[StoredEdge]:
        return self._edges()

    def derived(self) -> Iterable[Derived]:
        return ()


def change_rows(changes: Iterable[Change]) -> Iterator[ChangeRow]:
    for c in changes:
        yield c.seq, c.at, c.actor, c.op, c.payload_json, c.prev_hash, c.hash


def public_scan(store: GraphStore) -> RecordScan:
    """The scan of any store through its public reads (what a view offers: it has no tables of its own)."""
    from modelctx.graph.store import PAGE

    def nodes() -> Iterator[StoredNode]:
        for node in store.iter_nodes():
            yield node.id, node.kind.value, node.properties

    def edges() -> Iterator[StoredEdge]:
        page: list[str] = []
        for node in store.iter_nodes():
            page.append(node.id)
            if len(page) == PAGE:
                yield from _edges_out(store, page)
                page = []
        yield from _edges_out(store, page)

    return RecordScan(lambda: change_rows(store.changes()), nodes, edges, consistent=False)


def _edges_out(store: GraphStore, ids: list[str]) -> Iterator[StoredEdge]:
    for edge in store.get_edges(ids, "out") if ids else ():
        yield edge.source, edge.type.value, edge.target, edge.properties


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the tables and the log disagree; ``seq`` is the entry that last wrote it (None: none did)."""

    record: str
    place: str
    problem: str
    seq: int | None

    def sentence(self) -> str:
        written = f" (last written by entry {self.seq})" if self.seq is not None else ""
        return f"{self.place} {self.problem}{written}"

    def to_json(self) -> dict[str, Any]:
        return {"record": self.record, "place": self.place, "problem": self.problem, "seq": self.seq,
                "text": self.sentence()}


@dataclass(slots=True)
class TablesResult:
    """How the stored tables compare with the log: records read, differences, the first one."""

    nodes: int = 0
    edges: int = 0
    differences: int = 0
    first: Difference | None = None
    #: The project whose view asked: the places are not shown (they may be another project's).
    hidden_from: str | None = None

    @property
    def ok(self) -> bool:
        return self.differences == 0

    def sentence(self) -> str:
        if self.ok:
            if self.hidden_from is not None:
                return "tables match the change log"
            return f"tables match the change log: {self.nodes} nodes, {self.edges} edges"
        more = "" if self.differences == 1 else f"; {self.differences} differences in all"
        if self.hidden_from is not None:
            seq = self.first.seq if self.first is not None else None
            record = self.first.record if self.first is not None else "record"
            written = f"last written by entry {seq}" if seq is not None else "that no change-log entry wrote"
            return (f"tables differ from the change log: the first difference is a {record} {written}{more}; "
                    f"the places are not shown in the view of project {self.hidden_from!r}")
        assert self.first is not None
        return f"tables differ from the change log: {self.first.sentence()}{more}"

    def redacted(self, project: str) -> TablesResult:
        """This result for a project's view: whether, how often and the first entry involved; no place, no sizes."""
        first = None if self.first is None else Difference(self.first.record, "", "", self.first.seq)
        return TablesResult(0, 0, self.differences, first, project)

    def to_json(self) -> dict[str, Any]:
        first = self.first
        if self.hidden_from is not None:
            shown = None if first is None else {"record": first.record, "seq": first.seq, "place": None}
            return {"ok": self.ok, "nodes": None, "edges": None, "differences": self.differences,
                    "first_difference": shown, "summary": self.sentence()}
        return {"ok": self.ok, "nodes": self.nodes, "edges": self.edges, "differences": self.differences,
                "first_difference": first.to_json() if first is not None else None, "summary": self.sentence()}


@dataclass(slots=True)
class IntegrityResult:
    """The chain, and when asked the tables and a checkpoint; ``problem`` is the first failure in one line."""

    chain: VerifyResult
    tables: TablesResult | None = None
    checkpoint: CheckpointResult | None = None
    #: Whether the tables were compared under the writers' lock (after a concurrent write was seen).
    locked: bool = field(default=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def problem(self) -> str | None:
        """The first failure: a broken chain, then a checkpoint the log no longer holds, then differing tables."""
        if not self.chain.ok:
            return f"change log BROKEN at entry {self.chain.first_bad_seq}: {self.chain.reason}"
        if self.checkpoint is not None and not self.checkpoint.ok:
            return self.checkpoint.sentence()
        if self.tables is not None and not self.tables.ok:
            return self.tables.sentence()
        return None

    def summary(self) -> str:
        """One sentence: the problem, or everything that was proven."""
        problem = self.problem
        if problem is not None:
            return problem
        parts = [f"change log intact: {self.chain.checked} entries verified, head {self.chain.head_hash}"]
        if self.tables is not None:
            parts.append(self.tables.sentence())
        if self.checkpoint is not None:
            parts.append(self.checkpoint.sentence())
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.chain.to_json(),
            "ok": self.ok,
            "problem": self.problem,
            "tables": self.tables.to_json() if self.tables is not None else None,
            "checkpoint": self.checkpoint.to_json() if self.checkpoint is not None else None,
            "summary": self.summary(),
        }


Progress = Callable[[int], None]
"""progress(done): called every ``PROGRESS_EVERY`` log entries and stored records read; it may raise to stop."""
#: Log entries plus stored records between two ``progress`` calls.
PROGRESS_EVERY = 1000


def _ignore(done: int) -> None:
    return None


def verify_integrity(
    store: GraphStore, *, tables: bool = True, checkpoint: Checkpoint | None = None, key: SigningKey | None = None,
    progress: Progress | None = None,
) -> IntegrityResult:
    """Check ``store``'s chain, and with ``tables`` its tables, and with ``checkpoint`` that the log still holds it.

    ConfigError (before any reading) when the checkpoint is signed and no key is given. ``progress`` is called
    as the work advances (a progress bar, a time budget that raises).
    """
    if checkpoint is not None:
        require_key(checkpoint, key)
    counter = _Counter(progress or _ignore)
    result, consistent = _verify_once(store, tables, checkpoint, key, counter, locked=False)
    if result.tables is not None and not result.tables.ok and not consistent \
            and store.last_seq() != result.chain.last_seq:
        # A write committed between reading the log and reading the tables: compare again, writers held off.
        result, _ = _verify_once(store, tables, checkpoint, key, counter, locked=True)
        result.locked = True
    return result


class _Counter:
    __slots__ = ("done", "due", "progress")

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.done = 0
        self.due = PROGRESS_EVERY

    def tick(self) -> None:
        self.done += 1
        if self.done >= self.due:
            self.due += PROGRESS_EVERY
            self.progress(self.done)


#: Each kind and type name once (a dict, so the one copy of the text is kept, not each record's).
_KIND_VALUES = {kind.value: kind.value for kind in NodeKind}
_TYPE_VALUES = {etype.value: etype.value for etype in EdgeType}
#: One shared empty property dict for the many records without properties (never changed).
_EMPTY: dict[str, Any] = {}

LoggedNode = tuple[str, Any, int]
"""(kind, properties, entry that last wrote it); just the entry once a stored node matched it."""
LoggedEdge = tuple[Any, int]
"""(properties, entry that last wrote it); just the entry once a stored edge matched it."""


class LoggedGraph(Replay):
    """The replay (``graph/replay.py``) as ``verify`` keeps it: lean tuples and the entry that wrote each record.

    No Node or Edge objects are built, and what many records repeat is kept
    once — ids (an edge names two nodes), kinds and edge types, empty and
    one-key text property sets such as ``{"role": "training"}`` (never changed:
    they are only compared) — which halves the fold's memory for about 40 %
    more of its time (``bench/audit_bench.py``). The records are checked as
    the base class checks them (known kind and type, an id that starts with its
    kind), so a record ``copy`` could not replay is refused here too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.logged_nodes: dict[str, LoggedNode | int] = {}
        self.logged_edges: dict[tuple[str, str, str], LoggedEdge | int] = {}
        self._ids: dict[str, str] = {}
        self._shared: dict[tuple[str, str], dict[str, Any]] = {}

    def _props(self, props: Any) -> Any:
        """One dict for every empty property set and for each one-key text set (an edge's role): the common ones."""
        if type(props) is not dict:
            return props
        size = len(props)
        if size == 0:
            return _EMPTY
        if size == 1:
            for key, value in props.items():
                if type(value) is str:
                    return self._shared.setdefault((key, value), props)
        return props

    def _node(self, record: dict[str, Any], seq: int) -> None:
        node_id, kind = record["id"], record["kind"]
        if kind not in _KIND_VALUES or type(node_id) is not str or not node_id.startswith(kind + ":") \
                or len(node_id) == len(kind) + 1:
            raise ValueError(f"a node record with kind {kind!r} and id {node_id!r}")
        node_id = self._ids.setdefault(node_id, node_id)
        self.logged_nodes[node_id] = (_KIND_VALUES[kind], self._props(record["properties"]), seq)

    def _edge(self, record: dict[str, Any], seq: int) -> None:
        source, etype, target = record["source"], record["type"], record["target"]
        if etype not in _TYPE_VALUES or type(source) is not str or type(target) is not str:
            raise ValueError(f"an edge record of type {etype!r} from {source!r} to {target!r}")
        ids = self._ids
        key = (ids.setdefault(source, source), _TYPE_VALUES[etype], ids.setdefault(target, target))
        self.logged_edges[key] = (self._props(record["properties"]), seq)

    def _remove_edge(self, record: dict[str, Any], seq: int) -> None:
        source, etype, target = record["source"], record["type"], record["target"]
        if etype not in _TYPE_VALUES or type(source) is not str or type(target) is not str:
            raise ValueError(f"an edge removal of type {etype!r} from {source!r} to {target!r}")
        self.logged_edges.pop((source, _TYPE_VALUES[etype], target), None)


_UNREPLAYABLE = (ModelctxError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


def _verify_once(
    store: GraphStore, tables: bool, checkpoint: Checkpoint | None, key: SigningKey | None, counter: _Counter, *,
    locked: bool,
) -> tuple[IntegrityResult, bool]:
    watch = checkpoint.seq if checkpoint is not None else None
    watched: str | None = None
    with store._integrity_scan(locked) as scan:
        walk = ChainWalk()
        replay = LoggedGraph() if tables else None
        for row in scan.change_rows():
            counter.tick()
            if not walk.step(row):
                break
            if row[0] == watch:
                watched = row[6]
            if replay is not None:
                try:
                    replay.apply(Change(*row))
                except _UNREPLAYABLE as exc:
                    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
                    walk.reject(row, f"entry {row[0]} cannot be replayed: {detail}")
                    break
        chain = walk.result()
        compared = _compare(replay, scan, counter.tick) if replay is not None and chain.ok else None
        consistent = scan.consistent
    checked = check_checkpoint(checkpoint, chain, watched, key) if checkpoint is not None else None
    return IntegrityResult(chain, compared, checked), consistent


class _First:
    """Counts differences and keeps the first in the report's order."""

    def __init__(self) -> None:
        self.count = 0
        self.order: tuple[Any, ...] | None = None
        self.difference: Difference | None = None

    def offer(self, order: tuple[Any, ...], record: str, place: str, problem: str, seq: int | None) -> None:
        self.count += 1
        if self.order is None or order < self.order:
            self.order = order
            self.difference = Difference(record, place, problem, seq)


def _name(value: Any) -> str:
    """An id or type as stored; something that is not text (a tampered row) is shown in brackets."""
    return value if isinstance(value, str) else f"<{value!r}>"


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _same(a: Any, b: Any) -> bool:
    try:
        return strict_equal(a, b)
    except RecursionError:
        return False


def _strictly_same(stored: dict[str, Any], logged: Any) -> bool:
    """``strict_equal`` for two property dicts, fast for the common case of text values.

    After ``==`` holds, a text value can only equal text; numbers, booleans and
    containers are checked strictly (``1``, ``1.0`` and ``true`` are ``==``).
    """
    if type(logged) is not dict or stored != logged:
        return False
    for key, value in stored.items():
        kind = type(value)
        if kind is str:
            continue
        if kind is not type(logged[key]) or (kind is float or kind is dict or kind is list) \
                and not _same(value, logged[key]):
            return False
    return True


def _props_problem(stored: Any, logged: Any) -> str | None:
    """How stored properties (JSON text, or parsed) differ from the logged ones; None when strictly equal."""
    if type(stored) is str:
        if stored == "{}" and type(logged) is dict and not logged:
            return None
        try:
            stored = _decode(stored)
        except (ValueError, RecursionError):
            return "has properties in the tables that are not JSON"
    elif isinstance(stored, str | bytes):
        try:
            stored = json.loads(stored)
        except (ValueError, RecursionError):
            return "has properties in the tables that are not JSON"
    if type(stored) is not dict:
        return "has properties in the tables that are not a JSON object"
    try:
        if _strictly_same(stored, logged):
            return None
    except RecursionError:
        pass
    if type(logged) is not dict:
        return "has properties in the change log that are not a JSON object"
    for key in sorted(stored.keys() | logged.keys()):
        if key not in logged:
            return f"has property {key!r} = {_show(stored[key])} in the tables but not in the change log"
        if key not in stored:
            return f"lacks property {key!r} (= {_show(logged[key])} in the change log)"
        if not _same(stored[key], logged[key]):
            return (f"has property {key!r} = {_show(stored[key])} in the tables but {_show(logged[key])} "
                    "in the change log")
    return "has properties that differ from the change log"


def _compare(fold: LoggedGraph, scan: TableScan, tick: Callable[[], None]) -> TablesResult:
    """Stream the stored side against the fold; a matched record's properties are let go as it is read."""
    result = TablesResult()
    first = _First()
    problem: str | None
    logged_nodes = fold.logged_nodes
    for raw_id, kind, props in scan.nodes():
        tick()
        result.nodes += 1
        node_id = raw_id if type(raw_id) is str else _name(raw_id)
        node = logged_nodes.get(node_id)
        if node is None:
            first.offer((0, _INF, node_id), "node", f"node {node_id}", "is in the tables but in no change-log entry",
                        None)
            continue
        if isinstance(node, int):
            first.offer((0, node, node_id), "node", f"node {node_id}", "is stored more than once", node)
            continue
        logged_kind, logged_props, seq = node
        logged_nodes[node_id] = seq
        if kind != logged_kind:
            problem = f"has kind {_name(kind)} in the tables but {logged_kind} in the change log"
        else:
            problem = _props_problem(props, logged_props)
        if problem is not None:
            first.offer((0, seq, node_id), "node", f"node {node_id}", problem, seq)
    for node_id, node in logged_nodes.items():
        if not isinstance(node, int):
            first.offer((0, node[2], _name(node_id)), "node", f"node {_name(node_id)}", "is missing from the tables",
                        node[2])

    logged_edges = fold.logged_edges
    for raw_source, raw_type, raw_target, props in scan.edges():
        tick()
        result.edges += 1
        if type(raw_source) is str and type(raw_type) is str and type(raw_target) is str:
            key = (raw_source, raw_type, raw_target)
        else:
            key = (_name(raw_source), _name(raw_type), _name(raw_target))
        edge = logged_edges.get(key)
        if edge is None or isinstance(edge, int):
            problem = "is in the tables but in no change-log entry" if edge is None else "is stored more than once"
            first.offer((1, _INF if edge is None else edge, key), "edge", _edge_place(key), problem, edge)
            continue
        logged_props, seq = edge
        logged_edges[key] = seq
        problem = _props_problem(props, logged_props)
        if problem is not None:
            first.offer((1, seq, key), "edge", _edge_place(key), problem, seq)
    for key, edge in logged_edges.items():
        if not isinstance(edge, int):
            first.offer((1, edge[1], key), "edge", _edge_place(key), "is missing from the tables", edge[1])

    for fault in scan.derived():
        found: LoggedNode | LoggedEdge | int | None = None
        if fault.edge is not None:
            found = logged_edges.get(fault.edge)
        elif fault.node is not None:
            found = logged_nodes.get(fault.node)
        wrote = found if isinstance(found, int) else found[-1] if isinstance(found, tuple) else None
        first.offer((2, _INF if wrote is None else wrote, fault.place), "index", fault.place, fault.detail, wrote)
    result.differences = first.count
    result.first = first.difference
    return result


def _edge_place(key: tuple[str, str, str]) -> str:
    return f"edge {key[0]} -{key[1]}-> {key[2]}"
