"""The one error hierarchy of modelctx; every class carries its HTTP status and CLI exit code.

::

    ModelctxError                       500  exit 1
    ├── ConfigError                     500  exit 9   bad settings, unknown store scheme
    │   └── MissingExtraError           500  exit 9   an optional dependency group is not installed
    ├── NotFoundError                   404  exit 3   an id or name that is not in the graph (or not visible)
    ├── ConflictError                   409  exit 5   a write that contradicts what is stored
    │   ├── ReadOnlyError               409  exit 5   a write to a view that cannot be written (the past)
    │   ├── DigestMismatchError         409  exit 5   an artifact whose bytes no longer match its digest
    │   └── GovernanceRefusedError      409  exit 5   a model version that may not serve
    ├── ValidationError                 422  exit 4   input that breaks the graph model or a file format
    │   └── RequestRefusedError         400  exit 4   an HTTP request refused before any route read it (too deep)
    │       ├── BodyTooLargeError       413  exit 4   a body over the size limit (not read further)
    │       ├── UnsupportedMediaTypeError 415 exit 4  a state-changing request whose body is not JSON
    │       └── HostNotAllowedError     421  exit 4   local mode: a Host header that names another server
    ├── IngestError                     400  exit 6   a source that cannot be read or understood
    │   └── EventError                  400  exit 6   a malformed OpenLineage event (names its field)
    ├── AuthenticationError             401  exit 12  no credentials, or unknown ones
    ├── PermissionDeniedError           403  exit 13  the caller's role or project scope does not allow it
    │   └── CrossSiteRequestError       403  exit 13  local mode: a write sent by another web site's page
    ├── IntegrityError                  500  exit 10  the change log, the tables against it, or a checkpoint fail
    ├── FindingsError                   409  exit 11  policy findings where none are allowed (--strict)
    ├── TimeBudgetError                 503  exit 14  work stopped: its time budget ran out, or its caller left
    └── BackendError                    500  exit 8   the store failed
        └── BackendUnavailable          503  exit 7   the store cannot be reached at all

The CLI (``cli/context.py``) and the API (``api/errors.py``) read ``exit_code``
and ``http_status`` from the class; neither keeps a table of its own, and no
command or route raises ``SystemExit`` or ``HTTPException`` for these cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ModelctxError(Exception):
    """Base of every error modelctx raises on purpose."""

    http_status: int = 500
    exit_code: int = 1
    #: Extra response headers (``WWW-Authenticate`` for a 401).
    headers: Mapping[str, str] = {}


class ConfigError(ModelctxError):
    """Settings, URIs or installed extras do not allow the requested operation."""

    exit_code = 9


class MissingExtraError(ConfigError):
    """An optional dependency group is not installed."""

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the optional dependency {module!r}; "
            f"install it with: pip install 'modelctx[{extra}]'"
        )
        self.extra = extra
        self.module = module


class NotFoundError(ModelctxError):
    """A node, edge or named object is not in the graph, or the caller may not see it.

    ``suggestions``: close references that do resolve ("did you mean", ``graph/refs.py``); the API
    answers them as a list beside ``detail``.
    """

    http_status = 404
    exit_code = 3

    def __init__(self, *args: object, suggestions: Sequence[str] = ()) -> None:
        super().__init__(*args)
        self.suggestions = list(suggestions)


class ConflictError(ModelctxError):
    """A write contradicts what is already stored (for example a node changing kind)."""

    http_status = 409
    exit_code = 5


class ReadOnlyError(ConflictError):
    """A write was sent to a view that cannot be written (the graph as of a past time)."""


class DigestMismatchError(ConflictError):
    """An artifact's bytes no longer match the digest recorded for it."""


class GovernanceRefusedError(ConflictError):
    """A model version is not approved for serving (and no override was given)."""


class ValidationError(ModelctxError):
    """Input breaks the graph model or a documented file format.

    ``candidates``: the ids an ambiguous reference matches (``graph/refs.py``); the API answers them as a list.
    """

    http_status = 422
    exit_code = 4

    def __init__(self, *args: object, candidates: Sequence[str] = ()) -> None:
        super().__init__(*args)
        self.candidates = list(candidates)


class IngestError(ModelctxError):
    """A source could not be read or understood."""

    http_status = 400
    exit_code = 6


class EventError(IngestError):
    """A malformed OpenLineage event; ``field`` is the dotted path of the first bad field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AuthenticationError(ModelctxError):
    """A request carries no credentials, or credentials nobody issued (or that were revoked)."""

    http_status = 401
    exit_code = 12
    headers = {"WWW-Authenticate": "Bearer"}


class PermissionDeniedError(ModelctxError):
    """The caller is known but its role or project scope does not allow the operation."""

    http_status = 403
    exit_code = 13


class CrossSiteRequestError(PermissionDeniedError):
    """Local mode (``api/guard.py``): a state-changing request sent by a page of another origin."""


class IntegrityError(ModelctxError):
    """``verify`` failed: a log entry missing, altered or out of its chain; the tables not what the log says;
    or the log no longer holding a checkpoint's head (``graph/integrity.py``)."""

    exit_code = 10


class FindingsError(ModelctxError):
    """Policy findings exist where the caller asked for none (``policy check --strict``)."""

    http_status = 409
    exit_code = 11


class RequestRefusedError(ValidationError):
    """An HTTP request refused by ``api/guard.py`` before routing and authentication: too deep, for example.

    Its subclasses name the other refusals (CrossSiteRequestError, a permission
    matter, is a PermissionDeniedError); none of them reaches a route, so none
    of them can have written anything.
    """

    http_status = 400


class BodyTooLargeError(RequestRefusedError):
    """A request body larger than the configured limit; the rest of it is not read."""

    http_status = 413


class UnsupportedMediaTypeError(RequestRefusedError):
    """A state-changing request whose body is not declared as JSON."""

    http_status = 415


class HostNotAllowedError(RequestRefusedError):
    """Local mode: the Host header names neither this machine nor a configured name (DNS rebinding)."""

    http_status = 421


class TimeBudgetError(ModelctxError):
    """Long work stopped at a checkpoint: its time budget ran out, its caller left, or the server is stopping."""

    http_status = 503
    exit_code = 14


class BackendError(ModelctxError):
    """The storage backend failed while doing an operation."""

    exit_code = 8


class BackendUnavailable(BackendError):
    """The storage backend cannot be reached."""

    http_status = 503
    exit_code = 7


def require_extra(module: str, extra: str, feature: str) -> None:
    """Raise MissingExtraError unless ``module`` can be imported (without importing it)."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(feature, extra, module)
