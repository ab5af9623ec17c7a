"""One email rule and one phone rule: each entry point takes and refuses the same addresses,
each answering in its own dialect (Fatora 400, Hesabe 506, a bulk file's row error)."""

import pytest
from httpx import Client

from tests.dialects.fatora.wire import assert_error
from tests.dialects.hesabe.test_bulk_upload import csv_file, upload
from tests.dialects.hesabe.test_invoices import invoice_payload
from tests.dialects.hesabe.wire import Hesabe

# Each used to be taken by one entry point and refused by another.
REFUSED_EMAILS = [
    "ali@example",
    "ali@example..com",
    "ali@.com",
    "ali@example.com.",
    "a\u2003b@x.org",
]
TAKEN_EMAILS = ["Ali.Smith+bills@Example.co.uk", "علي@مثال.com"]


def _fatora(api: Client, email: str) -> int:
    return api.post("/v1/clients", json={"name": "Ali", "email": email}).status_code


def _hesabe(hesabe: Hesabe, email: str) -> int:
    return hesabe.send("POST", "/api/v1/invoice", invoice_payload(customerEmail=email)).status_code


def _bulk_reasons(hesabe: Hesabe, *rows: str) -> list[str]:
    answer = upload(hesabe, csv_file(*rows))
    if answer.status_code == 200:
        return []
    return [error["reason"] for error in answer.json()["response"]["errors"]]


class TestEmail:
    @pytest.mark.parametrize("email", REFUSED_EMAILS)
    def test_an_address_is_refused_by_every_entry_point(
        self, api: Client, hesabe: Hesabe, email: str
    ) -> None:
        assert_error(api.post("/v1/clients", json={"name": "Ali", "email": email}), 400, "email")
        assert _hesabe(hesabe, email) == 506
        row = f"R-1,Ali,+96550000001,{email},1.000,Rent"
        assert _bulk_reasons(hesabe, row) == ["email: is not a valid email address"]

    @pytest.mark.parametrize("email", TAKEN_EMAILS)
    def test_an_address_is_taken_by_every_entry_point(
        self, api: Client, hesabe: Hesabe, email: str
    ) -> None:
        assert _fatora(api, email) == 201
        assert _hesabe(hesabe, email) == 200
        assert _bulk_reasons(hesabe, f"R-1,Ali,+96550000001,{email},1.000,Rent") == []


class TestPhone:
    def test_spaces_and_dashes_are_taken_alike_by_the_payload_and_the_file(
        self, hesabe: Hesabe
    ) -> None:
        payload = invoice_payload(mobileNumber="5000-0001 ")
        created = hesabe.call("POST", "/api/v1/invoice", payload)["response"]
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["customer"]["phone_number"] == "+96550000001"
        assert _bulk_reasons(hesabe, "R-1,Ali,+965 5000-0001,,1.000,Rent") == []

    @pytest.mark.parametrize("phone", ["12345", "+965abc1234", "٥٠٠٠٠٠٠١"])
    def test_a_phone_is_refused_by_the_payload_and_the_file(
        self, hesabe: Hesabe, phone: str
    ) -> None:
        payload = invoice_payload(mobileNumber=phone)
        assert hesabe.send("POST", "/api/v1/invoice", payload).status_code == 506
        reason = "phone: must be 6 to 20 digits, optionally after a +"
        assert _bulk_reasons(hesabe, f"R-1,Ali,{phone},,1.000,Rent") == [reason]
