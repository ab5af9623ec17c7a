"""How each part of the URL space answers what went wrong: one `ErrorMapping` per part.

A part (the Fatora dialect under `/v1`, the Hesabe dialect under `/api/v1`, the invoice link
under `/i`, and the home page for every other path) says in one object how it answers a domain
error, a request that failed validation, an HTTP error (no route, a refused method, a body too
large) and an unexpected failure, and which exceptions of its own it maps. `app.py` finds the
part a path belongs to (`mapping_of`) and hands it the error; nothing else looks at prefixes.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from fawtara.errors import FawtaraError


@dataclass(frozen=True, slots=True)
class ErrorMapping:
    """A part's answers to errors; `prefix` "" is the fallback, which takes every path."""

    prefix: str
    domain: Callable[[Request, FawtaraError], Response]
    validation: Callable[[Request, RequestValidationError], Response]
    http: Callable[[Request, HTTPException], Response]
    server_error: Callable[[], Response]
    # Exceptions only this part raises (Hesabe's InvalidRequestData), each with its mapper.
    own: Mapping[type[Exception], Callable[[Request, Any], Response]] = field(default_factory=dict)

    def owns(self, path: str) -> bool:
        """`/v1` and `/v1/…` are the Fatora part's, `/v1x` is not. `/i/` arrives as `/i`
        (edge.TrailingSlash), so the bare prefix is the part's too."""
        return not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")

    def answer_own(self, request: Request, exc: Exception) -> Response | None:
        """The answer to one of this part's own exceptions, or None if `exc` is not one."""
        for error_type, mapper in self.own.items():
            if isinstance(exc, error_type):
                return mapper(request, exc)
        return None


def mapping_of(mappings: Sequence[ErrorMapping], path: str) -> ErrorMapping:
    """The first mapping that owns `path`: the fallback (prefix "") comes last."""
    return next(mapping for mapping in mappings if mapping.owns(path))


def plain(prefix: str, not_found: Callable[[Request], Response]) -> ErrorMapping:
    """The mapping of a part outside the dialects (HTML pages): its own 404 page, and
    FastAPI's plain JSON `{"detail": …}` for the rest."""

    def http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return not_found(request)
        return JSONResponse({"detail": exc.detail}, exc.status_code, exc.headers)

    return ErrorMapping(
        prefix=prefix,
        domain=lambda _request, exc: JSONResponse({"detail": exc.message}, 400),
        validation=lambda _request, exc: JSONResponse(
            {"detail": jsonable_encoder(exc.errors())}, 422
        ),
        http=http,
        server_error=lambda: JSONResponse({"detail": "Internal server error"}, 500),
    )
