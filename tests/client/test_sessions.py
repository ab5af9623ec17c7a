"""Sessions on a server with short-lived tokens and a quick sign-in throttle: the clients renew
tokens by themselves, and wait out a 429's Retry-After."""

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from fawtara.client import (
    AuthenticationError,
    FatoraClient,
    HesabeClient,
    RateLimitError,
    Retry,
)
from tests.fixtures.databases import BACKENDS, fresh_database, sql
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server, running

SHORT_LIVED = {
    "FAWTARA_FATORA_TOKEN_TTL_SECONDS": "2",
    "FAWTARA_HESABE_TOKEN_TTL_SECONDS": "3",
    "FAWTARA_THROTTLE_ACCOUNT_FAILURES": "2",
    "FAWTARA_THROTTLE_WINDOW_SECONDS": "2",
}


@pytest.fixture(scope="module", params=BACKENDS)
def short_lived(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(f"short-lived-{request.param}")
    with (
        fresh_database(request.param, folder) as url,
        running(url, folder / "server.log", env=SHORT_LIVED) as server,
    ):
        yield server


def requests_to(server: Server, path: str) -> list[int]:
    """The statuses of the requests to `path` so far, from the server's access log."""
    return [
        entry["status"]
        for entry in server.access_log()
        if entry["method"] == "POST" and entry["path"] == path
    ]


class TestTokenRenewal:
    def test_expired_tokens_are_renewed_before_use(self, short_lived: Server) -> None:
        merchant = new_merchant(short_lived.database_url, currency="KWD", with_user=True)
        with (
            FatoraClient(short_lived.url, merchant.api_key) as fatora,
            HesabeClient(short_lived.url, **merchant.hesabe_login()) as hesabe,
        ):
            invoice = fatora.invoices.create(amount=Decimal(5), description="x")
            hesabe.invoices.get(invoice.id)
            authorized = requests_to(short_lived, "/v1/Authorization/Authorize")
            logins = requests_to(short_lived, "/api/v1/login")
            seen = len(short_lived.access_log())
            time.sleep(2.2)  # past the Fatora token's 2 s, within a second of Hesabe's 3 s
            assert fatora.invoices.get(invoice.id) == invoice
            assert hesabe.invoices.get(invoice.id).id == invoice.id
        # One new bearer token; the Hesabe session refreshed, not logged in again.
        assert requests_to(short_lived, "/v1/Authorization/Authorize") == [*authorized, 200]
        assert requests_to(short_lived, "/api/v1/login") == logins
        assert requests_to(short_lived, "/api/v1/token-refresh")[-1:] == [200]
        # renewed before use, never refused
        assert 401 not in [entry["status"] for entry in short_lived.access_log()[seen:]]

    def test_a_refused_token_is_renewed_once_then_the_error_raised(
        self, short_lived: Server
    ) -> None:
        merchant = new_merchant(short_lived.database_url)
        with FatoraClient(short_lived.url, merchant.api_key) as fatora:
            fatora.invoices.list()
            authorized = requests_to(short_lived, "/v1/Authorization/Authorize")
            sql(
                short_lived.database_url,
                "UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id",
                {"id": merchant.key_id},
            )
            time.sleep(1.1)  # the test servers cache API keys for a second
            with pytest.raises(AuthenticationError) as caught:
                fatora.invoices.list()
        # The token was refused (401); a new one was asked for, and the revoked key refused.
        assert caught.value.status_code == 403
        assert caught.value.message == "Inactive API Key"
        assert requests_to(short_lived, "/v1/Authorization/Authorize") == [*authorized, 403]


class TestThrottle:
    def test_a_throttled_login_is_retried_after_retry_after(self, short_lived: Server) -> None:
        merchant = new_merchant(short_lived.database_url, with_user=True)
        login = merchant.hesabe_login()
        for _ in range(2):
            with (
                HesabeClient(short_lived.url, **{**login, "password": "wrong"}) as wrong,
                pytest.raises(AuthenticationError),
            ):
                wrong.invoices.dashboard()
        # The account is locked for the rest of the 2 s window, even with the right password.
        with (
            HesabeClient(short_lived.url, **login, retry=Retry(attempts=1)) as impatient,
            pytest.raises(RateLimitError) as caught,
        ):
            impatient.invoices.dashboard()
        assert caught.value.status_code == 429
        assert caught.value.retry_after is not None
        assert 0 < caught.value.retry_after <= 2
        assert caught.value.message == "Too many failed attempts, try again later"
        started = time.monotonic()
        with HesabeClient(short_lived.url, **login) as patient:
            assert patient.invoices.dashboard().stats.total_invoice_count == 0
        assert time.monotonic() - started >= 0.5  # it waited for the window to end
        assert requests_to(short_lived, "/api/v1/login")[-2:] == [429, 200]
