"""Prometheus metrics: requests, latency and errors per route, database pool use, replica reads.

Several worker processes (`fawtara serve --workers N`) share one set of figures through
prometheus_client's multiprocess mode: `fawtara serve` points `PROMETHEUS_MULTIPROC_DIR` at a
fresh folder before the workers start, each worker writes its values there, and `/metrics`
(served by whichever worker) adds them up. Without that variable (one process, e.g. under a
bare ASGI server) the figures are the process's own.
"""

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import Engine, event

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    def __init__(self) -> None:
        shared = _multiprocess()
        # Each server has its own registry, so that several apps in one process (tests) do not
        # collide in the library's global one.
        self._registry = None if shared else CollectorRegistry()
        registry: Any = self._registry
        self.requests = Counter(
            "fawtara_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "fawtara_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "fawtara_http_exceptions",
            "Requests that ended in an unexpected exception (answered 500), by method and route.",
            ["method", "route"],
            registry=registry,
        )
        pool: dict[str, Any] = {"registry": registry}
        if shared:
            pool["multiprocess_mode"] = "livesum"  # summed over the workers alive
        self.pool_checked_out = Gauge(
            "fawtara_db_pool_checked_out",
            "Database connections in use by requests.",
            ["database"],
            **pool,
        )
        self.pool_open = Gauge(
            "fawtara_db_pool_open",
            "Database connections open (in use or idle).",
            ["database"],
            **pool,
        )
        self.pool_capacity = Gauge(
            "fawtara_db_pool_capacity",
            "Most connections the pools may open (pool size + overflow, all workers).",
            ["database"],
            **pool,
        )
        self.reads = Counter(
            "fawtara_db_reads",
            "Reads that could go to a read replica, by where they went.",
            ["target"],
            registry=registry,
        )
        # label() lookups cost a few µs each: the children are kept, one per label set seen.
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._latency: dict[tuple[str, str], Any] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in _METHODS:
            method = "OTHER"  # any token is a method on the wire: keep the label set bounded
        counter = self._requests.get((method, route, status))
        if counter is None:
            counter = self._requests[method, route, status] = self.requests.labels(
                method, route, str(status)
            )
        counter.inc()
        histogram = self._latency.get((method, route))
        if histogram is None:
            histogram = self._latency[method, route] = self.latency.labels(method, route)
        histogram.observe(seconds)

    def watch_pool(self, engine: Engine, database: str, capacity: int | None) -> None:
        """Follow an engine's pool through its events (cheap: a checkout already takes a lock)."""
        checked_out = self.pool_checked_out.labels(database)
        opened = self.pool_open.labels(database)
        if capacity is not None:
            self.pool_capacity.labels(database).set(capacity)

        @event.listens_for(engine, "checkout")
        def _checkout(*_: Any) -> None:
            checked_out.inc()

        @event.listens_for(engine, "checkin")
        def _checkin(*_: Any) -> None:
            checked_out.dec()

        @event.listens_for(engine, "connect")
        def _connect(*_: Any) -> None:
            opened.inc()

        @event.listens_for(engine, "close")
        def _close(*_: Any) -> None:
            opened.dec()

    def process_ended(self) -> None:
        """Take this process's live gauges (pool use) out of the workers' sum."""
        if _multiprocess():
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    def render(self) -> bytes:
        if self._registry is not None:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
