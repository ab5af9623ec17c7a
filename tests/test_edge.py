"""How paths meet routes, the same on every route of both dialects: the methods a path takes,
and a trailing slash that changes nothing."""

import httpx
import pytest

from tests.dialects.fatora.wire import create_quick
from tests.dialects.hesabe.test_invoices import create, invoice_payload
from tests.dialects.hesabe.wire import NOT_FOUND, Hesabe
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


class TestTrailingSlash:
    def test_fatora_routes_answer_the_same_with_a_slash(self, api: httpx.Client) -> None:
        created = api.post("/v1/invoices/", json={"amount": 5, "description": "Slash"})
        assert created.status_code == 201, created.text
        invoice_id = created.json()["invoice"]["id"]
        same = [
            ("GET", f"/v1/invoices/{invoice_id}"),
            ("GET", "/v1/invoices"),
            ("GET", "/v1/invoices/999999"),  # a 404 is the same 404
            ("GET", "/v1/clients"),
            ("GET", "/v1/Authorization/Authorize"),
            ("PATCH", "/v1/invoices/1"),  # and a 405 the same 405
        ]
        for method, path in same:
            bare, slashed = api.request(method, path), api.request(method, f"{path}/")
            assert slashed.status_code == bare.status_code, (path, slashed.text)
            assert slashed.headers.get("allow") == bare.headers.get("allow")
            if path != "/v1/Authorization/Authorize":  # a new token each time
                assert slashed.json() == bare.json(), path
        paid = api.post(f"/v1/invoices/{invoice_id}/payments/", json={"amount": 1})
        assert paid.status_code == 201, paid.text
        assert api.delete(f"/v1/invoices/{create_quick(api)['id']}/").status_code == 204

    def test_hesabe_routes_answer_the_same_with_a_slash(self, hesabe: Hesabe) -> None:
        created = hesabe.call("POST", "/api/v1/invoice/", invoice_payload())
        token, invoice_id = created["response"]["token"], created["response"]["id"]
        assert hesabe.call("GET", f"/api/v1/invoice/{invoice_id}/")["response"]["id"] == invoice_id
        dashboard = hesabe.call("GET", "/api/v1/invoice-dashboard/")
        assert dashboard == hesabe.call("GET", "/api/v1/invoice-dashboard")
        bulk = [hesabe.call("GET", f"/api/v1/invoice-bulk-upload{end}") for end in ("", "/")]
        assert bulk[0] == bulk[1]
        cancelled = hesabe.call("PUT", f"/api/v1/invoice/{token}/", {"statusId": "3"})
        assert cancelled["message"] == "Invoice status update successful"
        gone = hesabe.send("DELETE", f"/api/v1/invoice-bulk-upload/{create(hesabe)['id']}/")
        assert hesabe.opened(gone)["message"] == "Invoice has been deleted"
        login = {"username": hesabe.merchant.username, "password": hesabe.merchant.password}
        assert hesabe.http.post("/api/v1/login/", json=login).status_code == 200

    def test_no_answer_is_a_redirect(self, server: Server, hesabe: Hesabe) -> None:
        token = create(hesabe)["token"]
        paths = ["/healthz/", "/docs/", "/openapi.json/", f"/i/{token}/", "/api/v1/invoice/"]
        for path in paths:
            for method in ("GET", "POST"):
                answer = httpx.request(method, f"{server.url}{path}")
                assert not answer.is_redirect, (method, path)
                assert answer.status_code in (200, 401, 405), (method, path, answer.status_code)
        assert (
            httpx.get(f"{server.url}/i/{token}/").text == httpx.get(f"{server.url}/i/{token}").text
        )


class TestRoutesFawtaraLacks:
    # Hesabe's own routes that Fawtara does not offer: no route, not a method refused.
    LACKING = [
        "/api/v1/invoice/resend",
        "/api/v1/invoice/bulk",
        "/api/v1/invoice/split",
        "/api/v1/invoice/emi",
        "/api/v1/invoice/split/",
        "/api/v1/refund",
        "/api/v1/refund/7",
        "/api/v1/open-invoice/7",
    ]

    @pytest.mark.parametrize("path", LACKING)
    def test_are_the_hesabe_404_for_every_method(self, hesabe: Hesabe, path: str) -> None:
        for method in ("POST", "GET", "PUT", "DELETE"):
            for answer in (hesabe.send(method, path), hesabe.http.request(method, path)):
                assert answer.status_code == 404, (method, path, answer.text)
                assert answer.json() == NOT_FOUND
                assert "allow" not in answer.headers

    def test_a_method_a_real_route_refuses_is_still_405(self, hesabe: Hesabe) -> None:
        created = create(hesabe)
        by_id = hesabe.send("POST", f"/api/v1/invoice/{created['id']}")
        assert by_id.status_code == 405
        assert allowed(by_id) == {"GET"}
        by_token = hesabe.send("DELETE", f"/api/v1/invoice/{created['token']}")
        assert by_token.status_code == 405
        assert allowed(by_token) == {"PUT"}
        assert hesabe.send("POST", "/api/v1/invoice-bulk-upload/7").status_code == 405

    def test_an_id_of_any_length_is_no_server_error(
        self, hesabe: Hesabe, api: httpx.Client
    ) -> None:
        digits = "9" * 5000  # more than Python converts to an int
        for method, path in (
            ("GET", "/api/v1/invoice/"),
            ("DELETE", "/api/v1/invoice-bulk-upload/"),
        ):
            answer = hesabe.send(method, path + digits)
            assert answer.status_code == 404, answer.text
            assert answer.json() == NOT_FOUND
        for method in ("GET", "PUT", "DELETE"):
            assert api.request(method, f"/v1/invoices/{digits}").status_code in (400, 404)
