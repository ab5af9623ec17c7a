"""SDK clients of the shared test servers, one per dialect, for a fresh merchant."""

from collections.abc import Iterator

import pytest

from fawtara.client import FatoraClient, HesabeClient
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server


@pytest.fixture
def fatora(server: Server, merchant: MerchantCredentials) -> Iterator[FatoraClient]:
    with FatoraClient(server.url, api_key=merchant.api_key) as client:
        yield client


@pytest.fixture
def hesabe_client(server: Server, hesabe_merchant: MerchantCredentials) -> Iterator[HesabeClient]:
    with HesabeClient(server.url, **hesabe_merchant.hesabe_login()) as client:
        yield client
