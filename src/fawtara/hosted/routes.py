"""The invoice link: `/i/{token}` (HTML, in the invoice's language) and `/i/{token}.pdf`.

No API credential is needed: the token is the credential. Every answer carries no-store and
no-referrer headers (the token is in the URL) and a Content-Security-Policy that allows no
script at all. An unknown, renewed or deleted invoice's token gets the same 404 page.
"""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, Response

from fawtara.errors import InvoiceNotFound
from fawtara.hosted import documents, service
from fawtara.hosted.pdf import RenderBusy, RenderPoolDep
from fawtara.hosted.render import busy_html, invoice_html, not_found_html
from fawtara.hosted.service import HostedInvoice
from fawtara.invoices.service import is_link_token
from fawtara.openapi import RETRY_AFTER
from fawtara.request_unit import RequestUnit, UnitOfWorkDep
from fawtara.settings import Settings

router = APIRouter(prefix="/i", tags=["Invoice link"])

PRIVATE_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}
Token = Annotated[str, Path(description="The invoice's link token")]
_HTML: dict[int | str, dict[str, Any]] = {
    404: {"description": "No invoice has this link", "content": {"text/html": {}}}
}
# Long enough for a typical render to end, so the PDF is kept when the client asks again.
RETRY_AFTER_SECONDS = 5


def not_found() -> HTMLResponse:
    return HTMLResponse(not_found_html(), 404, headers=PRIVATE_HEADERS)


def busy() -> HTMLResponse:
    """Every renderer of this process is taken: the PDF can be asked for again shortly."""
    headers = {**PRIVATE_HEADERS, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return HTMLResponse(busy_html(), 503, headers=headers)


async def _open(unit: RequestUnit, token: str) -> HostedInvoice:
    """The invoice of a link; InvoiceNotFound (the link's 404 page, hosted.errors) if none."""
    if not is_link_token(token):
        raise InvoiceNotFound()
    return await unit.run(service.open_invoice, token)


def _link(request: Request, token: str) -> str:
    base_url: str = request.app.state.settings.public_base_url
    return f"{base_url}/i/{token}"


# Declared before /{token}: a path parameter would otherwise take "abc.pdf" as the token.
@router.get(
    "/{token}.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The PDF"},
        503: {
            "description": "Every renderer is busy: ask again after Retry-After seconds",
            "content": {"text/html": {}},
            "headers": RETRY_AFTER,
        },
        **_HTML,
    },
)
async def invoice_pdf(
    request: Request, token: Token, unit: UnitOfWorkDep, pool: RenderPoolDep
) -> Response:
    """The invoice as a PDF (rendered once per version of the invoice, then kept)."""
    hosted = await _open(unit, token)
    await unit.end()  # a render takes up to seconds: the rest runs in short units apart
    document = invoice_html(hosted, _link(request, token), printable=True)
    settings: Settings = request.app.state.settings
    flight = documents.Flight(
        unit,
        pool,
        settings.pdf_render_wait_seconds,
        settings.pdf_render_lease_seconds,
    )
    try:
        pdf = await documents.pdf_of(flight, hosted.invoice.id, document.fingerprint, document.html)
    except RenderBusy:
        return busy()
    filename = f"invoice-{re.sub(r'[^A-Za-z0-9._-]', '_', hosted.invoice.number)}.pdf"
    headers = {**PRIVATE_HEADERS, "Content-Disposition": f'inline; filename="{filename}"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/{token}", response_class=HTMLResponse, responses=_HTML)
async def invoice_page(request: Request, token: Token, unit: UnitOfWorkDep) -> HTMLResponse:
    """The invoice page the merchant's client opens, in the invoice's language."""
    hosted = await _open(unit, token)
    page = invoice_html(hosted, _link(request, token), printable=False)
    return HTMLResponse(page.html, headers=PRIVATE_HEADERS)
