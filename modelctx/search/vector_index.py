"""Nearest-neighbour search over document vectors: exact while small, approximate when large.

Vectors are L2-normalised, so inner product is cosine similarity. Rows are
addressed by *slot* (the document's row number in the index file).

- Exact: one numpy matrix-vector product over the rows (on this machine faster
  than faiss ``IndexFlatIP`` for single queries; see bench/search_bench.py), in
  numpy's own loop rather than BLAS (``inner_products``: no spinning threads).
- Approximate, from ``EXACT_MAX_ROWS`` rows on: a faiss index built over a
  snapshot of the rows. Measured on 10k real MiniLM vectors (docstrings):
  HNSW (M=32, efSearch=96) recall@10 0.996 at 0.5 ms/query; IVF-Flat with
  nlist=4*sqrt(n) needed nprobe=32 for 0.953. HNSW wins on recall, but its
  build time grows fast on 2 cores (35 s for 30k random vectors, tens of
  minutes at 1M) while IVF builds in a k-means pass; so HNSW up to
  ``HNSW_MAX_ROWS`` and IVF (nlist=sqrt(n), a wider probe) above. Rows written after the snapshot are *fresh*: they
  are searched exactly and their stale snapshot entries are dropped, so an
  update is visible at once and the approximate index is rebuilt only when
  the fresh part grows past ``REBUILD_FRACTION``.
- Filters (kind, project, time) become a row mask. A mask that keeps few rows
  is searched exactly over just those rows; otherwise the approximate index is
  over-fetched and filtered, falling back to exact when too few rows survive.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

EXACT_MAX_ROWS = 20_000
HNSW_MAX_ROWS = 200_000
REBUILD_FRACTION = 0.05
ANN_KIND = "auto"
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 96
IVF_NPROBE = 48
_OVERFETCH = 8


@dataclass(slots=True)
class Filter:
    """Which rows may match: a kind, a project, a scope, a time range (epoch seconds, inclusive).

    ``scope`` keeps the rows a project's view may show: that project's and the
    project-less ones (the view itself decides among the latter).
    """

    kind: str | None = None
    project: str | None = None
    scope: str | None = None
    since: float | None = None
    until: float | None = None

    @property
    def empty(self) -> bool:
        return (self.kind is None and self.project is None and self.scope is None and self.since is None
                and self.until is None)


def ann_kind_for(rows: int, kind: str = ANN_KIND) -> str:
    """``auto`` → HNSW up to HNSW_MAX_ROWS rows, IVF above; otherwise ``kind`` itself."""
    if kind == "auto":
        return "hnsw" if rows <= HNSW_MAX_ROWS else "ivf"
    return kind


def build_ann(vectors: np.ndarray, kind: str = ANN_KIND) -> Any:
    """A faiss inner-product index over ``vectors`` (row i has label i)."""
    import faiss

    dim = vectors.shape[1]
    kind = ann_kind_for(len(vectors), kind)
    if kind == "hnsw":
        index: Any = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        index.add(vectors)
        return index
    if kind == "ivf":
        nlist = max(16, int(np.sqrt(len(vectors))))
        quantizer = faiss.IndexFlatIP(dim)
        ivf: Any = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors if len(vectors) <= nlist * 64 else vectors[
            np.random.default_rng(0).choice(len(vectors), nlist * 64, replace=False)
        ]
        ivf.train(sample)
        ivf.add(vectors)
        ivf.nprobe = IVF_NPROBE
        return ivf
    raise ValueError(f"unknown approximate index kind {kind!r}; valid: hnsw, ivf")


def inner_products(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The exact score of every row (``matrix @ query``, float32), on the calling thread alone.

    ``matrix @ query`` is OpenBLAS's sgemv, which splits a large matrix over its
    threads; its helper thread then spins for milliseconds on the other core, so a
    query paid up to twice its wall time in CPU, and on a busy box (other jobs,
    concurrent requests) the threads wait on each other. numpy's ``einsum`` loop
    uses no BLAS and no other thread, is about as fast for one matrix-vector
    product (memory-bound), and releases the GIL. Its float32 sums differ from
    sgemv's in the last bits (about 1e-8; the ranking tests compare the two).

    Full ``SearchService.search`` under N client threads, as ``modelctx serve``
    runs GET /search, einsum against sgemv (throughput; CPU per query), rounds
    alternating on a 2-core box shared with other jobs (its load average
    given; ratios, not times)::

        bench/search_bench.py --only-latency --docs 5000 20000 --cli-runs 0 \\
            --concurrency 1 2 4 --load-rounds 4 --load-queries 100

                       1 client        2 clients       4 clients
        20k, load 2.6  1.31x; 0.76x    1.38x; 0.82x    1.50x; 0.82x
        20k, load 5.5  2.05x; 0.42x    2.87x; 0.40x    4.52x; 0.30x
        5k,  load 2.6  1.11x; 0.91x    1.04x; 0.95x    0.91x; 0.91x
        5k,  load 5.5  3.00x; 0.34x    5.74x; 0.27x    3.52x; 0.27x
        20k, load 3-4  2.46x; 0.40x    2.75x; 0.44x    3.58x; 0.32x  (gemv, modelctx only)
        5k,  load 3-4  3.66x; 0.33x    3.94x; 0.31x    6.24x; 0.20x

    At 100k documents (``--docs 100000 --exact-scores gemv modelctx``) the
    approximate path is unchanged (1.09x, 0.96x, 0.95x: noise), and with
    ``--load-project p3`` (14k rows, searched exactly) 2.03x, 1.75x, 2.38x at
    CPU 0.47-0.50x. OpenBLAS held to one thread did not do as well: around
    each call (threadpoolctl, process-global, so racing between requests)
    0.61-2.01x; for the whole process 0.80-4.91x, and it would slow every
    other BLAS user in the process.
    """
    return np.einsum("ij,j->i", matrix, query, optimize=False)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest scores, best first."""
    if len(scores) <= k:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


class VectorIndex:
    """Document vectors with their filter columns, searchable exactly or approximately."""

    def __init__(self, dim: int, *, exact_max_rows: int = EXACT_MAX_ROWS, ann_kind: str = ANN_KIND) -> None:
        self.dim = dim
        self.exact_max_rows = exact_max_rows
        self.ann_kind = ann_kind
        self.size = 0
        self._vectors = np.zeros((0, dim), dtype=np.float32)
        self._present = np.zeros(0, dtype=bool)
        self._kinds = np.zeros(0, dtype=np.int16)
        self._projects = np.zeros(0, dtype=np.int32)
        self._at = np.zeros(0, dtype=np.float64)
        self._kind_codes: dict[str, int] = {}
        self._project_codes: dict[str | None, int] = {None: -1}
        self._ann: Any = None
        self._ann_rows = 0
        self._fresh: set[int] = set()

    # -- writing -------------------------------------------------------------

    def _grow(self, rows: int) -> None:
        if rows <= len(self._vectors):
            return
        capacity = max(rows, 2 * len(self._vectors), 1024)

        def grown(array: np.ndarray, fill: Any) -> np.ndarray:
            shape = (capacity, *array.shape[1:])
            out = np.full(shape, fill, dtype=array.dtype)
            out[: len(array)] = array
            return out

        self._vectors = grown(self._vectors, 0.0)
        self._present = grown(self._present, False)
        self._kinds = grown(self._kinds, -1)
        self._projects = grown(self._projects, -1)
        self._at = grown(self._at, np.nan)

    def _code(self, codes: dict[Any, int], value: Any) -> int:
        if value not in codes:
            codes[value] = len(codes)
        return codes[value]

    def set_rows(
        self,
        slots: Sequence[int],
        vectors: np.ndarray,
        kinds: Sequence[str],
        projects: Sequence[str | None],
        ats: Sequence[float | None],
    ) -> None:
        """Write rows (new or replacing); replaced rows leave the approximate snapshot."""
        if not len(slots):
            return
        slot_array = np.asarray(slots, dtype=np.int64)
        self._grow(int(slot_array.max()) + 1)
        self._vectors[slot_array] = vectors
        self._present[slot_array] = True
        self._kinds[slot_array] = [self._code(self._kind_codes, k) for k in kinds]
        self._projects[slot_array] = [self._code(self._project_codes, p) for p in projects]
        self._at[slot_array] = [np.nan if a is None else a for a in ats]
        self.size = max(self.size, int(slot_array.max()) + 1)
        if self._ann is not None:
            self._fresh.update(int(s) for s in slot_array)

    def needs_ann_rebuild(self) -> bool:
        if self.size <= self.exact_max_rows:
            return False
        if self._ann is None:
            return True
        return len(self._fresh) + (self.size - self._ann_rows) > REBUILD_FRACTION * self.size

    def rebuild_ann(self) -> None:
        """Build the approximate index over the current rows (no-op while exact suffices)."""
        if self.size <= self.exact_max_rows:
            self._ann, self._ann_rows, self._fresh = None, 0, set()
            return
        self._ann = build_ann(self._vectors[: self.size], self.ann_kind)
        self._ann_rows = self.size
        self._fresh = set()

    # -- reading -------------------------------------------------------------

    def mask(self, where: Filter) -> np.ndarray | None:
        """Rows allowed by ``where`` (None: every present row)."""
        if where.empty:
            return None
        keep = self._present[: self.size].copy()
        if where.kind is not None:
            keep &= self._kinds[: self.size] == self._kind_codes.get(where.kind, -2)
        if where.project is not None:
            keep &= self._projects[: self.size] == self._project_codes.get(where.project, -2)
        if where.scope is not None:
            projects = self._projects[: self.size]
            keep &= (projects == self._project_codes.get(where.scope, -2)) | (projects == self._project_codes[None])
        at = self._at[: self.size]
        if where.since is not None:
            keep &= at >= where.since
        if where.until is not None:
            keep &= at <= where.until
        return keep

    def kinds(self, slots: Iterable[int]) -> dict[int, str]:
        """The kind of each present slot."""
        names = {code: kind for kind, code in self._kind_codes.items()}
        return {
            int(s): names[int(self._kinds[s])] for s in slots
            if 0 <= s < self.size and self._present[s] and int(self._kinds[s]) in names
        }

    def _exact(self, query: np.ndarray, k: int, rows: np.ndarray | None) -> list[tuple[int, float]]:
        if rows is None:
            scores = inner_products(self._vectors[: self.size], query)
            scores[~self._present[: self.size]] = -np.inf
            best = top_k(scores, k)
            return [(int(i), float(scores[i])) for i in best if np.isfinite(scores[i])]
        # take() gathers the rows in one call: 14k of 100k rows in 2.8-3.0 ms against fancy indexing's 4.1 ms
        # (a one-off timing of both, alternated, on random float32 rows).
        scores = inner_products(self._vectors.take(rows, axis=0), query)
        best = top_k(scores, k)
        return [(int(rows[i]), float(scores[i])) for i in best]

    def search(self, query: np.ndarray, k: int, where: Filter | None = None) -> list[tuple[int, float]]:
        """The ``k`` nearest allowed rows as (slot, cosine), best first."""
        if self.size == 0 or k <= 0:
            return []
        keep = self.mask(where) if where is not None else None
        rows = np.flatnonzero(keep) if keep is not None else None
        if rows is not None and len(rows) == 0:
            return []
        if self._ann is None or self.size <= self.exact_max_rows or (
            rows is not None and len(rows) <= self.exact_max_rows
        ):
            return self._exact(query, k, rows)
        fetch = k * (_OVERFETCH if rows is not None else 1) + len(self._fresh)
        scores, labels = self._ann.search(query.reshape(1, -1), fetch)
        found: dict[int, float] = {}
        for slot, score in zip(labels[0].tolist(), scores[0].tolist(), strict=True):  # Python ints and floats
            if slot < 0 or slot in self._fresh or (keep is not None and not keep[slot]):
                continue
            found[slot] = score
        if self._fresh or self._ann_rows < self.size:  # rows written since the snapshot: searched exactly
            tail = np.arange(self._ann_rows, self.size)
            fresh = np.fromiter(self._fresh, dtype=np.int64, count=len(self._fresh))
            extra = np.concatenate([tail, fresh])
            if keep is not None:
                extra = extra[keep[extra]]
            extra = extra[self._present[extra]]
            for slot, score in self._exact(query, k, extra):
                found[slot] = score
        if rows is not None and len(found) < min(k, len(rows)):
            return self._exact(query, k, rows)
        return sorted(found.items(), key=lambda item: -item[1])[:k]

    # -- persistence ---------------------------------------------------------

    def save(self, folder: Path, seq: int, generation: str = "", prefix: str = "") -> None:
        """Write the rows (and the approximate index) covering change-log entry ``seq``; atomic per file.

        ``prefix`` names the files of one of several matrices in ``folder`` (``search/index.py``: the passages').
        """
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{prefix}vectors.npz.tmp"
        with tmp.open("wb") as handle:
            np.savez(
                handle, vectors=self._vectors[: self.size], present=self._present[: self.size],
                kinds=self._kinds[: self.size], projects=self._projects[: self.size], at=self._at[: self.size],
            )
        os.replace(tmp, folder / f"{prefix}vectors.npz")
        ann_file = folder / f"{prefix}ann.faiss"
        if self._ann is not None and not self._fresh and self._ann_rows == self.size:
            import faiss

            faiss.write_index(self._ann, str(ann_file) + ".tmp")
            os.replace(str(ann_file) + ".tmp", ann_file)
        elif ann_file.exists():
            ann_file.unlink()
        meta = {
            "seq": seq, "generation": generation, "size": self.size,
            "ann": ann_file.exists(), "ann_kind": self.ann_kind,
            "kind_codes": self._kind_codes,
            "project_codes": [[k, v] for k, v in self._project_codes.items()],
        }
        (folder / f"{prefix}vectors.json.tmp").write_text(json.dumps(meta))
        os.replace(folder / f"{prefix}vectors.json.tmp", folder / f"{prefix}vectors.json")

    def load(self, folder: Path, generation: str = "", prefix: str = "") -> int | None:
        """Read a saved snapshot of ``generation``; returns the sequence it covers, or None if unusable."""
        try:
            meta = json.loads((folder / f"{prefix}vectors.json").read_text())
            with np.load(folder / f"{prefix}vectors.npz") as data:
                vectors, present = data["vectors"], data["present"]
                kinds, projects, at = data["kinds"], data["projects"], data["at"]
        except (OSError, ValueError, KeyError):
            return None
        if (
            meta.get("generation") != generation or vectors.ndim != 2
            or vectors.shape[1] != self.dim or len(vectors) != meta.get("size")
        ):
            return None
        self.size = 0
        self._vectors = np.zeros((0, self.dim), dtype=np.float32)
        self._grow(len(vectors))
        n = len(vectors)
        self._vectors[:n], self._present[:n], self._kinds[:n] = vectors, present, kinds
        self._projects[:n], self._at[:n] = projects, at
        self.size = n
        self._kind_codes = {str(k): int(v) for k, v in meta["kind_codes"].items()}
        self._project_codes = {k: int(v) for k, v in meta["project_codes"]}
        self._ann, self._ann_rows, self._fresh = None, 0, set()
        ann_file = folder / f"{prefix}ann.faiss"
        if meta.get("ann") and meta.get("ann_kind") == self.ann_kind and ann_file.exists():
            import faiss

            self._ann = faiss.read_index(str(ann_file))
            if hasattr(self._ann, "hnsw"):
                self._ann.hnsw.efSearch = HNSW_EF_SEARCH
            else:
                faiss.extract_index_ivf(self._ann).nprobe = IVF_NPROBE
            self._ann_rows = n
        return int(meta["seq"])
