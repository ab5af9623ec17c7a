"""Hesabe-style access tokens end with their login, and with their user.

A spent refresh token presented again means two parties hold the login (RFC 6819 §5.2.2.3):
every token of that login ends, the refresh tokens and the access tokens alike (the thief's
fresh one too), at once and on every server process, not when the access tokens expire
(900 s). An access token naming a user that does not exist, or no longer does, or belongs to
another merchant, opens nothing.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import BACKENDS, fresh_database, sql
from tests.fixtures.factories import MerchantCredentials, new_merchant
from tests.fixtures.server import Server, two_running
from tests.security.test_tokens import HESABE_SECRET, claims_of


def login(http: httpx.Client, merchant: MerchantCredentials) -> dict[str, Any]:
    answer = http.post(
        "/api/v1/login", json={"username": merchant.username, "password": merchant.password}
    )
    assert answer.status_code == 200, answer.text
    token: dict[str, Any] = answer.json()["response"]["token"]
    return token


def refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    return http.post("/api/v1/token-refresh", json={"refreshToken": refresh_token})


def dashboard(hesabe: Hesabe, access_token: str) -> int:
    """The status of a sealed call made with `access_token`."""
    headers = {**hesabe.headers(), "Authorization": f"Bearer {access_token}"}
    response = hesabe.http.get(
        "/api/v1/invoice-dashboard", params={"data": hesabe.seal({})}, headers=headers
    )
    if response.status_code == 401:
        assert response.json()["status"] is False
    return response.status_code


@pytest.fixture(params=BACKENDS)
def two_processes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    """Two server processes over one database, as on two hosts."""
    with fresh_database(request.param, tmp_path) as url, two_running(url, tmp_path) as servers:
        yield servers


class TestAReusedRefreshTokenEndsTheLogin:
    def test_every_access_token_of_the_login_is_refused_at_once_on_every_process(
        self, two_processes: tuple[Server, Server]
    ) -> None:
        first, second = two_processes
        merchant = new_merchant(first.database_url, currency="KWD", with_user=True)
        with httpx.Client(base_url=first.url) as a, httpx.Client(base_url=second.url) as b:
            victim = Hesabe(a, merchant)  # a login of its own, unaffected
            stolen = login(a, merchant)
            thief = refresh(b, stolen["refresh_token"]).json()["response"]["token"]
            on_a, on_b = victim, Hesabe(b, merchant)
            for hesabe in (on_a, on_b):  # both processes accept both of the login's tokens
                for token in (stolen["access_token"], thief["access_token"]):
                    assert dashboard(hesabe, token) == 200

            # The victim's client presents the refresh token the thief already spent.
            assert refresh(a, stolen["refresh_token"]).status_code == 401

            for hesabe in (on_a, on_b):
                for token in (stolen["access_token"], thief["access_token"]):
                    assert dashboard(hesabe, token) == 401
            assert refresh(b, thief["refresh_token"]).status_code == 401
            # Other logins of the same user go on.
            assert dashboard(on_a, victim.token) == 200
            assert dashboard(on_b, on_b.token) == 200

    def test_an_ordinary_refresh_ends_nothing(self, hesabe: Hesabe) -> None:
        """Rotation is not reuse: the older access token works until it expires."""
        first = login(hesabe.http, hesabe.merchant)
        second = refresh(hesabe.http, first["refresh_token"]).json()["response"]["token"]
        third = refresh(hesabe.http, second["refresh_token"]).json()["response"]["token"]
        for token in (first, second, third):
            assert dashboard(hesabe, token["access_token"]) == 200


class TestTheUserMustExist:
    def test_a_token_naming_no_user_is_refused(self, server: Server, hesabe: Hesabe) -> None:
        claims = claims_of(hesabe.token)
        missing = sql(server.database_url, "SELECT max(id) + 1000 FROM merchant_users")[0][0]
        forged = jwt.encode({**claims, "uid": missing}, HESABE_SECRET, algorithm="HS256")
        assert dashboard(hesabe, forged) == 401

    def test_a_token_of_a_deleted_user_is_refused(self, server: Server, hesabe: Hesabe) -> None:
        assert dashboard(hesabe, hesabe.token) == 200
        uid = claims_of(hesabe.token)["uid"]
        sql(server.database_url, "DELETE FROM merchant_users WHERE id = :id", {"id": uid})
        assert dashboard(hesabe, hesabe.token) == 401

    def test_a_token_naming_another_merchants_user_is_refused(
        self, hesabe: Hesabe, other_hesabe: Hesabe
    ) -> None:
        """Signed right, this merchant's subject with another merchant's user in it."""
        foreign = claims_of(other_hesabe.token)["uid"]
        claims = {**claims_of(hesabe.token), "uid": foreign}
        assert dashboard(hesabe, jwt.encode(claims, HESABE_SECRET, algorithm="HS256")) == 401
