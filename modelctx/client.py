"""The Python client: one object holding a store, its settings and the acting user.

Training, serving and monitoring modules take a Client, so that everything a
program records goes through the same store and the same actor.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from modelctx.config import Settings, data_dir_for
from modelctx.graph.store import GraphStore, open_store

if TYPE_CHECKING:
    from modelctx.training.tracking import TrackedRun


class Client:
    """A connection to one provenance graph."""

    def __init__(self, store: GraphStore, settings: Settings, actor: str) -> None:
        self.store = store
        self.settings = settings
        self.actor = actor

    @classmethod
    def open(cls, uri: str | None = None, *, actor: str | None = None, settings: Settings | None = None) -> Client:
        settings = settings or Settings()
        store = open_store(uri or settings.store_uri)
        return cls(store, settings, actor or settings.actor_name)

    @property
    def data_dir(self) -> Path:
        """Folder for files derived from this store (vector index, prediction logs, artifacts)."""
        return data_dir_for(self.store.uri, self.settings.home)

    def run(self, **kwargs: Any) -> TrackedRun:
        """A tracked training run: ``with client.run(project=..., name=...) as run:``."""
        from modelctx.training.tracking import TrackedRun

        return TrackedRun(self, **kwargs)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

