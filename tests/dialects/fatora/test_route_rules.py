"""The wire rules of every `/v1` route hold on the fast path too: nothing can drift.

`GET /v1/invoices/{id}` is answered ahead of the router (dialects/fatora/fast_path.py), and
`GET /v1/clients/{id}` through it (`FatoraRoute`). Each request below is refused by a rule
before either endpoint runs, or by authentication, which both share: the two answers must be
byte for byte the same (status, headers but the per-request ones, body), on both databases.
"""

from typing import Any

import httpx
import pytest

from tests.dialects.fatora.wire import create
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

_PER_REQUEST = {"date", "x-request-id", "server"}
_WRONG_KEY = "E4B73FEE-F492-4607-A38D-852B0EBC91C9"

# name: (headers, query, body) of a request; "api_key" True means the merchant's own key.
CASES: dict[str, tuple[dict[str, Any], dict[str, str], bytes | None]] = {
    "nul in the query": ({"api_key": True}, {"q": "a\x00b"}, None),
    "nul in a second parameter": ({"api_key": True}, {"a": "1", "b": "\x00"}, None),
    "accept excludes json": ({"api_key": True, "accept": "text/html"}, {}, None),
    "accept json at q=0": ({"api_key": True, "accept": "application/json;q=0"}, {}, None),
    "accept refused before nul": ({"api_key": True, "accept": "text/html"}, {"q": "\x00"}, None),
    "a body that is not json": ({"api_key": True, "content-type": "text/plain"}, {}, b"hi"),
    "a body refused before nul": (
        {"api_key": True, "content-type": "text/plain"},
        {"q": "\x00"},
        b"hi",
    ),
    "no credentials": ({}, {}, None),
    "a wrong api key": ({"api_key": _WRONG_KEY}, {}, None),
    "nul without credentials": ({}, {"q": "\x00"}, None),
    "accept refused without credentials": ({"accept": "text/html"}, {}, None),
}


def _answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in _PER_REQUEST)
    return response.status_code, headers, response.content


@pytest.mark.parametrize("slash", ["", "/"], ids=["bare", "trailing slash"])
@pytest.mark.parametrize("case", list(CASES))
def test_fast_path_answers_as_a_routed_sibling(
    server: Server,
    api: httpx.Client,
    merchant: MerchantCredentials,
    case: str,
    slash: str,
) -> None:
    invoice = create(api)
    client_id = invoice["client"]["id"]
    headers, query, body = CASES[case]
    sent = {k: (merchant.api_key if v is True else v) for k, v in headers.items()}
    with httpx.Client(base_url=server.url) as http:
        fast = http.request(
            "GET", f"/v1/invoices/{invoice['id']}{slash}", params=query, headers=sent, content=body
        )
        routed = http.request(
            "GET", f"/v1/clients/{client_id}{slash}", params=query, headers=sent, content=body
        )
    assert fast.status_code >= 400, fast.text  # a rule, not the endpoint, answered
    assert _answer(fast) == _answer(routed)


def test_both_answer_when_no_rule_refuses(
    api: httpx.Client,
) -> None:
    """The control: the same requests, rules satisfied, reach both endpoints."""
    invoice = create(api)
    assert api.get(f"/v1/invoices/{invoice['id']}", params={"q": "ok"}).status_code == 200
    assert api.get(f"/v1/clients/{invoice['client']['id']}", params={"q": "ok"}).status_code == 200
