"""Attacks on bearer tokens, both dialects. The test knows the server's master key, so it can
sign tokens exactly as the server would and change one thing at a time: each change must be
refused (401 in the dialect's shape), while the untouched control token works.

Revocation: a revoked API key, and every token issued for it, stops working on every server
process within FAWTARA_API_KEY_CACHE_SECONDS (each process may trust a key it verified for
that long; 3 s here, 5 s by default), measured on two processes over one PostgreSQL.
"""

import base64
import json
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from fawtara.credentials.keys import derive_key
from tests.dialects.fatora.wire import assert_error, create_quick
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import fresh_database
from tests.fixtures.factories import MerchantCredentials, new_merchant
from tests.fixtures.server import MASTER_KEY, Server, fawtara, two_running

FATORA_SECRET = derive_key(MASTER_KEY, "fatora-jwt:v1")
HESABE_SECRET = derive_key(MASTER_KEY, "hesabe-jwt:v1")
CACHE_SECONDS = 3.0  # the two processes' FAWTARA_API_KEY_CACHE_SECONDS (the suite's is 1)


def claims_of(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any]) -> str:
    """`alg: none`: a token with no signature at all."""
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def hs512(claims: dict[str, Any], secret: bytes) -> str:
    with warnings.catch_warnings():  # PyJWT warns that 32 bytes is short for SHA-512: it is
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm="HS512")


Forgery = Callable[[dict[str, Any], bytes], str]
NOW = int(time.time())
FORGERIES: dict[str, Forgery] = {
    "alg none": lambda c, _s: unsigned(c),
    "alg none, capitalised": lambda c, _s: unsigned(c).replace(
        b64({"alg": "none", "typ": "JWT"}), b64({"alg": "None", "typ": "JWT"})
    ),
    "wrong secret": lambda c, _s: jwt.encode(c, b"x" * 32, algorithm="HS256"),
    "HS512 with the right secret": lambda c, s: hs512(c, s),
    "expired": lambda c, s: jwt.encode({**c, "exp": NOW - 60}, s, algorithm="HS256"),
    "not yet valid": lambda c, s: jwt.encode({**c, "nbf": NOW + 3600}, s, algorithm="HS256"),
    "no expiry": lambda c, s: jwt.encode(
        {k: v for k, v in c.items() if k != "exp"}, s, algorithm="HS256"
    ),
    "another audience": lambda c, s: jwt.encode({**c, "aud": "elsewhere"}, s, algorithm="HS256"),
    "another issuer": lambda c, s: jwt.encode({**c, "iss": "elsewhere"}, s, algorithm="HS256"),
    "changed payload, old signature": lambda c, s: ".".join(
        [
            jwt.encode(c, s, algorithm="HS256").split(".")[0],
            b64({**c, "sub": str(int(c["sub"]) + 1)}),
            jwt.encode(c, s, algorithm="HS256").split(".")[2],
        ]
    ),
}


class TestFatoraBearer:
    @pytest.fixture
    def claims(self, anonymous: httpx.Client, merchant: MerchantCredentials) -> dict[str, Any]:
        answer = anonymous.post(
            "/v1/Authorization/Authorize", headers={"api_key": merchant.api_key}
        )
        return claims_of(answer.json()["bearer_token"])

    def _get(self, client: httpx.Client, token: str) -> httpx.Response:
        return client.get("/v1/invoices", headers={"Authorization": f"Bearer {token}"})

    def test_the_control_token_signed_here_works(
        self, anonymous: httpx.Client, claims: dict[str, Any]
    ) -> None:
        token = jwt.encode(claims, FATORA_SECRET, algorithm="HS256")
        assert self._get(anonymous, token).status_code == 200

    @pytest.mark.parametrize("forgery", FORGERIES)
    def test_a_forged_token_is_401(
        self, anonymous: httpx.Client, claims: dict[str, Any], forgery: str
    ) -> None:
        token = FORGERIES[forgery](claims, FATORA_SECRET)
        assert_error(self._get(anonymous, token), 401)

    def test_another_merchants_subject_with_this_key_is_401(
        self, anonymous: httpx.Client, claims: dict[str, Any], other_merchant: MerchantCredentials
    ) -> None:
        """A validly signed token naming merchant B but carrying A's key id opens nothing."""
        forged = {**claims, "sub": str(other_merchant.id)}
        token = jwt.encode(forged, FATORA_SECRET, algorithm="HS256")
        assert_error(self._get(anonymous, token), 401)

    def test_a_hesabe_token_is_not_a_fatora_token(
        self, anonymous: httpx.Client, hesabe: Hesabe
    ) -> None:
        assert_error(self._get(anonymous, hesabe.token), 401)


class TestHesabeBearer:
    def _get(self, hesabe: Hesabe, token: str) -> httpx.Response:
        headers = {**hesabe.headers(), "Authorization": f"Bearer {token}"}
        data = hesabe.seal({})
        return hesabe.http.get("/api/v1/invoice-dashboard", params={"data": data}, headers=headers)

    def test_the_control_token_signed_here_works(self, hesabe: Hesabe) -> None:
        token = jwt.encode(claims_of(hesabe.token), HESABE_SECRET, algorithm="HS256")
        assert self._get(hesabe, token).status_code == 200

    @pytest.mark.parametrize("forgery", FORGERIES)
    def test_a_forged_token_is_401(self, hesabe: Hesabe, forgery: str) -> None:
        response = self._get(hesabe, FORGERIES[forgery](claims_of(hesabe.token), HESABE_SECRET))
        assert response.status_code == 401
        assert response.json()["status"] is False

    def test_another_merchants_subject_is_401(self, hesabe: Hesabe, other_hesabe: Hesabe) -> None:
        """Signed right, naming merchant B with A's accessCode: the accessCode is not B's."""
        forged = {**claims_of(hesabe.token), "sub": str(other_hesabe.merchant.id)}
        response = self._get(hesabe, jwt.encode(forged, HESABE_SECRET, algorithm="HS256"))
        assert response.status_code == 401

    def test_a_fatora_token_is_not_a_hesabe_token(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        answer = anonymous.post(
            "/v1/Authorization/Authorize", headers={"api_key": hesabe.merchant.api_key}
        )
        assert self._get(hesabe, answer.json()["bearer_token"]).status_code == 401


# Claims the server never writes, in tokens it would accept the signature of: an id past the
# 32-bit id columns (2**70, 2**31), negative, zero, a fraction, a boolean, text. The subject
# is a string of digits, the other ids are numbers.
BAD_IDS: list[Any] = [2**70, 2**31, -1, 0, 1.5, True, "1", "abc", None, [1]]
BAD_SUBJECTS: list[Any] = [str(2**70), str(2**31), "-1", "0", "1.5", "abc", "", None, 1, True]


class TestIdsOutOfRange:
    """A validly signed token whose ids cannot be ids is refused like any bad token (401)."""

    @pytest.mark.parametrize(
        ("claim", "value"),
        [("sub", v) for v in BAD_SUBJECTS] + [("kid", v) for v in BAD_IDS],
        ids=repr,
    )
    def test_fatora(
        self, anonymous: httpx.Client, merchant: MerchantCredentials, claim: str, value: Any
    ) -> None:
        answer = anonymous.post(
            "/v1/Authorization/Authorize", headers={"api_key": merchant.api_key}
        )
        claims = claims_of(answer.json()["bearer_token"])
        token = jwt.encode({**claims, claim: value}, FATORA_SECRET, algorithm="HS256")
        response = anonymous.get("/v1/invoices", headers={"Authorization": f"Bearer {token}"})
        assert_error(response, 401)

    @pytest.mark.parametrize(
        ("claim", "value"),
        [("sub", v) for v in BAD_SUBJECTS] + [("uid", v) for v in BAD_IDS],
        ids=repr,
    )
    def test_hesabe(self, hesabe: Hesabe, claim: str, value: Any) -> None:
        forged = {**claims_of(hesabe.token), claim: value}
        headers = {
            **hesabe.headers(),
            "Authorization": f"Bearer {jwt.encode(forged, HESABE_SECRET)}",
        }
        response = hesabe.http.get(
            "/api/v1/invoice-dashboard", params={"data": hesabe.seal({})}, headers=headers
        )
        assert response.status_code == 401, response.text
        assert response.json()["status"] is False


# --- revocation, across processes -----------------------------------------------------------


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    env = {"FAWTARA_API_KEY_CACHE_SECONDS": str(CACHE_SECONDS)}
    with fresh_database("postgres", tmp_path) as url, two_running(url, tmp_path, env) as servers:
        yield servers


def test_a_revoked_key_stops_working_on_every_process_within_the_cache_time(
    two_processes: tuple[Server, Server],
) -> None:
    first, second = two_processes
    merchant = new_merchant(first.database_url)
    clients = [httpx.Client(base_url=s.url) for s in two_processes]
    key = {"api_key": merchant.api_key}
    tokens = []
    for client in clients:  # both processes verify (and cache) the key, and issue a token
        assert client.get("/v1/invoices", headers=key).status_code == 200
        tokens.append(
            client.post("/v1/Authorization/Authorize", headers=key).json()["bearer_token"]
        )
    with httpx.Client(base_url=first.url, headers=key) as api:
        create_quick(api)
    for client in clients:  # every process has just verified the key: it is cached now
        for headers in (key, *({"Authorization": f"Bearer {t}"} for t in tokens)):
            assert client.get("/v1/invoices", headers=headers).status_code == 200

    subprocess.run(
        fawtara("merchant", "key", "revoke", str(merchant.key_id), "--merchant", str(merchant.id)),
        env=first.env,
        check=True,
        capture_output=True,
    )
    revoked_at = time.monotonic()
    refused: dict[str, float] = {}
    while len(refused) < 2 * len(clients) * 2 and time.monotonic() - revoked_at < 3 * CACHE_SECONDS:
        for n, client in enumerate(clients):
            for m, token in enumerate(tokens):
                for how, headers in (
                    ("key", key),
                    ("token", {"Authorization": f"Bearer {token}"}),
                ):
                    name = f"process {n}, {how} {m}"
                    if name in refused:
                        continue
                    status = client.get("/v1/invoices", headers=headers).status_code
                    if status in (401, 403):
                        refused[name] = time.monotonic() - revoked_at
        time.sleep(0.05)
    for client in clients:
        client.close()
    assert len(refused) == 8, refused
    # Bounded: the cache time, plus a little for the processes to answer.
    assert max(refused.values()) <= CACHE_SECONDS + 1.0, refused
