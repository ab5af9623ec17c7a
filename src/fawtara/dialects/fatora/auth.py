"""Fatora-style authentication: the `api_key` header or `Authorization: Bearer <JWT>`."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer

from fawtara.credentials.authenticator import Authenticator
from fawtara.credentials.principal import Principal
from fawtara.db import UnitOfWork
from fawtara.errors import InvalidApiKey
from fawtara.request_unit import UnitOfWorkDep

# Scheme names are the document's: each dialect has its own, so neither overwrites the other.
api_key_header = APIKeyHeader(
    name="api_key", scheme_name="FatoraApiKey", auto_error=False, description="Your API key"
)
bearer_header = HTTPBearer(
    scheme_name="FatoraBearer",
    auto_error=False,
    description="A token from /v1/Authorization/Authorize (either this or the api_key header)",
)

ApiKeyHeader = Annotated[str | None, Depends(api_key_header)]


async def authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.authenticator
    return auth


AuthenticatorDep = Annotated[Authenticator, Depends(authenticator)]


async def authenticate(request: Request, unit: UnitOfWork) -> Principal:
    """The caller of a request, from its `api_key` header or else its bearer token."""
    auth: Authenticator = request.app.state.authenticator
    api_key = request.headers.get("api_key")
    # The cache answers most requests without touching the database.
    if api_key:
        principal = auth.cached_api_key(api_key)
        return principal if principal else await unit.run(auth.api_key, api_key)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        principal = auth.cached_bearer(token.strip())
        return principal if principal else await unit.run(auth.bearer, token.strip())
    raise InvalidApiKey("Missing api_key header or bearer token")


async def fatora_principal(request: Request, unit: UnitOfWorkDep) -> Principal:
    return await authenticate(request, unit)


FatoraPrincipal = Annotated[Principal, Depends(fatora_principal)]
# Route dependencies that only document the two ways to authenticate in OpenAPI.
SECURITY_DOCS = [Depends(api_key_header), Depends(bearer_header)]
