"""Saving and loading model artifacts with their SHA-256 digest.

The digest recorded on the ModelVersion is what serving checks before it
loads a file: an artifact changed after it was recorded is refused, which is
also why loading with skops may trust the types the file lists — the bytes are
the ones the run wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from modelctx.errors import DigestMismatchError, NotFoundError, ValidationError
from modelctx.files import private_dir

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class SavedArtifact:
    uri: str
    digest: str
    format: str
    size: int


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a file, streamed."""
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    return f"sha256:{sha.hexdigest()}"


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("_") or "model"


def _is_sklearn(obj: Any) -> bool:
    return type(obj).__module__.split(".", 1)[0] == "sklearn"


@dataclass(frozen=True, slots=True)
class StagedArtifact:
    """An artifact written under a temporary name, waiting for the version number it will be filed under.

    The final path ``folder/name/version/`` embeds the number, and the number is
    known only once its claim succeeded (``training/registry.py``): writing there
    first could overwrite the artifact of the writer that wins the number, and
    a lost claim would leave a file no version points at. So the bytes (and
    their digest) are written to a staging folder beside the versions, the
    claim records the final URI, and :meth:`place` moves the file there; a
    failed claim :meth:`discard` s it.
    """

    path: Path
    model_dir: Path
    digest: str
    format: str
    size: int

    def saved(self, version: int | str) -> SavedArtifact:
        """The artifact as it will be once placed under ``version`` (what the ModelVersion records)."""
        return SavedArtifact(self._final(version).as_uri(), self.digest, self.format, self.size)

    def place(self, version: int | str) -> SavedArtifact:
        """Move the file to its version's folder (an atomic rename on one file system)."""
        final = self._final(version)
        private_dir(final.parent)
        os.replace(self.path, final)
        self.path.parent.rmdir()
        return self.saved(version)

    def discard(self) -> None:
        """Remove the staged file and its staging folder (after a failed claim)."""
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()

    def _final(self, version: int | str) -> Path:
        return self.model_dir.resolve() / _safe(str(version)) / self.path.name


def stage_artifact(obj: Any, folder: Path, name: str) -> StagedArtifact:
    """Write ``obj`` to a staging folder under ``folder/name/`` (skops for scikit-learn, else joblib)."""
    model_dir = folder / _safe(name)
    staging = model_dir / f".staging-{uuid.uuid4().hex}"
    private_dir(staging)
    fmt = "skops" if _is_sklearn(obj) else "joblib"
    path = staging / f"model.{fmt}"
    try:
        if fmt == "skops":
            import skops.io

            skops.io.dump(obj, path)
        else:
            import joblib

            joblib.dump(obj, path)
        staged = StagedArtifact(path, model_dir, file_digest(path), fmt, path.stat().st_size)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a half-written file must not be left behind
        raise
    return staged


def path_from_uri(uri: str) -> Path:
    """The local path of a ``file://`` URI (a bare path is accepted too)."""
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        return Path(unquote(parts.path) if parts.scheme else uri)
    raise ValidationError(f"artifact uri {uri!r}: only file:// artifacts can be loaded")


def load_artifact(uri: str, digest: str | None) -> Any:
    """Load an artifact after checking its bytes against ``digest``; a mismatch is refused."""
    path = path_from_uri(uri)
    if not path.is_file():
        raise NotFoundError(f"artifact {path} (from {uri}) does not exist")
    if not digest:
        raise ValidationError(f"artifact {path}: no digest recorded, refusing to load an unverifiable file")
    data = path.read_bytes()  # hash and load the same bytes: no window to swap the file
    actual = f"sha256:{hashlib.sha256(data).hexdigest()}"
    if actual != digest:
        raise DigestMismatchError(
            f"artifact {path} was changed after it was recorded: digest is {actual}, "
            f"the graph says {digest}; refusing to load it"
        )
    if path.suffix == ".skops":
        import skops.io

        return skops.io.loads(data, trusted=skops.io.get_untrusted_types(data=data))
    import io

    import joblib

    return joblib.load(io.BytesIO(data))
