"""Failed sign-ins are throttled per account and per client address, across processes:
429 with Retry-After, in each dialect's shape."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import BACKENDS, fresh_database
from tests.fixtures.factories import MerchantCredentials, new_merchant
from tests.fixtures.server import Server, two_running

LIMITS = {
    "FAWTARA_THROTTLE_ACCOUNT_FAILURES": "3",
    "FAWTARA_THROTTLE_ADDRESS_FAILURES": "6",
    "FAWTARA_THROTTLE_WINDOW_SECONDS": "120",
}


@pytest.fixture(params=BACKENDS)
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two processes on one database, with small limits."""
    with fresh_database(request.param, tmp_path) as url, two_running(url, tmp_path, LIMITS) as s:
        yield s


def login(server: Server, merchant: MerchantCredentials, password: str) -> httpx.Response:
    body = {"username": merchant.username, "password": password}
    return httpx.post(f"{server.url}/api/v1/login", json=body)


def assert_throttled_hesabe(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 120
    assert response.json() == {
        "status": False,
        "code": 429,
        "message": "Too many failed attempts, try again later",
        "response": None,
    }


def test_login_failures_lock_the_account_then_the_address(
    servers: tuple[Server, Server],
) -> None:
    a, b = servers
    one = new_merchant(a.database_url, with_user=True)
    two = new_merchant(a.database_url, name="Two", with_user=True)
    # Three failures for one account, spread over both processes...
    assert [login(s, one, "wrong").status_code for s in (a, b, a)] == [401, 401, 401]
    # ...and the account is locked everywhere, even for its right password.
    assert_throttled_hesabe(login(b, one, one.password))
    assert_throttled_hesabe(login(a, one, one.password))
    # Another account from the same address still signs in...
    assert login(b, two, two.password).status_code == 200
    # ...until the address has had its six failures (three already).
    assert [login(s, two, "wrong").status_code for s in (a, b)] == [401, 401]
    assert login(a, two, "wrong").status_code == 401
    assert_throttled_hesabe(login(b, two, two.password))


def test_authorize_with_bad_keys_locks_the_address(servers: tuple[Server, Server]) -> None:
    a, b = servers
    merchant = new_merchant(a.database_url)

    def authorize(server: Server, key: str) -> httpx.Response:
        return httpx.get(f"{server.url}/v1/Authorization/Authorize", headers={"api_key": key})

    good = authorize(a, merchant.api_key)  # known good: cached from now on in process a
    assert good.status_code == 200
    statuses = [authorize(s, f"NOT-A-KEY-{n}").status_code for n, s in enumerate((a, b) * 3)]
    assert statuses == [401] * 6
    refused = authorize(b, merchant.api_key)  # process b has not seen this key yet
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 120
    assert refused.json() == {
        "status": "ERROR",
        "error": "Too many failed attempts, try again later",
    }
    # A key the process already verified is not a guess: it keeps working there.
    assert authorize(a, merchant.api_key).status_code == 200


def test_the_account_is_counted_whatever_the_case_it_is_typed_in(
    servers: tuple[Server, Server],
) -> None:
    """Sign-in matches usernames whatever their case, so failures typed in another case count
    against the same account: `test` and `TEST` share the lock of `Test`."""
    a, b = servers
    one = new_merchant(a.database_url, with_user=True)
    assert one.username
    typed = [one.username.upper(), one.username.lower(), one.username.title()]
    for server, username in zip((a, b, a), typed, strict=True):
        answer = httpx.post(
            f"{server.url}/api/v1/login", json={"username": username, "password": "wrong"}
        )
        assert answer.status_code == 401
    assert_throttled_hesabe(login(b, one, one.password))
