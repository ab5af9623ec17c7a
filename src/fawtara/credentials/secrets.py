"""Secrets the server must be able to use again (the Hesabe envelope key and IV), stored
encrypted with AES-256-GCM under a key derived from the master key."""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fawtara.credentials.keys import derive_key

_VERSION = "v1"


class SecretBox:
    def __init__(self, master_key: str) -> None:
        self._aead = AESGCM(derive_key(master_key, "secret-box:v1"))

    def seal(self, secret: str, *, context: str) -> str:
        """`context` (e.g. "merchant:7:secret_key") is authenticated: a sealed value copied to
        another merchant's row does not open there."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return f"{_VERSION}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, *, context: str) -> str:
        version, _, body = sealed.partition(":")
        if version != _VERSION:
            raise ValueError("unknown secret format")
        raw = base64.urlsafe_b64decode(body)
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except InvalidTag:
            raise ValueError("secret does not open under this master key") from None
