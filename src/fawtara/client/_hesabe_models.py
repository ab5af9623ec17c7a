"""The Hesabe-style API's records as the SDK returns them, and the fields calls take.

Models keep the wire's field names (`invoice_status`, `phone_number`); amounts, which the wire
carries as strings with the currency's decimals ("280.000"), are `Decimal`; timestamps are
UTC. Calls take snake_case keywords, which the client spells as the wire does
(`reference_number` → `referenceNumber`).
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, Required, TypedDict

from pydantic import AfterValidator, PlainSerializer, computed_field, model_validator

from fawtara.client._fatora_models import Amount, Model


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


_WIRE_STAMP = "%Y-%m-%d %H:%M:%S"
# "2026-11-21 12:00:00", in UTC; written back (as JSON) the way the wire writes it.
Stamp = Annotated[
    datetime,
    AfterValidator(_utc),
    PlainSerializer(lambda value: value.strftime(_WIRE_STAMP), when_used="json"),
]

STATUSES = {0: "pending", 1: "paid", 2: "expired", 3: "cancelled"}


class Customer(Model):
    name: str | None = None
    email: str | None = None
    phone_number: str | None = None


class Product(Model):
    name: str
    quantity: Decimal
    price: Decimal


class HesabePayment(Model):
    id: int
    amount: Decimal
    transaction_id: str | None = None
    payment_type: str
    status: str
    payment_date: Stamp


class HesabeInvoice(Model):
    id: int
    invoice_number: str
    invoice_type: str  # "0" URL sharing, "1" SMS
    invoice_sub_type: str  # "0" SMS, "1" WhatsApp, "2" Email, "3" URL
    token: str
    access_key: str | None = None
    reference_number: str | None = None
    amount: Decimal
    currency: str
    description: str | None = None
    invoice_status: int  # 0 pending, 1 paid, 2 expired, 3 cancelled
    language: str
    allocate_pay_type: str = ""
    expires_at: date | None = None
    schedule_time: Stamp | None = None
    url: str
    created_at: Stamp | None = None
    updated_at: Stamp | None = None
    customer: Customer
    products: list[Product]
    payments: list[HesabePayment]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """`invoice_status` in words: pending, paid, expired or cancelled."""
        return STATUSES.get(self.invoice_status, str(self.invoice_status))


class HesabePage(Model):
    """A page of invoices; the dashboard nests the figures in `pagination`, the bulk list
    writes them beside `data`, and both read as one shape here."""

    data: list[HesabeInvoice]
    current_page: int
    per_page: int
    total: int
    last_page: int

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("pagination"), dict):
            return {**value["pagination"], "data": value.get("data")}
        return value

    @property
    def items(self) -> Sequence[HesabeInvoice]:
        return self.data

    @property
    def next_page(self) -> int | None:
        return self.current_page + 1 if self.current_page < self.last_page else None


class DashboardStats(Model):
    total_invoice_count: int
    invoice_paid: int
    invoice_not_paid: int
    invoice_cancelled: int


class Dashboard(Model):
    stats: DashboardStats
    invoices: HesabePage


class CreatedInvoice(Model):
    id: int
    token: str
    url: str


class BulkUpload(Model):
    count: int
    first_id: int | None = None
    last_id: int | None = None


class _Token(Model):
    access_token: str
    refresh_token: str
    expires_in: int


class _TokenResponse(Model):
    token: _Token


class LoginAnswer(Model):
    response: _TokenResponse

    @property
    def token(self) -> _Token:
        return self.response.token


# --- what calls send ------------------------------------------------------------------------


class HesabeItem(TypedDict):
    name: str
    price: Amount
    quantity: NotRequired[Amount]


class NewHesabeInvoice(TypedDict, total=False):
    customer_name: Required[str]
    mobile_number: Required[str]
    country_code: Required[str]  # "965"
    amount: Required[Amount]
    reference_number: str  # none by default
    expires_at: date  # none by default: the invoice does not expire
    customer_email: str  # required when invoice_sub_type is "2" (Email)
    description: str
    invoice_type: Literal["0", "1"]  # "0" URL sharing (default), "1" SMS
    # SMS, WhatsApp, Email, URL; by default the invoice type's own: "3" for "0", "0" for "1"
    invoice_sub_type: Literal["0", "1", "2", "3"]
    allocate_pay_type: list[int]
    language: Literal["en", "ar"]
    items: list[HesabeItem]  # must add up to `amount`


class HesabeChanges(TypedDict, total=False):
    amount: Amount
    name: str
    email: str
    phone: str
    reference_number: str


class DashboardFilters(TypedDict, total=False):
    from_date: date
    to_date: date
    search: str
    invoice_type: Literal["0", "1"]
