"""The one place errors become HTTP responses: a status per class and a JSON body naming the problem."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelctx.errors import (
    BackendError,
    BackendUnavailable,
    ConfigError,
    ConflictError,
    IngestError,
    ModelctxError,
    NotFoundError,
    ValidationError,
)

STATUS_BY_ERROR: tuple[tuple[type[ModelctxError], int], ...] = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
    (IngestError, 400),
    (BackendUnavailable, 503),
    (BackendError, 500),
    (ConfigError, 500),
    (ModelctxError, 500),
)


def status_for(exc: ModelctxError) -> int:
    return next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ModelctxError)
    async def _modelctx_error(request: Request, exc: ModelctxError) -> JSONResponse:
        return JSONResponse(
            status_code=status_for(exc),
            content={"error": type(exc).__name__, "detail": str(exc)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Same body shape as modelctx errors: {"error": <what kind>, "detail": <what was wrong>}.
        try:
            name = HTTPStatus(exc.status_code).phrase.replace(" ", "")
        except ValueError:
            name = "HTTPError"
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": name, "detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )
