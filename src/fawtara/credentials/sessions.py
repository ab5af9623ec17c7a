"""Hesabe-style sessions: a user logs in for a short-lived JWT and a single-use refresh token.

The access token is an HS256 JWT bound to the merchant, the user and the login (its refresh
token family; 900 s by default). The refresh token is opaque, stored only as a keyed hash, and
used once: refreshing spends it and issues a new pair in the same family. Presenting a spent
token again means two parties hold it, so the whole family is revoked (the rotation scheme of
RFC 6819 §5.2.2.3 / OAuth 2.1): a family with no unspent token left is a login that ended.

Every call checks in the primary database that its token's login has not ended and that its
user still exists (`check`, one indexed lookup), so both take effect at once on every process;
a cache would keep a stolen token working for its lifetime.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

import jwt
from sqlalchemy import Dialect, bindparam, select, update
from sqlalchemy.orm import Session

from fawtara.credentials.keys import derive_key
from fawtara.credentials.passwords import verify_password
from fawtara.credentials.principal import Principal
from fawtara.credentials.tokens import ISSUER, decode, id_claim, subject_id
from fawtara.db import Database
from fawtara.errors import InvalidCredentials, InvalidToken
from fawtara.models import MerchantUser, RefreshToken
from fawtara.models.base import utcnow
from fawtara.models.merchant_user import username_key

_AUDIENCE = "fawtara:hesabe"
_FAMILY_LENGTH = 32  # RefreshToken.family


@dataclass(frozen=True, slots=True)
class Login:
    """What a valid access token says: who calls, and from which login (refresh family)."""

    principal: Principal
    family: str


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class SessionIssuer:
    MAX_VERIFIED = 10_000  # access tokens kept verified (see `verify`)

    def __init__(self, master_key: str, access_ttl: int, refresh_ttl: int) -> None:
        self._jwt_secret = derive_key(master_key, "hesabe-jwt:v1")
        self._refresh_secret = derive_key(master_key, "refresh-token-hash:v1")
        self.access_ttl = access_ttl
        self._refresh_ttl = refresh_ttl
        self._verified: dict[str, tuple[int, Login]] = {}  # token -> its exp, its login

    def login(self, session: Session, username: str, password: str) -> TokenPair:
        user = session.scalars(
            select(MerchantUser).where(MerchantUser.username_key == username_key(username))
        ).first()
        # Verified even for an unknown user (against a dummy hash): the answer takes as long.
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise InvalidCredentials()
        return self._issue(session, user.merchant_id, user.id, secrets.token_hex(16))

    def refresh(self, session: Session, refresh_token: str) -> TokenPair | None:
        """A new pair for an unspent token, or None. None may have revoked the token's family,
        which the caller must commit before answering with an error."""
        digest = self._hash(refresh_token)
        now = utcnow()
        spent = session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == digest,
                RefreshToken.used_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(RefreshToken.user_id, RefreshToken.family)
        ).first()
        if spent is None:
            self._revoke_family_of(session, digest)
            return None
        merchant_id = session.scalar(
            select(MerchantUser.merchant_id).where(MerchantUser.id == spent.user_id)
        )
        assert merchant_id is not None, "tokens go with their user (ON DELETE CASCADE)"
        return self._issue(session, merchant_id, spent.user_id, spent.family)

    def verify(self, token: str) -> Login:
        """The login of a token signed here and still in date (no database); InvalidToken
        otherwise. `check` says whether that login still holds.

        A token that passed is kept with its expiry (`_verified`): the same text, until that
        time, passes again without decoding and verifying it anew (a fifth of the GET's CPU).
        What it carries is signed, so only its expiry changes with time, and that is checked
        on every call as PyJWT checks it; a forged or foreign token is never kept."""
        kept = self._verified.get(token)
        if kept is not None:
            if time.time() < kept[0]:
                return kept[1]
            del self._verified[token]
        claims = decode(token, self._jwt_secret, _AUDIENCE, ["exp", "iat", "sub", "uid", "fam"])
        family = claims["fam"]
        if not isinstance(family, str) or not 0 < len(family) <= _FAMILY_LENGTH:
            raise InvalidToken()
        principal = Principal(merchant_id=subject_id(claims), user_id=id_claim(claims, "uid"))
        login = Login(principal, family)
        if len(self._verified) >= self.MAX_VERIFIED:
            self._verified.clear()
        self._verified[token] = (int(claims["exp"]), login)  # decode checked it is an integer
        return login

    async def check(self, database: Database, login: Login) -> None:
        """InvalidToken unless the login is alive: its user exists, belongs to its merchant,
        and the family still has an unspent refresh token (reuse revoked none of it). Read on
        the primary, never a replica or a cache: an ended login ends at once on every process.
        One prepared statement on a bare connection (`Database.fetch_one`): on PostgreSQL no
        thread-pool hop, no BEGIN and COMMIT round trips; on SQLite inline."""
        statement = _alive(database.engine.dialect)
        principal = login.principal
        params = statement.params(
            family=login.family, user_id=principal.user_id, merchant_id=principal.merchant_id
        )
        if await database.fetch_one(None, statement.sql, params) is None:
            raise InvalidToken()

    def _issue(self, session: Session, merchant_id: int, user_id: int, family: str) -> TokenPair:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": _AUDIENCE,
            "sub": str(merchant_id),
            "uid": user_id,
            "fam": family,
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": secrets.token_hex(8),  # two logins in one second still get distinct tokens
        }
        refresh_token = secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                user_id=user_id,
                family=family,
                token_hash=self._hash(refresh_token),
                expires_at=utcnow() + timedelta(seconds=self._refresh_ttl),
            )
        )
        session.flush()
        access_token = jwt.encode(claims, self._jwt_secret, algorithm="HS256")
        return TokenPair(access_token, refresh_token, self.access_ttl)

    def _revoke_family_of(self, session: Session, digest: str) -> None:
        family = session.scalar(
            select(RefreshToken.family).where(
                RefreshToken.token_hash == digest, RefreshToken.used_at.is_not(None)
            )
        )
        if family is not None:  # a spent token came back: end every token of its login
            session.execute(
                update(RefreshToken)
                .where(RefreshToken.family == family, RefreshToken.used_at.is_(None))
                .values(used_at=utcnow())
            )

    def _hash(self, token: str) -> str:
        return hmac.new(self._refresh_secret, token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class _Statement:
    """A statement compiled once for a database, with its parameters' order and defaults."""

    sql: str
    names: tuple[str, ...] | None  # the order of a positional paramstyle's parameters
    defaults: dict[str, Any]

    def params(self, **values: Any) -> tuple[Any, ...] | dict[str, Any]:
        values = {**self.defaults, **values}
        return values if self.names is None else tuple(values[n] for n in self.names)


@cache
def _alive(dialect: Dialect) -> _Statement:
    statement = (
        select(RefreshToken.id)
        .join(MerchantUser, MerchantUser.id == RefreshToken.user_id)
        .where(
            RefreshToken.family == bindparam("family"),  # indexed: a login's few tokens
            RefreshToken.used_at.is_(None),
            RefreshToken.user_id == bindparam("user_id"),
            MerchantUser.merchant_id == bindparam("merchant_id"),
        )
        .limit(1)
    )
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Statement(str(compiled), names, dict(compiled.params))
