"""The Fatora-style API's records as the SDK returns them, and the fields calls take.

Answers are read into frozen pydantic models with `Decimal` amounts (the wire's JSON numbers
are read from their digits, never through a float). What a call sends is typed with
TypedDicts, spelled as the wire spells it, so `create(**fields)` reads like the JSON it sends.
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, NotRequired, Required, TypedDict

from pydantic import BaseModel, ConfigDict, PlainSerializer

Amount = Decimal | int  # never float: amounts must reach the server as written


# A time as the wire writes it (ISO 8601 with its offset, "+00:00"), also when written back as
# JSON: pydantic's own form ("Z") would not be what the server sent.
Instant = Annotated[datetime, PlainSerializer(datetime.isoformat, when_used="json")]


class Model(BaseModel):
    # Fields the server may add later are ignored, so an older SDK keeps working.
    model_config = ConfigDict(frozen=True, extra="ignore")


# --- answers --------------------------------------------------------------------------------


class Client(Model):
    id: int
    name: str
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None


class Item(Model):
    id: int
    description: str
    type: str
    qty: Decimal
    amount: Decimal


class Payment(Model):
    id: int
    payment_date: Instant
    transaction_id: str | None
    amount: Decimal
    note: str | None = None
    payment_type: str
    status: str


class PaymentMethods(Model):
    card: bool
    bank_account: bool
    cash: bool
    paypal: bool
    e_signature: bool


class Setting(Model):
    tax: bool
    discount: Decimal
    discount_type: str
    language: str
    accepted_payment_methods: PaymentMethods


class Invoice(Model):
    id: int
    number: str
    currency: str
    terms_conditions: str | None = None
    note: str | None = None
    due_date: Instant | None = None
    date: Instant
    status: Literal["unpaid", "partially_paid", "paid", "cancelled"]
    type: str
    client: Client | None = None
    title: str | None = None
    link: str
    total: Decimal | None = None  # Fawtara's extension: None from a server without it
    amount_due: Decimal | None = None
    items: list[Item]
    payments: list[Payment]
    setting: Setting


class _Page(Model):
    total: int
    page: int
    page_size: int

    @property
    def next_page(self) -> int | None:
        """The number of the page after this one, if there is one."""
        return self.page + 1 if self.page * self.page_size < self.total else None


class InvoicePage(_Page):
    invoices: list[Invoice]

    @property
    def items(self) -> Sequence[Invoice]:
        return self.invoices


class ClientPage(_Page):
    clients: list[Client]

    @property
    def items(self) -> Sequence[Client]:
        return self.clients


class InvoiceAnswer(Model):
    invoice: Invoice


class ClientAnswer(Model):
    client: Client


class Authorized(Model):
    bearer_token: str


# --- what calls send ------------------------------------------------------------------------


class _ClientDetails(TypedDict, total=False):
    address: str | None
    phone: str | None
    email: str | None  # unique per merchant
    notes: str | None


class NewClient(_ClientDetails):
    name: str


class ClientFields(_ClientDetails, total=False):
    name: str


class InvoiceClient(ClientFields, total=False):
    """An invoice's client: an existing one by `id`, or found by email, or created."""

    id: int


class ItemFields(TypedDict):
    description: str
    amount: Amount
    qty: NotRequired[Amount]
    type: NotRequired[str]  # "Service Item" unless given


class PaymentFields(TypedDict, total=False):
    amount: Required[Amount]
    payment_date: datetime
    transaction_id: str
    note: str
    payment_type: str  # "Cash" unless given
    status: str


class PaymentMethodFields(TypedDict, total=False):
    card: bool
    bank_account: bool
    cash: bool
    paypal: bool
    e_signature: bool


class SettingFields(TypedDict, total=False):
    tax: bool
    discount: Amount
    discount_type: Literal["", "fixed", "percentage"]
    language: Literal["en", "ar"]
    accepted_payment_methods: PaymentMethodFields


class InvoiceFields(TypedDict, total=False):
    number: str
    currency: str
    title: str | None
    terms_conditions: str | None
    note: str | None
    date: datetime
    due_date: datetime | None
    client: InvoiceClient
    client_id: int
    items: list[ItemFields]
    setting: SettingFields


class NewInvoice(InvoiceFields, total=False):
    """A quick invoice (`amount` and `description`) or a detailed one (`items`)."""

    amount: Amount
    description: str
    payments: list[PaymentFields]


class InvoiceChanges(InvoiceFields, total=False):
    status: Literal["cancelled"]


class InvoiceFilters(TypedDict, total=False):
    keyword: str  # in the number or title
    status: Literal["unpaid", "partially_paid", "paid", "cancelled"]
    type: Literal["Quick invoice", "Detailed invoice"]
    client_email: str
    date_from: date  # inclusive, on the invoice date
    date_to: date
    page_size: int  # at most 100


class ClientFilters(TypedDict, total=False):
    keyword: str
    email: str
    page_size: int
