"""Each part of the URL space answers every kind of error in its own shape, and only on its own
paths: the Fatora dialect under /v1, the Hesabe dialect under /api/v1, the invoice link under
/i, and the home page (the fallback) everywhere else. A path that only starts like a prefix
(/v1x) is not that part's."""

from typing import Any

import httpx
import pytest

from tests.dialects.hesabe.wire import INVALID_REQUEST, NOT_FOUND, Hesabe
from tests.fixtures.server import Server
from tests.hosted.test_page import assert_not_found

UNKNOWN_LINK = "/i/" + "A" * 22


def fatora_error(status: int, description: str) -> dict[str, Any]:
    return {"status": "ERROR", "error": {"error_code": str(status), "description": description}}


def assert_home_404(answer: httpx.Response, server: Server) -> None:
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.text == httpx.get(f"{server.url}/nowhere").text
    assert 'href="/"' in answer.text


class TestFatora:
    def test_a_domain_error(self, api: httpx.Client) -> None:
        answer = api.get("/v1/clients/999999")
        assert answer.status_code == 404
        assert answer.json() == fatora_error(404, "Client not found")

    def test_a_validation_error(self, api: httpx.Client) -> None:
        answer = api.post("/v1/invoices", json={"description": "no amount"})
        assert answer.status_code == 400
        assert answer.json()["status"] == "ERROR"
        assert answer.json()["error"]["error_code"] == "400"
        assert "amount" in answer.json()["error"]["description"]

    @pytest.mark.parametrize("path", ["/v1/nowhere", "/v1", "/v1/"])
    def test_an_unmatched_path(self, anonymous: httpx.Client, path: str) -> None:
        answer = anonymous.get(path)
        assert answer.status_code == 404
        assert answer.json() == fatora_error(404, "Not Found")

    def test_a_refused_method(self, anonymous: httpx.Client) -> None:
        answer = anonymous.patch("/v1/invoices")
        assert answer.status_code == 405
        assert answer.json() == fatora_error(405, "Method Not Allowed")
        assert answer.headers["allow"] == "GET, POST"


class TestHesabe:
    def test_a_domain_error(self, anonymous: httpx.Client) -> None:
        answer = anonymous.post("/api/v1/token-refresh", json={"refreshToken": "not-a-token"})
        assert answer.status_code == 401
        assert answer.json() == {
            "status": False,
            "code": 401,
            "message": "Invalid or expired refresh token",
            "response": None,
        }

    def test_a_validation_error(self, anonymous: httpx.Client) -> None:
        answer = anonymous.post("/api/v1/login", json={"username": "someone"})
        assert answer.status_code == 506
        assert answer.json()["message"] == "Invalid Request Data"
        assert answer.json()["data"] == {"password": ["Field required"]}

    def test_its_own_invalid_request_data(self, hesabe: Hesabe) -> None:
        answer = hesabe.http.get(
            "/api/v1/invoice-dashboard", params={"data": "00" * 32}, headers=hesabe.headers()
        )
        assert answer.status_code == 506
        assert answer.json() == INVALID_REQUEST

    @pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/v1", "/api/v1/"])
    def test_an_unmatched_path(self, anonymous: httpx.Client, path: str) -> None:
        answer = anonymous.get(path)
        assert answer.status_code == 404
        assert answer.json() == NOT_FOUND

    def test_a_refused_method(self, anonymous: httpx.Client) -> None:
        answer = anonymous.get("/api/v1/login")
        assert answer.status_code == 405
        assert answer.json() == {
            "status": False,
            "code": 405,
            "message": "Method Not Allowed",
            "response": None,
        }
        assert answer.headers["allow"] == "POST"


class TestInvoiceLink:
    @pytest.mark.parametrize(
        "path", [UNKNOWN_LINK, UNKNOWN_LINK + ".pdf", "/i/not-a-token", "/i", "/i/", "/i/a/b"]
    )
    def test_a_link_to_no_invoice_is_the_link_404_page(
        self, anonymous: httpx.Client, path: str
    ) -> None:
        assert_not_found(anonymous.get(path))

    def test_a_refused_method_is_plain(self, anonymous: httpx.Client) -> None:
        answer = anonymous.post(UNKNOWN_LINK)
        assert answer.status_code == 405
        assert answer.json() == {"detail": "Method Not Allowed"}
        assert answer.headers["allow"] == "GET"


class TestHome:
    @pytest.mark.parametrize("path", ["/nowhere", "/v1x", "/api/v1x", "/ix", "/api"])
    def test_every_other_path_is_the_home_404_page(self, server: Server, path: str) -> None:
        assert_home_404(httpx.get(f"{server.url}{path}"), server)

    def test_a_refused_method_is_plain(self, server: Server) -> None:
        answer = httpx.post(f"{server.url}/")
        assert answer.status_code == 405
        assert answer.json() == {"detail": "Method Not Allowed"}
        assert answer.headers["allow"] == "GET"
