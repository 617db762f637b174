"""Settings, read once from the environment (prefix ``MODELCTX_``) and passed explicitly.

Nothing here opens a connection or loads a model: importing is free.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where modelctx keeps its data and which store it talks to."""

    model_config = SettingsConfigDict(env_prefix="MODELCTX_", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path.home() / ".modelctx",
        description="Folder for the default store, indexes, artifacts and logs (MODELCTX_HOME).",
    )
    store: str | None = Field(
        default=None,
        description="Store URI (MODELCTX_STORE); default sqlite:///$MODELCTX_HOME/modelctx.db.",
    )
    actor: str | None = Field(
        default=None,
        description="Who writes (MODELCTX_ACTOR); default the operating-system user.",
    )

    @property
    def store_uri(self) -> str:
        """The store URI in force: MODELCTX_STORE, else the embedded default under home."""
        if self.store:
            return self.store
        return f"sqlite:///{self.home.expanduser().resolve() / 'modelctx.db'}"

    @property
    def actor_name(self) -> str:
        if self.actor:
            return self.actor
        import getpass

        try:
            return f"user:{getpass.getuser()}"
        except (KeyError, OSError):
            return "user:unknown"


def data_dir_for(store_uri: str, home: Path) -> Path:
    """Folder for files derived from a store (indexes, logs): beside a SQLite file, else under home."""
    if store_uri.startswith("sqlite:///"):
        path = Path(store_uri.split("://", 1)[1].split("?", 1)[0][1:])
        return path.parent / f"{path.stem}.d"
    import hashlib

    from modelctx.graph.store import redact_uri

    digest = hashlib.sha256(redact_uri(store_uri).encode()).hexdigest()[:12]
    return home.expanduser() / "stores" / digest
