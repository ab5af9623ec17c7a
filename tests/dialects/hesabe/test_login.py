"""POST /api/v1/login and /api/v1/token-refresh."""

import time

import httpx
import jwt
import pytest

from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.factories import MerchantCredentials


def _login(anonymous: httpx.Client, merchant: MerchantCredentials) -> httpx.Response:
    assert merchant.username
    return anonymous.post(
        "/api/v1/login", json={"username": merchant.username, "password": merchant.password}
    )


class TestLogin:
    def test_issues_a_900_second_bearer_token_and_a_refresh_token(
        self, anonymous: httpx.Client, hesabe_merchant: MerchantCredentials
    ) -> None:
        answer = _login(anonymous, hesabe_merchant)
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] is True
        assert body["message"] == "Success"
        token = body["response"]["token"]
        assert set(token) == {"token_type", "expires_in", "access_token", "refresh_token"}
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 900
        claims = jwt.decode(token["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 900
        assert claims["sub"] == str(hesabe_merchant.id)
        assert len(token["refresh_token"]) >= 40

    @pytest.mark.parametrize("which", ["password", "username"])
    def test_bad_credentials_answer_in_the_dialect_shape(
        self, anonymous: httpx.Client, hesabe_merchant: MerchantCredentials, which: str
    ) -> None:
        assert hesabe_merchant.username
        body = {"username": hesabe_merchant.username, "password": hesabe_merchant.password}
        body[which] += "-wrong"
        answer = anonymous.post("/api/v1/login", json=body)
        assert answer.status_code == 401
        assert answer.json() == {
            "status": False,
            "code": 401,
            "message": "Invalid username or password",
            "response": None,
        }

    @pytest.mark.parametrize(
        "body", [{"username": "x"}, {}, [], "not json", {"username": 1, "password": None}]
    )
    def test_a_malformed_body_is_invalid_request_data(
        self, anonymous: httpx.Client, body: object
    ) -> None:
        kwargs = {"content": body} if isinstance(body, str) else {"json": body}
        answer = anonymous.post("/api/v1/login", **kwargs)  # type: ignore[arg-type]
        assert answer.status_code == 506
        assert answer.json()["code"] == 506
        assert answer.json()["message"] == "Invalid Request Data"


class TestRefresh:
    def _refresh(self, anonymous: httpx.Client, token: str) -> httpx.Response:
        return anonymous.post("/api/v1/token-refresh", json={"refreshToken": token})

    def test_a_refresh_token_works_once_and_is_rotated(
        self, anonymous: httpx.Client, hesabe_merchant: MerchantCredentials
    ) -> None:
        first = _login(anonymous, hesabe_merchant).json()["response"]["token"]
        answer = self._refresh(anonymous, first["refresh_token"])
        assert answer.status_code == 200
        second = answer.json()["response"]["token"]
        assert second["expires_in"] == 900
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        spent = self._refresh(anonymous, first["refresh_token"])
        assert spent.status_code == 401
        assert spent.json() == {
            "status": False,
            "code": 401,
            "message": "Invalid or expired refresh token",
            "response": None,
        }

    def test_reusing_a_spent_token_revokes_its_whole_family(
        self, anonymous: httpx.Client, hesabe_merchant: MerchantCredentials
    ) -> None:
        first = _login(anonymous, hesabe_merchant).json()["response"]["token"]
        second = self._refresh(anonymous, first["refresh_token"]).json()["response"]["token"]
        assert self._refresh(anonymous, first["refresh_token"]).status_code == 401  # replayed
        # The legitimate holder's newer token is gone too: one of them was a thief.
        assert self._refresh(anonymous, second["refresh_token"]).status_code == 401
        # Another login is a new family and unaffected.
        third = _login(anonymous, hesabe_merchant).json()["response"]["token"]
        assert self._refresh(anonymous, third["refresh_token"]).status_code == 200

    def test_the_refreshed_token_works_on_the_encrypted_routes(
        self, anonymous: httpx.Client, hesabe: Hesabe
    ) -> None:
        hesabe_first = _login(anonymous, hesabe.merchant).json()["response"]["token"]
        fresh = self._refresh(anonymous, hesabe_first["refresh_token"]).json()["response"]
        hesabe.token = fresh["token"]["access_token"]
        answer = hesabe.call("GET", "/api/v1/invoice-dashboard")
        assert answer["message"] == "Invoice Dashboard"

    @pytest.mark.parametrize("token", ["", "nonsense", "A" * 43])
    def test_unknown_tokens_are_refused(self, anonymous: httpx.Client, token: str) -> None:
        answer = self._refresh(anonymous, token)
        assert answer.status_code in (401, 506)
        assert answer.json()["status"] is False


class TestBearer:
    def test_an_expired_or_foreign_token_is_refused(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        claims = jwt.decode(hesabe.token, options={"verify_signature": False})
        forged = jwt.encode({**claims, "exp": int(time.time()) + 3600}, "x" * 32, algorithm="HS256")
        for token in (forged, "not-a-jwt", "e30.e30.e30"):
            hesabe.token = token
            answer = hesabe.send("GET", "/api/v1/invoice-dashboard")
            assert answer.status_code == 401
            assert answer.json()["status"] is False

    def test_a_fatora_token_does_not_open_the_hesabe_api(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        fatora = anonymous.post(
            "/v1/Authorization/Authorize", headers={"api_key": hesabe.merchant.api_key}
        ).json()["bearer_token"]
        hesabe.token = fatora
        assert hesabe.send("GET", "/api/v1/invoice-dashboard").status_code == 401
