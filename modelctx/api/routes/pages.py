"""The web page at ``/`` and its static files (vendored Cytoscape.js: no CDN at run time)."""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

AT_ROOT = True
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MEDIA_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".txt": "text/plain", ".svg": "image/svg+xml",
}

router = APIRouter(include_in_schema=False)


@functools.cache
def _static_files() -> dict[str, Path]:
    """Every servable file by its URL path; nothing outside the static folder can be named."""
    return {
        path.relative_to(STATIC_DIR).as_posix(): path
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and (path.suffix in MEDIA_TYPES or path.name.startswith("LICENSE"))
    }


@router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/static/{path:path}")
def static(path: str) -> Response:
    found = _static_files().get(path)
    if found is None:
        return Response(status_code=404, content=f"no static file {path!r}", media_type="text/plain")
    cache = "public, max-age=86400" if path.startswith("vendor/") else "no-cache"
    return FileResponse(found, media_type=MEDIA_TYPES.get(found.suffix, "text/plain"), headers={"Cache-Control": cache})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)
