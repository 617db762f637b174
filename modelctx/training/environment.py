"""The software environment of this process: Python version and installed packages.

An Environment node is keyed by the digest of its package list, so every run
made in the same environment points at one node, and a changed package shows
up as a different node (the question "what changed between these two runs?"
has an answer in the graph).
"""

from __future__ import annotations

import functools
import hashlib
import platform
import sys

from modelctx.graph.ids import content_id
from modelctx.graph.model import Node, NodeKind, canonical_json


@functools.lru_cache(maxsize=1)
def _installed_packages() -> tuple[tuple[str, str], ...]:
    # Scanning site-packages takes ~0.1 s; packages rarely change inside one process.
    import importlib.metadata

    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            found.setdefault(str(name).lower().replace("_", "-"), str(dist.version))
    return tuple(sorted(found.items()))


def capture_environment() -> Node:
    """The Environment node of the running interpreter (id: SHA-256 of its content)."""
    return _environment_node(sys.version.split()[0], platform.platform(terse=True), _installed_packages())


@functools.lru_cache(maxsize=4)
def _environment_node(python: str, system: str, packages: tuple[tuple[str, str], ...]) -> Node:
    content = {"python": python, "platform": system, "packages": dict(packages)}
    digest = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    return Node(
        content_id(NodeKind.ENVIRONMENT, content),
        NodeKind.ENVIRONMENT,
        {
            "name": f"python {python} ({len(packages)} packages)",
            "python": python,
            "platform": system,
            "packages": dict(packages),
            "package_count": len(packages),
            "digest": f"sha256:{digest}",
            "source": "sdk",
        },
    )
