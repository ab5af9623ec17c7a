"""Creating a Hesabe-style invoice: what the stated amounts are checked against, which fields
may be left out, and what the payment-method codes mean."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.dialects.hesabe.test_invoices import create, invoice_payload
from tests.dialects.hesabe.wire import Hesabe


def refused(hesabe: Hesabe, **changes: Any) -> list[dict[str, Any]]:
    """The problems of a 506 answer; asserts that nothing was created."""
    answer = hesabe.send("POST", "/api/v1/invoice", invoice_payload(**changes))
    assert answer.status_code == 506, answer.text
    dashboard = hesabe.call("GET", "/api/v1/invoice-dashboard")["response"]
    assert dashboard["stats"]["total_invoice_count"] == 0
    errors: list[dict[str, Any]] = answer.json()["response"]["errors"]
    return errors


class TestStatedAmountIsTheStoredTotal:
    """`amount` is compared with the total as it is stored: each line rounded to the
    currency's minor unit, then added up (invoices/totals.py)."""

    def test_a_total_that_only_matches_before_rounding_is_refused(self, hesabe: Hesabe) -> None:
        # 1.5 x 0.003 = 0.0045 per line, 0.005 once rounded: 0.009 unrounded, 0.010 stored.
        items = [{"name": "Pin", "quantity": "1.5", "price": "0.003"}] * 2
        errors = refused(hesabe, amount="0.009", itemsList=items)
        assert [e["field"] for e in errors] == ["amount"]
        assert "0.010" in errors[0]["reason"]

    def test_the_rounded_total_is_accepted_and_stored_as_stated(self, hesabe: Hesabe) -> None:
        items = [{"name": "Pin", "quantity": "1.5", "price": "0.003"}] * 2
        created = create(hesabe, amount="0.010", itemsList=items)
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["amount"] == "0.010"


class TestExpiry:
    """The core's rule (invoices/rules.py): a link may not expire before today (UTC)."""

    def test_a_past_expiry_is_refused_naming_expires_at(self, hesabe: Hesabe) -> None:
        yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
        assert refused(hesabe, expiresAt=yesterday) == [
            {"field": "expiresAt", "reason": "is in the past"}
        ]

    def test_an_expiry_today_is_taken(self, hesabe: Hesabe) -> None:
        today = datetime.now(UTC).date().isoformat()
        created = create(hesabe, expiresAt=today)
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert (invoice["expires_at"], invoice["invoice_status"]) == (today, 0)


class TestKitItems:
    """Client kits send items as {name, quantity, rate, amount}: rate is the unit price and
    amount the line, checked against quantity x rate as stored."""

    def test_rate_and_line_amount_are_accepted(self, hesabe: Hesabe) -> None:
        items = [
            {"name": "Chair", "quantity": 2, "rate": "100.000", "amount": "200.000"},
            {"name": "Desk", "quantity": "1", "rate": "80.000", "amount": "80.000"},
        ]
        created = create(hesabe, amount="280.000", itemsList=items)
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert [(p["name"], p["quantity"], p["price"]) for p in invoice["products"]] == [
            ("Chair", "2", "100.000"),
            ("Desk", "1", "80.000"),
        ]

    def test_a_line_amount_that_is_not_quantity_times_rate_is_refused(self, hesabe: Hesabe) -> None:
        items = [{"name": "Chair", "quantity": 2, "rate": "100.000", "amount": "180.000"}]
        errors = refused(hesabe, amount="180.000", itemsList=items)
        assert [e["field"] for e in errors] == ["itemsList[0].amount"]
        assert "200.000" in errors[0]["reason"]

    def test_a_line_amount_is_compared_once_rounded(self, hesabe: Hesabe) -> None:
        line = {"name": "Pin", "quantity": "1.5", "rate": "0.003"}
        refused_line = refused(hesabe, amount="0.005", itemsList=[{**line, "amount": "0.004"}])
        assert [e["field"] for e in refused_line] == ["itemsList[0].amount"]
        create(hesabe, amount="0.005", itemsList=[{**line, "amount": "0.005"}])

    def test_a_rate_finer_than_the_currency_is_named_as_sent(self, hesabe: Hesabe) -> None:
        items = [{"name": "Pen", "quantity": 1, "rate": "1.0001"}]
        errors = refused(hesabe, amount="1.0001", itemsList=items)
        assert errors[0]["field"] == "itemsList[0].rate"

    @pytest.mark.parametrize(
        "item",
        [
            {"name": "Chair", "quantity": 1},
            {"name": "Chair", "quantity": 1, "rate": "1.000", "price": "2.000"},
        ],
    )
    def test_one_unit_price_is_needed(self, hesabe: Hesabe, item: dict[str, Any]) -> None:
        errors = refused(hesabe, amount="1.000", itemsList=[item])
        assert any("itemsList.0" in str(e["field"]) for e in errors), errors


class TestOptionalFields:
    """referenceNumber, invoiceSubType and expiresAt may be left out (client kits do)."""

    def test_the_kits_readme_example_creates_an_invoice(self, hesabe: Hesabe) -> None:
        payload = {
            "amount": "20.000",
            "invoiceType": "1",
            "mobileNumber": "66666666",
            "countryCode": "965",
            "customerName": "Ahmed",
            "allocatePayType": "1,2",
        }
        answer = hesabe.call("POST", "/api/v1/invoice", payload)
        assert answer["message"] == "Invoice created successfully"
        invoice = hesabe.call("GET", f"/api/v1/invoice/{answer['response']['id']}")["response"]
        assert invoice["reference_number"] is None
        assert invoice["expires_at"] is None
        assert invoice["invoice_sub_type"] == "0"  # invoiceType "1" is sent by SMS
        assert invoice["invoice_status"] == 0
        assert invoice["amount"] == "20.000"

    @pytest.mark.parametrize(("invoice_type", "sub_type"), [("1", "0"), ("0", "3")])
    def test_the_sub_type_follows_the_invoice_type(
        self, hesabe: Hesabe, invoice_type: str, sub_type: str
    ) -> None:
        created = create(
            hesabe, invoiceType=invoice_type, invoiceSubType=None, referenceNumber=None
        )
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["invoice_sub_type"] == sub_type
        assert invoice["products"][0]["name"] == "Invoice testing"  # from the description

    def test_without_reference_or_description_the_line_is_named_invoice(
        self, hesabe: Hesabe
    ) -> None:
        created = create(hesabe, referenceNumber=None, description=None)
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert invoice["products"][0]["name"] == "Invoice"

    @pytest.mark.parametrize("blank", ["", "  "])
    def test_blank_optional_fields_count_as_left_out(self, hesabe: Hesabe, blank: str) -> None:
        created = create(hesabe, referenceNumber=blank, invoiceSubType=blank, expiresAt=blank)
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert (invoice["reference_number"], invoice["expires_at"]) == (None, None)
        assert invoice["invoice_sub_type"] == "0"


ALL = {"card": True, "bank_account": True, "cash": True, "paypal": True, "e_signature": True}
CARD = {"card": True, "bank_account": False, "cash": False, "paypal": False, "e_signature": False}


class TestAllocatePayType:
    """allocatePayType restricts the invoice to gateway methods (1 KNET, 2 Visa/MasterCard, …),
    all of them card payments; none, or 0 (the gateway's own picker), leaves every method."""

    @pytest.mark.parametrize(
        ("codes", "accepted"),
        [([1, 2], CARD), ("1", CARD), ("9,16", CARD), ([], ALL), ("0", ALL), (None, ALL)],
    )
    def test_codes_set_the_accepted_payment_methods(
        self, hesabe: Hesabe, codes: object, accepted: dict[str, bool]
    ) -> None:
        created = create(hesabe, allocatePayType=codes)
        fatora = {"api_key": hesabe.merchant.api_key}
        invoice = hesabe.http.get(f"/v1/invoices/{created['id']}", headers=fatora).json()
        assert invoice["invoice"]["setting"]["accepted_payment_methods"] == accepted

    @pytest.mark.parametrize("codes", [[3], "4", [1, 99], [17]])
    def test_codes_the_gateway_does_not_have_are_refused(
        self, hesabe: Hesabe, codes: object
    ) -> None:
        errors = refused(hesabe, allocatePayType=codes)
        assert all(str(e["field"]).startswith("allocatePayType") for e in errors), errors


class TestFieldErrorsBothWays:
    """A 506 for a payload that decrypted but is refused lists its problems twice: in the
    documented envelope (`response.errors`) and as client kits read them (`data`)."""

    def test_each_field_names_its_messages(self, hesabe: Hesabe) -> None:
        answer = hesabe.send(
            "POST", "/api/v1/invoice", invoice_payload(amount="abc", mobileNumber="12")
        )
        assert answer.status_code == 506
        body = answer.json()
        assert (body["status"], body["code"], body["message"]) == (
            False,
            506,
            "Invalid Request Data",
        )
        fields = {e["field"] for e in body["response"]["errors"]}
        assert fields == {"amount", "mobileNumber"}
        assert set(body["data"]) == fields
        assert all(
            isinstance(m, list) and m and isinstance(m[0], str) for m in body["data"].values()
        )

    def test_a_core_refusal_is_keyed_by_the_payloads_field(self, hesabe: Hesabe) -> None:
        items = [{"name": "Pin", "quantity": "1.5", "price": "0.003"}] * 2
        answer = hesabe.send(
            "POST", "/api/v1/invoice", invoice_payload(amount="0.009", itemsList=items)
        )
        assert list(answer.json()["data"]) == ["amount"]

    def test_a_problem_of_the_whole_payload_is_keyed_payload(self, hesabe: Hesabe) -> None:
        email = invoice_payload(invoiceSubType="2", customerEmail=None)
        answer = hesabe.send("POST", "/api/v1/invoice", email)
        assert list(answer.json()["data"]) == ["payload"]
