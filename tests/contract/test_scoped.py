"""A project's view of a store: the visibility and write rules of ``docs/access.md``, on every backend."""

from __future__ import annotations

import pytest

from modelctx.errors import NotFoundError, PermissionDeniedError, ValidationError
from modelctx.graph.lineage import impact
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.store import GraphStore

K = NodeKind
E = EdgeType

pytestmark = pytest.mark.backend_only("these tests scope the store themselves: a scoped view is not scoped again",
                                      views=("scoped",))


def _world(store: GraphStore) -> None:
    nodes = [
        Node("project:churn", K.PROJECT, {"name": "churn"}),
        Node("project:fraud", K.PROJECT, {"name": "fraud"}),
        Node("dataset_version:shared/1", K.DATASET_VERSION, {"project": "churn", "name": "shared"}),
        Node("run:sdk/churn", K.RUN, {"project": "churn"}),
        Node("model_version:churn/1", K.MODEL_VERSION, {"project": "churn"}),
        Node("run:sdk/fraud", K.RUN, {"project": "fraud"}),
        Node("model_version:fraud/1", K.MODEL_VERSION, {"project": "fraud"}),
        Node("dataset_version:fraud-derived/1", K.DATASET_VERSION, {"project": "fraud"}),
        Node("dataset_version:churn-late/1", K.DATASET_VERSION, {"project": "churn"}),
        # project-less nodes: shared things, and attachments about churn's or fraud's nodes
        Node("review:churn-ok", K.REVIEW, {"verdict": "approved", "comment": "fine"}),
        Node("review:fraud-no", K.REVIEW, {"verdict": "rejected", "comment": "fraud secret"}),
        Node("commit:abc", K.COMMIT, {"message": "train"}),
        Node("commit:parent", K.COMMIT, {"message": "older"}),
        Node("code_repo:r", K.CODE_REPO, {"name": "repo"}),
        Node("person:dana@example.com", K.PERSON, {"name": "Dana"}),
        Node("dataset_version:raw/1", K.DATASET_VERSION, {"name": "raw"}),
        Node("run:etl/1", K.RUN, {"name": "etl"}),
        Node("dataset_version:lonely/1", K.DATASET_VERSION, {"name": "lonely"}),
    ]
    edges = [
        Edge("run:sdk/churn", "dataset_version:shared/1", E.USED),
        Edge("model_version:churn/1", "run:sdk/churn", E.GENERATED_BY),
        Edge("run:sdk/fraud", "dataset_version:shared/1", E.USED),
        Edge("model_version:fraud/1", "run:sdk/fraud", E.GENERATED_BY),
        # churn-late is reachable from shared only through a fraud node
        Edge("dataset_version:fraud-derived/1", "dataset_version:shared/1", E.DERIVED_FROM),
        Edge("dataset_version:churn-late/1", "dataset_version:fraud-derived/1", E.DERIVED_FROM),
        Edge("review:churn-ok", "model_version:churn/1", E.REVIEWS),
        Edge("review:fraud-no", "model_version:fraud/1", E.REVIEWS),
        Edge("review:churn-ok", "person:dana@example.com", E.ATTRIBUTED_TO),
        Edge("review:fraud-no", "person:dana@example.com", E.ATTRIBUTED_TO),
        Edge("run:sdk/churn", "commit:abc", E.USED, {"role": "code"}),
        Edge("commit:abc", "commit:parent", E.PARENT),
        Edge("commit:parent", "code_repo:r", E.IN_REPO),
        Edge("dataset_version:shared/1", "run:etl/1", E.GENERATED_BY),
        Edge("run:etl/1", "dataset_version:raw/1", E.USED),
    ]
    store.write(nodes, edges)


def test_scoped_view_hides_other_projects(store: GraphStore) -> None:
    _world(store)
    view = ScopedGraphStore(store, "churn")
    assert set(view.get_nodes(["run:sdk/churn", "run:sdk/fraud"])) == {"run:sdk/churn"}
    assert [n.id for n in view.find_nodes(K.RUN)] == ["run:sdk/churn", "run:etl/1"]
    assert view.find_nodes(K.RUN, {"project": "fraud"}) == []
    assert [n.id for n in view.find_nodes(K.RUN, {"project": "churn"})] == ["run:sdk/churn"]
    with pytest.raises(NotFoundError):
        view.get_node("model_version:fraud/1")
    assert {e.source for e in view.get_edges(["dataset_version:shared/1"], "in")} == {"run:sdk/churn"}
    down = view.reachable(["dataset_version:shared/1"], "down")
    assert down == {"run:sdk/churn": 1, "model_version:churn/1": 2, "review:churn-ok": 3}
    assert [n.id for n in impact(view, "dataset_version:shared/1").model_versions] == ["model_version:churn/1"]
    sub = view.traverse(["dataset_version:shared/1"], "down")
    assert sub.ids == {"dataset_version:shared/1", "run:sdk/churn", "model_version:churn/1", "review:churn-ok"}


def test_project_less_attachments_follow_their_subject_and_shared_things_are_seen_by_all(store: GraphStore) -> None:
    _world(store)
    churn, fraud = ScopedGraphStore(store, "churn"), ScopedGraphStore(store, "fraud")
    # a review or note without a project is visible exactly when what it is about is
    assert set(churn.get_nodes(["review:churn-ok", "review:fraud-no"])) == {"review:churn-ok"}
    assert set(fraud.get_nodes(["review:churn-ok", "review:fraud-no"])) == {"review:fraud-no"}
    shared = ["commit:abc", "commit:parent", "code_repo:r", "run:etl/1", "dataset_version:raw/1",
              "dataset_version:lonely/1", "person:dana@example.com"]
    assert list(churn.get_nodes(shared)) == list(fraud.get_nodes(shared)) == shared
    # a person both projects' reviews are attributed to: never a path to the other's review
    assert {e.source for e in churn.get_edges(["person:dana@example.com"], "in")} == {"review:churn-ok"}
    assert churn.reachable(["person:dana@example.com"], "down", edge_types=[E.ATTRIBUTED_TO]) == {
        "review:churn-ok": 1}
    assert [n.id for n in churn.find_nodes(K.REVIEW)] == ["review:churn-ok"]
    assert [n.id for n in churn.find_nodes(K.PROJECT)] == ["project:churn"]
    up = churn.reachable(["model_version:churn/1"], "up")
    assert up == {"run:sdk/churn": 1, "dataset_version:shared/1": 2, "commit:abc": 2, "run:etl/1": 3,
                  "dataset_version:raw/1": 4}
    assert churn.counts()["nodes"] == {
        "code_repo": 1, "commit": 2, "dataset_version": 4, "model_version": 1, "person": 1, "project": 1,
        "review": 1, "run": 2}
    # a note about a review follows the review
    store.write([Node("insight:n1", K.INSIGHT, {"text": "about the rejection"})],
                [Edge("insight:n1", "review:fraud-no", E.ABOUT)])
    assert churn.get_nodes(["insight:n1"]) == {} and list(fraud.get_nodes(["insight:n1"])) == ["insight:n1"]


def test_find_nodes_pages_through_own_then_shared_nodes(store: GraphStore) -> None:
    _world(store)
    view = ScopedGraphStore(store, "churn")
    everything = [n.id for n in view.find_nodes(K.DATASET_VERSION, limit=100)]
    assert everything == ["dataset_version:shared/1", "dataset_version:churn-late/1", "dataset_version:raw/1",
                          "dataset_version:lonely/1"]
    pages = [[n.id for n in view.find_nodes(K.DATASET_VERSION, limit=1, offset=i)] for i in range(5)]
    assert pages == [[everything[0]], [everything[1]], [everything[2]], [everything[3]], []]
    assert [n.id for n in view.find_nodes(K.DATASET_VERSION, limit=2, offset=1)] == everything[1:3]
    assert [n.id for n in view.find_nodes(K.DATASET_VERSION, {"project": None})] == everything[2:]


def test_scoped_writes_stamp_the_project_and_refuse_other_projects(store: GraphStore) -> None:
    _world(store)
    view = ScopedGraphStore(store, "churn")
    view.write([Node("model:new", K.MODEL, {"name": "new"})], [])
    assert store.get_node("model:new").properties == {"name": "new", "project": "churn"}
    seq = store.last_seq()
    for nodes in (
        [Node("run:sdk/fraud", K.RUN, {"name": "mine now"})],  # another project's node
        [Node("run:sdk/churn", K.RUN, {"project": "fraud"})],  # moving own node out
        [Node("model:other", K.MODEL, {"project": "fraud"})],  # creating in another project
        [Node("commit:abc", K.COMMIT, {"project": "churn"})],  # adopting a shared node
        [Node("project:fraud", K.PROJECT, {"name": "taken"})],  # another project's Project node
    ):
        with pytest.raises(PermissionDeniedError):
            view.write([Node("model:bystander", K.MODEL, {}), *nodes], [])
    assert store.last_seq() == seq
    assert not store.has_node("model:bystander")
    assert store.get_node("run:sdk/fraud").properties == {"project": "fraud"}


def test_scoped_edges_cannot_reach_hidden_nodes(store: GraphStore) -> None:
    _world(store)
    view = ScopedGraphStore(store, "churn")
    seq = store.last_seq()
    hidden = Edge("model_version:churn/1", "run:sdk/fraud", E.GENERATED_BY)
    missing = Edge("model_version:churn/1", "run:sdk/nowhere", E.GENERATED_BY)
    messages = []
    for edge in (hidden, missing):
        with pytest.raises(ValidationError) as caught:
            view.write([], [edge])
        messages.append(str(caught.value).replace(edge.target, "X"))
    assert messages[0] == messages[1]  # a hidden node looks exactly like a missing one
    with pytest.raises(ValidationError):  # a note about another project's review
        view.write([Node("insight:peek", K.INSIGHT, {"text": "?"})], [Edge("insight:peek", "review:fraud-no", E.ABOUT)])
    with pytest.raises(PermissionDeniedError):  # rewriting another project's review, filed without a project
        view.write([Node("review:fraud-no", K.REVIEW, {"verdict": "approved"})], [])
    assert store.last_seq() == seq
    assert store.get_node("review:fraud-no").properties["verdict"] == "rejected"
    # shared things can be used and enriched, never adopted
    view.write([Node("dataset_version:lonely/1", K.DATASET_VERSION, {"description": "raw extract"})],
               [Edge("run:sdk/churn", "dataset_version:lonely/1", E.USED)])
    assert store.get_node("dataset_version:lonely/1").properties == {"name": "lonely", "description": "raw extract"}
    with pytest.raises(PermissionDeniedError, match="shared"):
        view.write([Node("run:etl/1", K.RUN, {"project": "churn"})], [])


def test_people_and_code_written_through_a_scope_stay_shared(store: GraphStore) -> None:
    _world(store)
    churn, fraud = ScopedGraphStore(store, "churn"), ScopedGraphStore(store, "fraud")
    churn.write([Node("person:ana@example.com", K.PERSON, {"name": "Ana"}), Node("commit:new", K.COMMIT, {})],
                [Edge("run:sdk/churn", "person:ana@example.com", E.ATTRIBUTED_TO),
                 Edge("run:sdk/churn", "commit:new", E.USED)])
    assert store.get_node("person:ana@example.com").properties == {"name": "Ana"}
    assert "project" not in store.get_node("commit:new").properties
    # the other project can point at the same person, and then sees her
    fraud.write([Node("person:ana@example.com", K.PERSON, {"name": "Ana"})],
                [Edge("run:sdk/fraud", "person:ana@example.com", E.ATTRIBUTED_TO)])
    assert "person:ana@example.com" in fraud.get_nodes(["person:ana@example.com"])
    assert "commit:new" in fraud.get_nodes(["commit:new"])
    # and a later batch of the same writer can hang more on them
    churn.write([Node("code_repo:new", K.CODE_REPO, {"name": "new"})], [Edge("commit:new", "code_repo:new", E.IN_REPO)])
    assert store.get_node("code_repo:new").properties == {"name": "new"}


def test_find_ids_shows_only_visible_ids_and_pages_past_hidden_ones(store: GraphStore) -> None:
    hidden = [Node(f"run:x/h{i:04d}", K.RUN, {"project": "other"}) for i in range(1005)]
    mine = [Node("run:x/v1", K.RUN, {"project": "mine"}), Node("run:x/v2", K.RUN, {"project": "mine"})]
    shared = Node("run:x/s", K.RUN, {"name": "shared"})
    store.write([*hidden, *mine, shared], ())
    view = ScopedGraphStore(store, "mine")
    # every hidden id sorts before the visible ones: more than a page of them is read past
    assert view.find_ids("run:x/") == ["run:x/s", "run:x/v1", "run:x/v2"]
    assert view.find_ids("run:x/", limit=1, after="run:x/s") == ["run:x/v1"]
    assert view.find_ids("run:x/h") == []
    assert len(store.find_ids("run:x/h", limit=2000)) == 1005
