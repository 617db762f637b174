"""The one error hierarchy of modelctx.

::

    ModelctxError
    ├── ConfigError          bad settings, unknown store scheme, missing extra
    ├── NotFoundError        an id or name that is not in the graph
    ├── ConflictError        a write that contradicts what is stored
    ├── ValidationError      input that breaks the graph model or a file format
    ├── IngestError          a source that cannot be read or understood
    └── BackendError         the store failed
        └── BackendUnavailable   the store cannot be reached at all

Callers catch ``ModelctxError`` to report any of them; the CLI and the API map
each class to an exit status or HTTP code in one place.
"""

from __future__ import annotations


class ModelctxError(Exception):
    """Base of every error modelctx raises on purpose."""


class ConfigError(ModelctxError):
    """Settings, URIs or installed extras do not allow the requested operation."""


class NotFoundError(ModelctxError):
    """A node, edge or named object is not in the graph."""


class ConflictError(ModelctxError):
    """A write contradicts what is already stored (for example a node changing kind)."""


class ValidationError(ModelctxError):
    """Input breaks the graph model or a documented file format."""


class IngestError(ModelctxError):
    """A source could not be read or understood."""


class BackendError(ModelctxError):
    """The storage backend failed while doing an operation."""


class BackendUnavailable(BackendError):
    """The storage backend cannot be reached."""


class MissingExtraError(ConfigError):
    """An optional dependency group is not installed."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the optional dependency {module!r}; "
            f"install it with: pip install 'modelctx[{extra}]'"
        )
        self.extra = extra
        self.module = module


def require_extra(module: str, extra: str, feature: str) -> None:
    """Raise MissingExtraError unless ``module`` can be imported (without importing it)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(feature, extra, module)
