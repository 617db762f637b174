"""The Python client: one object holding a store, its settings and the acting user.

Training, serving and monitoring modules take a Client, so that everything a
program records goes through the same store and the same actor.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from modelctx.config import data_dir_for, default_actor, default_home, default_store_uri
from modelctx.graph.store import GraphStore, open_store

if TYPE_CHECKING:
    from modelctx.settings import Settings
    from modelctx.training.tracking import TrackedRun


class Client:
    """A connection to one provenance graph."""

    def __init__(self, store: GraphStore, settings: Settings | None, actor: str) -> None:
        self.store = store
        self._settings = settings
        self.actor = actor

    @classmethod
    def open(cls, uri: str | None = None, *, actor: str | None = None, settings: Settings | None = None) -> Client:
        """Open ``uri`` (default: MODELCTX_STORE, else the embedded store under MODELCTX_HOME)."""
        if settings is not None:
            return cls(open_store(uri or settings.store_uri), settings, actor or settings.actor_name)
        # Resolved without building Settings: light commands skip importing pydantic-settings.
        return cls(open_store(uri or default_store_uri()), None, actor or default_actor())

    @property
    def settings(self) -> Settings:
        """The settings in force (read from the environment on first use when none were given)."""
        if self._settings is None:
            from modelctx.settings import Settings

            self._settings = Settings()
        return self._settings

    @property
    def home(self) -> Path:
        """The modelctx home in force: the settings' home, else MODELCTX_HOME (or ``~/.modelctx``)."""
        return self._settings.home if self._settings is not None else default_home()

    @property
    def data_dir(self) -> Path:
        """Folder for files derived from this store (vector index, prediction logs, artifacts, tokens).

        Whatever creates it creates it 0700 (``modelctx/files.py`` private_dir): what is under it is the
        store owner's alone.
        """
        return data_dir_for(self.store.uri, self.home)

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

