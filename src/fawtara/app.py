"""The ASGI application: `create_app(settings)` mounts the dialects and the error handlers."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

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
from fawtara.dialects.hesabe.errors import InvalidRequestData
from fawtara.dialects.hesabe.routes import router as hesabe_router
from fawtara.docs_pages import add_docs_pages
from fawtara.edge import RouteTable, TrailingSlash
from fawtara.errors import FawtaraError
from fawtara.home import pages as home
from fawtara.hosted import routes as hosted
from fawtara.hosted.pdf import RenderPool
from fawtara.limits import BodyLimit
from fawtara.openapi import truthful
from fawtara.ops import routes as ops
from fawtara.ops.logs import RedactLinkTokens
from fawtara.ops.metrics import Metrics
from fawtara.ops.middleware import Observe
from fawtara.settings import Settings


def _is_fatora(request: Request) -> bool:
    return request.url.path.startswith("/v1/") or request.url.path == "/v1"


def _is_hesabe(request: Request) -> bool:
    return request.url.path.startswith("/api/v1/") or request.url.path == "/api/v1"


def _is_hosted(request: Request) -> bool:
    # `/i/` arrives as `/i` (edge.TrailingSlash): it is still the invoice links' space
    return request.url.path.startswith("/i/") or request.url.path == "/i"


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


def _add_error_handlers(app: FastAPI) -> None:
    # Errors are mapped here, after they have left the request's unit of work (which rolled
    # back), in the shape of the dialect whose prefix the path carries: that also covers paths
    # no route matched and methods a route does not take.
    @app.exception_handler(FawtaraError)
    async def domain_error(request: Request, exc: FawtaraError) -> Response:
        if _is_fatora(request):
            return fatora_errors.from_domain(exc)
        if _is_hesabe(request):
            return hesabe_errors.from_domain(exc)
        return JSONResponse({"detail": exc.message}, 400)

    @app.exception_handler(InvalidRequestData)
    async def invalid_request_data(_request: Request, exc: InvalidRequestData) -> Response:
        return hesabe_errors.invalid_request(exc.problems)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_fatora(request):
            return fatora_errors.from_validation(exc)
        if _is_hesabe(request):
            return hesabe_errors.from_validation(exc)
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _http_error(request, exc)


def server_error(path: str) -> Response:
    """The answer to a request that failed unexpectedly, in its dialect's shape (the
    observing middleware sends it, and logs the exception under the request's id)."""
    if path == "/v1" or path.startswith("/v1/"):
        return fatora_errors.error_response(500, "Internal server error")
    if path == "/api/v1" or path.startswith("/api/v1/"):
        return hesabe_errors.server_error()
    return JSONResponse({"detail": "Internal server error"}, 500)


def _http_error(request: Request, exc: HTTPException) -> Response:
    """Unmatched paths, refused methods and the like, in the shape of the path's dialect."""
    headers = exc.headers
    if exc.status_code == 405:
        routes: RouteTable = request.app.state.routes
        headers = {**(headers or {}), "Allow": ", ".join(routes.allowed(request.scope))}
    if _is_fatora(request):
        return fatora_errors.error_response(exc.status_code, str(exc.detail), headers)
    if _is_hesabe(request):
        if exc.status_code == 404:
            return hesabe_errors.not_found()
        if exc.status_code == 400:  # a body that is not JSON
            return hesabe_errors.invalid_request()
        return hesabe_errors.error_response(exc.status_code, str(exc.detail), headers)
    if exc.status_code == 404:
        return hosted.not_found() if _is_hosted(request) else home.not_found(request)
    return JSONResponse({"detail": exc.detail}, exc.status_code, headers)


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory`: settings from the environment."""
    return create_app(Settings())
