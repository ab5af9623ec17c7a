"""Helpers for asserting the Fatora wire: bodies the tests send, shapes they expect."""

import itertools
from typing import Any

import httpx

from fawtara.dialects.fatora.docs import ErrorOut

_transactions = itertools.count(1)


def detailed_body(**overrides: Any) -> dict[str, Any]:
    """The Get Invoice page's example as a request (transaction ids made unique per call)."""
    n = next(_transactions)
    body: dict[str, Any] = {
        "title": "Sample Invoice",
        "currency": "QAR",
        "terms_conditions": "Sample terms and conditions",
        "due_date": "2023-11-23T10:21:04",
        "date": "2023-10-24T10:21:00.904775+02:00",
        "client": {
            "name": "Client name",
            "address": "Client address",
            "phone": "Phone number",
            "email": "client@example.com",
        },
        "items": [
            {"description": "Design", "type": "Service Item", "qty": 1.0, "amount": 100.0},
            {"description": "Hosting", "type": "Service Item", "qty": 2.0, "amount": 25.5},
            {"description": "Cable", "type": "Product Item", "qty": 3, "amount": 10},
        ],
        "payments": [
            {
                "payment_date": "2023-10-10T00:00:00",
                "transaction_id": f"TXN123-{n}",
                "amount": 100.0,
                "note": "external",
                "payment_type": "Credit",
                "status": "Paid",
            },
            {
                "payment_date": "2023-10-10T00:00:00",
                "transaction_id": f"TXN456-{n}",
                "amount": 50.0,
                "note": "external",
                "payment_type": "PayPal",
                "status": "Paid",
            },
        ],
        "setting": {
            "tax": False,
            "discount": 0.0,
            "discount_type": "",
            "language": "ar",
            "accepted_payment_methods": {
                "card": True,
                "bank_account": True,
                "cash": True,
                "paypal": True,
                "e_signature": True,
            },
        },
    }
    body.update(overrides)
    return body


def create(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    response = api.post("/v1/invoices", json=detailed_body(**overrides))
    assert response.status_code == 201, response.text
    invoice: dict[str, Any] = response.json()["invoice"]
    return invoice


def create_quick(api: httpx.Client, amount: float = 100.0, **extra: Any) -> dict[str, Any]:
    response = api.post("/v1/invoices", json={"amount": amount, "description": "Quick", **extra})
    assert response.status_code == 201, response.text
    invoice: dict[str, Any] = response.json()["invoice"]
    return invoice


def assert_error(response: httpx.Response, status: int, *fragments: str) -> str:
    """The response is the Fatora error envelope with this status; returns the description."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = ErrorOut.model_validate(response.json())
    assert body.error.error_code == str(status)
    for fragment in fragments:
        assert fragment in body.error.description, body.error.description
    return body.error.description
