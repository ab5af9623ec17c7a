"""Fatora-style authentication: the `api_key` header or `Authorization: Bearer <JWT>`."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from fawtara.credentials.authenticator import Authenticator
from fawtara.credentials.principal import Principal
from fawtara.db import SessionDep
from fawtara.errors import InvalidApiKey

api_key_header = APIKeyHeader(name="api_key", auto_error=False, description="Your API key")
bearer_header = HTTPBearer(auto_error=False, description="A token from /v1/Authorization/Authorize")

ApiKeyHeader = Annotated[str | None, Depends(api_key_header)]


def authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.authenticator
    return auth


def fatora_principal(
    session: SessionDep,
    auth: Annotated[Authenticator, Depends(authenticator)],
    api_key: ApiKeyHeader,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_header)],
) -> Principal:
    if api_key:
        return auth.api_key(session, api_key)
    if bearer is not None and bearer.credentials:
        return auth.bearer(session, bearer.credentials)
    raise InvalidApiKey("Missing api_key header or bearer token")


FatoraPrincipal = Annotated[Principal, Depends(fatora_principal)]
AuthenticatorDep = Annotated[Authenticator, Depends(authenticator)]
