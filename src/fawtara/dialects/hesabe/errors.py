"""Hesabe-style error bodies: {"status": false, "code": N, "message": "...", "response": ...}.

Errors travel in clear (a caller whose payload did not decrypt could not read them otherwise);
only success bodies are sealed in the envelope. The two documented bodies are reproduced byte
for byte: INVALID_REQUEST for a payload that does not decrypt, parse or validate, NOT_FOUND for
a record this merchant does not have. `MAPPING` is the dialect's answer to every error on a
path under /api/v1.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from fawtara import errors
from fawtara.error_mapping import ErrorMapping

PREFIX = "/api/v1"

INVALID_REQUEST_MESSAGE = "Invalid Request Data"
NOT_FOUND_MESSAGE = "Request not found, Please verify the request data"
SERVER_ERROR_MESSAGE = "Internal server error occurred"


class InvalidRequestData(Exception):
    """The payload did not decrypt, parse or validate; `problems` say why when it is safe to
    (after a successful decryption), and are None for envelope failures (no oracle)."""

    def __init__(self, problems: Sequence[dict[str, Any]] | None = None) -> None:
        super().__init__(INVALID_REQUEST_MESSAGE)
        self.problems = problems


def _json(body: Any, status: int) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def invalid_request(problems: Sequence[dict[str, Any]] | None = None) -> Response:
    """The documented 506 body. With problems (only after a payload decrypted), they are
    listed twice: as `response.errors` [{field, reason}], and as `data` {field: [reasons]},
    the shape client kits of the Hesabe API read field errors from."""
    body: dict[str, Any] = {"status": False, "code": 506, "message": INVALID_REQUEST_MESSAGE}
    if problems is None:
        body["response"] = None
    else:
        body["response"] = {"errors": list(problems)}
        body["data"] = field_messages(problems)
    return _json(body, 506)


def field_messages(problems: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """{field: [reasons]}; a bulk row's problems under "line N", the whole payload's under
    "payload"."""
    messages: dict[str, list[str]] = {}
    for problem in problems:
        line = problem.get("line")
        key = problem.get("field") or (f"line {line}" if line is not None else "payload")
        messages.setdefault(str(key), []).append(str(problem.get("reason")))
    return messages


def not_found() -> Response:
    return _json({"status": False, "message": NOT_FOUND_MESSAGE, "response": None}, 404)


def server_error() -> Response:
    return _json({"message": SERVER_ERROR_MESSAGE}, 500)


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = {"status": False, "code": status, "message": message, "response": None}
    response = _json(body, status)
    response.headers.update(headers or {})
    return response


def from_domain(exc: errors.FawtaraError) -> Response:
    if isinstance(exc, errors.NotFound):
        return not_found()
    if isinstance(exc, errors.TooManyAttempts):
        return error_response(429, exc.message, {"Retry-After": str(exc.retry_after)})
    if isinstance(exc, errors.AuthenticationFailed):
        return error_response(401, exc.message)
    if isinstance(exc, errors.InvalidInput):
        return invalid_request([{"field": exc.field, "reason": exc.message}])
    if isinstance(exc, errors.Conflict):
        return error_response(409, exc.message)
    return server_error()


def problems(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as {"field": "a.b", "reason": "..."} (the "body" location dropped)."""
    return [
        {
            "field": ".".join(str(p) for p in error["loc"] if p != "body") or None,
            "reason": str(error.get("msg", "Invalid value")).removeprefix("Value error, "),
        }
        for error in errors
    ]


def from_validation(exc: RequestValidationError) -> Response:
    """Login and token-refresh bodies are plain JSON; anything malformed there is a 506 too."""
    return invalid_request(problems(exc.errors()))


def _http(_request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        return not_found()
    if exc.status_code == 400:  # a body that is not JSON
        return invalid_request()
    return error_response(exc.status_code, str(exc.detail), exc.headers)


MAPPING = ErrorMapping(
    prefix=PREFIX,
    domain=lambda _request, exc: from_domain(exc),
    validation=lambda _request, exc: from_validation(exc),
    http=_http,
    server_error=server_error,
    own={InvalidRequestData: lambda _request, exc: invalid_request(exc.problems)},
)
