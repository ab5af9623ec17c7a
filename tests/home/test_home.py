"""The server's own pages: the landing page at `/`, and the one 404 of paths outside the two
dialects and the invoice link."""

import re

import httpx
import pytest

from tests.dialects.hesabe.wire import NOT_FOUND
from tests.fixtures.server import Server


class TestLanding:
    def test_says_what_fawtara_is_and_links_the_docs_and_health(self, server: Server) -> None:
        page = httpx.get(f"{server.url}/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "Fawtara" in page.text
        assert "invoicing server" in page.text
        links = set(re.findall(r'href="([^"]+)"', page.text))
        assert {"/docs", "/redoc", "/openapi.json", "/healthz"} <= links
        for link in links - {"/"}:
            assert httpx.get(f"{server.url}{link}").status_code == 200, link

    def test_is_not_in_the_api_document(self, server: Server) -> None:
        assert "/" not in httpx.get(f"{server.url}/openapi.json").json()["paths"]


class TestUnmatched:
    @pytest.mark.parametrize(
        "path", ["/nowhere", "/favicon.ico", "/v2/invoices", "/docs/more", "/healthz/x", "/apiv1"]
    )
    def test_outside_the_dialects_is_one_html_404(self, server: Server, path: str) -> None:
        answer = httpx.get(f"{server.url}{path}")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.text == httpx.get(f"{server.url}/nowhere").text
        assert 'href="/"' in answer.text

    def test_the_dialects_keep_their_own_404(self, server: Server) -> None:
        fatora = httpx.get(f"{server.url}/v1/nowhere")
        assert fatora.status_code == 404
        assert fatora.json()["error"]["error_code"] == "404"
        hesabe = httpx.get(f"{server.url}/api/v1/nowhere")
        assert hesabe.status_code == 404
        assert hesabe.json() == NOT_FOUND
