"""The envelope against ciphertexts built here with `cryptography` directly, independently of it."""

import json

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fawtara.envelope import Envelope, InvalidEnvelope

KEY = "PkW64zMe5NVdrlPVNnjo2Jy9nOb7v1Xg"
IV = "5NVdrlPVNnjo2Jy9"


def encrypt(plaintext: bytes, *, block_bits: int = 256, key: str = KEY) -> str:
    padder = padding.PKCS7(block_bits).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(IV.encode())).encryptor()
    return (encryptor.update(padded) + encryptor.finalize()).hex()


def decrypt(hex_text: str) -> bytes:
    decryptor = Cipher(algorithms.AES(KEY.encode()), modes.CBC(IV.encode())).decryptor()
    return decryptor.update(bytes.fromhex(hex_text)) + decryptor.finalize()


class TestOpen:
    @pytest.mark.parametrize("block_bits", [256, 128])  # 32-byte padding, and 16 as some kits
    def test_reads_what_a_client_kit_sends(self, block_bits: int) -> None:
        payload = {"merchantCode": "842217", "amount": "280.000", "name": "فاطمة"}
        sealed = encrypt(json.dumps(payload).encode(), block_bits=block_bits)
        assert Envelope(KEY, IV).open(sealed) == payload

    def test_uppercase_hex_is_read(self) -> None:
        sealed = encrypt(b'{"merchantCode":"842217"}').upper()
        assert Envelope(KEY, IV).open(sealed) == {"merchantCode": "842217"}

    @pytest.mark.parametrize(
        "payload",
        [
            "not hex at all",
            "abc",  # odd length
            "00" * 15,  # not whole AES blocks
            "",
            encrypt(b'{"merchantCode":"1"}', key="x" * 32),  # wrong key
            encrypt(b"not json"),
            encrypt(b'["a", "list"]'),
            encrypt(b"\xff\xfe invalid utf-8"),
            encrypt(b'{"merchantCode":"1"}')[:-32] + "00" * 16,  # last block replaced
        ],
    )
    def test_every_bad_payload_raises_the_same_error(self, payload: str) -> None:
        with pytest.raises(InvalidEnvelope) as caught:
            Envelope(KEY, IV).open(payload)
        assert str(caught.value) == ""

    @pytest.mark.parametrize("value", [None, 42, ["00"], {"data": "00"}])
    def test_non_strings_are_refused(self, value: object) -> None:
        with pytest.raises(InvalidEnvelope):
            Envelope(KEY, IV).open(value)

    @pytest.mark.parametrize(("n", "valid"), [(32, True), (33, False)])
    def test_padding_up_to_32_bytes(self, n: int, valid: bool) -> None:
        body = b'{"a":1}'
        body += b" " * (-(len(body) + n) % 16)  # whole AES blocks with exactly n pad bytes
        encryptor = Cipher(algorithms.AES(KEY.encode()), modes.CBC(IV.encode())).encryptor()
        sealed = (encryptor.update(body + bytes([n]) * n) + encryptor.finalize()).hex()
        if valid:
            assert Envelope(KEY, IV).open(sealed) == {"a": 1}
        else:
            with pytest.raises(InvalidEnvelope):
                Envelope(KEY, IV).open(sealed)


class TestSeal:
    def test_compact_json_padded_to_32_bytes_in_lowercase_hex(self) -> None:
        body = {"status": True, "message": "Invoice has been deleted", "response": None}
        sealed = Envelope(KEY, IV).seal(body)
        assert sealed == sealed.lower()
        plaintext = decrypt(sealed)
        assert len(plaintext) % 32 == 0
        unpadder = padding.PKCS7(256).unpadder()
        inner = unpadder.update(plaintext) + unpadder.finalize()
        assert inner == b'{"status":true,"message":"Invoice has been deleted","response":null}'

    def test_a_whole_block_of_padding_when_the_json_fills_the_last_block(self) -> None:
        sealed = Envelope(KEY, IV).seal({"k": "x" * 24})  # {"k":"xxx…"} is exactly 32 bytes
        plaintext = decrypt(sealed)
        assert len(plaintext) == 64
        assert plaintext[32:] == bytes([32]) * 32

    def test_round_trip(self) -> None:
        envelope = Envelope(KEY, IV)
        value = {"merchantCode": "842217", "items": [{"price": "1.500"}], "note": "ملاحظة"}
        assert envelope.open(envelope.seal(value)) == value


@pytest.mark.parametrize(("key", "iv"), [("short", IV), (KEY, "short"), (KEY + "x", IV)])
def test_key_and_iv_lengths_are_checked(key: str, iv: str) -> None:
    with pytest.raises(ValueError, match="32-character key"):
        Envelope(key, iv)
