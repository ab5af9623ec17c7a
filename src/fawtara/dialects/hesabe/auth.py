"""Hesabe-style calls: bearer token, the merchant's `accessCode` header, and the sealed payload.

`HesabeCallDep` authenticates a request and opens its payload (`?data=` for GET, a JSON body
`{"data": …}` otherwise) with the merchant's envelope. The payload must name the token's
merchant in `merchantCode`; every way it can fail is one InvalidRequestData without detail.
"""

import hmac
import time
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from fawtara.credentials.hesabe import open_envelope
from fawtara.credentials.principal import Principal
from fawtara.credentials.secrets import SecretBox
from fawtara.credentials.sessions import SessionIssuer
from fawtara.dialects.hesabe.errors import InvalidRequestData
from fawtara.envelope import Envelope, InvalidEnvelope
from fawtara.errors import InvalidAccessCode, InvalidToken
from fawtara.json_text import loads
from fawtara.models import Merchant
from fawtara.request_unit import RequestUnit, UnitOfWorkDep

bearer_header = HTTPBearer(
    scheme_name="HesabeBearer",
    auto_error=False,
    description="The access_token from /api/v1/login (with the accessCode header)",
)
access_code_header = APIKeyHeader(
    name="accessCode",
    scheme_name="HesabeAccessCode",
    auto_error=False,
    description="The merchant's access code (with the bearer token)",
)
SECURITY_DOCS = [Depends(bearer_header), Depends(access_code_header)]


@dataclass(frozen=True, slots=True)
class HesabeCall:
    """An authenticated call: who makes it, its opened payload, and how to seal the answer."""

    principal: Principal
    payload: dict[str, Any]
    envelope: Envelope
    currency: str  # the merchant's default: Hesabe-style payloads name none

    def answer(self, message: str, response: Any = None) -> Response:
        """The success body, sealed: {"response": "<hex>"}."""
        body = {"status": True, "message": message, "response": response}
        return Response(
            orjson.dumps({"response": self.envelope.seal(body)}), media_type="application/json"
        )


@dataclass(frozen=True, slots=True)
class _MerchantKeys:
    merchant_code: str
    access_code: str
    envelope: Envelope
    currency: str


class MerchantKeys:
    """The merchants' Hesabe-style keys, kept per process for a few seconds.

    Every call needs its merchant's access code and opened envelope: read from the merchant's
    row and unsealed (a database unit, on PostgreSQL a thread-pool hop and four round trips,
    and an AES-GCM decryption) before the call's own work. Kept here for
    `FAWTARA_API_KEY_CACHE_SECONDS`, they are read once per merchant and process in that
    time; so, as with a revoked API key, a rotated envelope or a changed default currency
    reaches a process that has just used the old one within that time.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, box: SecretBox, seconds: float) -> None:
        self._box = box
        self._ttl = seconds
        self._kept: dict[int, tuple[float, _MerchantKeys]] = {}

    async def of(self, request_unit: RequestUnit, merchant_id: int) -> _MerchantKeys | None:
        kept = self._kept.get(merchant_id)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        async with request_unit.apart(write=False) as unit:
            keys = await unit.run(_merchant_keys, self._box, merchant_id)
        if keys is not None and self._ttl > 0:  # a merchant without keys is not kept
            if len(self._kept) >= self.MAX_ENTRIES:
                self._kept.clear()
            self._kept[merchant_id] = (time.monotonic() + self._ttl, keys)
        return keys


def _merchant_keys(session: Session, box: SecretBox, merchant_id: int) -> _MerchantKeys | None:
    merchant = session.scalars(select(Merchant).where(Merchant.id == merchant_id)).first()
    if merchant is None or merchant.merchant_code is None or merchant.access_code is None:
        return None
    secrets = open_envelope(merchant, box)
    if secrets is None:
        return None
    envelope = Envelope(secrets.secret_key, secrets.iv)
    return _MerchantKeys(
        merchant.merchant_code, merchant.access_code, envelope, merchant.default_currency
    )


async def bearer_principal(request: Request) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Unauthenticated")
    sessions: SessionIssuer = request.app.state.sessions
    login = sessions.verify(token.strip())  # first: a forged token costs no query
    # On the primary, never cached: an ended login or a deleted user ends its access tokens
    # at once, on every process.
    await sessions.check(request.app.state.db, login)
    return login.principal


async def _payload_text(request: Request) -> object:
    if request.method == "GET":
        return request.query_params.get("data")
    try:
        body = loads(await request.body())
    except ValueError:
        return None
    return body.get("data") if isinstance(body, dict) else None


async def open_call(request: Request, unit: UnitOfWorkDep) -> HesabeCall:
    principal = await bearer_principal(request)
    merchant_keys: MerchantKeys = request.app.state.hesabe_keys
    # Reads of their own, apart from the request's unit of work: on SQLite a write unit holds
    # the database's write lock from its first statement, and a bulk upload still has a file
    # to parse at this point.
    keys = await merchant_keys.of(unit, principal.merchant_id)
    access_code = request.headers.get("accesscode", "")
    if keys is None or not hmac.compare_digest(access_code.encode(), keys.access_code.encode()):
        raise InvalidAccessCode()
    try:
        payload = keys.envelope.open(await _payload_text(request))
    except InvalidEnvelope:
        raise InvalidRequestData() from None
    code = payload.get("merchantCode")
    if not isinstance(code, str | int) or str(code) != keys.merchant_code:
        raise InvalidRequestData()
    return HesabeCall(principal, payload, keys.envelope, keys.currency)


HesabeCallDep = Annotated[HesabeCall, Depends(open_call)]
