"""Dates at either end of the calendar, on every route and parameter that takes one.

A date the parser accepts (0001-01-01, 9999-12-31, or a time whose offset carries it past
either end once in UTC) must get an answer: a result or the dialect's own 4xx, never a 500
from arithmetic on it (the day after 9999-12-31, UTC of 9999-12-31T23:59-05:00).
"""

from typing import Any

import httpx
import pytest

from tests.dialects.fatora.wire import create_quick, detailed_body
from tests.dialects.hesabe.test_invoices import invoice_payload
from tests.dialects.hesabe.wire import INVALID_REQUEST, Hesabe

FIRST_DAY, LAST_DAY = "01-01-0001", "31-12-9999"
# Times the parser accepts; the last two have no UTC time inside the calendar.
MOMENTS = [
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:00-05:00",
]


def assert_fatora_answer(response: httpx.Response, *ok: int) -> None:
    assert response.status_code in (*ok, 400, 422), response.text
    if response.status_code >= 400:
        assert response.json()["status"] == "ERROR", response.text


class TestFatoraListFilters:
    @pytest.mark.parametrize(
        ("query", "included"),
        [
            ({"from": FIRST_DAY}, True),
            ({"to": FIRST_DAY}, False),
            ({"from": LAST_DAY}, False),
            ({"to": LAST_DAY}, True),
            ({"from": FIRST_DAY, "to": LAST_DAY}, True),
        ],
    )
    def test_either_end_of_the_calendar_is_a_list(
        self, api: httpx.Client, query: dict[str, str], included: bool
    ) -> None:
        """Today's invoice lies after the first day and before the last."""
        invoice = create_quick(api)
        response = api.get("/v1/invoices", params=query)
        assert response.status_code == 200, response.text
        ids = [i["id"] for i in response.json()["invoices"]]
        assert (invoice["id"] in ids) is included


class TestFatoraBodies:
    @pytest.mark.parametrize("moment", MOMENTS)
    @pytest.mark.parametrize("field", ["date", "due_date"])
    def test_an_invoice_date_at_the_ends_is_stored_or_refused(
        self, api: httpx.Client, field: str, moment: str
    ) -> None:
        created = api.post("/v1/invoices", json=detailed_body(payments=[], **{field: moment}))
        assert_fatora_answer(created, 201)
        invoice = create_quick(api)
        updated = api.put(f"/v1/invoices/{invoice['id']}", json={field: moment})
        assert_fatora_answer(updated, 200)
        if created.status_code == 201:
            again = api.get(f"/v1/invoices/{created.json()['invoice']['id']}")
            assert again.status_code == 200, again.text

    @pytest.mark.parametrize("moment", MOMENTS)
    def test_a_payment_date_at_the_ends_is_stored_or_refused(
        self, api: httpx.Client, moment: str
    ) -> None:
        invoice = create_quick(api)
        payment = {"amount": 1, "payment_date": moment}
        response = api.post(f"/v1/invoices/{invoice['id']}/payments", json=payment)
        assert_fatora_answer(response, 200, 201)

    def test_a_time_with_no_utc_time_in_the_calendar_is_a_400_naming_the_field(
        self, api: httpx.Client
    ) -> None:
        response = api.post("/v1/invoices", json=detailed_body(date="9999-12-31T23:59:00-05:00"))
        assert response.status_code == 400, response.text
        assert "date" in response.json()["error"]["description"]


class TestHesabeDashboard:
    @pytest.mark.parametrize("where", ["payload", "query"])
    @pytest.mark.parametrize(
        "dates",
        [
            {"fromDate": "0001-01-01"},
            {"toDate": "0001-01-01"},
            {"fromDate": "9999-12-31"},
            {"toDate": "9999-12-31"},
            {"fromDate": "0001-01-01", "toDate": "9999-12-31"},
        ],
    )
    def test_either_end_of_the_calendar_is_a_dashboard(
        self, hesabe: Hesabe, dates: dict[str, str], where: str
    ) -> None:
        payload, query = (dates, None) if where == "payload" else ({}, dates)
        response = hesabe.send("GET", "/api/v1/invoice-dashboard", payload, query=query)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = hesabe.opened(response)
        assert "stats" in answer["response"]


class TestHesabeCreate:
    @pytest.mark.parametrize(("expires", "status"), [("9999-12-31", 200), ("0001-01-01", 506)])
    def test_an_expiry_at_the_ends_is_stored_or_refused(
        self, hesabe: Hesabe, expires: str, status: int
    ) -> None:
        response = hesabe.send("POST", "/api/v1/invoice", invoice_payload(expiresAt=expires))
        assert response.status_code == status, response.text
        if status == 506:
            assert response.json()["message"] == INVALID_REQUEST["message"]
            return
        created = hesabe.opened(response)["response"]
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["expires_at"] == expires
