"""Checkpoints: a change log's head written down, so truncating or rewriting the log later shows.

A checkpoint records the head of the hash chain — the newest entry's sequence
number and hash — and when it was taken::

    {"format": "modelctx-checkpoint/1", "store": "sqlite:///…", "seq": 812,
     "hash": "3fa2…", "at": "2026-05-01T12:00:00.000000+00:00", "hmac": "9c1e…"}

Because every entry's hash covers the one before it, the log still holds
entry ``seq`` with that ``hash`` only if nothing up to it was removed or
changed. ``verify --checkpoint`` checks exactly that (``check_checkpoint``).
An unsigned checkpoint catches truncation and any rewrite that did not also
replace the checkpoint. With ``MODELCTX_SIGNING_KEY`` set, ``hmac`` is
HMAC-SHA256 over ``signed_text`` (the format, seq, hash and time as canonical
JSON), so a rewritten log cannot be matched by a forged checkpoint without the
key. The store URI is not signed: a copy (``modelctx copy``) keeps the chain, so
a checkpoint of the source verifies the copy.

The key is held by :class:`SigningKey`, which never shows it: not in ``repr``,
``str``, error messages or pickles.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from modelctx.errors import ConfigError, IntegrityError, ValidationError
from modelctx.graph.changelog import GENESIS_HASH, VerifyResult, now_iso
from modelctx.graph.model import canonical_json
from modelctx.times import read_stored

FORMAT = "modelctx-checkpoint/1"
#: The environment variable holding the signing key.
KEY_VARIABLE = "MODELCTX_SIGNING_KEY"
#: Shorter keys are refused: an HMAC is only as strong as its key.
MIN_KEY_BYTES = 16
#: A checkpoint file (or an audit report holding one) larger than this is refused unread.
MAX_FILE_BYTES = 64 * 1024 * 1024

_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("format", "store", "seq", "hash", "at", "hmac")


class SigningKey:
    """The secret behind checkpoint signatures; shown nowhere (``repr`` and ``str`` hide it)."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(raw) < MIN_KEY_BYTES:
            raise ConfigError(
                f"{KEY_VARIABLE} is too short to sign with: use at least {MIN_KEY_BYTES} bytes "
                "(32 random bytes recommended, e.g. the output of `openssl rand -hex 32`)"
            )
        self._secret = raw

    def sign(self, text: bytes) -> str:
        return hmac.new(self._secret, text, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "SigningKey('**********')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SigningKey cannot be pickled")


def signing_key_from_env() -> SigningKey | None:
    """The key in ``MODELCTX_SIGNING_KEY`` (its UTF-8 bytes), None when unset; ConfigError when empty or short."""
    value = os.environ.get(KEY_VARIABLE)
    if value is None:
        return None
    if not value.strip():
        raise ConfigError(f"{KEY_VARIABLE} is set but empty; unset it to work without signatures")
    return SigningKey(value)


def signed_text(seq: int, head_hash: str, at: str) -> bytes:
    """What a checkpoint's HMAC covers: the format, sequence, hash and time as one canonical JSON array."""
    return canonical_json([FORMAT, seq, head_hash, at]).encode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A recorded head: entry ``seq`` had hash ``hash`` at time ``at``; ``source`` names the file it was read from."""

    seq: int
    hash: str
    at: str
    store: str | None = None
    hmac: str | None = None
    source: str = ""

    @property
    def signed(self) -> bool:
        return self.hmac is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "store": self.store, "seq": self.seq, "hash": self.hash,
                               "at": self.at}
        if self.hmac is not None:
            out["hmac"] = self.hmac
        return out

    @classmethod
    def of(cls, seq: int, head_hash: str, *, store: str | None, key: SigningKey | None,
           at: str | None = None) -> Checkpoint:
        """A new checkpoint of the head (``seq``, ``head_hash``), signed when ``key`` is given."""
        when = at or now_iso()
        signature = key.sign(signed_text(seq, head_hash, when)) if key is not None else None
        return cls(seq, head_hash, when, store, signature)

    @classmethod
    def from_json(cls, data: Any, source: str) -> Checkpoint:
        """A checkpoint from its JSON form, or from an audit report's JSON holding one under ``checkpoint``.

        ValidationError naming ``source`` and the field when it is not a checkpoint.
        """
        if isinstance(data, dict) and "format" not in data and isinstance(data.get("checkpoint"), dict):
            data = data["checkpoint"]  # an audit report: a filed report is a checkpoint
        if not isinstance(data, dict):
            raise ValidationError(f"{source} is not a modelctx checkpoint: expected a JSON object")
        if data.get("format") != FORMAT:
            raise ValidationError(f"{source} is not a modelctx checkpoint: its format is not {FORMAT!r}")
        unknown = sorted(str(k) for k in data if k not in _FIELDS)
        if unknown:
            raise ValidationError(f"{source}: unknown checkpoint field(s) {', '.join(unknown)[:200]}")
        seq = data.get("seq")
        if type(seq) is not int or not 0 <= seq < 2**63:
            raise ValidationError(f"{source}: checkpoint field 'seq' must be a whole number, zero or more")
        head_hash = data.get("hash")
        if not isinstance(head_hash, str) or not _HEX64.fullmatch(head_hash):
            raise ValidationError(f"{source}: checkpoint field 'hash' must be 64 lowercase hex digits")
        at = data.get("at")
        if not isinstance(at, str) or len(at) > 64 or read_stored(at) is None:
            raise ValidationError(f"{source}: checkpoint field 'at' must be an ISO 8601 time")
        signature = data.get("hmac")
        if signature is not None and (not isinstance(signature, str) or not _HEX64.fullmatch(signature)):
            raise ValidationError(f"{source}: checkpoint field 'hmac' must be 64 lowercase hex digits")
        store = data.get("store")
        if store is not None and (not isinstance(store, str) or len(store) > 4096):
            raise ValidationError(f"{source}: checkpoint field 'store' must be text")
        return cls(seq, head_hash, at, store, signature, source)


def load_checkpoint(path: Path) -> Checkpoint:
    """Read a checkpoint file (``modelctx checkpoint -o``) or an audit report in JSON; ValidationError if neither."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"cannot read the checkpoint {source}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationError(f"{source} is larger than {MAX_FILE_BYTES // 2**20} MiB: not a checkpoint")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationError(
            f"{source} is not a modelctx checkpoint: not JSON (take one with `modelctx checkpoint -o FILE`, "
            "or give an audit report written with --format json)"
        ) from None
    return Checkpoint.from_json(data, source)


def make_checkpoint(chain: VerifyResult, *, store: str | None, key: SigningKey | None,
                    at: str | None = None) -> Checkpoint:
    """A checkpoint of a verified chain's head; IntegrityError when the chain is broken (nothing to vouch for)."""
    if not chain.ok:
        raise IntegrityError(
            f"change log BROKEN at entry {chain.first_bad_seq}: {chain.reason}; no checkpoint was taken"
        )
    return Checkpoint.of(chain.last_seq, chain.head_hash, store=store, key=key, at=at)


@dataclass(slots=True)
class CheckpointResult:
    """Whether the log still holds a checkpoint's head (and its signature holds)."""

    checkpoint: Checkpoint
    ok: bool
    reason: str | None = None

    def sentence(self) -> str:
        cp = self.checkpoint
        name = f"checkpoint {cp.source}" if cp.source else "checkpoint"
        if self.ok:
            signed = "signed" if cp.signed else "unsigned"
            return f"{name} ({signed}, taken {cp.at}): entry {cp.seq} is in the log with the hash it recorded"
        return f"{name} (taken {cp.at}): {self.reason}"

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {"ok": self.ok, "source": cp.source, "seq": cp.seq, "hash": cp.hash, "at": cp.at,
                "store": cp.store, "signed": cp.signed, "reason": self.reason}


def require_key(checkpoint: Checkpoint, key: SigningKey | None) -> None:
    """ConfigError when ``checkpoint`` is signed and there is no key to check its signature with."""
    if checkpoint.signed and key is None:
        name = f"checkpoint {checkpoint.source}" if checkpoint.source else "the checkpoint"
        raise ConfigError(f"{name} is signed: set {KEY_VARIABLE} to the key it was signed with")


def check_checkpoint(
    checkpoint: Checkpoint, chain: VerifyResult, hash_at_seq: str | None, key: SigningKey | None
) -> CheckpointResult:
    """Compare a checkpoint with a walked chain; ``hash_at_seq`` is the hash the walk found at its ``seq``.

    Fails when the signature does not match ``key``, when the checkpoint is
    unsigned though a key is set (an unsigned checkpoint anyone could have
    written proves nothing against a rewrite), when the log ends before the
    checkpoint's entry (truncated) or holds another hash there (rewritten).
    ConfigError when the checkpoint is signed and no key is given to check it.
    """
    cp = checkpoint
    require_key(cp, key)
    if cp.hmac is not None and key is not None:
        if not hmac.compare_digest(key.sign(signed_text(cp.seq, cp.hash, cp.at)), cp.hmac):
            return CheckpointResult(cp, False, "its signature does not match: the checkpoint was altered, or signed "
                                               f"with another key than {KEY_VARIABLE}")
    elif key is not None:
        return CheckpointResult(cp, False, f"it is not signed, but {KEY_VARIABLE} is set: an unsigned checkpoint "
                                           "proves nothing against a rewritten log (unset the key to check it)")
    if cp.seq == 0:
        if cp.hash != GENESIS_HASH:
            return CheckpointResult(cp, False, "entry 0 (the empty log) has no hash but the genesis hash")
        return CheckpointResult(cp, True)
    if hash_at_seq is None:
        if not chain.ok:
            return CheckpointResult(cp, False, f"the change log is broken before its entry {cp.seq}")
        first = chain.last_seq + 1
        removed = f"entry {cp.seq} was" if first == cp.seq else f"entries {first}-{cp.seq} were"
        return CheckpointResult(
            cp, False, f"the change log ends at entry {chain.last_seq}, before the checkpoint's entry {cp.seq}: "
                       f"{removed} removed (and any after)"
        )
    if hash_at_seq != cp.hash:
        return CheckpointResult(
            cp, False, f"entry {cp.seq} no longer has the hash the checkpoint recorded ({cp.hash[:16]}…, now "
                       f"{hash_at_seq[:16]}…): the log up to it was rewritten"
        )
    return CheckpointResult(cp, True)
