"""The Neo4j backend beyond the contract: URIs, error translation, schema, property filters, engines."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import ConstraintError

from modelctx.errors import BackendError, BackendUnavailable, ConfigError, NotFoundError, ValidationError
from modelctx.graph.backends import neo4j_cypher as cy
from modelctx.graph.backends.neo4j import Neo4jGraphStore
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import open_store
from tests.contract.graphs import lineage_world
from tests.neo4j.conftest import password_of

pytestmark = pytest.mark.neo4j


def _driver(uri: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(uri)
    return GraphDatabase.driver(f"bolt://{parts.hostname}:{parts.port}", auth=(parts.username, password_of(uri)))


def _modelctx_schema(uri: str) -> set[str]:
    with _driver(uri) as driver:
        names = {r["name"] for query in cy.SHOW_SCHEMA_NAMES for r in driver.execute_query(query).records}
    # The search index's schema (graph/backends/neo4j_search_cypher.py) is the search index's own, made when it is used.
    return {name for name in names if name.startswith("modelctx_") and not name.startswith("modelctx_search_")}


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("neo4j://neo4j:pw@localhost:7687?engine=x", "unknown option"),
        ("neo4j://neo4j:pw@localhost:7687?traversal=dfs", "unknown traversal engine"),
        ("neo4j://neo4j:pw@localhost:7687/a/b", "one database"),
        ("bolt://neo4j:pw@:7687", "needs a host"),
        ("bolt://neo4j:pw@localhost:port", "bad port"),
    ],
)
def test_bad_uris_are_config_errors_without_the_password(uri: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as info:
        Neo4jGraphStore.from_uri(uri)
    assert ":pw@" not in str(info.value)


def test_unreachable_server_is_unavailable_naming_uri_without_password() -> None:
    with pytest.raises(BackendUnavailable) as info:
        open_store("bolt://neo4j:s3cret-word@127.0.0.1:9")
    message = str(info.value)
    assert "bolt://neo4j:***@127.0.0.1:9" in message and "connecting" in message
    assert "s3cret-word" not in message


def test_store_uri_is_redacted(neo4j_store: Neo4jGraphStore, neo4j_uri: str) -> None:
    assert password_of(neo4j_uri) not in neo4j_store.uri
    assert ":***@" in neo4j_store.uri


def test_wrong_password_is_unavailable_naming_the_uri(neo4j_uri: str) -> None:
    parts = urlsplit(neo4j_uri)
    bad = f"{parts.scheme}://{parts.username}:not-the-password@{parts.hostname}:{parts.port}"
    with pytest.raises(BackendUnavailable, match="authentication") as info:
        open_store(bad)
    assert "not-the-password" not in str(info.value)
    assert ":***@127.0.0.1" in str(info.value)


def test_unknown_database_is_a_backend_error_naming_what_failed(neo4j_uri: str) -> None:
    with pytest.raises(BackendError, match=r"/nosuchdb.*(DatabaseNotFound|not found)") as info:
        open_store(neo4j_uri.rstrip("/") + "/nosuchdb")
    assert password_of(neo4j_uri) not in str(info.value)


def test_closed_store_refuses_work(neo4j_uri: str) -> None:
    store = open_store(neo4j_uri)
    store.close()
    store.close()  # idempotent
    with pytest.raises(BackendError, match="closed"):
        store.counts()


def _schema_version(uri: str) -> list[int]:
    with _driver(uri) as driver:
        records = driver.execute_query("MATCH (s:ModelctxSchema) RETURN s.version AS v").records
    return [r["v"] for r in records]


def test_schema_is_created_once_and_reopening_is_idempotent(neo4j_uri: str) -> None:
    expected = set(cy.SCHEMA)
    assert "modelctx_node_id_unique" in expected
    assert not expected & set(cy.LEGACY_SCHEMA)
    open_store(neo4j_uri).close()
    assert _modelctx_schema(neo4j_uri) == expected
    open_store(neo4j_uri).close()
    assert _modelctx_schema(neo4j_uri) == expected
    assert _schema_version(neo4j_uri) == [cy.SCHEMA_VERSION]
    with _driver(neo4j_uri) as driver:
        driver.execute_query("DROP CONSTRAINT modelctx_node_id_unique")
    assert "modelctx_node_id_unique" not in _modelctx_schema(neo4j_uri)
    open_store(neo4j_uri).close()
    assert _modelctx_schema(neo4j_uri) == expected


def test_a_store_of_the_per_kind_layout_is_upgraded_at_open(neo4j_uri: str) -> None:
    """Schema version 1 (no version node): a uniqueness constraint per kind plus a plain Node(id) index."""
    open_store(neo4j_uri).close()
    legacy = {f"modelctx_{kind.value}_id" for kind in NodeKind} | {"modelctx_node_id"}
    with _driver(neo4j_uri) as driver:
        driver.execute_query("DROP CONSTRAINT modelctx_node_id_unique")
        driver.execute_query("MATCH (s:ModelctxSchema) DELETE s")
        for kind in NodeKind:
            driver.execute_query(
                f"CREATE CONSTRAINT modelctx_{kind.value}_id FOR (n:{kind.label}) REQUIRE n.id IS UNIQUE"
            )
        driver.execute_query("CREATE INDEX modelctx_node_id FOR (n:Node) ON (n.id)")
        driver.execute_query("CALL db.awaitIndexes(300)")
    assert _modelctx_schema(neo4j_uri) == (set(cy.SCHEMA) - {"modelctx_node_id_unique"}) | legacy
    assert _schema_version(neo4j_uri) == []
    # What an older version wrote through that layout is read and extended after the upgrade.
    with _driver(neo4j_uri) as driver:
        driver.execute_query(
            "CREATE (:Node:Model {id: 'model:old', kind: 'model', nid: 1, props: '{\"name\": \"old\"}', "
            "pkeys: ['name'], `p.name`: 'old'})"
        )
        driver.execute_query("MATCH (h:ChangeLogHead) SET h.next_nid = 2")
    store = open_store(neo4j_uri)
    try:
        assert _modelctx_schema(neo4j_uri) == set(cy.SCHEMA)
        assert _schema_version(neo4j_uri) == [cy.SCHEMA_VERSION]
        assert store.get_nodes(["model:old"]) == {"model:old": Node("model:old", NodeKind.MODEL, {"name": "old"})}
        store.upsert_nodes([Node("model:new", NodeKind.MODEL, {"name": "new"})])
        assert [n.id for n in store.find_nodes(NodeKind.MODEL)] == ["model:old", "model:new"]
    finally:
        store.close()
    with _driver(neo4j_uri) as driver, pytest.raises(ConstraintError):
        driver.execute_query("CREATE (:Node:Run {id: 'model:old'})")  # one id across kinds now
    open_store(neo4j_uri).close()
    assert _modelctx_schema(neo4j_uri) == set(cy.SCHEMA)


def test_a_store_of_a_newer_schema_version_is_refused(neo4j_uri: str) -> None:
    open_store(neo4j_uri).close()
    with _driver(neo4j_uri) as driver:
        driver.execute_query("MATCH (s:ModelctxSchema) SET s.version = $v", v=cy.SCHEMA_VERSION + 1)
    try:
        with pytest.raises(ConfigError, match=f"schema version {cy.SCHEMA_VERSION + 1}, newer than this modelctx"):
            open_store(neo4j_uri)
    finally:
        with _driver(neo4j_uri) as driver:
            driver.execute_query("MATCH (s:ModelctxSchema) SET s.version = $v", v=cy.SCHEMA_VERSION)


def test_the_database_itself_refuses_a_duplicate_id(neo4j_store: Neo4jGraphStore, neo4j_uri: str) -> None:
    neo4j_store.upsert_nodes([Node("model:dup", NodeKind.MODEL, {"name": "dup"})])
    with _driver(neo4j_uri) as driver, pytest.raises(ConstraintError):
        driver.execute_query("CREATE (:Node:Model {id: 'model:dup'})")
    assert neo4j_store.counts()["nodes"] == {"model": 1}


def test_removed_property_stops_matching_and_non_scalars_are_not_null(neo4j_store: Neo4jGraphStore) -> None:
    neo4j_store.upsert_nodes([
        Node("model:a", NodeKind.MODEL, {"owner": "ana", "tags": ["x"]}),
        Node("model:b", NodeKind.MODEL, {"owner": "ana", "meta": {"k": 1}}),
    ])
    neo4j_store.upsert_nodes([Node("model:a", NodeKind.MODEL, {"owner": None})])
    assert [n.id for n in neo4j_store.find_nodes(NodeKind.MODEL, {"owner": "ana"})] == ["model:b"]
    assert [n.id for n in neo4j_store.find_nodes(NodeKind.MODEL, {"owner": None})] == ["model:a"]
    assert [n.id for n in neo4j_store.find_nodes(NodeKind.MODEL, {"tags": None})] == ["model:b"]
    assert [n.id for n in neo4j_store.find_nodes(None, {"owner": "ana"})] == ["model:b"]
    assert neo4j_store.get_node("model:a").properties == {"tags": ["x"]}


def test_an_edge_without_properties_stores_no_props_and_reads_as_empty(
    neo4j_store: Neo4jGraphStore, neo4j_uri: str
) -> None:
    run = Node("run:r1", NodeKind.RUN, {})
    datasets = [Node(f"dataset_version:d{i}", NodeKind.DATASET_VERSION, {}) for i in range(3)]
    neo4j_store.write([run, *datasets], [
        Edge(run.id, datasets[0].id, EdgeType.USED, {}),
        Edge(run.id, datasets[1].id, EdgeType.USED, {"role": "training"}),
    ])
    # The second write merges into both stored edges, empties the third's properties and adds one.
    result = neo4j_store.write([], [
        Edge(run.id, datasets[0].id, EdgeType.USED, {"role": "eval"}),
        Edge(run.id, datasets[1].id, EdgeType.USED, {"role": None}),
        Edge(run.id, datasets[2].id, EdgeType.USED, {"role": None}),
    ])
    assert (result.edges_created, result.edges_updated, result.edges_unchanged) == (1, 2, 0)
    with _driver(neo4j_uri) as driver:
        stored = driver.execute_query(
            "MATCH (:Node {id: $run})-[r:USED]->(d) RETURN d.id AS d, r.props AS props ORDER BY d", run=run.id
        ).records
    assert [(r["d"], r["props"]) for r in stored] == [
        (datasets[0].id, '{"role":"eval"}'), (datasets[1].id, None), (datasets[2].id, None),
    ]
    assert [(e.target, e.properties) for e in neo4j_store.get_edges([run.id], "out")] == [
        (datasets[0].id, {"role": "eval"}), (datasets[1].id, {}), (datasets[2].id, {}),
    ]
    assert neo4j_store.verify_integrity().problem is None


def test_an_edge_to_a_missing_node_names_it_and_writes_nothing(neo4j_store: Neo4jGraphStore) -> None:
    run = Node("run:r1", NodeKind.RUN, {})
    with pytest.raises(ValidationError, match="dataset_version:gone"):
        neo4j_store.write([run], [Edge(run.id, "dataset_version:gone", EdgeType.USED, {})])
    assert neo4j_store.counts() == {"nodes": {}, "edges": {}}
    assert neo4j_store.last_seq() == 0


def test_property_names_are_data_not_cypher(neo4j_store: Neo4jGraphStore) -> None:
    odd = "x`}) DETACH DELETE n //"
    neo4j_store.upsert_nodes([Node("model:odd", NodeKind.MODEL, {odd: "v", "name": "odd"})])
    assert [n.id for n in neo4j_store.find_nodes(NodeKind.MODEL, {odd: "v"})] == ["model:odd"]
    assert neo4j_store.get_node("model:odd").properties == {odd: "v", "name": "odd"}


def test_breadth_first_engine_agrees_with_varlength(neo4j_store: Neo4jGraphStore, neo4j_uri: str) -> None:
    assert neo4j_store.traversal == "varlength"
    nodes, edges, _ = lineage_world()
    neo4j_store.write(nodes, edges)
    bfs = Neo4jGraphStore.from_uri(neo4j_uri + "?traversal=bfs")
    try:
        type_sets = [None, [EdgeType.DERIVED_FROM], [EdgeType.USED, EdgeType.IN_REPO, EdgeType.ATTRIBUTED_TO]]
        for node in nodes:
            for direction in ("up", "down"):
                for types in type_sets:
                    for depth in (None, 1, 3):
                        args = {"edge_types": types, "max_depth": depth}
                        assert bfs.reachable([node.id], direction, **args) == neo4j_store.reachable(
                            [node.id], direction, **args), (node.id, direction, types, depth)
        with pytest.raises(NotFoundError, match="run:sdk/nope"):
            bfs.reachable(["run:sdk/nope"], "up")
        assert bfs.reachable([nodes[0].id], "up", max_depth=0) == {}
    finally:
        bfs.close()
