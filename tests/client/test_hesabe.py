"""HesabeClient and AsyncHesabeClient against a real server: every route, sealed both ways."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from fawtara.client import (
    AsyncHesabeClient,
    AuthenticationError,
    ConflictError,
    CreatedInvoice,
    FatoraClient,
    HesabeClient,
    NotFoundError,
    ValidationError,
)
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

HEADER = ["reference_number", "name", "phone", "email", "amount", "description"]
NEXT_YEAR = datetime.now(UTC).date() + timedelta(days=365)


def create(hesabe: HesabeClient, amount: str = "280.000", **fields: Any) -> CreatedInvoice:
    return hesabe.invoices.create(
        reference_number=fields.pop("reference_number", "REF-1"),
        customer_name="Fatima",
        mobile_number="55000000",
        country_code="965",
        amount=Decimal(amount),
        expires_at=NEXT_YEAR,
        **fields,
    )


def csv_file(folder: Path, *rows: str) -> Path:
    path = folder / "invoices.csv"
    path.write_text("\n".join([",".join(HEADER), *rows]) + "\n")
    return path


class TestInvoices:
    def test_create_and_get(self, hesabe_client: HesabeClient) -> None:
        created = create(
            hesabe_client,
            "12.500",
            customer_email="fatima@example.com",
            invoice_sub_type="2",
            description="Rent",
            items=[
                {"name": "Desk", "quantity": 2, "price": Decimal("5.000")},
                {"name": "Lamp", "price": Decimal("2.5")},
            ],
        )
        assert created.url.endswith(f"/i/{created.token}")
        invoice = hesabe_client.invoices.get(created.id)
        assert (invoice.amount, invoice.currency, invoice.status) == (
            Decimal("12.500"),
            "KWD",
            "pending",
        )
        assert isinstance(invoice.amount, Decimal)
        assert invoice.invoice_sub_type == "2"
        assert invoice.customer.email == "fatima@example.com"
        assert invoice.customer.phone_number == "+96555000000"
        assert [(p.name, p.quantity, p.price) for p in invoice.products] == [
            ("Desk", Decimal(2), Decimal("5.000")),
            ("Lamp", Decimal(1), Decimal("2.500")),
        ]
        assert invoice.expires_at == NEXT_YEAR
        assert invoice.created_at is not None
        assert invoice.created_at.tzinfo is UTC

    def test_dashboard_cancel_and_pages(self, hesabe_client: HesabeClient) -> None:
        ids = [create(hesabe_client, reference_number=f"R-{n}").id for n in range(11)]
        hesabe_client.invoices.cancel(hesabe_client.invoices.get(ids[0]).token)
        dashboard = hesabe_client.invoices.dashboard()
        assert dashboard.stats.total_invoice_count == 11
        assert dashboard.stats.invoice_cancelled == 1
        assert (dashboard.invoices.total, dashboard.invoices.last_page) == (11, 2)
        assert hesabe_client.invoices.list(page=2).data[0].id == ids[0]
        assert [i.id for i in hesabe_client.invoices.iter()] == ids[::-1]
        assert [i.id for i in hesabe_client.invoices.iter(search="R-10")] == [ids[10]]
        cancelled = hesabe_client.invoices.get(ids[0])
        assert (cancelled.invoice_status, cancelled.status) == (3, "cancelled")
        assert hesabe_client.invoices.list(to_date=date(2000, 1, 1)).data == []


class TestBulk:
    def test_upload_csv_list_update_delete(
        self, hesabe_client: HesabeClient, tmp_path: Path
    ) -> None:
        path = csv_file(
            tmp_path,
            "B-1,Ahmed,+96566666666,ahmed@example.com,280.000,Rent",
            "B-2,Sara,96555555555,,12.5,",
        )
        uploaded = hesabe_client.bulk.upload(path)
        assert uploaded.count == 2
        assert uploaded.last_id is not None
        listed = [i for i in hesabe_client.bulk.iter()]
        assert [i.reference_number for i in listed] == ["B-2", "B-1"]
        assert hesabe_client.bulk.list().total == 2
        changed = hesabe_client.bulk.update(
            uploaded.last_id, amount=Decimal("13"), name="Sara A.", reference_number="B-2b"
        )
        assert (changed.amount, changed.customer.name, changed.reference_number) == (
            Decimal("13.000"),
            "Sara A.",
            "B-2b",
        )
        hesabe_client.bulk.delete(uploaded.last_id)
        with pytest.raises(NotFoundError) as caught:
            hesabe_client.invoices.get(uploaded.last_id)
        assert caught.value.status_code == 404
        assert caught.value.body == {
            "status": False,
            "message": "Request not found, Please verify the request data",
            "response": None,
        }

    def test_upload_xlsx_scheduled(self, hesabe_client: HesabeClient, tmp_path: Path) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append([*HEADER, "schedule_time"])
        sheet.append(["X-1", "Ali", 96550001234, None, 7.25, "Later", "2030-01-02 09:30"])
        book.save(tmp_path / "invoices.xlsx")
        assert hesabe_client.bulk.upload(tmp_path / "invoices.xlsx", scheduled=True).count == 1
        (scheduled,) = hesabe_client.bulk.list(scheduled=True).data
        assert scheduled.amount == Decimal("7.250")
        assert scheduled.schedule_time == datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
        assert hesabe_client.bulk.list().data == []

    def test_bad_rows_are_listed_by_line(self, hesabe_client: HesabeClient, tmp_path: Path) -> None:
        path = csv_file(tmp_path, "OK,Ahmed,96566666666,,1,", "BAD,Sara,phone?,,1,", ",,,,,")
        with pytest.raises(ValidationError) as caught:
            hesabe_client.bulk.upload(path)
        assert caught.value.status_code == 506
        assert caught.value.message == "Invalid Request Data"
        assert caught.value.errors == [
            {"line": 3, "reason": "phone: must be 6 to 20 digits, optionally after a +"}
        ]
        assert hesabe_client.bulk.list().total == 0

    def test_only_csv_and_xlsx_are_sent(self, hesabe_client: HesabeClient, tmp_path: Path) -> None:
        (tmp_path / "invoices.txt").write_text("x")
        with pytest.raises(ValueError, match="csv or .xlsx"):
            hesabe_client.bulk.upload(tmp_path / "invoices.txt")


class TestErrors:
    def test_a_wrong_password_is_an_authentication_error(
        self, server: Server, hesabe_merchant: MerchantCredentials
    ) -> None:
        login = {**hesabe_merchant.hesabe_login(), "password": "wrong"}
        with HesabeClient(server.url, **login) as hesabe, pytest.raises(AuthenticationError) as e:
            hesabe.invoices.dashboard()
        assert e.value.status_code == 401
        assert e.value.body["status"] is False

    def test_a_wrong_access_code_is_an_authentication_error(
        self, server: Server, hesabe_merchant: MerchantCredentials
    ) -> None:
        login = {**hesabe_merchant.hesabe_login(), "access_code": "not-the-code"}
        with HesabeClient(server.url, **login) as hesabe, pytest.raises(AuthenticationError):
            hesabe.invoices.dashboard()

    def test_a_wrong_envelope_key_is_invalid_request_data(
        self, server: Server, hesabe_merchant: MerchantCredentials
    ) -> None:
        login = {**hesabe_merchant.hesabe_login(), "secret_key": "x" * 32}
        with HesabeClient(server.url, **login) as hesabe, pytest.raises(ValidationError) as e:
            hesabe.invoices.dashboard()
        assert e.value.body == {
            "status": False,
            "code": 506,
            "message": "Invalid Request Data",
            "response": None,
        }

    def test_a_field_the_server_refuses(self, hesabe_client: HesabeClient) -> None:
        with pytest.raises(ValidationError) as caught:
            create(hesabe_client, "1.0001")
        assert caught.value.status_code == 506
        assert "KWD allows (3)" in caught.value.errors[0]["reason"]

    def test_deleting_a_paid_invoice_is_a_conflict(
        self, server: Server, hesabe_client: HesabeClient, hesabe_merchant: MerchantCredentials
    ) -> None:
        created = create(hesabe_client, "10")
        with FatoraClient(server.url, hesabe_merchant.api_key) as fatora:  # one core, two APIs
            fatora.payments.add(created.id, amount=Decimal(5))
        with pytest.raises(ConflictError) as caught:
            hesabe_client.bulk.delete(created.id)
        assert caught.value.status_code == 409


class TestAsync:
    def test_the_same_calls_awaited(
        self, server: Server, hesabe_merchant: MerchantCredentials, tmp_path: Path
    ) -> None:
        path = csv_file(tmp_path, "A-1,Ahmed,96566666666,,1,", "A-2,Sara,96555555555,,2,")

        async def scenario() -> None:
            async with AsyncHesabeClient(server.url, **hesabe_merchant.hesabe_login()) as hesabe:
                uploaded, dashboard = await asyncio.gather(
                    hesabe.bulk.upload(path), hesabe.invoices.dashboard()
                )
                assert uploaded.count == 2
                ids = [i.id async for i in hesabe.bulk.iter()]
                assert len(ids) == 2
                invoice = await hesabe.invoices.get(ids[0])
                await hesabe.invoices.cancel(invoice.token)
                assert (await hesabe.bulk.update(ids[1], amount=Decimal(3))).amount == 3
                await hesabe.bulk.delete(ids[1])
                assert [i.status async for i in hesabe.invoices.iter()] == ["cancelled"]

        asyncio.run(scenario())


class TestOptionalFields:
    def test_reference_sub_type_and_expiry_may_be_left_out(
        self, hesabe_client: HesabeClient
    ) -> None:
        created = hesabe_client.invoices.create(
            customer_name="Ahmed",
            mobile_number="66666666",
            country_code="965",
            amount=Decimal(20),
            invoice_type="1",
        )
        invoice = hesabe_client.invoices.get(created.id)
        assert (invoice.reference_number, invoice.expires_at) == (None, None)
        assert (invoice.invoice_type, invoice.invoice_sub_type) == ("1", "0")
