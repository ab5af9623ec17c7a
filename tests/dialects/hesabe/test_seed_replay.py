"""Replays the reference page's Delete-invoice sample against a running server, byte for byte.

The page's sample request and response were made with Hesabe's published sandbox credentials
(merchant code 842217, the access code in its fetch sample, and the sandbox key and IV below):
its `data` decrypts under them to {"merchantCode":"842217"}. A merchant created with the same
credentials must therefore accept that exact request and answer with that exact response,
since the envelope (AES-CBC with a fixed IV) is deterministic.
"""

import json
import subprocess
from typing import Any

import httpx

from tests.fixtures.server import Server, fawtara

MERCHANT_CODE = "842217"
ACCESS_CODE = "c333729b-d060-4b74-a49d-7686a8353481"
SECRET_KEY = "PkW64zMe5NVdrlPVNnjo2Jy9nOb7v1Xg"
IV = "5NVdrlPVNnjo2Jy9"
SEED_DATA = "0e7898bd7464d0c402fe8a949d9cbf9b826ccb9b83b56fa003373275f1947a65"
SEED_RESPONSE = (
    "60a8f6241932227b840a9f5e36987f4d894e5813e1ec714a9f1093832ea779377c273e9ca35de20c5049b11f"
    "8b5e6fae5232563532d84705e1f1e357c426246cb83946b9f5c2aa3fc0e2c8048f0e2d798068e2e9d76ed65a"
    "348f76061f63eac8"
)


def _sandbox_merchant(server: Server) -> dict[str, Any]:
    """Made with the CLI, as an operator would, with the sandbox credentials."""
    result = subprocess.run(
        fawtara("merchant", "create", "--name", "Sandbox", "--currency", "KWD",
                "--merchant-code", MERCHANT_CODE, "--access-code", ACCESS_CODE,
                "--secret-key", SECRET_KEY, "--iv", IV,
                "--username", f"sandbox-{server.port}", "--password", "sandbox-password", "--json"),
        env=server.env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    made: dict[str, Any] = json.loads(result.stdout)
    return made


def test_the_fetch_sample_deletes_and_gets_the_documented_response(
    server: Server, anonymous: httpx.Client
) -> None:
    made = _sandbox_merchant(server)
    token = anonymous.post(
        "/api/v1/login", json={"username": made["username"], "password": "sandbox-password"}
    ).json()["response"]["token"]["access_token"]
    created = anonymous.post(
        "/v1/invoices",
        json={"amount": 12.5, "description": "To delete", "client": {"name": "C"}},
        headers={"api_key": made["api_key"]},
    )
    assert created.status_code == 201, created.text
    invoice_id = created.json()["invoice"]["id"]

    # The sample, as the page writes it: body and headers unchanged, plus the bearer token the
    # page's Authorization section asks for.
    body = json.dumps({"data": SEED_DATA})
    headers = {
        "Content-Type": "application/json",
        "accessCode": ACCESS_CODE,
        "Accept": "application/json",
        "Authorization": f"Bearer {token}",
    }
    answer = anonymous.request(
        "DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}", content=body, headers=headers
    )
    assert answer.status_code == 200
    assert answer.json() == {"response": SEED_RESPONSE}

    again = anonymous.request(
        "DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}", content=body, headers=headers
    )
    assert again.status_code == 404
    assert again.json() == {
        "status": False,
        "message": "Request not found, Please verify the request data",
        "response": None,
    }
