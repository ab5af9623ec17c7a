"""POST/GET /v1/Authorization/Authorize and bearer tokens on the invoice routes."""

import subprocess
import time

import httpx
import jwt
import pytest

from tests.dialects.fatora.wire import assert_error, create_quick
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server, fawtara


def _token(anonymous: httpx.Client, api_key: str, method: str = "POST") -> str:
    response = anonymous.request(
        method, "/v1/Authorization/Authorize", headers={"api_key": api_key}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert set(body) == {"success", "bearer_token"}
    token: str = body["bearer_token"]
    return token


class TestAuthorize:
    @pytest.mark.parametrize("method", ["GET", "POST"])
    def test_issues_a_merchant_bound_hs256_jwt(
        self, anonymous: httpx.Client, merchant: MerchantCredentials, method: str
    ) -> None:
        token = _token(anonymous, merchant.api_key, method)
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert header["alg"] == "HS256"
        assert claims["sub"] == str(merchant.id)
        assert claims["exp"] - claims["iat"] == 86_400

    @pytest.mark.parametrize("headers", [{"api_key": "E4B73FEE-F492-4607-A38D-852B0EBC91C9"}, {}])
    def test_bad_or_missing_key_is_401_with_the_flat_error(
        self, anonymous: httpx.Client, headers: dict[str, str]
    ) -> None:
        response = anonymous.post("/v1/Authorization/Authorize", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"status": "ERROR", "error": "Invalid API Key"}


class TestBearer:
    def test_token_reads_the_merchants_invoice(
        self, anonymous: httpx.Client, api: httpx.Client, merchant: MerchantCredentials
    ) -> None:
        invoice = create_quick(api)
        token = _token(anonymous, merchant.api_key)
        response = anonymous.get(
            f"/v1/invoices/{invoice['id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        assert response.json()["invoice"]["id"] == invoice["id"]

    @pytest.mark.parametrize(
        "token",
        [
            "not-a-jwt",
            jwt.encode(
                {"sub": "1", "kid": 1}, "a-wrong-secret-of-thirty-two-bytes!!", algorithm="HS256"
            ),
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwia2lkIjoxfQ.",
        ],
    )
    def test_forged_tokens_are_401(self, anonymous: httpx.Client, token: str) -> None:
        response = anonymous.get("/v1/invoices/1", headers={"Authorization": f"Bearer {token}"})
        assert_error(response, 401, "bearer token")

    def test_changed_payload_is_401(
        self,
        anonymous: httpx.Client,
        merchant: MerchantCredentials,
        other_merchant: MerchantCredentials,
    ) -> None:
        header, _payload, signature = _token(anonymous, merchant.api_key).split(".")
        other_header, other_payload, _ = _token(anonymous, other_merchant.api_key).split(".")
        forged = f"{header}.{other_payload}.{signature}"
        response = anonymous.get("/v1/invoices/1", headers={"Authorization": f"Bearer {forged}"})
        assert_error(response, 401)


class TestRevocation:
    def test_revoked_key_stops_working_within_the_cache_time(
        self, server: Server, anonymous: httpx.Client, merchant: MerchantCredentials
    ) -> None:
        token = _token(anonymous, merchant.api_key)
        revoke = subprocess.run(
            fawtara(
                "merchant", "key", "revoke", str(merchant.key_id), "--merchant", str(merchant.id)
            ),
            env=server.env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "revoked" in revoke.stdout
        time.sleep(1.2)  # the test server caches keys for 1 s (FAWTARA_API_KEY_CACHE_SECONDS)
        by_key = anonymous.get("/v1/invoices", headers={"api_key": merchant.api_key})
        assert_error(by_key, 403, "Inactive API Key")
        by_token = anonymous.get("/v1/invoices", headers={"Authorization": f"Bearer {token}"})
        assert_error(by_token, 401)
        authorize = anonymous.post(
            "/v1/Authorization/Authorize", headers={"api_key": merchant.api_key}
        )
        assert authorize.status_code == 403
        assert authorize.json() == {"status": "ERROR", "error": "Inactive API Key"}
