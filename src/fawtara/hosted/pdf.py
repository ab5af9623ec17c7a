"""PDF rendering with WeasyPrint (Pango shapes Arabic through HarfBuzz)."""

import threading
from typing import Annotated, Any

from fastapi import Depends, Request


class PdfRenderer:
    """Turns the invoice's printable HTML into PDF bytes.

    WeasyPrint is imported on the first render, so processes that never render a PDF do not
    pay its import time and memory. Renders in one process run one at a time: each is
    CPU-bound (layout and font subsetting hold the GIL), so running them side by side would
    only multiply their memory.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fonts: Any = None

    def __call__(self, html: str) -> bytes:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        with self._lock:
            if self._fonts is None:
                self._fonts = FontConfiguration()
            pdf: bytes = HTML(string=html).write_pdf(font_config=self._fonts)
        return pdf


def _renderer(request: Request) -> PdfRenderer:
    renderer: PdfRenderer = request.app.state.pdf_renderer
    return renderer


# A dependency, so tests and deployments can put another renderer in its place.
PdfRendererDep = Annotated[PdfRenderer, Depends(_renderer)]
