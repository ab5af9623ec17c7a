"""Bearer tokens of the Fatora-style API: HS256 JWTs bound to a merchant and its API key."""

import time

import jwt

from fawtara.credentials.keys import derive_key
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidToken

_AUDIENCE = "fawtara:fatora"
_ISSUER = "fawtara"


class TokenIssuer:
    def __init__(self, master_key: str, ttl_seconds: int) -> None:
        self._secret = derive_key(master_key, "fatora-jwt:v1")
        self._ttl = ttl_seconds

    def issue(self, principal: Principal) -> str:
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

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],  # pinned: "none" and other algorithms are refused
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["exp", "nbf", "iat", "sub", "kid"]},
            )
            return Principal(merchant_id=int(claims["sub"]), api_key_id=int(claims["kid"]))
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidToken() from None
