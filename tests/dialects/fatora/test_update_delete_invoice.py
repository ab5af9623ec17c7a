"""PUT and DELETE /v1/invoices/{invoice_id}, and the audit record a delete leaves."""

import json
import subprocess

import httpx

from tests.dialects.fatora.wire import assert_error, create, create_quick
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server, fawtara


class TestUpdate:
    def test_sent_fields_change_and_the_rest_stays(self, api: httpx.Client) -> None:
        invoice = create(api, payments=[])
        response = api.put(
            f"/v1/invoices/{invoice['id']}", json={"title": "Renamed", "note": "Thanks"}
        )
        assert response.status_code == 200
        updated = response.json()["invoice"]
        assert (updated["title"], updated["note"]) == ("Renamed", "Thanks")
        unchanged = {k: v for k, v in updated.items() if k not in ("title", "note")}
        assert unchanged == {k: v for k, v in invoice.items() if k not in ("title", "note")}
        assert api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"] == updated

    def test_items_are_replaced_and_status_recomputed(self, api: httpx.Client) -> None:
        invoice = create(api, items=[{"description": "a", "amount": 100}], payments=[
            {"amount": 60, "transaction_id": "UPD-1"}
        ])  # fmt: skip
        assert invoice["status"] == "partially_paid"
        items = [{"description": "smaller", "amount": 60}]
        updated = api.put(f"/v1/invoices/{invoice['id']}", json={"items": items}).json()["invoice"]
        assert [i["description"] for i in updated["items"]] == ["smaller"]
        assert updated["status"] == "paid"

    def test_total_below_payments_is_refused_and_nothing_changes(self, api: httpx.Client) -> None:
        invoice = create(api, payments=[{"amount": 150, "transaction_id": "UPD-2"}])
        response = api.put(
            f"/v1/invoices/{invoice['id']}",
            json={"title": "new", "items": [{"description": "tiny", "amount": 1}]},
        )
        assert_error(response, 422, "payments")
        assert api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"] == invoice

    def test_cancel(self, api: httpx.Client) -> None:
        invoice = create_quick(api)
        response = api.put(f"/v1/invoices/{invoice['id']}", json={"status": "cancelled"})
        assert response.json()["invoice"]["status"] == "cancelled"

    def test_status_other_than_cancelled_is_400(self, api: httpx.Client) -> None:
        invoice = create_quick(api)
        response = api.put(f"/v1/invoices/{invoice['id']}", json={"status": "paid"})
        assert_error(response, 400, "status")

    def test_duplicate_number_is_409(self, api: httpx.Client) -> None:
        first, second = create_quick(api), create_quick(api)
        response = api.put(f"/v1/invoices/{second['id']}", json={"number": first["number"]})
        assert_error(response, 409)

    def test_another_merchants_invoice_is_not_found_and_unchanged(
        self, api: httpx.Client, other_api: httpx.Client
    ) -> None:
        theirs = create_quick(other_api)
        assert_error(api.put(f"/v1/invoices/{theirs['id']}", json={"title": "x"}), 404)
        assert other_api.get(f"/v1/invoices/{theirs['id']}").json()["invoice"] == theirs


class TestDelete:
    def test_204_with_an_empty_body_then_404(self, api: httpx.Client) -> None:
        invoice = create_quick(api)
        response = api.delete(f"/v1/invoices/{invoice['id']}")
        assert response.status_code == 204
        assert response.content == b""
        assert_error(api.get(f"/v1/invoices/{invoice['id']}"), 404)
        assert_error(api.delete(f"/v1/invoices/{invoice['id']}"), 404)

    def test_invoice_with_payments_is_kept(self, api: httpx.Client) -> None:
        invoice = create(api)
        assert_error(api.delete(f"/v1/invoices/{invoice['id']}"), 409, "payments")
        assert api.get(f"/v1/invoices/{invoice['id']}").status_code == 200

    def test_another_merchants_invoice_is_not_found_and_kept(
        self, api: httpx.Client, other_api: httpx.Client
    ) -> None:
        theirs = create_quick(other_api)
        assert_error(api.delete(f"/v1/invoices/{theirs['id']}"), 404)
        assert other_api.get(f"/v1/invoices/{theirs['id']}").status_code == 200

    def test_audit_keeps_a_full_snapshot(
        self, server: Server, api: httpx.Client, merchant: MerchantCredentials
    ) -> None:
        invoice = create(api, payments=[])
        api.delete(f"/v1/invoices/{invoice['id']}")

        def cli(*args: str) -> str:
            done = subprocess.run(
                fawtara("audit", *args), env=server.env, capture_output=True, text=True, check=True
            )
            return done.stdout

        events = json.loads(
            cli("list", "--merchant", str(merchant.id), "--action", "invoice.deleted", "--json")
        )
        assert len(events) == 1
        assert events[0]["entity_id"] == invoice["id"]
        assert events[0]["actor"] == f"api_key:{merchant.key_id}"
        record = json.loads(cli("show", str(events[0]["id"])))
        snapshot = record["snapshot"]
        assert snapshot["number"] == invoice["number"]
        assert snapshot["client"]["email"] == "client@example.com"
        assert [i["description"] for i in snapshot["items"]] == ["Design", "Hosting", "Cable"]
        assert snapshot["items"][1]["amount"] == "25.50"  # exact, as a string
        assert snapshot["total"] == "181.00"
