"""`GET /`, a landing page for whoever opens the server's address, and the one 404 page of
paths no route takes outside `/v1`, `/api/v1` and `/i/` (those answer in their own shapes)."""

from fastapi import APIRouter, Request
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from fawtara import __version__

router = APIRouter(include_in_schema=False)

_env = Environment(
    loader=PackageLoader("fawtara.home"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root


@router.get("/")
async def landing(request: Request) -> HTMLResponse:
    """What this server is, with links to the API documents and the health check."""
    page = _env.get_template("landing.html").render(root=_root(request), version=__version__)
    return HTMLResponse(page, headers=HEADERS)


def not_found(request: Request) -> HTMLResponse:
    page = _env.get_template("not_found.html").render(root=_root(request))
    return HTMLResponse(page, 404, headers=HEADERS)
