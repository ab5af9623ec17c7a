"""POST /v1/invoices/{id}/payments and DELETE /v1/invoices/{id}/payments/{payment_id}."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.dialects.fatora.wire import assert_error, create_quick
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server


def pay(api: httpx.Client, invoice_id: int, amount: float, **extra: Any) -> httpx.Response:
    return api.post(f"/v1/invoices/{invoice_id}/payments", json={"amount": amount, **extra})


class TestAdd:
    def test_status_follows_the_money(self, api: httpx.Client) -> None:
        invoice = create_quick(api, 100.0)
        assert invoice["status"] == "unpaid"
        first = pay(api, invoice["id"], 40.5, transaction_id="PAY-1", note="Deposit")
        assert first.status_code == 201
        after_first = first.json()["invoice"]
        assert after_first["status"] == "partially_paid"
        payment = after_first["payments"][0]
        assert (payment["amount"], payment["transaction_id"], payment["note"]) == (
            40.5,
            "PAY-1",
            "Deposit",
        )
        assert (payment["payment_type"], payment["status"]) == ("Cash", "Paid")
        second = pay(api, invoice["id"], 59.5, payment_type="Card").json()["invoice"]
        assert second["status"] == "paid"
        assert api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"] == second

    def test_overpayment_is_refused_and_nothing_is_recorded(self, api: httpx.Client) -> None:
        invoice = create_quick(api, 100.0)
        pay(api, invoice["id"], 60)
        assert_error(pay(api, invoice["id"], 40.01), 422, "exceed the invoice total")
        stored = api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"]
        assert [p["amount"] for p in stored["payments"]] == [60.0]

    def test_bad_amounts(self, api: httpx.Client) -> None:
        invoice = create_quick(api, 100.0)
        assert_error(pay(api, invoice["id"], 0), 422, "amount", "positive")
        assert_error(pay(api, invoice["id"], 1.005), 422, "amount", "QAR")
        assert_error(api.post(f"/v1/invoices/{invoice['id']}/payments", json={}), 400, "amount")

    def test_a_cancelled_invoice_takes_no_payment(self, api: httpx.Client) -> None:
        invoice = create_quick(api, 100.0)
        api.put(f"/v1/invoices/{invoice['id']}", json={"status": "cancelled"})
        assert_error(pay(api, invoice["id"], 10), 409, "cancelled")

    def test_a_duplicate_transaction_id_is_409(self, api: httpx.Client) -> None:
        one, two = create_quick(api, 100.0), create_quick(api, 100.0)
        assert pay(api, one["id"], 10, transaction_id="TX-SAME").status_code == 201
        assert_error(pay(api, two["id"], 10, transaction_id="TX-SAME"), 409, "transaction_id")

    def test_another_merchants_invoice_is_not_found(
        self, api: httpx.Client, other_api: httpx.Client
    ) -> None:
        theirs = create_quick(other_api, 100.0)
        assert_error(pay(api, theirs["id"], 10), 404)
        assert other_api.get(f"/v1/invoices/{theirs['id']}").json()["invoice"]["payments"] == []


class TestRemove:
    def test_removing_a_payment_recomputes_the_status(self, api: httpx.Client) -> None:
        invoice = create_quick(api, 100.0)
        pay(api, invoice["id"], 100)
        paid = pay(api, create_quick(api, 5.0)["id"], 5)  # another invoice's payment
        stored = api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"]
        payment_id = stored["payments"][0]["id"]
        answer = api.delete(f"/v1/invoices/{invoice['id']}/payments/{payment_id}")
        assert answer.status_code == 200
        assert answer.json()["invoice"]["status"] == "unpaid"
        assert answer.json()["invoice"]["payments"] == []
        other_payment = paid.json()["invoice"]["payments"][0]["id"]
        wrong_invoice = api.delete(f"/v1/invoices/{invoice['id']}/payments/{other_payment}")
        assert_error(wrong_invoice, 404, "Payment not found")
        assert_error(api.delete(f"/v1/invoices/{invoice['id']}/payments/{payment_id}"), 404)
        # With its payment gone, the invoice can be deleted.
        assert api.delete(f"/v1/invoices/{invoice['id']}").status_code == 204


class TestConcurrency:
    def test_concurrent_payments_never_pass_the_total(
        self, server: Server, merchant: MerchantCredentials
    ) -> None:
        """20 payments of 10 race on an invoice of 100: exactly 10 land, whatever the order."""
        headers = {"api_key": merchant.api_key}
        with httpx.Client(base_url=server.url, headers=headers) as api:
            invoice = create_quick(api, 100.0)

        def one(n: int) -> int:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                return pay(client, invoice["id"], 10, transaction_id=f"RACE-{n}").status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(one, range(20)))
        assert sorted(statuses) == [201] * 10 + [422] * 10
        with httpx.Client(base_url=server.url, headers=headers) as api:
            stored = api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"]
        assert stored["status"] == "paid"
        assert sum(p["amount"] for p in stored["payments"]) == 100.0
        assert len(stored["payments"]) == 10
