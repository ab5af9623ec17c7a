"""`/docs` (Swagger UI) and `/redoc` with their scripts and styles served by this server, so they
work with no internet: FastAPI's own pages load them from a CDN. The files come from the
fastapi-offline package, which ships Swagger UI's and ReDoc's releases (its app factory is not
used: only its files)."""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

ASSETS = "/docs-assets"
_FILES = Path(str(files("fastapi_offline") / "static"))


def add_docs_pages(app: FastAPI) -> None:
    """Call on an app made with docs_url=None and redoc_url=None."""
    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="Fawtara API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title="Fawtara API",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
