"""Search on the demo world as a new user meets it: exact names first, gibberish finds nothing (service, CLI,
API), snippets are never filler, and every documented question shape names things the demo has."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.demo.world import build_demo_world
from modelctx.graph.model import NodeKind
from modelctx.search import questions
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.hybrid import EXACT_SCORE
from modelctx.search.messages import nothing_answers
from modelctx.search.service import SearchService, no_results
from modelctx.search.vector_index import Filter
from tests.api.indexing import wait_until_indexed

V3 = "model_version:tumour-classifier/3"
GIBBERISH = ("xqzv blorf wibble", "qwpoei zzkx asdkjh", "lorem ipsum dolor")
#: What people type on the demo: names, paraphrases, questions.
QUERIES = (
    "tumour classifier", "tumour-classifier v2", "breast cancer data", "wine cultivar", "overfitting",
    "who approved the random forest", "model trained on the deduplicated wine export", "diabetes progression ridge",
    "drift in production", "review comments about recall", "standardised features", "c 1", "params",
    "what did Grace Hopper review", "models in production without approval",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, str]]:
    home = tmp_path_factory.mktemp("demo-search")
    uri = f"sqlite:///{home / 'modelctx.db'}"
    client = Client.open(uri, settings=Settings(home=home), actor="user:demo")
    build_demo_world(client)
    try:
        yield client, uri
    finally:
        client.close()


@pytest.fixture(scope="module")
def search(demo: tuple[Client, str], embedder: MiniLMEmbedder) -> Iterator[SearchService]:
    service = SearchService.for_client(demo[0], embedder)
    try:
        yield service
    finally:
        service.close()


@pytest.mark.parametrize("query", ["tumour-classifier v3", "tumour-classifier version 3", "Tumour-Classifier V3",
                                   "tumour-classifier@3", V3])
def test_an_exact_name_puts_that_version_first(search: SearchService, query: str) -> None:
    hits = search.search(query, limit=5, with_context=False)
    assert hits[0].id == V3 and hits[0].score == EXACT_SCORE
    assert V3 not in [h.id for h in hits[1:]]


def test_an_exactly_typed_title_puts_that_node_first(search: SearchService) -> None:
    hits = search.search("tumour random forest", limit=3, with_context=False)
    assert hits[0].title == "tumour random forest" and hits[0].kind == "run" and hits[0].score == EXACT_SCORE


@pytest.mark.parametrize("query", GIBBERISH)
def test_gibberish_finds_nothing_and_says_so(search: SearchService, demo: tuple[Client, str], query: str) -> None:
    for mode in ("hybrid", "vector", "keyword"):
        assert search.search(query, mode=mode) == [], mode
    assert search.answer(query, "hybrid", [], pending=0)["note"] == no_results(query)
    result = CliRunner().invoke(main, ["--store", demo[1], "search", query, "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["hits"] == [] and body["note"] == no_results(query)


def test_the_api_finds_nothing_for_gibberish_and_says_so(demo: tuple[Client, str], tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from modelctx.api.app import create_app

    client = Client.open(demo[1], actor="user:api", settings=Settings(home=tmp_path / "home"))
    app = create_app(client)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as http:
            wait_until_indexed(http)
            body = http.get("/api/v1/search", params={"q": GIBBERISH[0]}).json()
            assert body["hits"] == [] and body["note"] == no_results(GIBBERISH[0])
            exact = http.get("/api/v1/search", params={"q": "tumour-classifier v3"}).json()["hits"]
            assert exact[0]["id"] == V3
    finally:
        service = getattr(app.state, "search_service", None)
        if service is not None:
            service.close()
        client.close()


_ONE_ITEM_MAP = re.compile(r"^(?:params|metrics|performance|drift|column stats): [^,]+$")  # "params: c 1."


def is_filler(snippet: str, title: str, kind: str) -> bool:
    """Built only from the kind and the name: a kind label, a name (the title when it is a name, not a text such
    as an Insight's), a one-item parameter list."""
    bare = snippet.strip().rstrip(".…").strip()
    name_words = set(re.findall(r"\w+", f"{title} {kind}".lower().replace("_", " ")))
    only_names = not set(re.findall(r"\w+", bare.lower())) - name_words
    kind_label = f"{NodeKind(kind).label} {kind.replace('_', ' ')}"  # "Model model", "ModelVersion model version"
    return (bare == kind_label or bool(_ONE_ITEM_MAP.match(bare))
            or (only_names and len(title.split()) <= 4))


@pytest.mark.parametrize("query", QUERIES)
def test_no_top_hit_has_a_filler_snippet(search: SearchService, query: str) -> None:
    hits = search.search(query, limit=10, with_context=False)
    assert hits, query
    for hit in hits:
        assert hit.snippet == "" or not is_filler(hit.snippet, hit.title, hit.kind), (hit.id, hit.snippet)
    # A hit with text of its own shows some of it.
    texts = search.index.documents(search.index.exact_slots([h.id for h in hits], "", Filter(), limit=10))
    for row in texts.values():
        own = [s for s in row.body.split(". ")[1:] if len(s.split()) >= 3 and not s.startswith(("params:", "metrics:"))]
        shown = next(h.snippet for h in hits if h.id == row.node_id)
        assert shown or not own, (row.node_id, row.body)


def test_the_filler_check_catches_filler() -> None:
    assert is_filler("Model model.", "x", "model")
    assert is_filler("params: c 1.", "r", "run")
    assert is_filler("tumour-classifier v2.", "tumour-classifier v2", "model_version")
    assert is_filler("model tumour-classifier.", "tumour-classifier v2", "model_version")
    assert not is_filler("Approved for staging.", "Review of wine-cultivar v2: approved", "review")
    assert not is_filler("Random forest on the full v2 export; better recall.", "tumour random forest", "run")


@pytest.mark.parametrize("shape", questions.SHAPES, ids=lambda s: s.example)
def test_every_documented_example_is_answered_on_the_demo(search: SearchService, shape: questions.Shape) -> None:
    hits = search.search(shape.example, limit=5, with_context=False)
    answered = [h for h in hits if h.answer]
    # The demo has no sweep, no unapproved production deployment and no derived data: those answer with nothing.
    said = search.answer(shape.example, "hybrid", hits)
    if shape.name in ("sweep", "unapproved_production"):
        assert answered == []
        assert questions.answer(shape.example, search.store, lambda text, kinds: None) == (shape, [], None)
        # Said, so that the ranked hits filling the list are not read as its answers.
        assert said["note"] == nothing_answers(shape.meaning)
    elif shape.name in ("sweep_trials", "derived"):  # the entity is found (the question is read) but has none
        assert answered == []
        assert said["note"] == nothing_answers(shape.meaning)
    else:
        assert answered, shape.example
        assert said["note"] is None
    assert said["question"] == {"shape": shape.name, "reads_as": shape.meaning, "answers": len(answered)}
