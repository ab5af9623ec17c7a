"""The API's documentation: one OpenAPI document for both dialects, each with its own security
schemes, and /docs working in Chromium with no network but this server."""

import shutil
from collections.abc import Iterator

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import fatora_client
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server


def document(server: Server) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{server.url}/openapi.json").json()  # type: ignore[no-any-return]


def operations(doc: dict, prefix: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        operation
        for path, methods in doc["paths"].items()
        if path.startswith(prefix)
        for operation in methods.values()
    ]


class TestSecuritySchemes:
    def test_each_dialect_names_its_own(self, server: Server) -> None:
        schemes = document(server)["components"]["securitySchemes"]
        assert schemes["FatoraApiKey"] == {
            **schemes["FatoraApiKey"],
            "in": "header",
            "name": "api_key",
        }
        assert schemes["FatoraBearer"]["scheme"] == "bearer"
        assert schemes["HesabeAccessCode"]["name"] == "accessCode"
        assert schemes["HesabeBearer"]["scheme"] == "bearer"

    def test_operations_ask_for_their_dialects_credentials(self, server: Server) -> None:
        doc = document(server)
        fatora = [op["security"] for op in operations(doc, "/v1/") if "security" in op]
        assert fatora
        assert all(s == [{"FatoraApiKey": []}, {"FatoraBearer": []}] for s in fatora)
        hesabe = [op["security"] for op in operations(doc, "/api/v1/") if "security" in op]
        assert hesabe
        assert all(s == [{"HesabeAccessCode": [], "HesabeBearer": []}] for s in hesabe)

    def test_a_call_made_as_the_document_says_is_authorised(self, server: Server) -> None:
        merchant = new_merchant(server.database_url)
        scheme = document(server)["components"]["securitySchemes"]["FatoraApiKey"]
        headers = {scheme["name"]: merchant.api_key}
        assert httpx.get(f"{server.url}/v1/invoices", headers=headers).status_code == 200
        with fatora_client(server, merchant) as api:
            token = api.get("/v1/Authorization/Authorize").json()["bearer_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.url}/v1/invoices", headers=bearer).status_code == 200


@pytest.fixture(scope="module")
def offline_browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("chromium and chromedriver are needed: scripts/test installs them")
    options = Options()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        # No name resolves but this machine's: a CDN cannot be reached.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--no-proxy-server",
    ):
        options.add_argument(argument)
    with webdriver.Chrome(options=options, service=Service(executable_path=driver)) as chrome:
        chrome.set_page_load_timeout(30)
        yield chrome


class TestDocsPage:
    def test_swagger_ui_shows_both_dialects_without_a_network(
        self, server: Server, offline_browser: WebDriver
    ) -> None:
        page = httpx.get(f"{server.url}/docs").text
        assert "cdn" not in page.lower()
        offline_browser.get(f"{server.url}/docs")
        WebDriverWait(offline_browser, 30).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        )
        paths = {
            e.get_attribute("data-path")
            for e in offline_browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        }
        assert {"/v1/invoices/{invoice_id}", "/api/v1/login", "/api/v1/invoice"} <= paths
        offline_browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
        dialog = WebDriverWait(offline_browser, 10).until(
            lambda b: b.find_element(By.CSS_SELECTOR, ".modal-ux-content")
        )
        for scheme in ("FatoraApiKey", "FatoraBearer", "HesabeBearer", "HesabeAccessCode"):
            assert scheme in dialog.text

    def test_redoc_loads_its_script_from_this_server(self, server: Server) -> None:
        page = httpx.get(f"{server.url}/redoc").text
        assert "/docs-assets/redoc.standalone.js" in page
        script = httpx.get(f"{server.url}/docs-assets/redoc.standalone.js")
        assert script.status_code == 200
