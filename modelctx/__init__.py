"""modelctx: the system of record for machine-learning models.

``modelctx.connect(uri)`` returns a :class:`~modelctx.client.Client` over one
provenance graph. Importing this package is cheap: heavy parts load on use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from modelctx.client import Client


def connect(uri: str | None = None, *, actor: str | None = None) -> Client:
    """Open the store at ``uri`` (default: MODELCTX_STORE or the embedded SQLite file)."""
    from modelctx.client import Client

    return Client.open(uri, actor=actor)


__all__ = ["connect", "__version__"]
