"""Hesabe-style credentials of a merchant: merchant code, access code (a UUID), the envelope's
32-character secret key and 16-character IV (sealed under the master key), and users."""

import secrets
import string
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fawtara.constraints import flush
from fawtara.credentials.passwords import hash_password
from fawtara.credentials.secrets import SecretBox
from fawtara.errors import InvalidInput
from fawtara.models import Merchant, MerchantUser
from fawtara.models.merchant_user import username_key

_ALPHABET = string.ascii_letters + string.digits
_PRINTABLE = frozenset(string.ascii_letters + string.digits + string.punctuation)


@dataclass(frozen=True)
class EnvelopeSecrets:
    secret_key: str
    iv: str


@dataclass(frozen=True)
class HesabeCredentials:
    merchant_code: str
    access_code: str
    secret_key: str
    iv: str


@dataclass(frozen=True)
class IssuedUser:
    username: str
    password: str | None  # in clear only when it was generated here, to be shown once


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _checked_secret(value: str | None, length: int, field: str) -> str:
    if value is None:
        return _random(length)
    if len(value) != length or not set(value) <= _PRINTABLE:
        raise InvalidInput(f"must be {length} printable ASCII characters", field=field)
    return value


def _context(merchant_id: int, name: str) -> str:
    return f"merchant:{merchant_id}:{name}"


def seal_envelope(
    merchant: Merchant, box: SecretBox, *, secret_key: str | None = None, iv: str | None = None
) -> EnvelopeSecrets:
    """Give the merchant an envelope key and IV (generated unless given), stored sealed."""
    envelope = EnvelopeSecrets(
        _checked_secret(secret_key, 32, "secret_key"), _checked_secret(iv, 16, "iv")
    )
    merchant.secret_key_sealed = box.seal(
        envelope.secret_key, context=_context(merchant.id, "secret_key")
    )
    merchant.iv_sealed = box.seal(envelope.iv, context=_context(merchant.id, "iv"))
    return envelope


def open_envelope(merchant: Merchant, box: SecretBox) -> EnvelopeSecrets | None:
    if merchant.secret_key_sealed is None or merchant.iv_sealed is None:
        return None
    return EnvelopeSecrets(
        box.open(merchant.secret_key_sealed, context=_context(merchant.id, "secret_key")),
        box.open(merchant.iv_sealed, context=_context(merchant.id, "iv")),
    )


def _free_merchant_code(session: Session) -> str:
    """A six-digit code no merchant has (Hesabe's codes look so). Drawn at random, a code
    collides with an existing one once merchants number in the thousands (the birthday
    bound), so a drawn code that is taken is drawn again; the unique constraint still guards
    a race with a concurrent assignment."""
    while True:
        code = str(100_000 + secrets.randbelow(900_000))
        taken = session.scalar(select(Merchant.id).where(Merchant.merchant_code == code))
        if taken is None:
            return code


def assign(
    session: Session,
    box: SecretBox,
    merchant: Merchant,
    *,
    merchant_code: str | None = None,
    access_code: str | None = None,
    secret_key: str | None = None,
    iv: str | None = None,
) -> HesabeCredentials:
    """Set all four credentials, generating those not given."""
    if merchant_code is None:
        merchant_code = _free_merchant_code(session)
    elif not (0 < len(merchant_code) <= 32 and merchant_code.isascii() and merchant_code.isalnum()):
        raise InvalidInput("must be 1 to 32 letters or digits", field="merchant_code")
    try:
        access = str(uuid.UUID(access_code)) if access_code else str(uuid.uuid4())
    except ValueError:
        raise InvalidInput("must be a UUID", field="access_code") from None
    envelope = seal_envelope(merchant, box, secret_key=secret_key, iv=iv)
    merchant.merchant_code = merchant_code
    merchant.access_code = access
    flush(session)
    return HesabeCredentials(merchant_code, access, envelope.secret_key, envelope.iv)


def add_user(
    session: Session, merchant: Merchant, *, username: str | None, password: str | None
) -> IssuedUser:
    """A login for the merchant; a password is generated (and returned once) when none is given."""
    username = username or f"merchant-{merchant.id}-{_random(6).lower()}"
    if not 3 <= len(username) <= 150:
        raise InvalidInput("must be 3 to 150 characters", field="username")
    if password is not None and len(password) < 8:
        raise InvalidInput("must be at least 8 characters", field="password")
    generated = None if password is not None else secrets.token_urlsafe(18)
    session.add(
        MerchantUser(
            merchant_id=merchant.id,
            username=username,
            password_hash=hash_password(password or generated or ""),
        )
    )
    flush(session)
    return IssuedUser(username, generated)


def reset_password(session: Session, merchant: Merchant, username: str) -> str:
    """A new generated password for the merchant's user `username` (made if missing)."""
    password = secrets.token_urlsafe(18)
    user = session.scalars(
        select(MerchantUser).where(
            MerchantUser.merchant_id == merchant.id,
            MerchantUser.username_key == username_key(username),
        )
    ).first()
    if user is None:
        add_user(session, merchant, username=username, password=password)
    else:
        user.password_hash = hash_password(password)
        flush(session)
    return password
