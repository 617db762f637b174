"""Contract: property values come back exactly as written, and the change-log replay at now is the live store.

JSON tells ``true``, ``1`` and ``1.0`` apart (and ``-0.0`` from ``0.0``) where
Python's ``==`` does not, so every comparison here is strict: :func:`typed`
gives each value's JSON type along with it. The rules under test live in
``graph/values.py`` (what may be stored, when a write changes a value, how a
filter matches) and ``graph/replay.py`` (the one replay of the change log).

The property-based tests draw their examples with Hypothesis inside each test
and give every example a store of its own through the backend's harness
(:func:`empty_store`: a new SQLite file, or the Neo4j database emptied), so an
example, and each step of shrinking a failure, starts from nothing and costs
the same however many ran before.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelctx.errors import ValidationError
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.snapshot import SnapshotGraphStore
from modelctx.graph.store import GraphStore
from modelctx.graph.values import MAX_DEPTH
from tests.backends import BackendHarness, make_store

K = NodeKind
E = EdgeType
INT64 = 2**63

_ids = itertools.count(1)


def fresh() -> str:
    """A token no earlier example of this process used."""
    return f"ex{next(_ids)}"


@contextmanager
def empty_store(backend: BackendHarness, tmp_path: Path) -> Iterator[GraphStore]:
    """A store of its own for one example: the harness's store for a new path (a new SQLite file; on Neo4j
    the harness empties the database for every new path)."""
    store = make_store(backend, tmp_path / fresh())
    try:
        yield store
    finally:
        store.close()


def typed(value: Any) -> Any:
    """``value`` with its JSON type attached at every level: equal only when type and value are.

    ``-0.0`` and ``0.0`` differ (``float.hex``), a tuple is not a list, and
    anything that is not a JSON value fails the test.
    """
    kind = type(value)
    if value is None:
        return ("null",)
    if kind is bool or kind is int or kind is str:
        return (kind.__name__, value)
    if kind is float:
        return ("float", value.hex())
    if kind is list:
        return ("list", tuple(typed(item) for item in value))
    if kind is dict:
        assert all(type(key) is str for key in value), f"a map key is not a str: {value!r}"
        return ("dict", tuple(sorted((key, typed(item)) for key, item in value.items())))
    raise AssertionError(f"not a JSON value: {value!r} ({kind.__name__})")


def matches(stored: Any, wanted: Any) -> bool:
    """The filter rule, written out for the model: strings equal strings, booleans equal booleans,
    numbers compare as numbers, and an integer beyond 64 bits matches nothing."""
    if type(wanted) is bool:
        return type(stored) is bool and stored is wanted
    if type(wanted) in (int, float):
        if type(stored) is int:
            return -INT64 <= stored < INT64 and stored == wanted
        return type(stored) is float and stored == wanted
    return type(stored) is str and stored == wanted


def budget(backend: BackendHarness, examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings: ``examples`` on a backend, a third of them on an engine variant or a view."""
    real = backend.name in ("sqlite", "neo4j")
    return settings(
        max_examples=examples if real else max(5, examples // 3),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],  # an example opens a store (on Neo4j: empties the database)
        database=None,
    )


# -- strategies ----------------------------------------------------------------------------------

_TRICKY = '\x00"\\\'/\n\t\r\b\f\x7f\u2028\u2029é€😀👩‍👩‍👧{}[]:,.$ '
texts = st.one_of(
    st.text(max_size=10),
    st.text(alphabet=_TRICKY, max_size=8),
    st.sampled_from(["", "1", "1.0", "true", "null", '["a"]', '{"a":1}', "a\x00b", "\x00"]),
)
ints = st.one_of(
    st.integers(-3, 3),
    st.integers(-INT64, INT64 - 1),
    st.integers(-(2**80), 2**80),
    st.sampled_from([INT64 - 1, -INT64, INT64, -INT64 - 1, 2**53 + 1, 2**64, -(2**64) - 1]),
)
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.1, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                     1e16, 1e-7, 2.0**53, 2.0**63, -(2.0**63), 2.0**64]),
)
scalars = st.one_of(st.booleans(), ints, floats, texts)
#: JSON values; ``None`` only inside lists and maps (a top-level ``None`` removes the key instead).
json_values = st.recursive(
    st.one_of(st.none(), scalars),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
).filter(lambda value: value is not None)
#: ``project`` is the scoped view's stamp (``tests/views.py``); ``example`` finds an example's nodes.
RESERVED_KEYS = frozenset({"project", "example"})
keys = st.one_of(
    st.sampled_from(["x", "name", "uri", "rows", "a.b", "é", "😀", "$", "[0]", "k'q", 'k"q', "k\\q", " "]),
    st.text(min_size=1, max_size=8).filter(lambda key: "\x00" not in key),
).filter(lambda key: key not in RESERVED_KEYS)
properties = st.dictionaries(keys, json_values, max_size=5)
#: Values that Python's == confuses, so overwrites between them are frequent.
CONFUSABLE = [True, False, 1, 1.0, 0, 0.0, -0.0, "1", "", [1], [1.0], [True], {"a": 1}, {"a": True}, 2**64]


# -- exact round trip ----------------------------------------------------------------------------


def test_values_round_trip_exactly(backend: BackendHarness, tmp_path: Path) -> None:
    @budget(backend, 40)
    @given(run_props=properties, dv_props=properties, edge_props=properties)
    def check(run_props: dict[str, Any], dv_props: dict[str, Any], edge_props: dict[str, Any]) -> None:
        with empty_store(backend, tmp_path) as store:
            round_trip(store, run_props, dv_props, edge_props)

    check()


def round_trip(store: GraphStore, run_props: dict[str, Any], dv_props: dict[str, Any],
               edge_props: dict[str, Any]) -> None:
    """Write a run, a dataset version and the edge between them; every read gives back exactly what was written."""
    ex = fresh()
    run = Node(f"run:rt/{ex}", K.RUN, {**run_props, "example": ex})
    dv = Node(f"dataset_version:rt/{ex}", K.DATASET_VERSION, {**dv_props, "example": ex})
    edge = Edge(run.id, dv.id, E.USED, edge_props)
    result = store.write([run, dv], [edge])
    assert (result.nodes_created, result.edges_created, len(result.seqs)) == (2, 1, 2)
    want = [(run.id, typed(run.properties)), (dv.id, typed(dv.properties))]
    want_edge = [(edge.key, typed(edge_props))]
    views: list[GraphStore] = [store, SnapshotGraphStore.at(store, None)]
    for view in views:
        got = view.get_nodes([run.id, dv.id])
        assert [(i, typed(n.properties)) for i, n in got.items()] == want
        assert [(n.id, typed(n.properties)) for n in view.find_nodes(None, {"example": ex})] == want
        assert [(x.key, typed(x.properties)) for x in view.get_edges([run.id], "out")] == want_edge
        assert [(x.key, typed(x.properties)) for x in view.get_edges([dv.id], "in")] == want_edge
        sub = view.traverse([run.id], "up", max_depth=1)
        assert [(n.id, typed(n.properties)) for n in sub.nodes] == want
        assert [(x.key, typed(x.properties)) for x in sub.edges] == want_edge
    # The change log holds exactly what the tables hold.
    nodes_entry, edges_entry = store.changes()
    assert [(r["id"], typed(r["properties"])) for r in nodes_entry.payload["nodes"]] == want
    assert [typed(r["properties"]) for r in edges_entry.payload["edges"]] == [typed(edge_props)]
    # Writing the same records again changes nothing and logs nothing.
    seq = store.last_seq()
    again = store.write([run, dv], [edge])
    assert (again.nodes_unchanged, again.edges_unchanged, again.changed, again.seqs) == (2, 1, False, [])
    assert store.last_seq() == seq


CONFUSED = [True, 1, 1.0, False, 0, 0.0, -0.0, "1", [1], [1.0], [True], {"a": 1}, {"a": 1.0}]


@pytest.mark.parametrize("one_batch", [False, True], ids=["a-write-each", "one-batch"])
def test_true_one_and_one_point_zero_on_different_records_keep_their_types(store: GraphStore, one_batch: bool) -> None:
    """The reproduced bug: ``{"x": 1}`` written after ``{"x": true}`` on another node was stored as ``true``."""
    target = Node("dataset_version:confused/1", K.DATASET_VERSION, {})
    nodes = [Node(f"run:confused/{i}", K.RUN, {"x": value}) for i, value in enumerate(CONFUSED)]
    edges = [Edge(node.id, target.id, E.USED, {"x": value}) for node, value in zip(nodes, CONFUSED, strict=True)]
    if one_batch:
        store.write([target, *nodes], edges)
    else:
        store.write([target], [])
        for node, edge in zip(nodes, edges, strict=True):
            store.write([node], [edge])
    want = [typed(value) for value in CONFUSED]
    ids = [node.id for node in nodes]
    for view in (store, SnapshotGraphStore.at(store, None)):
        assert [typed(n.properties["x"]) for n in view.get_nodes(ids).values()] == want
        assert [typed(n.properties["x"]) for n in view.find_nodes(K.RUN)] == want
        by_source = {x.source: x.properties["x"] for x in view.get_edges([target.id], "in")}
        assert [typed(by_source[i]) for i in ids] == want
    logged = {r["id"]: r["properties"]["x"] for c in store.changes() for r in c.payload.get("nodes", ())
              if r["id"] in ids}
    assert [typed(logged[i]) for i in ids] == want


FLIPS = [True, 1, 1.0, True, 0.0, -0.0, 0.0, False, 0, [1], [1.0], [True], {"a": 1}, {"a": 1.0}, "1", 1]


def test_overwrites_between_equal_looking_values_are_recorded(store: GraphStore) -> None:
    """Each value differs strictly from the one before: every write updates, logs one entry and reads back its type."""
    run = Node("run:flip/1", K.RUN, {})
    dv = Node("dataset_version:flip/1", K.DATASET_VERSION, {})
    store.write([run, dv], [Edge(run.id, dv.id, E.USED)])
    for value in FLIPS:
        seq = store.last_seq()
        result = store.write([Node(run.id, K.RUN, {"x": value})], [Edge(run.id, dv.id, E.USED, {"x": value})])
        assert (result.nodes_updated, result.edges_updated, result.seqs) == (1, 1, [seq + 1, seq + 2])
        stored = store.get_node(run.id).properties["x"]
        [edge] = store.get_edges([run.id], "out")
        assert (typed(stored), typed(edge.properties["x"])) == (typed(value), typed(value))
        again = store.write([Node(run.id, K.RUN, {"x": value})], [Edge(run.id, dv.id, E.USED, {"x": value})])
        assert (again.nodes_unchanged, again.edges_unchanged, again.seqs) == (1, 1, [])
        assert store.last_seq() == seq + 2
    logged = [c.payload for c in store.changes(2)]
    assert [typed(p["nodes"][0]["properties"]["x"]) for p in logged[0::2]] == [typed(v) for v in FLIPS]
    assert [typed(p["edges"][0]["properties"]["x"]) for p in logged[1::2]] == [typed(v) for v in FLIPS]
    snapshot = SnapshotGraphStore.at(store, None)
    assert typed(snapshot.get_node(run.id).properties["x"]) == typed(FLIPS[-1])


def test_negative_zero_is_not_zero(store: GraphStore) -> None:
    store.write([Node("model:zero", K.MODEL, {"x": 0.0, "nested": [0.0, {"z": -0.0}]})], [])
    result = store.write([Node("model:zero", K.MODEL, {"x": -0.0})], [])
    assert result.nodes_updated == 1
    for view in (store, SnapshotGraphStore.at(store, None)):
        props = view.get_node("model:zero").properties
        assert math.copysign(1.0, props["x"]) == -1.0
        assert typed(props) == typed({"x": -0.0, "nested": [0.0, {"z": -0.0}]})
        assert [n.id for n in view.find_nodes(K.MODEL, {"x": 0.0})] == ["model:zero"]  # numbers: -0.0 == 0.0
    assert store.write([Node("model:zero", K.MODEL, {"x": 0.0})], []).nodes_updated == 1


def test_none_removes_a_key_and_is_never_stored(store: GraphStore) -> None:
    nested = {"inner": None, "list": [None, 1]}  # null inside a value is a JSON value, kept as is
    store.write([Node("model:rm", K.MODEL, {"keep": 1, "drop": "x", "nested": nested, "gone": None})], [])
    assert typed(store.get_node("model:rm").properties) == typed({"keep": 1, "drop": "x", "nested": nested})
    seq = store.last_seq()
    result = store.write([Node("model:rm", K.MODEL, {"drop": None, "absent": None})], [])
    assert (result.nodes_updated, result.seqs) == (1, [seq + 1])
    want = {"keep": 1, "nested": nested}
    assert typed(store.get_node("model:rm").properties) == typed(want)
    assert typed(list(store.changes(seq))[0].payload["nodes"][0]["properties"]) == typed(want)
    assert store.write([Node("model:rm", K.MODEL, {"absent": None, "drop": None})], []).nodes_unchanged == 1
    assert store.last_seq() == seq + 1
    assert store.write([Node("model:empty", K.MODEL, {"a": None})], []).nodes_created == 1
    assert store.get_node("model:empty").properties == {}
    assert [n.id for n in store.find_nodes(K.MODEL, {"drop": None})] == ["model:rm", "model:empty"]


def test_a_later_none_in_the_same_batch_removes_the_key(store: GraphStore) -> None:
    """Two records of one id in a batch do what they would do one after the other."""
    store.write([Node("model:fold", K.MODEL, {"a": 5, "b": 1})], [])
    result = store.write([Node("model:fold", K.MODEL, {"a": 1}), Node("model:fold", K.MODEL, {"a": None})], [])
    assert result.nodes_updated == 1
    assert typed(store.get_node("model:fold").properties) == typed({"b": 1})
    run, dv = Node("run:fold/1", K.RUN, {}), Node("dataset_version:fold/1", K.DATASET_VERSION, {})
    store.write([run, dv], [Edge(run.id, dv.id, E.USED, {"role": "x", "rows": 1})])
    store.write([], [Edge(run.id, dv.id, E.USED, {"role": "y"}), Edge(run.id, dv.id, E.USED, {"role": None})])
    [edge] = store.get_edges([run.id], "out")
    assert typed(edge.properties) == typed({"rows": 1})
    # ... and a None then a value sets the value.
    store.write([Node("model:fold", K.MODEL, {"b": None}), Node("model:fold", K.MODEL, {"b": 2.0})], [])
    assert typed(store.get_node("model:fold").properties) == typed({"b": 2.0})
    assert typed(SnapshotGraphStore.at(store, None).get_node("model:fold").properties) == typed({"b": 2.0})


def test_property_names_are_valid_text_without_nul(store: GraphStore) -> None:
    for bad in ("a\x00b", "\ud800"):
        with pytest.raises(ValidationError, match="property name"):
            store.write([Node("model:ok", K.MODEL, {"fine": 1}), Node("model:bad", K.MODEL, {bad: 1})], [])
        with pytest.raises(ValidationError, match="property"):
            store.find_nodes(K.MODEL, {bad: 1})
    assert store.counts() == {"nodes": {}, "edges": {}}
    # Inside a value, map keys are JSON text like any other and may hold a NUL.
    store.write([Node("model:nested", K.MODEL, {"m": {"a\x00b": 1}})], [])
    assert typed(store.get_node("model:nested").properties) == typed({"m": {"a\x00b": 1}})


def test_a_name_checked_once_still_has_its_values_checked_and_bad_names_stay_bad() -> None:
    """``clean_properties`` remembers names that passed its checks: only the name's checks are skipped after."""
    from modelctx.graph.values import clean_properties

    assert clean_properties({"seen": "x"}, "n") == {"seen": "x"}
    with pytest.raises(ValidationError, match=r"property 'seen': nan is not a finite number"):
        clean_properties({"seen": math.nan}, "n")
    with pytest.raises(ValidationError, match="lone surrogate"):
        clean_properties({"seen": "\ud800"}, "n")
    cleaned = clean_properties({"seen": ("a", 1)}, "n")
    assert cleaned == {"seen": ["a", 1]} and type(cleaned["seen"]) is list
    for bad in ("", "a\x00b", 3):
        with pytest.raises(ValidationError, match="must be a non-empty string without NUL"):
            clean_properties({"seen": "x", bad: 1}, "n")
        with pytest.raises(ValidationError, match="must be a non-empty string without NUL"):
            clean_properties({bad: 1}, "n")

def test_values_nest_up_to_the_depth_limit(store: GraphStore) -> None:
    def nested(depth: int) -> Any:
        value: Any = {"leaf": -0.0}
        for level in range(depth - 1):
            value = [value] if level % 2 else {"k": value}
        return value

    deepest = nested(MAX_DEPTH)
    store.write([Node("model:deep", K.MODEL, {"v": deepest, "x": 1})], [])
    for view in (store, SnapshotGraphStore.at(store, None)):
        assert typed(view.get_node("model:deep").properties) == typed({"v": deepest, "x": 1})
        assert [n.id for n in view.find_nodes(K.MODEL, {"x": 1})] == ["model:deep"]
    looped: list[Any] = []
    looped.append(looped)
    for bad in (nested(MAX_DEPTH + 1), looped):  # a RecursionError before the limit existed
        with pytest.raises(ValidationError, match=f"nest more than {MAX_DEPTH} levels deep"):
            store.write([Node("model:deeper", K.MODEL, {"v": bad})], [])
    assert store.counts() == {"nodes": {"model": 1}, "edges": {}}


# -- filters -------------------------------------------------------------------------------------

FILTERED: dict[str, Any] = {
    "t": True, "f": False, "i1": 1, "f1": 1.0, "s1": "1", "i0": 0, "nz": -0.0, "l": ["a"], "ls": '["a"]',
    "d": {"a": 1}, "ds": '{"a":1}', "nul": "a\x00b", "nul2": "a\x00b", "a": "a", "nul0": "\x00", "big": 2**64,
    "bigf": 2.0**64, "max": INT64 - 1, "fmax": 2.0**63, "min": -INT64, "fmin": -(2.0**63), "under": -INT64 - 1,
}
FILTER_CASES: list[tuple[Any, list[str]]] = [
    (1, ["i1", "f1"]),
    (1.0, ["i1", "f1"]),
    (True, ["t"]),
    (False, ["f"]),
    (0, ["i0", "nz"]),
    (-0.0, ["i0", "nz"]),
    ("1", ["s1"]),
    ('["a"]', ["ls"]),
    ('{"a":1}', ["ds"]),
    ("a\x00b", ["nul", "nul2"]),
    ("a", ["a"]),  # not "a\x00b", which SQLite's json_extract reads as "a"
    ("", []),  # nor "\x00", which it reads as ""
    ("\x00", ["nul0"]),
    (2.0**64, ["bigf"]),  # the integer 2**64 is beyond 64 bits: it matches no filter
    (INT64 - 1, ["max"]),  # 2.0**63 is the nearest float, but not equal
    (2.0**63, ["fmax"]),
    (-INT64, ["min", "fmin"]),  # -2**63 is a float exactly
    (-(2.0**63), ["min", "fmin"]),
]


@pytest.fixture
def filtered(store: GraphStore) -> GraphStore:
    store.write([Node(f"model:{name}", K.MODEL, {"x": value}) for name, value in FILTERED.items()], [])
    return store


@pytest.mark.parametrize(("wanted", "names"), FILTER_CASES, ids=[repr(c[0]) for c in FILTER_CASES])
def test_filters_compare_by_json_type(filtered: GraphStore, wanted: Any, names: list[str]) -> None:
    want = [f"model:{name}" for name in names]
    assert [n.id for n in filtered.find_nodes(K.MODEL, {"x": wanted})] == want
    assert [n.id for n in SnapshotGraphStore.at(filtered, None).find_nodes(K.MODEL, {"x": wanted})] == want
    # A page at a time gives the same answer (Neo4j checks a filter on 2**63 - 1 or 2.0**63 again in Python).
    assert [n.id for i in range(len(want) + 1) for n in filtered.find_nodes(K.MODEL, {"x": wanted}, limit=1,
                                                                             offset=i)] == want


@pytest.mark.parametrize("wanted", [INT64, -INT64 - 1, 2**100, float("nan"), float("inf"), [1], {"a": 1}])
def test_filter_values_outside_the_comparable_range_are_validation_errors(filtered: GraphStore, wanted: Any) -> None:
    with pytest.raises(ValidationError, match="property filter 'x'"):
        filtered.find_nodes(K.MODEL, {"x": wanted})


#: What a filter may compare: scalars, integers within 64 bits.
filter_scalars = st.one_of(st.booleans(), st.integers(-INT64, INT64 - 1), floats, texts)


def test_find_nodes_filters_agree_with_the_rule(backend: BackendHarness, tmp_path: Path) -> None:
    @budget(backend, 40)
    @given(values=st.lists(st.one_of(st.sampled_from(CONFUSABLE), json_values), min_size=1, max_size=6),
           data=st.data())
    def check(values: list[Any], data: st.DataObject) -> None:
        with empty_store(backend, tmp_path) as store:
            filters_agree(store, values, data)

    check()


def filters_agree(store: GraphStore, values: list[Any], data: st.DataObject) -> None:
    """Store the values on nodes, then filter on a value near one of them: the store, the replay and the rule agree."""
    nodes = [Node(f"model:f{i}", K.MODEL, {"v": value}) for i, value in enumerate(values)]
    store.write([*nodes, Node("model:other", K.MODEL, {"w": 1})], [])
    # Filters near the stored values, or any scalar: the value itself, the other number type (the nearest
    # 64-bit integer for a float), its text, a list's or map's JSON text, the text before a NUL.
    near: list[Any] = []
    for value in values:
        kind = type(value)
        if kind is bool or kind is str or kind is int and -INT64 <= value < INT64:
            near.append(value)
        if kind is int:
            near += [float(value), str(value)]
        elif kind is float:
            near += [value, repr(value)]
            if value.is_integer():
                near.append(min(max(int(value), -INT64), INT64 - 1))
        elif kind is str:
            near.append(value.partition("\x00")[0])
        elif kind is list or kind is dict:
            near.append(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    wanted = data.draw(st.sampled_from(near) | filter_scalars if near else filter_scalars, label="wanted")
    expected = [node.id for node, value in zip(nodes, values, strict=True) if matches(value, wanted)]
    for view in (store, SnapshotGraphStore.at(store, None)):
        assert [n.id for n in view.find_nodes(K.MODEL, {"v": wanted})] == expected
        assert [n.id for n in view.find_nodes(None, {"v": wanted})] == expected
        assert [n.id for n in view.find_nodes(K.MODEL, {"v": wanted, "w": None})] == expected


# -- the change-log replay at now equals the live store ------------------------------------------

#: Node slots of an example: (kind, id suffix).
SLOTS = [(K.RUN, "a"), (K.RUN, "b"), (K.DATASET_VERSION, "c"), (K.DATASET_VERSION, "d")]
#: Allowed edges between the slots: (type, source slot, target slot).
SHAPES = [(E.USED, 0, 2), (E.USED, 1, 3), (E.USED, 0, 3), (E.CHILD_OF, 1, 0), (E.DERIVED_FROM, 2, 3),
          (E.DERIVED_FROM, 3, 2), (E.GENERATED_BY, 3, 1)]
#: Few keys and many removals, so that writes often overwrite, retype and remove what is stored.
patch_values = st.one_of(st.none(), st.none(), st.sampled_from(CONFUSABLE), json_values)
patches = st.dictionaries(st.sampled_from(["x", "y", "uri"]), patch_values, max_size=3)
node_records = st.tuples(st.integers(0, len(SLOTS) - 1), patches)
batches = st.one_of(
    # Batches of several records often hold two of one id, which fold into one.
    st.tuples(st.one_of(st.lists(node_records, min_size=2, max_size=8), st.lists(node_records, max_size=1)),
              st.lists(st.tuples(st.integers(0, len(SHAPES) - 1), patches), max_size=3)),
    st.just("repeat"),
)


class Model:
    """The merge rule in plain Python: what the store must hold and what each write must report."""

    def __init__(self) -> None:
        self.nodes: dict[str, tuple[NodeKind, dict[str, Any]]] = {}
        self.edges: dict[tuple[str, str, str], dict[str, Any]] = {}

    @staticmethod
    def _fold(records: list[tuple[Any, dict[str, Any]]]) -> dict[Any, dict[str, Any]]:
        folded: dict[Any, dict[str, Any]] = {}
        for key, patch in records:  # two records of one id do what they would do one after the other
            folded[key] = {**folded.get(key, {}), **patch}
        return folded

    @staticmethod
    def _apply(old: dict[str, Any] | None, patch: dict[str, Any]) -> dict[str, Any]:
        new = dict(old or {})
        for key, value in patch.items():
            if value is None:
                new.pop(key, None)
            else:
                new[key] = value
        return new

    def write(self, nodes: list[Node], edges: list[Edge]) -> tuple[int, ...]:
        """Apply a batch; (nodes created, updated, unchanged, edges created, updated, unchanged)."""
        counts = [0] * 6
        kinds = {n.id: n.kind for n in nodes}
        for node_id, patch in self._fold([(n.id, n.properties) for n in nodes]).items():
            old = self.nodes.get(node_id)
            new = self._apply(old[1] if old else None, patch)
            counts[0 if old is None else 1 if typed(new) != typed(old[1]) else 2] += 1
            self.nodes[node_id] = (kinds[node_id], new)
        for key, patch in self._fold([(e.key, e.properties) for e in edges]).items():
            old_edge = self.edges.get(key)
            new = self._apply(old_edge, patch)
            counts[3 if old_edge is None else 4 if typed(new) != typed(old_edge) else 5] += 1
            self.edges[key] = new
        return tuple(counts)


def _result(result: Any) -> tuple[int, ...]:
    return (result.nodes_created, result.nodes_updated, result.nodes_unchanged,
            result.edges_created, result.edges_updated, result.edges_unchanged)


def test_change_log_replay_at_now_equals_the_live_store(backend: BackendHarness, tmp_path: Path) -> None:
    @budget(backend, 30)
    @given(sequence=st.lists(batches, min_size=1, max_size=5))
    def check(sequence: list[Any]) -> None:
        with empty_store(backend, tmp_path) as store:
            replay_equals_live(store, sequence)

    check()


def replay_equals_live(store: GraphStore, sequence: list[Any]) -> None:
    """Write the batches, checking each write's counts against the model; then live, model and replay agree."""
    ex = fresh()
    ids = [f"{kind.value}:rp/{ex}-{suffix}" for kind, suffix in SLOTS]
    model = Model()
    previous: tuple[list[Node], list[Edge]] = ([], [])
    for batch in sequence:
        if batch == "repeat":
            nodes, edges = previous
        else:
            nodes = [Node(ids[slot], SLOTS[slot][0], patch) for slot, patch in batch[0]]
            edges = [Edge(ids[SHAPES[s][1]], ids[SHAPES[s][2]], SHAPES[s][0], patch) for s, patch in batch[1]]
            for edge in edges:  # an endpoint neither stored nor in the batch comes along without properties
                for end in (edge.source, edge.target):
                    if end not in model.nodes and all(n.id != end for n in nodes):
                        nodes.append(Node(end, SLOTS[ids.index(end)][0], {}))
        seq = store.last_seq()
        expected = model.write(nodes, edges)
        result = store.write(nodes, edges)
        assert _result(result) == expected
        entries = int(expected[0] + expected[1] > 0) + int(expected[3] + expected[4] > 0)
        assert (result.seqs, store.last_seq()) == (list(range(seq + 1, seq + 1 + entries)), seq + entries)
        if batch == "repeat":
            assert not result.changed
        previous = (nodes, edges)
    stored = store.get_nodes(ids)
    assert {i: (n.kind, typed(n.properties)) for i, n in stored.items()} == {
        i: (kind, typed(props)) for i, (kind, props) in model.nodes.items()}
    assert {x.key: typed(x.properties) for x in store.get_edges(ids, "out")} == {
        key: typed(props) for key, props in model.edges.items()}
    # The whole store, replayed from its change log, is the live store: nodes in insertion order, edges, counts.
    replayed = SnapshotGraphStore.at(store, None)
    live_nodes = [(n.id, n.kind, typed(n.properties)) for n in store.iter_nodes()]
    assert [(n.id, n.kind, typed(n.properties)) for n in replayed.iter_nodes()] == live_nodes
    every = [i for i, _kind, _props in live_nodes]
    assert every == list(model.nodes)  # insertion order
    assert sorted((x.key, typed(x.properties)) for x in replayed.get_edges(every, "out")) == sorted(
        (x.key, typed(x.properties)) for x in store.get_edges(every, "out"))
    assert replayed.counts() == store.counts()
    assert replayed.last_seq() == store.last_seq()
    assert store.verify().ok


def test_ids_and_actors_with_lone_surrogates_are_refused(store: GraphStore) -> None:
    seq = store.last_seq()
    with pytest.raises(ValidationError, match="node id"):
        store.write([Node("model:bad\ud800", NodeKind.MODEL, {})], [])
    with pytest.raises(ValidationError, match="actor"):
        store.write([Node("model:fine", NodeKind.MODEL, {})], [], actor="user:\udfff")
    assert store.last_seq() == seq and not store.has_node("model:fine")
