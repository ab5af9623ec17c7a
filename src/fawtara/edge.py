"""Where requests meet routes, the same for every route: the template a request is labelled
with in logs and metrics (the dialect's prefix kept, so the dialects' routes stay apart), the
methods a path takes (a 405's `Allow`: Starlette's router names only the first route whose
path matched), the literal words of the templates (so a log can tell them from a token), and
a trailing slash that changes nothing: every route answers the same with and without one, and
never with a redirect (a client kit that refuses redirects, or a POST whose body a redirect
would drop, gets its answer).

FastAPI routes an included router's requests to the router's own route objects, whose paths
lack the prefixes they were included under; `iter_route_contexts` gives each route as the app
serves it, prefix and all, and is what FastAPI's own OpenAPI document is built from.
"""

import re
from collections.abc import Sequence

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

_PARAMETER = re.compile(r"\{[^}]*\}")


class RouteTable:
    """Every route of an app as served; built once the app has all its routes."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        contexts = list(iter_route_contexts(routes))
        slashed = [
            c.path_format for c in contexts if c.path_format and c.path_format[1:].endswith("/")
        ]
        if slashed:  # TrailingSlash takes the slash off before routing: it would never match
            raise ValueError(f"routes are declared without a trailing slash: {slashed}")
        self._contexts = contexts
        # Keyed by identity: routes compare by value, and two equal routes are still two.
        self._templates = {
            id(context.original_route): context.path_format
            for context in contexts
            if context.path_format
        }
        self.words = frozenset(
            word
            for template in self._templates.values()
            for word in re.split(r"[^A-Za-z0-9_-]+", _PARAMETER.sub("/", template))
            if word
        )

    def template(self, route: object) -> str:
        """The full path template of the route a request went to ("unmatched" for none)."""
        if route is None:
            return "unmatched"
        found = self._templates.get(id(route))
        if found is not None:
            return found
        path = getattr(route, "path", None)  # a route added after the table was built
        return path if isinstance(path, str) else "unmatched"

    def allowed(self, scope: Scope) -> list[str]:
        """Every method some route takes at this request's path, sorted."""
        methods: set[str] = set()
        for context in self._contexts:
            if context.methods and context.matches(scope)[0] is not Match.NONE:
                methods |= context.methods
        return sorted(methods)


class TrailingSlash:
    """Takes one trailing slash off the path before routing (`/api/v1/invoice/` is routed as
    `/api/v1/invoice`); the app is made with `redirect_slashes=False`, so nothing redirects."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            # In place: the outer layers read what the router leaves in this scope (the route).
            scope["path"] = path[:-1]
            raw: bytes | None = scope.get("raw_path")
            if raw is not None and raw.endswith(b"/"):
                scope["raw_path"] = raw[:-1]
        await self.app(scope, receive, send)
