"""A Hesabe-style client for the tests, written like a merchant's integration would be.

It encrypts and decrypts with the `cryptography` library directly (AES-256-CBC, key and IV as
ASCII, PKCS-style padding to 32 bytes, lowercase hex), independently of fawtara's envelope.
"""

import json
from decimal import Decimal
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.fixtures.factories import MerchantCredentials

INVALID_REQUEST = {
    "status": False,
    "code": 506,
    "message": "Invalid Request Data",
    "response": None,
}
NOT_FOUND = {
    "status": False,
    "message": "Request not found, Please verify the request data",
    "response": None,
}


def _cipher(secret_key: str, iv: str) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(secret_key.encode()), modes.CBC(iv.encode()))


def encrypt(value: Any, secret_key: str, iv: str, *, block: int = 32) -> str:
    plain = json.dumps(value, separators=(",", ":"), default=str).encode()
    n = block - len(plain) % block
    encryptor = _cipher(secret_key, iv).encryptor()
    return (encryptor.update(plain + bytes([n]) * n) + encryptor.finalize()).hex()


def decrypt_raw(hex_text: str, secret_key: str, iv: str) -> bytes:
    decryptor = _cipher(secret_key, iv).decryptor()
    padded = decryptor.update(bytes.fromhex(hex_text)) + decryptor.finalize()
    n = padded[-1]
    assert 1 <= n <= 32, "bad padding from the server"
    assert padded[-n:] == bytes([n]) * n, "bad padding from the server"
    return padded[:-n]


def decrypt(hex_text: str, secret_key: str, iv: str) -> Any:
    return json.loads(decrypt_raw(hex_text, secret_key, iv), parse_float=Decimal)


class Hesabe:
    """A logged-in merchant integration: bearer token, accessCode header, sealed payloads."""

    def __init__(self, http: httpx.Client, merchant: MerchantCredentials) -> None:
        self.http = http
        self.merchant = merchant
        answer = http.post(
            "/api/v1/login", json={"username": merchant.username, "password": merchant.password}
        )
        assert answer.status_code == 200, answer.text
        self.token: str = answer.json()["response"]["token"]["access_token"]

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "accessCode": self.merchant.access_code,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def seal(self, payload: dict[str, Any], *, block: int = 32) -> str:
        payload = {"merchantCode": self.merchant.merchant_code, **payload}
        return encrypt(payload, self.merchant.secret_key, self.merchant.iv, block=block)

    def send(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: dict[str, str] | None = None,
    ) -> httpx.Response:
        data = self.seal(payload or {})
        if method == "GET":
            params = {**(query or {}), "data": data}
            return self.http.get(path, params=params, headers=self.headers())
        return self.http.request(
            method, path, params=query, content=json.dumps({"data": data}), headers=self.headers()
        )

    def opened(self, response: httpx.Response) -> Any:
        """The decrypted body of a sealed success answer."""
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["response"], body
        return decrypt(body["response"], self.merchant.secret_key, self.merchant.iv)

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.opened(self.send(method, path, payload, **kw))
