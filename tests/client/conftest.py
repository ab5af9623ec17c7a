"""SDK clients of the shared test servers, one per dialect, for a fresh merchant."""

from collections.abc import Iterator

import pytest

from fawtara.client import FatoraClient, HesabeClient
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server


def hesabe_login(merchant: MerchantCredentials) -> dict[str, str]:
    """A merchant's Hesabe-style credentials, as HesabeClient takes them."""
    assert merchant.username is not None, "made with_user=True"
    return {
        "username": merchant.username,
        "password": merchant.password,
        "access_code": merchant.access_code,
        "merchant_code": merchant.merchant_code,
        "secret_key": merchant.secret_key,
        "iv": merchant.iv,
    }


@pytest.fixture
def fatora(server: Server, merchant: MerchantCredentials) -> Iterator[FatoraClient]:
    with FatoraClient(server.url, api_key=merchant.api_key) as client:
        yield client


@pytest.fixture
def hesabe_client(server: Server, hesabe_merchant: MerchantCredentials) -> Iterator[HesabeClient]:
    with HesabeClient(server.url, **hesabe_login(hesabe_merchant)) as client:
        yield client
