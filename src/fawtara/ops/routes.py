"""`/healthz`, `/readyz` and `/metrics`, for load balancers and Prometheus. They are kept out of
the API's OpenAPI document: they belong to the operator, not to merchants' developers."""

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from fawtara import migrate
from fawtara.db import Database
from fawtara.ops.metrics import CONTENT_TYPE, Metrics

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> Response:
    """The process is up and its event loop answers (no database involved)."""
    return JSONResponse({"status": "ok"})


def _check(engine: Engine, head: str) -> str | None:
    """What keeps this database from serving, if anything."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = migrate.current_revision(connection)
    except Exception as exc:  # any failure to reach or read it means "not ready"
        return f"unreachable: {type(exc).__name__}"
    if current != head:
        return f"migrations not current: at {current}, expected {head}"
    return None


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready for traffic: the database answers and its schema is at this code's newest
    migration (a process on newer code than its database, or the reverse, is kept out)."""
    database: Database = request.app.state.db
    head: str = request.app.state.migration_head
    problem = await run_in_threadpool(_check, database.engine, head)
    body: dict[str, Any] = {"status": "ready" if problem is None else "not ready"}
    body["database"] = problem or "ok"
    if database.replica is not None:
        # Reported, not required: reads fall back to the primary while the replica is away.
        body["replica"] = await run_in_threadpool(_check, database.replica, head) or "ok"
    return JSONResponse(body, 200 if problem is None else 503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    figures: Metrics = request.app.state.metrics
    return Response(await run_in_threadpool(figures.render), media_type=CONTENT_TYPE)
