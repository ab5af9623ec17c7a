"""The Hesabe-style routes as OpenAPI describes them: what travels on the wire, not the payloads.

Payloads are sealed, so the document can only say that a request carries `data` (lowercase
hex of AES-256-CBC ciphertext; in the query string for GET, in a JSON body otherwise) and that a
success answers `{"response": "<hex>"}`; the README documents what is inside. Errors travel in
clear and are described exactly.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fawtara.openapi import RETRY_AFTER

HEX = r"^[0-9a-fA-F]*$"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SealedOut(_Out):
    response: str  # hex: {"status": true, "message": …, "response": …} once decrypted


class TokenOut(_Out):
    token_type: Literal["Bearer"]
    expires_in: int
    access_token: str
    refresh_token: str


class TokenResponseOut(_Out):
    token: TokenOut


class TokenAnswerOut(_Out):
    status: Literal[True]
    message: str
    response: TokenResponseOut


class ErrorOut(_Out):
    status: Literal[False]
    code: int
    message: str
    response: None


class ProblemsOut(_Out):
    errors: list[dict[str, Any]]


class InvalidRequestOut(_Out):
    status: Literal[False]
    code: Literal[506]
    message: Literal["Invalid Request Data"]
    response: ProblemsOut | None  # null for any envelope failure, so no oracle
    # {field: [reasons]}, as client kits read field errors; only beside ProblemsOut
    data: dict[str, list[str]] | None = None


class NotFoundOut(_Out):
    status: Literal[False]
    message: Literal["Request not found, Please verify the request data"]
    response: None


class ServerErrorOut(_Out):
    message: str


Responses = dict[int | str, dict[str, Any]]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


_INVALID: Responses = {
    506: {
        "model": InvalidRequestOut,
        "description": "The payload did not decrypt, parse or validate (the documented body)",
    },
    413: _error("The request body is larger than the configured limit"),
    500: {"model": ServerErrorOut, "description": "Internal server error"},
}

LOGIN: Responses = {
    200: {"model": TokenAnswerOut, "description": "An access token and a refresh token"},
    401: _error("Wrong username or password, or a spent refresh token"),
    429: {
        **_error("Too many failed logins for the account or address (see Retry-After)"),
        "headers": RETRY_AFTER,
    },
    **_INVALID,
}

SEALED: Responses = {
    200: {"model": SealedOut, "description": "The answer, sealed in the merchant's envelope"},
    401: _error("Missing or bad bearer token, or an accessCode not the token's merchant's"),
    404: {"model": NotFoundOut, "description": "This merchant has no such record"},
    409: _error("The change conflicts with the record's state"),
    **_INVALID,
}

# `GET /api/v1/invoice/{id}` takes digits and `PUT /api/v1/invoice/{token}` a link token, at one
# place of the path, as Hesabe's docs have them: a segment of the other route's shape is a path
# that is there, for the other method.
OTHER_SHAPE: Responses = {
    405: {
        **_error("The segment has the other route's shape: an id for GET, a token for PUT"),
        "headers": {
            "Allow": {
                "description": "The methods the path takes",
                "required": True,
                "schema": {"type": "string"},
            }
        },
    }
}


def sealed_request(method: str) -> dict[str, Any]:
    """`openapi_extra` for a sealed route: `data` in the query (GET) or the JSON body."""
    data = {"type": "string", "pattern": HEX, "description": "The sealed payload (hex)"}
    if method == "GET":
        return {"parameters": [{"name": "data", "in": "query", "required": True, "schema": data}]}
    body = {"type": "object", "required": ["data"], "properties": {"data": data}}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}
