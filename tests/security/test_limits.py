"""Oversized request bodies are refused with 413 in each dialect's error shape, whether they
announce their length or stream it, and the server carries on."""

from collections.abc import Iterator

import httpx

from tests.dialects.fatora.wire import assert_error
from tests.dialects.hesabe.wire import Hesabe

MIB = 1_048_576


def chunks(total: int, size: int = 65_536) -> Iterator[bytes]:
    """A JSON-looking body of `total` bytes, sent without a Content-Length (chunked)."""
    yield b'{"amount": 1, "description": "'
    sent = 31
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


class TestFatora:
    def test_a_body_over_the_limit_is_413(self, api: httpx.Client) -> None:
        body = {"amount": 1, "description": "x" * (MIB + 1)}
        response = api.post("/v1/invoices", json=body)
        assert_error(response, 413, "larger than the 1,048,576 bytes allowed")

    def test_a_streamed_body_is_counted_too(self, api: httpx.Client) -> None:
        response = api.post(
            "/v1/invoices", content=chunks(2 * MIB), headers={"content-type": "application/json"}
        )
        assert "content-length" not in response.request.headers
        assert_error(response, 413, "larger than")
        # The server carries on, and nothing was written.
        assert api.get("/v1/invoices").json()["total"] == 0

    def test_a_body_under_the_limit_is_read(self, api: httpx.Client) -> None:
        """Just under the limit, the body is read and validated like any other."""
        body = {"amount": 1, "description": "x", "note": "y" * (MIB - 100)}
        assert_error(api.post("/v1/invoices", json=body), 400, "note")


class TestHesabe:
    def test_a_body_over_the_limit_is_413_in_the_hesabe_shape(self, hesabe: Hesabe) -> None:
        response = hesabe.http.post(
            "/api/v1/invoice", content=b'{"data": "' + b"0" * (2 * MIB) + b'"}',
            headers=hesabe.headers(),
        )  # fmt: skip
        assert response.status_code == 413
        body = response.json()
        assert body["status"] is False
        assert body["code"] == 413
        assert body["response"] is None
        assert "larger than" in body["message"]

    def test_the_bulk_upload_takes_larger_files(self, hesabe: Hesabe) -> None:
        payload = {"isScheduled": "0", "fileType": "csv", "invoices": "A" * (2 * MIB)}
        response = hesabe.send("POST", "/api/v1/invoice-bulk-upload", payload)
        assert response.status_code == 506  # read whole, then refused as no CSV at all
