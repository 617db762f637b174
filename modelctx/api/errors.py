"""The one place errors become HTTP responses: each error class's own status, and a JSON body naming the problem."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelctx.errors import EventError, ModelctxError, NotFoundError, ValidationError


def error_body(exc: ModelctxError) -> dict[str, Any]:
    """``{"error": <class name>, "detail": <what was wrong>}``, plus ``field`` when the error names one,
    ``suggestions`` ("did you mean") for a reference to nothing and ``candidates`` for an ambiguous one."""
    body: dict[str, Any] = {"error": type(exc).__name__, "detail": str(exc)}
    if isinstance(exc, EventError):
        body["field"] = exc.field
    if isinstance(exc, NotFoundError) and exc.suggestions:
        body["suggestions"] = exc.suggestions
    if isinstance(exc, ValidationError) and exc.candidates:
        body["candidates"] = exc.candidates
    return body


def error_response(exc: ModelctxError) -> JSONResponse:
    return JSONResponse(status_code=exc.http_status, content=error_body(exc), headers=dict(exc.headers) or None)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ModelctxError)
    async def _modelctx_error(request: Request, exc: ModelctxError) -> JSONResponse:
        return error_response(exc)

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
