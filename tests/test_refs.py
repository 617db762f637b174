"""Human ids (``graph/refs.py``): every form, ambiguity, "did you mean", and scoped views, on every backend."""

from __future__ import annotations

import pytest

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind, kind_if_id, kind_of_id
from modelctx.graph.refs import resolve_model_version, resolve_ref, suggestions
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.store import GraphStore
from modelctx.training.registry import resolve_model_version as registry_resolve

K = NodeKind
HEX_A = "ab12" + "0" * 36
HEX_B = "ab34" + "1" * 36
MLFLOW_RUN = "5f0c" + "2" * 28
LINEAGE_RUN = "0190b7d2-8c1e-7a3b-9f4e-2d6c8a1b3e5f"


def _world(store: GraphStore) -> None:
    nodes = [
        Node("model:churn", K.MODEL, {"name": "churn", "project": "crm"}),
        Node("model_version:churn/1", K.MODEL_VERSION, {"model": "churn", "version": 1, "project": "crm",
                                                          "aliases": []}),
        Node("model_version:churn/2", K.MODEL_VERSION, {"model": "churn", "version": 2, "project": "crm",
                                                          "aliases": ["production"]}),
        Node("model_version:churn/3", K.MODEL_VERSION, {"model": "churn", "version": 3, "project": "crm",
                                                          "aliases": ["candidate"]}),
        Node("model:fraud", K.MODEL, {"name": "fraud", "project": "risk"}),
        Node("model_version:fraud/1", K.MODEL_VERSION, {"model": "fraud", "version": 1, "project": "risk",
                                                          "aliases": ["production"]}),
        Node("dataset:customers", K.DATASET, {"name": "customers"}),
        Node("dataset_version:customers/d1", K.DATASET_VERSION,
             {"name": "customers@1", "dataset": "customers", "version": "1"}),
        Node("dataset_version:customers/d2", K.DATASET_VERSION,
             {"name": "customers@2", "dataset": "customers", "version": "2"}),
        Node(f"commit:{HEX_A}", K.COMMIT, {"message": "shared commit"}),
        Node(f"commit:{HEX_B}", K.COMMIT, {"message": "another"}),
        Node("run:sdk/fraudrun77", K.RUN, {"project": "risk", "name": "fraud training"}),
        Node(f"run:mlflow/{MLFLOW_RUN}", K.RUN, {"project": "crm", "name": "churn training"}),
        Node(f"run:openlineage/{LINEAGE_RUN}", K.RUN, {"project": "crm", "name": "nightly features"}),
        Node("person:grace@example.com", K.PERSON, {"name": "Grace Hopper", "email": "grace@example.com"}),
    ]
    store.write(nodes, [Edge("model_version:churn/1", "model:churn", EdgeType.VERSION_OF)])


@pytest.mark.parametrize(("ref", "expected"), [
    ("model_version:churn/2", "model_version:churn/2"),
    ("churn@2", "model_version:churn/2"),
    ("churn@production", "model_version:churn/2"),
    ("churn@candidate", "model_version:churn/3"),
    ("churn", "model_version:churn/3"),  # a bare model name: its latest version
    ("model:churn", "model:churn"),
    ("customers@2", "dataset_version:customers/d2"),
    ("customers", "dataset:customers"),  # an exact natural key
    ("dataset_version:customers/d1", "dataset_version:customers/d1"),
    ("commit:ab1", f"commit:{HEX_A}"),  # a prefix with its kind
    ("ab34", f"commit:{HEX_B}"),  # a prefix without it
    ("  churn@2 ", "model_version:churn/2"),
    ("grace@example.com", "person:grace@example.com"),  # a natural key with "@" that names no version
    # MLflow's URIs, as its users copy them.
    ("models:/churn/2", "model_version:churn/2"),
    ("models:/churn@candidate", "model_version:churn/3"),
    ("models:/churn/production", "model_version:churn/2"),  # a stage: the alias of that name
    ("models:/churn/latest", "model_version:churn/3"),
    (f"runs:/{MLFLOW_RUN}/model", f"run:mlflow/{MLFLOW_RUN}"),
    (f"runs:/{MLFLOW_RUN}", f"run:mlflow/{MLFLOW_RUN}"),
    # A tracker's own run id: MLflow's, OpenLineage's runId, the SDK's.
    (MLFLOW_RUN, f"run:mlflow/{MLFLOW_RUN}"),
    (LINEAGE_RUN, f"run:openlineage/{LINEAGE_RUN}"),
    ("fraudrun77", "run:sdk/fraudrun77"),
])
def test_every_form_resolves(store: GraphStore, ref: str, expected: str) -> None:
    _world(store)
    node = resolve_ref(store, ref)
    assert isinstance(node, Node)
    assert node.id == expected


def test_mlflow_uris_that_name_nothing_say_what_they_were_read_as(store: GraphStore) -> None:
    _world(store)
    with pytest.raises(NotFoundError) as version:
        resolve_ref(store, "models:/churn/9")
    assert str(version.value) == ("no node with id 'churn@9'; did you mean: model:churn, model_version:churn/3, "
                                  "model_version:churn/2?")
    with pytest.raises(NotFoundError, match="no version of 'churn' has alias 'Staging'; aliases in use: candidate"):
        resolve_ref(store, "models:/churn/Staging")
    # A model URI names a model's version, never a node of another kind that the name would resolve to.
    with pytest.raises(NotFoundError) as latest:
        resolve_ref(store, "models:/customers/latest")
    assert str(latest.value) == "'models:/customers/latest': no version of a model 'customers' is stored"
    with pytest.raises(NotFoundError) as dataset:
        resolve_ref(store, "models:/customers/2")
    assert str(dataset.value) == ("'models:/customers/2': no version of a model 'customers' is '2' "
                                  "(dataset_version:customers/d2 is no model version)")
    missing = "9" * 32
    with pytest.raises(NotFoundError, match=f"^no node with id 'run:mlflow/{missing}'"):
        resolve_ref(store, f"runs:/{missing}/model")


def test_run_sources_are_the_trackers_that_key_runs() -> None:
    from modelctx.graph.refs import RUN_SOURCES, SDK_SOURCE
    from modelctx.ingest import mlflow, openlineage

    assert RUN_SOURCES == (mlflow.SOURCE, openlineage.SOURCE, SDK_SOURCE) == ("mlflow", "openlineage", "sdk")


def test_an_ambiguous_prefix_lists_its_candidates(store: GraphStore) -> None:
    _world(store)
    with pytest.raises(ValidationError) as caught:
        resolve_ref(store, "commit:ab")
    assert str(caught.value) == (f"node reference 'commit:ab' is ambiguous: it matches commit:{HEX_A}, "
                                 f"commit:{HEX_B}; give more of the id")
    with pytest.raises(ValidationError, match="matches dataset_version:customers/d1, dataset_version:customers/d2;"):
        resolve_ref(store, "dataset_version:customers/d")


def test_a_miss_suggests_close_references_that_resolve(store: GraphStore) -> None:
    _world(store)
    with pytest.raises(NotFoundError) as caught:
        resolve_ref(store, "chrun@2")
    assert str(caught.value).startswith("no node with id 'chrun@2'; did you mean: churn@2")
    assert suggestions(store, "custmers@1")[0] == "customers@1"
    assert suggestions(store, "model_version:churn/9") == ["model_version:churn/3", "model_version:churn/2",
                                                           "model_version:churn/1"]
    with pytest.raises(NotFoundError) as far:
        resolve_ref(store, "zzzzzzzz")
    assert str(far.value) == "no node with id 'zzzzzzzz'"
    with pytest.raises(NotFoundError, match="aliases in use: candidate, production"):
        resolve_ref(store, "churn@staging")
    with pytest.raises(NotFoundError, match="needs at least 4 characters"):
        resolve_ref(store, "ab")
    # A caller that only asks whether a reference names a node gets the same answer without the suggestions.
    with pytest.raises(NotFoundError) as quiet:
        resolve_ref(store, "chrun@2", suggest=False)
    assert (str(quiet.value), quiet.value.suggestions) == ("no node with id 'chrun@2'", [])
    assert resolve_ref(store, "churn@2", suggest=False).id == "model_version:churn/2"


@pytest.mark.parametrize("bad", ["", "   ", "a\nb", "x" * 2001])
def test_input_that_cannot_be_a_reference_is_refused(store: GraphStore, bad: str) -> None:
    with pytest.raises(ValidationError):
        resolve_ref(store, bad)


def test_model_version_references_are_the_same_rule_for_the_registry(store: GraphStore) -> None:
    _world(store)
    assert registry_resolve is resolve_model_version
    assert resolve_model_version(store, "churn@production").id == "model_version:churn/2"
    with pytest.raises(ValidationError, match="is Dataset dataset:customers, not a model version"):
        resolve_model_version(store, "customers")


def test_a_scoped_view_resolves_and_suggests_only_what_it_shows(store: GraphStore) -> None:
    _world(store)
    crm = ScopedGraphStore(store, "crm")
    assert resolve_ref(crm, "churn@production").id == "model_version:churn/2"
    assert resolve_ref(crm, "ab12").id == f"commit:{HEX_A}"  # shared things resolve in every project
    for hidden in ("fraud@1", "fraud@production", "fraud", "model_version:fraud/1", "model_version:fr",
                   "run:sdk/fraud", "fraudrun77"):
        with pytest.raises(NotFoundError) as caught:
            resolve_ref(crm, hidden)
        assert "fraud/1" not in str(caught.value).replace(hidden, "")
        assert "fraudrun77" not in str(caught.value).replace(hidden, "")
    # A prefix both projects share is unique in each view, not ambiguous.
    risk = ScopedGraphStore(store, "risk")
    assert resolve_ref(risk, "model_version:").id == "model_version:fraud/1"
    assert resolve_ref(store, "run:sdk/fr").id == "run:sdk/fraudrun77"
    assert suggestions(crm, "fraud@1") == []


@pytest.mark.parametrize(("text", "kind"), [
    ("model:churn", K.MODEL), ("dataset_version:a/b", K.DATASET_VERSION), ("commit:ab:cd", K.COMMIT),
    ("model:", None), ("churn", None), ("nope:churn", None), ("", None), ("./data/x.csv", None),
])
def test_the_kind_an_id_names_is_one_rule(text: str, kind: NodeKind | None) -> None:
    assert kind_if_id(text) is kind
    if kind is not None:
        assert kind_of_id(text) is kind
    else:
        with pytest.raises(ValidationError, match="malformed node id"):
            kind_of_id(text)
