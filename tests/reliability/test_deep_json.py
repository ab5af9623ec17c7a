"""Deeply nested JSON, wherever JSON is read: both dialects' bodies, the sealed payload (in a
body and in `?data=`), and the SDK reading an answer.

A few kilobytes of `[` nest thousands deep; a recursive parser meets its recursion limit on them
(a server error). Every reader bounds the depth instead: the server answers the dialect's own
error (a sealed payload the very bytes of every other bad payload), the SDK raises its own error.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from fawtara.client import FatoraClient, FawtaraError, HesabeClient
from tests.dialects.hesabe.wire import INVALID_REQUEST, Hesabe
from tests.fixtures.server import free_port
from tests.reliability.test_malformed import seal_text

DEPTH = 2_000
PLAIN = b"[" * 50_000


def nested(depth: int = DEPTH) -> str:
    """A JSON value `depth` arrays deep, as JSON text (json.dumps would recurse too)."""
    return "[" * depth + "]" * depth


def sealed_deep(hesabe: Hesabe) -> str:
    """A payload that decrypts to a well-formed JSON object nested DEPTH deep (~4 KB)."""
    plain = f'{{"merchantCode":"{hesabe.merchant.merchant_code}","x":{nested()}}}'
    return seal_text(plain, hesabe.merchant)


def bad_padding_answer(hesabe: Hesabe, method: str) -> httpx.Response:
    """The answer to a payload that does not decrypt: the one every bad payload must get."""
    data = "00" * 32
    if method == "GET":
        return hesabe.http.get(
            "/api/v1/invoice-dashboard", params={"data": data}, headers=hesabe.headers()
        )
    return hesabe.http.post(
        "/api/v1/invoice", content=json.dumps({"data": data}), headers=hesabe.headers()
    )


class TestFatora:
    @pytest.mark.parametrize(
        "body",
        [PLAIN, ('{"title": ' + nested() + "}").encode(), ('{"items": ' + nested() + "}").encode()],
        ids=["50,000 [", "a field nested 2,000 deep", "items nested 2,000 deep"],
    )
    @pytest.mark.parametrize(
        ("method", "path"), [("POST", "/v1/invoices"), ("POST", "/v1/clients")]
    )
    def test_a_deep_body_is_a_400(
        self, api: httpx.Client, method: str, path: str, body: bytes
    ) -> None:
        headers = {"Content-Type": "application/json"}
        response = api.request(method, path, content=body, headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["status"] == "ERROR"

    def test_a_deep_body_on_an_update_is_a_400(self, api: httpx.Client) -> None:
        invoice = api.post("/v1/invoices", json={"amount": 1, "description": "x"}).json()
        path = f"/v1/invoices/{invoice['invoice']['id']}"
        response = api.put(path, content=PLAIN, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, response.text


class TestHesabe:
    def test_a_deep_sealed_body_is_the_506_of_every_bad_payload(self, hesabe: Hesabe) -> None:
        data = sealed_deep(hesabe)
        assert len(data) // 2 < 4_200  # about 4 KB
        response = hesabe.http.post(
            "/api/v1/invoice", content=json.dumps({"data": data}), headers=hesabe.headers()
        )
        expected = bad_padding_answer(hesabe, "POST")
        assert (response.status_code, response.content) == (506, expected.content)
        assert response.json() == INVALID_REQUEST

    def test_a_deep_sealed_query_is_the_506_of_every_bad_payload(self, hesabe: Hesabe) -> None:
        response = hesabe.http.get(
            "/api/v1/invoice-dashboard",
            params={"data": sealed_deep(hesabe)},
            headers=hesabe.headers(),
        )
        expected = bad_padding_answer(hesabe, "GET")
        assert (response.status_code, response.content) == (506, expected.content)

    @pytest.mark.parametrize("path", ["/api/v1/invoice", "/api/v1/invoice-bulk-upload"])
    def test_a_deep_plain_body_around_the_payload_is_the_506(
        self, hesabe: Hesabe, path: str
    ) -> None:
        response = hesabe.http.post(path, content=PLAIN, headers=hesabe.headers())
        expected = bad_padding_answer(hesabe, "POST")
        assert (response.status_code, response.content) == (506, expected.content)

    @pytest.mark.parametrize("path", ["/api/v1/login", "/api/v1/token-refresh"])
    def test_a_deep_login_body_is_a_506(self, anonymous: httpx.Client, path: str) -> None:
        response = anonymous.post(path, content=PLAIN, headers={"Content-Type": "application/json"})
        assert response.status_code == 506, response.text
        assert response.json()["message"] == INVALID_REQUEST["message"]


# --- the SDK reading what a server answers ----------------------------------------------


@pytest.fixture
def deep_server() -> Iterator[str]:
    """A server (not Fawtara) that answers every request with JSON nested 50,000 deep."""
    port = free_port()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            content = b"[" * 50_000
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


class TestSdk:
    def test_the_fatora_client_raises_its_own_error(self, deep_server: str) -> None:
        with FatoraClient(deep_server, "KEY", bearer=False) as fatora, pytest.raises(FawtaraError):
            fatora.invoices.get(1)

    def test_the_hesabe_client_raises_its_own_error(self, deep_server: str) -> None:
        keys = {
            "access_code": "a" * 32,
            "merchant_code": "1",
            "secret_key": "k" * 32,
            "iv": "i" * 16,
        }
        with (
            HesabeClient(deep_server, "user", "password", **keys) as hesabe,
            pytest.raises(FawtaraError),
        ):
            hesabe.invoices.get(1)
