"""Fatora-style error bodies: {"status": "ERROR", "error": {"error_code", "description"}}."""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from fawtara import errors

# Order matters: the first class that matches wins (InactiveApiKey before AuthenticationFailed).
_STATUS: list[tuple[type[errors.FawtaraError], int]] = [
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


def from_domain(exc: errors.FawtaraError) -> Response:
    for error_type, status in _STATUS:
        if isinstance(exc, error_type):
            return error_response(status, str(exc))
    return error_response(500, "Internal server error")


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
