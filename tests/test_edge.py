"""How paths meet routes, the same on every route of both dialects: the methods a path takes."""

import httpx
import pytest

from tests.fixtures.server import Server


def allowed(answer: httpx.Response) -> set[str]:
    return {method.strip() for method in answer.headers["allow"].split(",")}


class TestAllow:
    @pytest.mark.parametrize(
        ("method", "path", "methods"),
        [
            ("PATCH", "/v1/invoices/1", {"GET", "PUT", "DELETE"}),
            ("POST", "/v1/clients/1", {"GET", "PUT", "DELETE"}),
            ("DELETE", "/v1/invoices", {"GET", "POST"}),
            ("PUT", "/v1/Authorization/Authorize", {"GET", "POST"}),
            ("GET", "/v1/invoices/1/payments", {"POST"}),
            ("PATCH", "/api/v1/invoice-bulk-upload/5", {"PUT", "DELETE"}),
            ("DELETE", "/api/v1/invoice-bulk-upload", {"GET", "POST"}),
            ("GET", "/api/v1/login", {"POST"}),
            ("POST", "/healthz", {"GET"}),
        ],
    )
    def test_a_405_lists_every_method_the_path_takes(
        self, server: Server, method: str, path: str, methods: set[str]
    ) -> None:
        answer = httpx.request(method, f"{server.url}{path}")
        assert answer.status_code == 405
        assert allowed(answer) == methods
        if path.startswith("/api/v1/"):
            assert answer.json() == {
                "status": False,
                "code": 405,
                "message": "Method Not Allowed",
                "response": None,
            }
        elif path.startswith("/v1/"):
            assert answer.json()["error"]["error_code"] == "405"
