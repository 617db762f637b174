"""Saving and loading model artifacts with their SHA-256 digest.

The digest recorded on the ModelVersion is what serving checks before it
loads a file: an artifact changed after it was recorded is refused, which is
also why loading with skops may trust the types the file lists — the bytes are
the ones the run wrote.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from modelctx.errors import DigestMismatchError, NotFoundError, ValidationError

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


def save_artifact(obj: Any, folder: Path, name: str, version: int | str) -> SavedArtifact:
    """Write ``obj`` under ``folder/name/version/`` (skops for scikit-learn, else joblib)."""
    target_dir = folder / _safe(name) / _safe(str(version))
    target_dir.mkdir(parents=True, exist_ok=True)
    if _is_sklearn(obj):
        import skops.io

        path = target_dir / "model.skops"
        skops.io.dump(obj, path)
        fmt = "skops"
    else:
        import joblib

        path = target_dir / "model.joblib"
        joblib.dump(obj, path)
        fmt = "joblib"
    return SavedArtifact(path.resolve().as_uri(), file_digest(path), fmt, path.stat().st_size)


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
