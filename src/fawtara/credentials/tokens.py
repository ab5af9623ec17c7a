"""Bearer tokens of the Fatora-style API: HS256 JWTs bound to a merchant and its API key."""

import time
from typing import Any, NamedTuple

import jwt

from fawtara.credentials.keys import derive_key
from fawtara.credentials.principal import Principal
from fawtara.errors import InvalidToken

_AUDIENCE = "fawtara:fatora"
ISSUER = "fawtara"
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


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
        return TokenClaims(subject_id(claims), id_claim(claims, "kid"))


def subject_id(claims: dict[str, Any]) -> int:
    """The id in `sub`, written as its digits, as the server writes it; InvalidToken otherwise."""
    subject = claims["sub"]
    if not (isinstance(subject, str) and subject.isascii() and subject.isdigit()):
        raise InvalidToken()
    # Past ten digits it is past MAX_ID: not converted (int() refuses 4,300 digits and more).
    return _in_range(int(subject) if len(subject) <= 10 else 0)


def id_claim(claims: dict[str, Any], name: str) -> int:
    """An id claim, a JSON integer as the server writes it; InvalidToken otherwise. Signed
    but out of range (2**70, 0, 1.5, true) is no id either: it must not reach a query."""
    value = claims[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidToken()
    return _in_range(value)


def _in_range(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise InvalidToken()
    return value


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
