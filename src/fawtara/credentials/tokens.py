"""Bearer tokens of the Fatora-style API: HS256 JWTs bound to a merchant and its API key."""

import time
from typing import NamedTuple

import jwt

from fawtara.credentials.keys import derive_key
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidToken

_AUDIENCE = "fawtara:fatora"
_ISSUER = "fawtara"


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
            "iss": _ISSUER,
            "aud": _AUDIENCE,
            "sub": str(principal.merchant_id),
            "kid": principal.api_key_id,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],  # pinned: "none" and other algorithms are refused
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["exp", "nbf", "iat", "sub", "kid"]},
            )
            return TokenClaims(int(claims["sub"]), int(claims["kid"]))
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidToken() from None
