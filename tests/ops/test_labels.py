"""What a request leaves behind in the access log and the metrics: the route's full template
(the dialect's prefix included) and never an invoice's link token, whatever the route."""

import json
import secrets
from typing import Any

import httpx

from tests.dialects.hesabe.test_invoices import create
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.server import Server
from tests.ops.test_ops import metric


def logged(server: Server, answer: httpx.Response) -> str:
    """The access line of one answer, as the log holds it."""
    rid = answer.headers["x-request-id"]
    lines = [line for line in server.log().splitlines() if rid in line]
    assert len(lines) == 1, lines
    return lines[0]


def access_line(server: Server, answer: httpx.Response) -> dict[str, Any]:
    """The same line, read (only it: the server may be writing another one as we read)."""
    entry: dict[str, Any] = json.loads(logged(server, answer))
    return entry


class TestLinkTokens:
    def test_no_route_logs_or_labels_a_link_token(self, server: Server, hesabe: Hesabe) -> None:
        token = create(hesabe)["token"]
        answers = [
            hesabe.send("PUT", f"/api/v1/invoice/{token}", {"statusId": "3"}),
            hesabe.send("GET", f"/api/v1/invoice/{token}"),  # a token where an id goes
            hesabe.send("DELETE", f"/api/v1/invoice-bulk-upload/{token}"),
            hesabe.http.get(f"/v1/invoices/{token}"),
            hesabe.http.get(f"/i/{token}"),
            hesabe.http.get(f"/i/{token}.pdf/extra"),
            hesabe.http.get(f"/nowhere/x.{token}!"),  # no route, the token inside a segment
        ]
        assert answers[0].status_code == 200, answers[0].text
        for answer in answers:
            assert token not in logged(server, answer)
            if answer.is_error:
                assert token not in answer.text
        metrics = httpx.get(f"{server.url}/metrics").text
        assert token not in metrics

    def test_the_words_of_routes_are_kept(self, server: Server, hesabe: Hesabe) -> None:
        answer = hesabe.send("GET", "/api/v1/invoice-bulk-upload", query={"type": "0"})
        unknown = hesabe.http.get(f"/api/v1/{secrets.token_urlsafe(24)}/x")
        assert access_line(server, answer)["path"] == "/api/v1/invoice-bulk-upload"
        assert access_line(server, unknown)["path"] == "/api/v1/…/x"


class TestRouteLabels:
    def test_labels_are_the_full_templates_of_both_dialects(
        self, server: Server, hesabe: Hesabe
    ) -> None:
        token = create(hesabe)["token"]
        cancel = hesabe.send("PUT", f"/api/v1/invoice/{token}", {"statusId": "3"})
        read = hesabe.send("GET", "/api/v1/invoice/999999")
        assert access_line(server, cancel)["route"] == "/api/v1/invoice/{token}"
        assert access_line(server, read)["route"] == "/api/v1/invoice/{invoice_id}"
        metrics = httpx.get(f"{server.url}/metrics").text
        put = {"method": "PUT", "route": "/api/v1/invoice/{token}", "status": "200"}
        assert metric(metrics, "fawtara_http_requests_total", **put) >= 1
        get = {"method": "GET", "route": "/api/v1/invoice/{invoice_id}", "status": "404"}
        assert metric(metrics, "fawtara_http_requests_total", **get) >= 1
        assert 'route="/invoice/' not in metrics
