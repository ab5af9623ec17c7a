"""Request bodies read as JSON by `fawtara.json_text` on every route of both dialects, so that
FastAPI's body parsing has the same rules (exact decimals, bounded nesting) as everything else.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from fawtara.json_text import loads


class JSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads(body)
            except ValueError as exc:
                # The error FastAPI turns into its "json_invalid" validation error, which each
                # dialect answers as malformed JSON.
                raise json.JSONDecodeError(str(exc), "", 0) from None
        return self._json


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def json_handler(request: Request) -> Response:
            return await handle(JSONRequest(request.scope, request.receive))

        return json_handler
