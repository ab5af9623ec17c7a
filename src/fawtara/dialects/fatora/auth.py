"""Fatora-style authentication: the `api_key` header or `Authorization: Bearer <JWT>`."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from fawtara.credentials.authenticator import Authenticator
from fawtara.credentials.principal import Principal
from fawtara.db import UnitOfWorkDep
from fawtara.errors import InvalidApiKey

api_key_header = APIKeyHeader(name="api_key", auto_error=False, description="Your API key")
bearer_header = HTTPBearer(auto_error=False, description="A token from /v1/Authorization/Authorize")

ApiKeyHeader = Annotated[str | None, Depends(api_key_header)]


async def authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.authenticator
    return auth


AuthenticatorDep = Annotated[Authenticator, Depends(authenticator)]


async def fatora_principal(
    unit: UnitOfWorkDep,
    auth: AuthenticatorDep,
    api_key: ApiKeyHeader,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_header)],
) -> Principal:
    # The cache answers most requests without touching the database.
    if api_key:
        principal = auth.cached_api_key(api_key)
        return principal if principal else await unit.run(auth.api_key, api_key)
    if bearer is not None and bearer.credentials:
        principal = auth.cached_bearer(bearer.credentials)
        return principal if principal else await unit.run(auth.bearer, bearer.credentials)
    raise InvalidApiKey("Missing api_key header or bearer token")


FatoraPrincipal = Annotated[Principal, Depends(fatora_principal)]
