"""Storage backends and the scheme registry. Nothing outside this package knows which backend is in use.

``open_backend`` picks the backend by URI scheme, as MLflow picks tracking
stores; an unknown scheme is a ConfigError listing the valid ones. Each
backend module is imported only when its scheme is used, so the embedded
path never imports the Neo4j driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelctx.errors import ConfigError

if TYPE_CHECKING:
    from modelctx.graph.store import GraphStore

SQLITE_SCHEMES = ("sqlite",)
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def open_backend(uri: str) -> GraphStore:
    """The store ``uri`` names: ``sqlite:///path/to/modelctx.db`` or ``neo4j://user:pass@host:7687``."""
    from modelctx.graph.store import redact_uri

    if not isinstance(uri, str):
        raise ConfigError(f"a store URI is text, not {type(uri).__name__}")
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme in SQLITE_SCHEMES:
        from modelctx.graph.backends.sqlite import SqliteGraphStore

        return SqliteGraphStore.from_uri(uri)
    if scheme in NEO4J_SCHEMES:
        from modelctx.errors import require_extra

        require_extra("neo4j", "neo4j", "the Neo4j store")
        try:
            from modelctx.graph.backends.neo4j import Neo4jGraphStore
        except ImportError as exc:  # the backend module itself is missing or broken
            raise ConfigError(f"the Neo4j backend could not be loaded: {exc}") from exc
        return Neo4jGraphStore.from_uri(uri)
    raise ConfigError(
        f"unknown store URI {redact_uri(uri)!r}; valid schemes: "
        + ", ".join(f"{s}://" for s in (*SQLITE_SCHEMES, *NEO4J_SCHEMES))
    )
