"""No padding oracle in the Hesabe-style envelope (AES-256-CBC): a caller must not be able to
tell a ciphertext whose padding is wrong from one that decrypts to something that is not JSON,
neither by the answer nor by its timing.
"""

import json
import statistics
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.dialects.hesabe.wire import INVALID_REQUEST, Hesabe, encrypt

PAIRS = 400  # interleaved requests of each kind


def sealed_raw(plain: bytes, hesabe: Hesabe) -> str:
    """`plain` encrypted as is, padding included (or not): hex."""
    m = hesabe.merchant
    encryptor = Cipher(algorithms.AES(m.secret_key.encode()), modes.CBC(m.iv.encode())).encryptor()
    return (encryptor.update(plain) + encryptor.finalize()).hex()


def bad_padding(hesabe: Hesabe) -> str:
    return sealed_raw(b"A" * 63 + b"\x00", hesabe)  # a last byte of 0 is never valid padding


def bad_json(hesabe: Hesabe) -> str:
    m = hesabe.merchant
    # Valid padding, same length (two 32-byte blocks): decrypts to text that is not JSON.
    return encrypt("not json, padded well" * 2, m.secret_key, m.iv)[:128]


def post(hesabe: Hesabe, data: str) -> tuple[float, int, bytes, dict[str, str]]:
    start = time.perf_counter()
    answer = hesabe.http.post(
        "/api/v1/invoice", content=json.dumps({"data": data}), headers=hesabe.headers()
    )
    elapsed = time.perf_counter() - start
    headers = {k: v for k, v in answer.headers.items() if k != "date"}
    return elapsed, answer.status_code, answer.content, headers


def test_bad_padding_and_bad_json_get_byte_identical_answers(hesabe: Hesabe) -> None:
    padding, not_json = bad_padding(hesabe), bad_json(hesabe)
    assert len(padding) == len(not_json)
    _, status_a, body_a, headers_a = post(hesabe, padding)
    _, status_b, body_b, headers_b = post(hesabe, not_json)
    # Each answer has its own request id (random, whatever the request): the rest is identical.
    assert headers_a.pop("x-request-id") != headers_b.pop("x-request-id")
    assert (status_a, body_a, headers_a) == (status_b, body_b, headers_b)
    assert json.loads(body_a) == INVALID_REQUEST


def test_their_timings_are_indistinguishable(hesabe: Hesabe) -> None:
    """400 of each, interleaved (order alternating) so drift on a shared machine hits both
    alike; the medians must differ by less than 5% (or 0.1 ms). A branch that did any real
    work for one kind (a lookup, a log line, an exception with a traceback) would show."""
    kinds = {"padding": bad_padding(hesabe), "json": bad_json(hesabe)}
    for data in kinds.values():  # warm up both paths
        for _ in range(20):
            post(hesabe, data)
    times: dict[str, list[float]] = {"padding": [], "json": []}
    for n in range(PAIRS):
        order = ["padding", "json"] if n % 2 == 0 else ["json", "padding"]
        for kind in order:
            elapsed, status, _, _ = post(hesabe, kinds[kind])
            assert status == 506
            times[kind].append(elapsed)
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    difference = abs(medians["padding"] - medians["json"])
    allowed = max(0.05 * min(medians.values()), 0.0001)
    assert difference < allowed, f"medians {medians}, difference {difference * 1e6:.0f} µs"
