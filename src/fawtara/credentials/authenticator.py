"""Authenticates API keys and bearer tokens, with a short per-process cache.

The cache keeps authentication off the database on the hot path. Its lifetime
(`FAWTARA_API_KEY_CACHE_SECONDS`, 5 s by default) bounds how long a revoked key or a token
minted from it still works in a process that has just seen it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fawtara.credentials.keys import KeyHasher
from fawtara.credentials.principal import Principal
from fawtara.credentials.tokens import TokenIssuer
from fawtara.errors import InactiveApiKey, InvalidApiKey, InvalidToken
from fawtara.models import ApiKey

_MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _KeyState:
    merchant_id: int
    key_id: int
    active: bool
    expires: float


class Authenticator:
    def __init__(
        self,
        hasher: KeyHasher,
        tokens: TokenIssuer,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hasher = hasher
        self.tokens = tokens
        self._ttl = cache_seconds
        self._clock = clock
        self._by_hash: dict[str, _KeyState] = {}
        self._by_id: dict[int, _KeyState] = {}

    def cached_api_key(self, api_key: str) -> Principal | None:
        """The principal of a key this process has seen lately, without the database."""
        state = self._by_hash.get(self.hasher(api_key))
        if state is None or state.expires < self._clock():
            return None
        if not state.active:
            raise InactiveApiKey()
        return Principal(merchant_id=state.merchant_id, api_key_id=state.key_id)

    def api_key(self, session: Session, api_key: str) -> Principal:
        """The principal of a clear API key; InvalidApiKey or InactiveApiKey otherwise."""
        digest = self.hasher(api_key)
        state = self._by_hash.get(digest)
        if state is None or state.expires < self._clock():
            row = session.execute(
                select(ApiKey.id, ApiKey.merchant_id, ApiKey.revoked_at).where(
                    ApiKey.key_hash == digest
                )
            ).first()
            if row is None:
                raise InvalidApiKey()  # unknown keys are not cached: no memory for guessers
            state = self._remember(digest, row.id, row.merchant_id, row.revoked_at is None)
        if not state.active:
            raise InactiveApiKey()
        return Principal(merchant_id=state.merchant_id, api_key_id=state.key_id)

    def cached_bearer(self, token: str) -> Principal | None:
        """The principal of a valid token whose key this process has seen lately."""
        claims = self.tokens.verify(token)
        state = self._by_id.get(claims.api_key_id)
        if state is None or state.expires < self._clock():
            return None
        if not state.active or state.merchant_id != claims.merchant_id:
            raise InvalidToken()
        return Principal(merchant_id=claims.merchant_id, api_key_id=claims.api_key_id)

    def bearer(self, session: Session, token: str) -> Principal:
        """The principal of a bearer token whose API key is still active."""
        claims = self.tokens.verify(token)
        state = self._by_id.get(claims.api_key_id)
        if state is None or state.expires < self._clock():
            row = session.execute(
                select(ApiKey.key_hash, ApiKey.merchant_id, ApiKey.revoked_at).where(
                    ApiKey.id == claims.api_key_id
                )
            ).first()
            if row is None:
                raise InvalidToken()
            active = row.revoked_at is None
            state = self._remember(row.key_hash, claims.api_key_id, row.merchant_id, active)
        if not state.active or state.merchant_id != claims.merchant_id:
            raise InvalidToken()
        return Principal(merchant_id=claims.merchant_id, api_key_id=claims.api_key_id)

    def _remember(self, digest: str, key_id: int, merchant_id: int, active: bool) -> _KeyState:
        if len(self._by_hash) >= _MAX_ENTRIES:
            self._by_hash.clear()
            self._by_id.clear()
        state = _KeyState(merchant_id, key_id, active, self._clock() + self._ttl)
        self._by_hash[digest] = state
        self._by_id[key_id] = state
        return state
