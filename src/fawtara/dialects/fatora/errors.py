"""Fatora-style error bodies: {"status": "ERROR", "error": {"error_code", "description"}}
(Authorize's own: {"status": "ERROR", "error": "..."}), and `MAPPING`, the dialect's answer to
every error on a path under /v1."""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fawtara import errors
from fawtara.error_mapping import ErrorMapping

PREFIX = "/v1"
AUTHORIZE_PATH = f"{PREFIX}/Authorization/Authorize"

# Order matters: the first class that matches wins (InactiveApiKey before AuthenticationFailed).
_STATUS: list[tuple[type[errors.FawtaraError], int]] = [
    (errors.TooManyAttempts, 429),
    (errors.InactiveApiKey, 403),
    (errors.AuthenticationFailed, 401),
    (errors.NotFound, 404),
    (errors.InvalidInput, 422),
    (errors.Conflict, 409),
]


def error_response(
    status: int, description: str, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"status": "ERROR", "error": {"error_code": str(status), "description": description}}
    return Response(orjson.dumps(body), status, dict(headers or {}), media_type="application/json")


def _status(exc: errors.FawtaraError) -> int:
    return next((status for error_type, status in _STATUS if isinstance(exc, error_type)), 500)


def _retry_after(exc: errors.FawtaraError) -> dict[str, str]:
    if isinstance(exc, errors.TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def from_domain(exc: errors.FawtaraError) -> Response:
    status = _status(exc)
    description = str(exc) if status != 500 else "Internal server error"
    return error_response(status, description, _retry_after(exc))


def _domain(request: Request, exc: errors.FawtaraError) -> Response:
    """Authorize answers a refused key in its own flat shape; every other route in the table's."""
    if request.url.path == AUTHORIZE_PATH and isinstance(exc, errors.AuthenticationFailed):
        body = orjson.dumps({"status": "ERROR", "error": exc.message})
        return Response(body, _status(exc), _retry_after(exc), media_type="application/json")
    return from_domain(exc)


def _location(loc: Sequence[Any]) -> str:
    """("body", "items", 0, "amount") -> "items[0].amount"; a query or path name stays bare."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def from_validation(exc: RequestValidationError) -> Response:
    """400 naming every offending field, e.g. "items[0].amount: Field required"."""
    problems = []
    for error in exc.errors():
        message = str(error.get("msg", "Invalid value")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            problems.append("Malformed JSON body")
        elif error.get("type") == "model_attributes_type" and tuple(error["loc"]) == ("body",):
            problems.append("body: expected a JSON object")
        else:
            problems.append(f"{_location(error['loc'])}: {message}")
    return error_response(400, "; ".join(problems))


def _http(_request: Request, exc: HTTPException) -> Response:
    return error_response(exc.status_code, str(exc.detail), exc.headers)


MAPPING = ErrorMapping(
    prefix=PREFIX,
    domain=_domain,
    validation=lambda _request, exc: from_validation(exc),
    http=_http,
    server_error=lambda: error_response(500, "Internal server error"),
)
