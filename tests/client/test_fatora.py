"""FatoraClient and AsyncFatoraClient against a real server: every resource, and the errors."""

import asyncio
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest

from fawtara.client import (
    AsyncFatoraClient,
    AuthenticationError,
    ConflictError,
    FatoraClient,
    Invoice,
    NotFoundError,
    ValidationError,
)
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server


def quick(fatora: FatoraClient, amount: str = "100", **fields: str) -> Invoice:
    return fatora.invoices.create(amount=Decimal(amount), description="Consulting", **fields)


class TestInvoices:
    def test_quick_invoice_round_trip(self, fatora: FatoraClient) -> None:
        created = quick(fatora, "100.25")
        assert created.type == "Quick invoice"
        assert created.status == "unpaid"
        assert [(i.description, i.qty, i.amount) for i in created.items] == [
            ("Consulting", Decimal(1), Decimal("100.25"))
        ]
        assert fatora.invoices.get(created.id) == created

    def test_detailed_invoice_keeps_exact_amounts(self, fatora: FatoraClient) -> None:
        created = fatora.invoices.create(
            currency="KWD",
            title="Website",
            due_date=datetime(2026, 12, 31),
            client={"name": "Client name", "email": "client@example.com"},
            items=[{"description": "Design", "qty": 2, "amount": Decimal("150.125")}],
            payments=[{"amount": Decimal("100.001"), "transaction_id": "TXN123"}],
            setting={"discount": 10, "discount_type": "percentage", "language": "ar"},
        )
        assert created.currency == "KWD"
        assert created.items[0].amount == Decimal("150.125")
        assert isinstance(created.items[0].amount, Decimal)
        assert created.payments[0].amount == Decimal("100.001")
        assert created.status == "partially_paid"
        assert created.client is not None
        assert created.client.email == "client@example.com"
        assert created.setting.language == "ar"
        assert created.due_date == datetime(2026, 12, 31)

    def test_update_and_delete(self, fatora: FatoraClient) -> None:
        invoice = quick(fatora)
        renamed = fatora.invoices.update(invoice.id, title="Renamed", note="Thanks")
        assert (renamed.title, renamed.note) == ("Renamed", "Thanks")
        assert fatora.invoices.update(invoice.id, status="cancelled").status == "cancelled"
        assert fatora.invoices.delete(invoice.id) is None
        with pytest.raises(NotFoundError) as caught:
            fatora.invoices.get(invoice.id)
        assert caught.value.status_code == 404
        assert caught.value.message == "Invoice not found"
        assert caught.value.body == {
            "status": "ERROR",
            "error": {"error_code": "404", "description": "Invoice not found"},
        }

    def test_list_and_iterate_every_page(self, fatora: FatoraClient) -> None:
        ids = [quick(fatora, str(n)).id for n in range(1, 6)]
        page = fatora.invoices.list(page=2, page_size=2)
        assert (page.total, page.page, page.page_size) == (5, 2, 2)
        assert [i.id for i in page.invoices] == ids[::-1][2:4]
        assert page.next_page == 3
        assert [i.id for i in fatora.invoices.iter(page_size=2)] == ids[::-1]
        assert fatora.invoices.list(page=3, page_size=2).next_page is None

    def test_filters(self, fatora: FatoraClient) -> None:
        paid = quick(fatora, "10")
        fatora.payments.add(paid.id, amount=Decimal(10))
        unpaid = quick(fatora, "20", title="Findme")
        assert [i.id for i in fatora.invoices.iter(status="paid")] == [paid.id]
        assert [i.id for i in fatora.invoices.iter(keyword="findme")] == [unpaid.id]
        today = paid.date.date()
        dated = fatora.invoices.list(date_from=today, date_to=today, type="Quick invoice")
        assert dated.total == 2
        assert fatora.invoices.list(date_to=date(2000, 1, 1)).invoices == []

    def test_revoke_link(self, server: Server, fatora: FatoraClient) -> None:
        invoice = quick(fatora)
        renewed = fatora.invoices.revoke_link(invoice.id)
        assert renewed.link != invoice.link
        old_token = invoice.link.rsplit("/", 1)[1]
        assert httpx.get(f"{server.url}/i/{old_token}").status_code == 404


class TestClients:
    def test_create_get_update_list_delete(self, fatora: FatoraClient) -> None:
        client = fatora.clients.create(name="Acme", email="Billing@Acme.example", phone="+974 5555")
        assert client.email == "billing@acme.example"
        assert fatora.clients.get(client.id) == client
        changed = fatora.clients.update(client.id, address="Doha", notes="VIP")
        assert (changed.name, changed.address, changed.notes) == ("Acme", "Doha", "VIP")
        other = fatora.clients.create(name="Other")
        assert [c.id for c in fatora.clients.iter(page_size=1)] == [other.id, client.id]
        assert fatora.clients.list(email="billing@acme.example").clients == [changed]
        fatora.clients.delete(other.id)
        with pytest.raises(NotFoundError):
            fatora.clients.get(other.id)

    def test_duplicate_email_is_a_conflict(self, fatora: FatoraClient) -> None:
        fatora.clients.create(name="A", email="a@example.com")
        with pytest.raises(ConflictError) as caught:
            fatora.clients.create(name="B", email="A@example.com")
        assert caught.value.status_code == 409

    def test_a_client_with_invoices_is_not_deleted(self, fatora: FatoraClient) -> None:
        client = fatora.clients.create(name="Busy")
        quick(fatora, client_id=client.id)
        with pytest.raises(ConflictError):
            fatora.clients.delete(client.id)


class TestPayments:
    def test_add_and_delete(self, fatora: FatoraClient) -> None:
        invoice = quick(fatora, "100")
        paid = fatora.payments.add(
            invoice.id, amount=Decimal("40.50"), transaction_id="PAY-1", payment_type="Card"
        )
        assert paid.status == "partially_paid"
        payment = paid.payments[0]
        assert (payment.amount, payment.transaction_id, payment.payment_type) == (
            Decimal("40.5"),
            "PAY-1",
            "Card",
        )
        assert fatora.payments.delete(invoice.id, payment.id).status == "unpaid"

    def test_refusals(self, fatora: FatoraClient) -> None:
        invoice = quick(fatora, "100")
        with pytest.raises(ValidationError) as over:
            fatora.payments.add(invoice.id, amount=Decimal("100.01"))
        assert over.value.status_code == 422
        fatora.payments.add(invoice.id, amount=Decimal(1), transaction_id="T-1")
        with pytest.raises(ConflictError):
            fatora.payments.add(invoice.id, amount=Decimal(1), transaction_id="T-1")
        with pytest.raises(NotFoundError):
            fatora.payments.delete(invoice.id, 2**31 - 1)


class TestErrors:
    @pytest.mark.parametrize("bearer", [True, False])
    def test_a_bad_key_is_an_authentication_error(self, server: Server, bearer: bool) -> None:
        with FatoraClient(server.url, "E4B73FEE-F492-4607-A38D-852B0EBC91C9", bearer=bearer) as c:
            with pytest.raises(AuthenticationError) as caught:
                c.invoices.list()
        assert caught.value.status_code == 401
        assert caught.value.message == "Invalid API Key"

    def test_a_duplicate_number_is_a_conflict(self, fatora: FatoraClient) -> None:
        quick(fatora, number="A-1")
        with pytest.raises(ConflictError) as caught:
            quick(fatora, number="A-1")
        assert caught.value.status_code == 409
        assert caught.value.message == "An invoice with this number already exists"

    def test_an_amount_finer_than_the_currency_is_refused_not_rounded(
        self, fatora: FatoraClient
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            quick(fatora, "100.005")
        assert caught.value.status_code == 422
        assert "QAR" in caught.value.message

    def test_a_missing_field_is_a_validation_error(self, fatora: FatoraClient) -> None:
        with pytest.raises(ValidationError) as caught:
            fatora.invoices.create(description="no amount, no items")
        assert caught.value.status_code == 400

    def test_floats_are_refused_before_sending(self, fatora: FatoraClient) -> None:
        with pytest.raises(TypeError, match="Decimal"):
            fatora.invoices.create(amount=100.5, description="x")

    def test_another_merchants_invoice_is_not_found(
        self, fatora: FatoraClient, server: Server, other_merchant: MerchantCredentials
    ) -> None:
        with FatoraClient(server.url, other_merchant.api_key) as other:
            theirs = other.invoices.create(amount=Decimal(1), description="theirs")
        with pytest.raises(NotFoundError):
            fatora.invoices.get(theirs.id)


class TestAsync:
    def test_the_same_calls_awaited(self, server: Server, merchant: MerchantCredentials) -> None:
        async def scenario() -> None:
            async with AsyncFatoraClient(server.url, merchant.api_key) as fatora:
                # Concurrent first calls: one sign-in, shared.
                created = await asyncio.gather(
                    *(fatora.invoices.create(amount=Decimal(n), description="x") for n in (1, 2, 3))
                )
                ids = sorted(i.id for i in created)
                assert [i.id async for i in fatora.invoices.iter(page_size=2)] == ids[::-1]
                client = await fatora.clients.create(name="Async")
                assert (await fatora.clients.get(client.id)).name == "Async"
                paid = await fatora.payments.add(ids[0], amount=Decimal(1))
                assert paid.status == "paid"
                await fatora.invoices.delete(ids[1])
                with pytest.raises(NotFoundError):
                    await fatora.invoices.get(ids[1])

        asyncio.run(scenario())
