"""API keys: issued once in clear, stored only as a keyed hash (HMAC-SHA256 under the master key).

A fast keyed hash is right here because the keys are random with 122 bits of entropy: there is
nothing to brute-force, and authentication stays a single indexed lookup.
"""

import hashlib
import hmac
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fawtara.errors import ApiKeyNotFound
from fawtara.models import ApiKey
from fawtara.models.base import utcnow


def derive_key(master_key: str, purpose: str) -> bytes:
    """A separate secret per purpose, so no two uses share key material."""
    return hmac.new(master_key.encode(), f"fawtara:{purpose}".encode(), hashlib.sha256).digest()


class KeyHasher:
    def __init__(self, master_key: str) -> None:
        self._secret = derive_key(master_key, "api-key-hash:v1")

    def __call__(self, api_key: str) -> str:
        return hmac.new(self._secret, api_key.encode(), hashlib.sha256).hexdigest()


def new_api_key() -> str:
    """A key in the documented form, an upper-case UUID: E4B73FEE-F492-4607-A38D-852B0EBC91C9."""
    return str(uuid.uuid4()).upper()


def issue_api_key(
    session: Session, hasher: KeyHasher, *, merchant_id: int, name: str = ""
) -> tuple[ApiKey, str]:
    """Create a key; the clear key is returned here once and never stored."""
    clear = new_api_key()
    key = ApiKey(merchant_id=merchant_id, name=name, prefix=clear[:8], key_hash=hasher(clear))
    session.add(key)
    session.flush()
    return key, clear


def list_api_keys(session: Session, *, merchant_id: int) -> Sequence[ApiKey]:
    query = select(ApiKey).where(ApiKey.merchant_id == merchant_id).order_by(ApiKey.id)
    return session.scalars(query).all()


def revoke_api_key(session: Session, *, merchant_id: int, key_id: int) -> ApiKey:
    key = session.scalars(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.merchant_id == merchant_id)
    ).first()
    if key is None:
        raise ApiKeyNotFound()
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key
