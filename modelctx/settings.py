"""The one ``Settings`` object (pydantic-settings, env prefix ``MODELCTX_``), passed explicitly.

It lives apart from ``modelctx.config`` because importing pydantic-settings
costs about 0.15 s; light commands resolve the same values through
``config``'s plain functions, which these fields use as their defaults.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from modelctx.config import Limits, default_actor, default_home, default_store_uri, limits_from_env


class Settings(BaseSettings):
    """Where modelctx keeps its data and which store it talks to."""

    model_config = SettingsConfigDict(env_prefix="MODELCTX_", extra="ignore")

    home: Path = Field(
        default_factory=default_home,
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
    limits: Limits = Field(
        default_factory=limits_from_env,
        description="What one HTTP request may cost (config.Limits; each field has its own MODELCTX_ variable).",
    )

    @property
    def store_uri(self) -> str:
        """The store URI in force: MODELCTX_STORE, else the embedded default under home."""
        return self.store or default_store_uri(self.home)

    @property
    def actor_name(self) -> str:
        return self.actor or default_actor()
