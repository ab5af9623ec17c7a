"""The PDF of one version of an invoice, rendered once however many ask for it at once.

The first download claims the version in the database (a lease, `pdf_render_claims`) and
renders it in the render pool; the others, in this process or any other, wait for the kept
PDF, polling, for a bounded time. A renderer that died leaves a lease that expires, and a
waiter then claims the version itself. Everything shared is in the database, so this holds
across processes and hosts, on SQLite and PostgreSQL alike.
"""

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from fawtara.hosted import service
from fawtara.hosted.pdf import RenderBusy, RenderPool
from fawtara.request_unit import RequestUnit

logger = logging.getLogger(__name__)
_POLL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Flight:
    """What a download of one version needs: where to claim, render and wait. Each step is a
    short unit apart from the request's (which has ended): no transaction is open during a
    render or a wait."""

    request_unit: RequestUnit
    pool: RenderPool
    wait_seconds: float
    lease_seconds: float


async def pdf_of(flight: Flight, invoice_id: int, fingerprint: str, html: str) -> bytes:
    """The kept PDF of this version, rendered here if no one else is rendering it.

    Raises RenderBusy when the pool is full, or when the wait for another's render runs out.
    """
    deadline = time.monotonic() + flight.wait_seconds
    while True:
        async with flight.request_unit.apart(write=False) as unit:
            pdf = await unit.run(service.kept_pdf, invoice_id, fingerprint)
        if pdf is not None:
            return pdf
        claimed, pdf = await _claim(flight, invoice_id, fingerprint)
        if pdf is not None:
            return pdf
        if claimed:
            # Shielded: if this client leaves, the render still ends and is kept for the others.
            return await asyncio.shield(_render(flight, invoice_id, fingerprint, html))
        if time.monotonic() >= deadline:
            raise RenderBusy()
        await asyncio.sleep(_POLL_SECONDS)


async def _claim(flight: Flight, invoice_id: int, fingerprint: str) -> tuple[bool, bytes | None]:
    try:
        async with flight.request_unit.apart(write=True) as unit:
            return await unit.run(
                service.claim_render, invoice_id, fingerprint, flight.lease_seconds
            )
    except IntegrityError:
        return True, None  # the invoice was deleted meanwhile: nothing to share; render it


async def _render(flight: Flight, invoice_id: int, fingerprint: str, html: str) -> bytes:
    try:
        started = time.perf_counter()
        pdf = await flight.pool.render(html)
        logger.info(
            "pdf rendered",
            extra={
                "invoice_id": invoice_id,
                "render_ms": round(1000 * (time.perf_counter() - started)),
            },
        )
    except BaseException:
        await _release(flight, invoice_id, fingerprint)  # so a waiter may claim it at once
        raise
    try:
        async with flight.request_unit.apart(write=True) as unit:
            await unit.run(service.keep_pdf, invoice_id, fingerprint, pdf)
    except IntegrityError:
        pass  # the invoice was deleted meanwhile: this answer is still what was asked for
    return pdf


async def _release(flight: Flight, invoice_id: int, fingerprint: str) -> None:
    async with flight.request_unit.apart(write=True) as unit:
        await unit.run(service.release_render, invoice_id, fingerprint)
