"""POST /v1/invoices: quick and detailed bodies, numbering, money and validation."""

import concurrent.futures

import httpx
import pytest

from tests.dialects.fatora.wire import assert_error, create, create_quick, detailed_body
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server


class TestQuickInvoice:
    def test_amount_and_description_make_one_item(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", json={"amount": 100.5, "description": "Consulting"})
        assert response.status_code == 201
        invoice = response.json()["invoice"]
        assert invoice["type"] == "Quick invoice"
        assert invoice["status"] == "unpaid"
        assert invoice["client"] is None
        assert [(i["description"], i["qty"], i["amount"]) for i in invoice["items"]] == [
            ("Consulting", 1.0, 100.5)
        ]
        assert api.get(f"/v1/invoices/{invoice['id']}").json()["invoice"] == invoice

    def test_description_is_required(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", json={"amount": 100})
        assert_error(response, 400, "needs a description")

    def test_amount_or_items_are_required(self, api: httpx.Client) -> None:
        assert_error(api.post("/v1/invoices", json={"title": "x"}), 400, "give items")

    def test_amount_and_items_together_are_refused(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", json=detailed_body(amount=5, description="x"))
        assert_error(response, 400, "either items")


class TestDetailedInvoice:
    def test_status_follows_the_payments(self, api: httpx.Client) -> None:
        items = [{"description": "Work", "qty": 1, "amount": 200}]
        unpaid = create(api, items=items, payments=[])
        partial = create(api, items=items, payments=[{"amount": 50, "transaction_id": "P-1"}])
        paid = create(api, items=items, payments=[{"amount": 200, "transaction_id": "P-2"}])
        assert [unpaid["status"], partial["status"], paid["status"]] == [
            "unpaid",
            "partially_paid",
            "paid",
        ]

    def test_overpayment_is_refused(self, api: httpx.Client) -> None:
        body = detailed_body(payments=[{"amount": 1000, "transaction_id": "BIG"}])
        assert_error(api.post("/v1/invoices", json=body), 422, "payments", "exceed")

    def test_existing_client_is_reused_by_email(self, api: httpx.Client) -> None:
        first, second = create(api), create(api)
        assert first["client"]["id"] == second["client"]["id"]
        assert api.get("/v1/clients").json()["total"] == 1

    def test_client_by_id(self, api: httpx.Client) -> None:
        client = api.post("/v1/clients", json={"name": "By Id"}).json()["client"]
        invoice = create(api, client={"id": client["id"]})
        assert invoice["client"] == client

    def test_unknown_client_id_is_refused(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", json=detailed_body(client_id=999_999))
        assert_error(response, 422, "client.id")

    def test_numbers_are_generated_gapless_per_merchant(self, api: httpx.Client) -> None:
        numbers = [create_quick(api)["number"] for _ in range(3)]
        assert numbers == ["INV00001", "INV00002", "INV00003"]

    def test_a_failed_create_does_not_use_up_a_number(self, api: httpx.Client) -> None:
        create_quick(api)
        assert (
            api.post("/v1/invoices", json={"amount": 1.001, "description": "x"}).status_code == 422
        )
        assert create_quick(api)["number"] == "INV00002"

    def test_given_number_is_kept_and_unique(self, api: httpx.Client) -> None:
        assert create(api, number="INV567")["number"] == "INV567"
        response = api.post("/v1/invoices", json=detailed_body(number="INV567"))
        assert_error(response, 409, "already exists")

    def test_generated_numbers_step_past_hand_chosen_ones(self, api: httpx.Client) -> None:
        create(api, number="INV00001", payments=[])
        assert create_quick(api)["number"] == "INV00002"

    def test_concurrent_creates_get_distinct_gapless_numbers(self, server: Server) -> None:
        merchant = new_merchant(server.database_url)
        headers = {"api_key": merchant.api_key}

        def one(_: int) -> str:
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                return create_quick(client)["number"]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            numbers = sorted(pool.map(one, range(16)))
        assert numbers == [f"INV{n:05d}" for n in range(1, 17)]

    def test_nothing_is_written_when_a_later_part_fails(self, api: httpx.Client) -> None:
        body = detailed_body(
            client={"name": "Half Written", "email": "half@example.com"},
            payments=[{"amount": 10_000, "transaction_id": "TOO-MUCH"}],
        )
        assert api.post("/v1/invoices", json=body).status_code == 422
        assert api.get("/v1/clients", params={"email": "half@example.com"}).json()["total"] == 0
        assert api.get("/v1/invoices").json()["total"] == 0


class TestMoney:
    @pytest.mark.parametrize(
        ("currency", "amount", "shown"),
        [("QAR", "10.25", 10.25), ("KWD", "10.125", 10.125), ("JPY", "1000", 1000.0)],
    )
    def test_currency_minor_units_are_kept_exactly(
        self, api: httpx.Client, currency: str, amount: str, shown: float
    ) -> None:
        body = f'{{"currency": "{currency}", "amount": {amount}, "description": "x"}}'
        response = api.post(
            "/v1/invoices", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 201, response.text
        assert response.json()["invoice"]["items"][0]["amount"] == shown

    @pytest.mark.parametrize(
        ("currency", "amount"),
        [("QAR", "10.255"), ("KWD", "1.0001"), ("JPY", "1.5"), ("QAR", "100.0000000000000001")],
    )
    def test_amounts_finer_than_the_currency_are_refused(
        self, api: httpx.Client, currency: str, amount: str
    ) -> None:
        body = f'{{"currency": "{currency}", "amount": {amount}, "description": "x"}}'
        response = api.post(
            "/v1/invoices", content=body, headers={"content-type": "application/json"}
        )
        assert_error(response, 422, "items[0].amount", f"more decimal places than {currency}")

    def test_item_amount_is_named_in_the_error(self, api: httpx.Client) -> None:
        items = [{"description": "a", "amount": 1}, {"description": "b", "amount": 1.234}]
        assert_error(
            api.post("/v1/invoices", json=detailed_body(items=items)), 422, "items[1].amount"
        )

    @pytest.mark.parametrize("currency", ["XXX", "ABC", "qar", "XAU"])
    def test_unknown_currency_is_refused(self, api: httpx.Client, currency: str) -> None:
        response = api.post(
            "/v1/invoices", json={"currency": currency, "amount": 1, "description": "x"}
        )
        assert_error(response, 422, "currency")

    @pytest.mark.parametrize("amount", ["1e400", "1e999999999", "-5", "NaN", "Infinity"])
    def test_absurd_amounts_are_refused(self, api: httpx.Client, amount: str) -> None:
        body = f'{{"amount": {amount}, "description": "x"}}'
        response = api.post(
            "/v1/invoices", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code in (400, 422), response.text
        assert_error(response, response.status_code)

    @pytest.mark.parametrize("qty", ["0", "-1", "0.0001", "1e999999999"])
    def test_bad_quantities_are_refused(self, api: httpx.Client, qty: str) -> None:
        body = f'{{"items": [{{"description": "x", "qty": {qty}, "amount": 1}}]}}'
        response = api.post(
            "/v1/invoices", content=body, headers={"content-type": "application/json"}
        )
        assert_error(response, 422, "items[0].qty")

    def test_the_reference_pages_seven_digit_fractions_are_accepted(
        self, api: httpx.Client
    ) -> None:
        invoice = create_quick(api, date="2023-10-24T10:21:00.9047758+02:00")
        assert invoice["date"].startswith("2023-10-24T08:21:00.904775")

    def test_percentage_discount(self, api: httpx.Client) -> None:
        setting = {"discount": 12.5, "discount_type": "percentage"}
        invoice = create(api, setting=setting, payments=[])
        assert invoice["setting"]["discount"] == 12.5
        assert invoice["setting"]["discount_type"] == "percentage"


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"items": [{"amount": 1}]}, "items[0].description"),
            ({"items": [{"description": "x"}]}, "items[0].amount"),
            ({"items": [{"description": "x", "amount": "lots"}]}, "items[0].amount"),
            ({"items": []}, "items"),
            ({"amount": 1, "description": "x", "due_date": "tomorrow"}, "due_date"),
            ({"amount": 1, "description": "x", "setting": {"language": "fr"}}, "setting.language"),
            ({"amount": 1, "description": "x", "client": {"email": "nope"}}, "client.email"),
            # Times are text with a date and a time; booleans are true or false.
            ({"amount": 1, "description": "x", "due_date": 0}, "due_date"),
            ({"amount": 1, "description": "x", "due_date": "1700000000"}, "due_date"),
            ({"amount": 1, "description": "x", "date": "2026-12-05"}, "date"),
            ({"amount": 1, "description": "x", "setting": {"tax": 0}}, "setting.tax"),
            (
                {"amount": 1, "description": "x", "setting": {"tax": "false"}},
                "setting.tax",
            ),
            (
                {
                    "amount": 1,
                    "description": "x",
                    "setting": {"accepted_payment_methods": {"e_signature": 0}},
                },
                "setting.accepted_payment_methods.e_signature",
            ),
        ],
    )
    def test_bad_fields_are_400_naming_the_field(
        self, api: httpx.Client, body: dict[str, object], field: str
    ) -> None:
        assert_error(api.post("/v1/invoices", json=body), 400, field)

    def test_malformed_json_is_400(self, api: httpx.Client) -> None:
        response = api.post(
            "/v1/invoices", content=b'{"amount": 1,', headers={"content-type": "application/json"}
        )
        assert_error(response, 400, "Malformed JSON")

    def test_a_json_array_is_400(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", json=[1, 2])
        assert_error(response, 400)

    def test_non_json_body_is_415(self, api: httpx.Client) -> None:
        response = api.post("/v1/invoices", data={"amount": "1", "description": "x"})
        assert_error(response, 415, "application/json")

    @pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
    def test_accept_without_json_is_406(self, api: httpx.Client, accept: str) -> None:
        response = api.get("/v1/invoices", headers={"Accept": accept})
        assert_error(response, 406)

    @pytest.mark.parametrize(
        "accept", ["*/*", "application/json", "text/html, application/*;q=0.5"]
    )
    def test_accept_with_json_is_served(self, api: httpx.Client, accept: str) -> None:
        assert api.get("/v1/invoices", headers={"Accept": accept}).status_code == 200

    def test_unknown_route_and_method_use_the_envelope(self, api: httpx.Client) -> None:
        assert_error(api.get("/v1/nothing-here"), 404)
        assert_error(api.patch("/v1/invoices/1", json={}), 405)
