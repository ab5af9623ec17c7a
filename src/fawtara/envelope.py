"""The Hesabe envelope: AES-256-CBC over compact JSON, carried as lowercase hex.

The server's Hesabe-style dialect opens requests and seals answers with it; the SDK
(`fawtara.client`) does the reverse, with its own JSON, so this module needs only cryptography.

The key is the merchant's 32-character secret key and the IV its 16-character IV, both as raw
ASCII bytes. Plaintexts are padded to a multiple of 32 bytes with N bytes of value N (1..32);
on input any padding length 1..32 is accepted, since some client kits pad to 16.

Every way a payload can be wrong raises the same `InvalidEnvelope`, carrying nothing about the
cause, and `open` does the same work whatever the cause (it always unpads and always parses), so
the envelope is no padding oracle. CBC without a MAC is what the wire protocol is; it cannot be
changed here without breaking every client.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

Dumps = Callable[[Any], bytes]  # compact JSON of a value
Loads = Callable[[bytes], Any]  # the value of a JSON text, ValueError for anything else

PAD_BLOCK = 32  # the envelope's padding block (AES's own block is 16)
_AES_BLOCK = 16


class InvalidEnvelope(Exception):
    """The payload did not decrypt to a JSON object. Deliberately says nothing more."""


def _unpad(data: bytes) -> tuple[bytes, bool]:
    """Strip N bytes of value N (1..32); the flag says whether the padding was valid.

    Branch-free over the padding bytes, so bad padding costs the same as good padding."""
    if not data:
        return data, False
    n = data[-1]
    in_range = 1 <= n <= min(PAD_BLOCK, len(data))
    tail = data[-PAD_BLOCK:]
    mismatch = 0
    for i, byte in enumerate(reversed(tail), start=1):
        mismatch |= (byte ^ n) * (i <= n)
    return data[: len(data) - n] if in_range else data, in_range and mismatch == 0


def _pad(data: bytes) -> bytes:
    n = PAD_BLOCK - len(data) % PAD_BLOCK
    return data + bytes([n]) * n


@cache
def _server_json() -> tuple[Dumps, Loads]:
    # The server's JSON (orjson out; `fawtara.json_text` in), imported only by the server's use.
    import orjson

    from fawtara.json_text import loads

    return orjson.dumps, loads


class Envelope:
    """One merchant's envelope, over the server's JSON unless given another (`dumps`, `loads`)."""

    def __init__(
        self, secret_key: str, iv: str, *, dumps: Dumps | None = None, loads: Loads | None = None
    ) -> None:
        key, vector = secret_key.encode("ascii"), iv.encode("ascii")
        if len(key) != 32 or len(vector) != 16:
            raise ValueError("the envelope needs a 32-character key and a 16-character IV")
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(vector))
        if dumps is None or loads is None:
            server_dumps, server_loads = _server_json()
            dumps, loads = dumps or server_dumps, loads or server_loads
        self._dumps, self._loads = dumps, loads

    def seal(self, value: Any) -> str:
        """Compact JSON of `value`, padded, encrypted, as lowercase hex."""
        encryptor = self._cipher.encryptor()
        plaintext = _pad(self._dumps(value))
        return (encryptor.update(plaintext) + encryptor.finalize()).hex()

    def open(self, text: object) -> dict[str, Any]:
        """The JSON object inside a hex payload, or InvalidEnvelope for anything else."""
        ciphertext = b""
        well_formed = isinstance(text, str)
        if well_formed:
            try:
                ciphertext = bytes.fromhex(text)  # type: ignore[arg-type]
            except ValueError:
                well_formed = False
        if not ciphertext or len(ciphertext) % _AES_BLOCK:
            well_formed = False
            ciphertext = bytes(_AES_BLOCK)  # decrypt something anyway: same work every time
        decryptor = self._cipher.decryptor()
        plaintext, padded = _unpad(decryptor.update(ciphertext) + decryptor.finalize())
        try:
            # Exact decimals (a payload amount never passes through a float), bounded nesting.
            value = self._loads(plaintext)
        except ValueError:  # also covers bytes that are not UTF-8
            value = None
        if not (well_formed and padded and isinstance(value, dict)):
            raise InvalidEnvelope()
        return value
