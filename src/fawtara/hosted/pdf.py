"""PDF rendering with WeasyPrint (Pango shapes Arabic through HarfBuzz), in a bounded pool of
processes of its own, so that rendering never holds the API's interpreter."""

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Annotated, Any

from fastapi import Depends, Request


class PdfRenderer:
    """Turns the invoice's printable HTML into PDF bytes, in the calling process.

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


class RenderBusy(Exception):
    """Every renderer is busy and the queue is full: ask again later."""


_renderer: PdfRenderer | None = None


def _start_worker(server: int) -> None:
    # Below the API processes: on a busy host, the API's answers come first.
    os.nice(5)
    _end_with(server)


def _end_with(server: int) -> None:
    """Ask the kernel to end this process when the server that started it ends, however it
    ends: a SIGKILLed server would otherwise leave its renderers running for good.

    Hand-written: prctl(2) is one Linux call; the Python wrappers of it need a C build.
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        return  # not allowed here: the renderer then ends when it next reads its queue
    if os.getppid() != server:  # the server ended before the call above
        os._exit(0)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _render_in_worker(html: str) -> bytes:
    global _renderer  # one per worker process, so fonts are loaded once per process
    if _renderer is None:
        _renderer = PdfRenderer()
    return _renderer(html)


class RenderPool:
    """`workers` processes render; at most `queue` more renders wait for one; beyond that,
    RenderBusy at once. The processes start with the first render (spawned: no copy of the
    server's threads and connections) and end with the server."""

    def __init__(self, workers: int, queue: int) -> None:
        self._workers = workers
        self._capacity = workers + queue
        self._taken = 0
        self._executor: ProcessPoolExecutor | None = None

    async def render(self, html: str) -> bytes:
        if self._taken >= self._capacity:
            raise RenderBusy()
        self._taken += 1
        try:
            future = self._pool().submit(_render_in_worker, html)
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            self.close()
            raise RenderBusy() from None
        finally:
            self._taken -= 1

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _pool(request: Request) -> RenderPool:
    pool: RenderPool = request.app.state.pdf_pool
    return pool


# A dependency, so tests and deployments can put another pool in its place.
RenderPoolDep = Annotated[RenderPool, Depends(_pool)]
