"""The Fatora route class: wire rules that hold for every `/v1` route.

- request bodies are parsed by `fawtara.json_text`: exact decimals (`100.005` stays
  `Decimal("100.005")`, so an over-precise amount is refused instead of silently rounded
  through a float), no NaN, bounded nesting;
- 406 when the `Accept` header excludes JSON, 415 when a body is not JSON;
- errors are not caught here: they must leave through the request's unit of work, which rolls
  back, before `fawtara.app` turns them into the Fatora error envelope.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from fawtara.dialects.fatora.errors import error_response
from fawtara.dialects.json_body import JSONRequest
from fawtara.dialects.text import has_nul

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


def _media_types(header: str) -> list[tuple[str, float]]:
    found = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found.append((media.lower(), quality))
    return found


def accepts_json(accept: str | None) -> bool:
    if not accept or not accept.strip():
        return True
    return any(
        quality > 0
        and (media in ("*/*", "application/*", "application/json") or media.endswith("+json"))
        for media, quality in _media_types(accept)
    )


def is_json(content_type: str | None) -> bool:
    if content_type is None:
        return True  # FastAPI reads an unlabelled body as JSON
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def refusal(request: Request) -> Response | None:
    """The answer to a request the Fatora wire rules refuse before its endpoint runs, or None.
    The one place those rules live: `FatoraRoute` and the fast path (`fast_path.py`) both ask
    it, so the hot GET cannot drift from its siblings (tests/dialects/fatora/test_route_rules)."""
    if not accepts_json(request.headers.get("accept")):
        return error_response(406, "Not acceptable: this API answers application/json")
    if await request.body() and not is_json(request.headers.get("content-type")):
        return error_response(415, "Unsupported media type: send application/json")
    if any(has_nul(value) for value in request.query_params.values()):
        return error_response(400, "Query parameters must not contain NUL characters")
    return None


class FatoraRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def fatora_handler(request: Request) -> Response:
            request = JSONRequest(request.scope, request.receive)
            return await refusal(request) or await handle(request)

        return fatora_handler


def path_id(request: Request, name: str) -> int:
    """A positive 32-bit id from the path, or the same 400 FastAPI validation would give."""
    raw = request.path_params[name]
    # Measured before int(): Python refuses to convert more than 4,300 digits.
    if len(raw) <= len(str(MAX_ID)) and raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    error = {
        "type": "int_parsing",
        "loc": ("path", name),
        "msg": f"Input should be a whole number from 1 to {MAX_ID}",
        "input": raw,
    }
    raise RequestValidationError([error])
