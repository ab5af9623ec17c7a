"""The ASGI application: `create_app(settings)` mounts the dialects and the error handlers."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fawtara import __version__, migrate
from fawtara.credentials.authenticator import Authenticator
from fawtara.credentials.keys import KeyHasher
from fawtara.credentials.secrets import SecretBox
from fawtara.credentials.sessions import SessionIssuer
from fawtara.credentials.throttle import Limit, Throttle
from fawtara.credentials.tokens import TokenIssuer
from fawtara.db import Database
from fawtara.dialects.fatora import errors as fatora_errors
from fawtara.dialects.fatora.fast_path import FatoraFastPath
from fawtara.dialects.fatora.routes import get_invoice
from fawtara.dialects.fatora.routes import router as fatora_router
from fawtara.dialects.hesabe import errors as hesabe_errors
from fawtara.dialects.hesabe.auth import MerchantKeys
from fawtara.dialects.hesabe.routes import router as hesabe_router
from fawtara.docs_pages import add_docs_pages
from fawtara.edge import RouteTable, TrailingSlash
from fawtara.error_mapping import ErrorMapping, mapping_of
from fawtara.errors import FawtaraError
from fawtara.home import errors as home_errors
from fawtara.home import pages as home
from fawtara.hosted import errors as hosted_errors
from fawtara.hosted import routes as hosted
from fawtara.hosted.pdf import RenderPool
from fawtara.limits import BodyLimit
from fawtara.openapi import truthful
from fawtara.ops import routes as ops
from fawtara.ops.logs import RedactLinkTokens
from fawtara.ops.metrics import Metrics
from fawtara.ops.middleware import Observe
from fawtara.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics()
    database = Database(settings, metrics)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        _app.state.pdf_pool.close()
        await database.aclose()
        metrics.process_ended()

    app = FastAPI(
        title="Fawtara",
        version=__version__,
        summary="Merchant invoicing server with Fatora- and Hesabe-style APIs",
        lifespan=lifespan,
        redirect_slashes=False,  # a trailing slash is taken off at the edge (edge.TrailingSlash)
        docs_url=None,  # served by add_docs_pages, without a CDN
        redoc_url=None,
        # Fawtara reports through its own Prometheus metrics and JSON logs (fawtara.ops);
        # FastAPI's OpenTelemetry hooks would only cost a check on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.db = database
    app.state.metrics = metrics
    app.state.migration_head = migrate.head()
    app.state.authenticator = Authenticator(
        KeyHasher(settings.master_key),
        TokenIssuer(settings.master_key, settings.fatora_token_ttl_seconds),
        settings.api_key_cache_seconds,
    )
    app.state.sessions = SessionIssuer(
        settings.master_key, settings.hesabe_token_ttl_seconds, settings.hesabe_refresh_ttl_seconds
    )
    app.state.secret_box = SecretBox(settings.master_key)
    app.state.hesabe_keys = MerchantKeys(app.state.secret_box, settings.api_key_cache_seconds)
    window = settings.throttle_window_seconds
    app.state.throttle = Throttle(
        {
            "account": Limit(settings.throttle_account_failures, window),
            "address": Limit(settings.throttle_address_failures, window),
        }
    )
    app.state.pdf_pool = RenderPool(settings.pdf_render_workers, settings.pdf_render_queue)
    routes = _add_routes(app)
    _add_middleware(app, settings, metrics, routes)
    _add_error_handlers(app)
    app.openapi = truthful(app)  # type: ignore[method-assign]
    return app


def _add_routes(app: FastAPI) -> RouteTable:
    app.include_router(fatora_router)
    app.include_router(hesabe_router)
    app.include_router(hosted.router)
    app.include_router(ops.router)
    app.include_router(home.router)
    add_docs_pages(app)
    routes = app.state.routes = RouteTable(app.routes)
    _redact_access_log(routes.words)
    return routes


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics, routes: RouteTable) -> None:
    get_route = next(r for r in fatora_router.routes if getattr(r, "endpoint", None) is get_invoice)
    app.add_middleware(FatoraFastPath, route=get_route)
    app.add_middleware(
        BodyLimit,
        default=settings.max_body_bytes,
        bulk_upload=settings.bulk_upload_max_body_bytes,
    )
    app.add_middleware(TrailingSlash)
    # Outermost: it times everything below and answers what escapes it.
    app.add_middleware(
        Observe,
        metrics=metrics,
        routes=routes,
        server_error=server_error,
        access_log=settings.access_log,
    )


def _redact_access_log(words: frozenset[str]) -> None:
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactLinkTokens) for f in access_log.filters):
        access_log.addFilter(RedactLinkTokens(words))


# One mapping per part of the URL space, the fallback (every other path) last.
ERROR_MAPPINGS: tuple[ErrorMapping, ...] = (
    fatora_errors.MAPPING,
    hesabe_errors.MAPPING,
    hosted_errors.MAPPING,
    home_errors.MAPPING,
)


def _mapping(request: Request) -> ErrorMapping:
    return mapping_of(ERROR_MAPPINGS, request.url.path)


def _add_error_handlers(app: FastAPI) -> None:
    # Errors are mapped here, after they have left the request's unit of work (which rolled
    # back), by the mapping of the part the path belongs to: that also covers paths no route
    # matched and methods a route does not take.
    @app.exception_handler(FawtaraError)
    async def domain_error(request: Request, exc: FawtaraError) -> Response:
        return _mapping(request).domain(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _mapping(request).validation(request, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 405:
            routes: RouteTable = request.app.state.routes
            allow = {"Allow": ", ".join(routes.allowed(request.scope))}
            exc = HTTPException(405, exc.detail, {**(exc.headers or {}), **allow})
        return _mapping(request).http(request, exc)

    async def own_error(request: Request, exc: Exception) -> Response:
        response = _mapping(request).answer_own(request, exc)
        if response is None:  # another part's exception on this path: a bug, logged as a 500
            raise exc
        return response

    for error_type in {t for mapping in ERROR_MAPPINGS for t in mapping.own}:
        app.add_exception_handler(error_type, own_error)


def server_error(path: str) -> Response:
    """The answer to a request that failed unexpectedly, in its part's shape (the observing
    middleware sends it, and logs the exception under the request's id)."""
    return mapping_of(ERROR_MAPPINGS, path).server_error()


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from the environment."""
    return create_app(Settings())
