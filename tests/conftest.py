"""Shared fixtures: one real server per database backend, a fresh merchant per test.

The server process is shared by the tests of a run (starting one costs about a second), but no
test shares data with another: each gets its own merchant, and everything in Fawtara is scoped
to its merchant. Exact counts asserted per merchant would catch any leak between tenants.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import BACKENDS, fresh_database
from tests.fixtures.factories import MerchantCredentials, new_merchant
from tests.fixtures.server import Server, running


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    with fresh_database(request.param, folder) as url, running(url, folder / "server.log") as s:
        yield s


@pytest.fixture
def backend(server: Server) -> str:
    return "sqlite" if server.database_url.startswith("sqlite") else "postgres"


@pytest.fixture
def merchant(server: Server) -> MerchantCredentials:
    return new_merchant(server.database_url)


@pytest.fixture
def other_merchant(server: Server) -> MerchantCredentials:
    return new_merchant(server.database_url, name="Other Merchant")


@contextmanager
def fatora_client(server: Server, merchant: MerchantCredentials) -> Iterator[httpx.Client]:
    """An HTTP client for the merchant, authenticated with its api_key header."""
    with httpx.Client(base_url=server.url, headers={"api_key": merchant.api_key}) as client:
        yield client


@pytest.fixture
def api(server: Server, merchant: MerchantCredentials) -> Iterator[httpx.Client]:
    with fatora_client(server, merchant) as client:
        yield client


@pytest.fixture
def other_api(server: Server, other_merchant: MerchantCredentials) -> Iterator[httpx.Client]:
    """A second merchant: the other tenant in isolation tests."""
    with fatora_client(server, other_merchant) as client:
        yield client


@pytest.fixture
def anonymous(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as client:
        yield client


@pytest.fixture
def hesabe_merchant(server: Server) -> MerchantCredentials:
    """A merchant with a Hesabe-style user (its Argon2 hash makes it slower to create)."""
    return new_merchant(server.database_url, currency="KWD", with_user=True)


@pytest.fixture
def hesabe(server: Server, hesabe_merchant: MerchantCredentials) -> Iterator[Hesabe]:
    """A logged-in Hesabe-style integration of a KWD merchant."""
    with httpx.Client(base_url=server.url) as http:
        yield Hesabe(http, hesabe_merchant)


@pytest.fixture
def other_hesabe(server: Server) -> Iterator[Hesabe]:
    merchant = new_merchant(server.database_url, name="Other Merchant", with_user=True)
    with httpx.Client(base_url=server.url) as http:
        yield Hesabe(http, merchant)
