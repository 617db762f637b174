"""The web app: its shell at every page path, its static files, and ``/docs`` served offline.

The app is one page (``static/index.html`` + ``static/app.js``) with a
client-side router, so that each view has a URL that can be shared, reloaded
and walked with Back and Forward: the server answers every page path in
``PAGE_PATHS`` with the same shell, and the script draws the view the URL
names. No route here reads the store or knows the caller: the shell's data
comes from the API, under the caller's token.

Static files are the package's own folder (vendored Cytoscape.js, no CDN) and,
for ``/docs``, Swagger UI 5's assets as the ``fastapi-offline`` PyPI package
ships them (the ``web`` extra; only its files are used): the API documentation
renders without network. ``swagger-ui-bundle`` ships Swagger UI 4, which cannot
render the OpenAPI 3.1 that FastAPI writes.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, Response

AT_ROOT = True
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MEDIA_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".txt": "text/plain", ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: The page paths the client-side router draws (``static/app.js`` ROUTES); each is answered with the shell.
PAGE_PATHS = (
    "/", "/models", "/models/{name:path}", "/nodes/{node_id:path}", "/search", "/lineage/{node_id:path}", "/diff",
    "/portfolio", "/findings",
)
#: Swagger UI's files, from the fastapi-offline package's static folder (no CDN)
DOCS_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")

router = APIRouter(include_in_schema=False)


@functools.cache
def _static_files() -> dict[str, Path]:
    """Every servable file by its URL path; nothing outside the static folder can be named."""
    return {
        path.relative_to(STATIC_DIR).as_posix(): path
        for path in STATIC_DIR.rglob("*")
        if path.is_file() and (path.suffix in MEDIA_TYPES or path.name.startswith("LICENSE"))
    }


def shell() -> FileResponse:
    """The app's one HTML page; the script reads the URL and draws that view."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


for _path in PAGE_PATHS:
    router.add_api_route(_path, shell, methods=["GET"], include_in_schema=False, name=f"page:{_path}")


@router.get("/static/{path:path}")
def static(path: str) -> Response:
    found = _static_files().get(path)
    if found is None:
        return Response(status_code=404, content=f"no static file {path!r}", media_type="text/plain")
    cache = "public, max-age=86400" if path.startswith("vendor/") else "no-cache"
    return FileResponse(found, media_type=MEDIA_TYPES.get(found.suffix, "text/plain"), headers={"Cache-Control": cache})


@functools.cache
def _docs_dir() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:  # the web extra is not installed: /docs says so
        return None
    return Path(fastapi_offline.__file__).resolve().parent / "static"


@router.get("/docs")
def docs() -> Response:
    """Swagger UI for ``/openapi.json``, its script and styles served from the installed package."""
    if _docs_dir() is None:
        return Response("Swagger UI needs the fastapi-offline package: pip install 'modelctx[web]'",
                        status_code=503, media_type="text/plain")
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="modelctx API", oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js", swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon.png",
    )


@router.get("/docs/oauth2-redirect")
def docs_oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    folder = _docs_dir()
    if folder is None or name not in DOCS_ASSETS:
        return Response(status_code=404, content=f"no docs asset {name!r}", media_type="text/plain")
    return FileResponse(folder / name, media_type=MEDIA_TYPES[Path(name).suffix],
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)
