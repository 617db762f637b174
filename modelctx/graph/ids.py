"""The only place node ids are built: ``kind:natural-key``.

Ids are deterministic so that ingesting the same input twice changes nothing
and two sources that describe the same thing meet at one node. The natural key
is the parts joined with ``/`` (``docs/design.md``, "The graph"), for example
``node_id("model_version", "churn", "3") == "model_version:churn/3"``.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from modelctx.errors import ValidationError
from modelctx.graph.model import NodeKind, canonical_json


def node_id(kind: NodeKind | str, *parts: str | int) -> str:
    """Build the id of a node of ``kind`` from the parts of its natural key."""
    node_kind = kind if isinstance(kind, NodeKind) else NodeKind.parse(kind)
    if not parts:
        raise ValidationError(f"an id of kind {node_kind.value!r} needs a natural key")
    texts = []
    for part in parts:
        text = str(part).strip()
        if not text:
            raise ValidationError(
                f"an id of kind {node_kind.value!r} has an empty natural-key part in {parts!r}"
            )
        texts.append(text)
    return f"{node_kind.value}:{'/'.join(texts)}"


def natural_key(node_id_: str) -> str:
    """The natural-key part of an id."""
    return node_id_.partition(":")[2]


def content_id(kind: NodeKind | str, content: object) -> str:
    """An id keyed by the SHA-256 of ``content`` (canonical JSON): for Environments and the like."""
    digest = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    return node_id(kind, digest)


def url_without_credentials(url: str) -> str:
    """A URL without user or password, so ids and properties never carry a secret."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
