"""Bearer tokens of the Fatora-style API: HS256 JWTs bound to a merchant and its API key."""

import time
from typing import Any, NamedTuple

import jwt

from fawtara.credentials.keys import derive_key
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidToken

_AUDIENCE = "fawtara:fatora"
ISSUER = "fawtara"


class TokenClaims(NamedTuple):
    merchant_id: int
    api_key_id: int


class TokenIssuer:
    def __init__(self, master_key: str, ttl_seconds: int) -> None:
        self._secret = derive_key(master_key, "fatora-jwt:v1")
        self._ttl = ttl_seconds

    def issue(self, principal: Principal) -> str:
        assert principal.api_key_id is not None, "Fatora-style tokens come from an API key"
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": _AUDIENCE,
            "sub": str(principal.merchant_id),
            "kid": principal.api_key_id,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> TokenClaims:
        claims = decode(token, self._secret, _AUDIENCE, ["exp", "nbf", "iat", "sub", "kid"])
        try:
            return TokenClaims(int(claims["sub"]), int(claims["kid"]))
        except (ValueError, TypeError):
            raise InvalidToken() from None


def decode(token: str, secret: bytes, audience: str, required: list[str]) -> dict[str, Any]:
    """The claims of a valid HS256 token of ours for `audience`; InvalidToken otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],  # pinned: "none" and other algorithms are refused
            audience=audience,
            issuer=ISSUER,
            options={"require": required},
        )
        return claims
    except jwt.PyJWTError:
        raise InvalidToken() from None
