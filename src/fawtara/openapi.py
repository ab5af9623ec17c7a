"""The OpenAPI document, made to say only what the server does.

FastAPI documents a 422 for every route with parameters, because that is what its validation
answers by default. Here each dialect answers validation errors its own way (Fatora: 400, the
Hesabe style: 506, the invoice link: its 404 page), so the 422 FastAPI adds is dropped where
the route did not declare one itself (Fatora's 422 is a refused value, declared per route).
The Hesabe style's bearer token and access code are documented as required together.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from fawtara.dialects.hesabe.auth import access_code_header, bearer_header

# The header every 429 (and the page's 503) carries, as a response declares it.
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds to wait before asking again",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}

_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"
# FastAPI lists each security dependency as an alternative; a Hesabe-style call needs both.
_TOGETHER = frozenset({bearer_header.scheme_name, access_code_header.scheme_name})


def _combined(security: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """Alternatives that are in truth required together, as one requirement."""
    names = {name for requirement in security for name in requirement}
    if not _TOGETHER <= names:
        return security
    rest = [r for r in security if not set(r) <= _TOGETHER]
    return [{name: [] for name in sorted(_TOGETHER)}, *rest]


def _is_fastapi_default(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == _FASTAPI_VALIDATION)


def truthful(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """A replacement for `app.openapi`: FastAPI's document, without the defaults it adds."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        for operations in document["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = _combined(operation["security"])
                responses = operation.get("responses", {})
                if "422" in responses and _is_fastapi_default(responses["422"]):
                    del responses["422"]
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = document
        return document

    return openapi
