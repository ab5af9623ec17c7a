"""Dialect-free invoice shapes: drafts coming in, views going out."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from fawtara.clients.schemas import ClientFields, ClientView

# The kind of an invoice, as stored: dialect-free (each dialect spells it on its wire).
QUICK = "quick"  # one amount, one line
DETAILED = "detailed"  # items
STATUSES = ("unpaid", "partially_paid", "paid", "cancelled")
DISCOUNT_TYPES = ("", "fixed", "percentage")
LANGUAGES = ("en", "ar")
DELIVERIES = ("link", "sms")
CHANNELS = ("sms", "whatsapp", "email", "link")
CHANNEL_OF = {"link": "link", "sms": "sms"}  # the channel a delivery uses unless told
ORIGINS = ("api", "bulk", "scheduled")


@dataclass(frozen=True, slots=True)
class ItemDraft:
    description: str
    amount: Decimal
    qty: Decimal = Decimal(1)
    type: str = "Service Item"
    line: Decimal | None = None  # the line's amount as the caller states it: checked, not kept


@dataclass(frozen=True, slots=True)
class PaymentDraft:
    amount: Decimal
    payment_date: datetime | None = None  # naive; None means now
    transaction_id: str | None = None
    note: str | None = None
    payment_type: str = "Cash"
    status: str = "Paid"


@dataclass(frozen=True, slots=True)
class SettingDraft:
    tax: bool = False
    discount: Decimal = Decimal(0)
    discount_type: str = ""
    language: str = "en"
    card: bool = True
    bank_account: bool = True
    cash: bool = True
    paypal: bool = True
    e_signature: bool = True


@dataclass(frozen=True, slots=True)
class DeliveryDraft:
    """How an invoice reaches its customer (set by the Hesabe-style API)."""

    reference_number: str | None = None
    delivery: str = "link"  # one of DELIVERIES
    channel: str | None = None  # one of CHANNELS; None: the delivery's own (CHANNEL_OF)
    # The payment gateway's method codes the invoice is restricted to, all of them card
    # payments (1 KNET, 2 Visa/MasterCard, …); 0 is the gateway's own picker: no restriction.
    payment_methods: tuple[int, ...] = ()
    expires_at: date | None = None


@dataclass(frozen=True, slots=True)
class ClientRef:
    """An existing client by id, or the fields of a client found by email or created."""

    id: int | None = None
    fields: ClientFields = field(default_factory=ClientFields)


@dataclass(frozen=True, slots=True)
class InvoiceDraft:
    items: list[ItemDraft]
    type: str = DETAILED
    number: str | None = None
    currency: str | None = None
    title: str | None = None
    terms_conditions: str | None = None
    note: str | None = None
    date: datetime | None = None  # aware; None means now
    due_date: datetime | None = None  # naive
    client: ClientRef | None = None
    payments: list[PaymentDraft] = field(default_factory=list)
    setting: SettingDraft = field(default_factory=SettingDraft)
    delivery: DeliveryDraft = field(default_factory=DeliveryDraft)
    stated_total: Decimal | None = None  # the total as the caller states it: checked, not kept


@dataclass(frozen=True, slots=True)
class InvoicePatch:
    """An update: only the fields named in `given` change (a given None clears the field)."""

    given: frozenset[str]
    number: str | None = None
    currency: str | None = None
    title: str | None = None
    terms_conditions: str | None = None
    note: str | None = None
    date: datetime | None = None
    due_date: datetime | None = None
    client: ClientRef | None = None
    items: list[ItemDraft] | None = None
    setting: SettingDraft | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Amendment:
    """The few fields of a single-amount invoice that can change (None: leave as it is)."""

    amount: Decimal | None = None
    reference_number: str | None = None
    customer: ClientFields = field(default_factory=ClientFields)


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    description: str
    type: str
    qty: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    payment_date: datetime
    transaction_id: str | None
    amount: Decimal
    note: str | None
    payment_type: str
    status: str


@dataclass(frozen=True, slots=True)
class SettingView:
    tax: bool
    tax_rate: Decimal  # percent: the merchant's rate when the setting was last written
    discount: Decimal
    discount_type: str
    language: str
    card: bool
    bank_account: bool
    cash: bool
    paypal: bool
    e_signature: bool


@dataclass(frozen=True, slots=True)
class DeliveryView:
    reference_number: str | None
    delivery: str
    channel: str
    payment_methods: tuple[int, ...]
    expires_at: date | None
    origin: str  # one of ORIGINS
    scheduled_at: datetime | None
    access_key: str | None


@dataclass(frozen=True, slots=True)
class InvoiceView:
    id: int
    number: str
    currency: str
    title: str | None
    terms_conditions: str | None
    note: str | None
    date: datetime
    due_date: datetime | None
    status: str
    type: str
    client: ClientView | None
    link_token: str
    items: list[ItemView]
    payments: list[PaymentView]
    setting: SettingView
    total: Decimal
    paid: Decimal
    version: int
    delivery: DeliveryView
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InvoiceFilters:
    keyword: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    type: str | None = None
    client_email: str | None = None
    origins: tuple[str, ...] = ()  # empty: any origin
    delivery: str | None = None


@dataclass(frozen=True, slots=True)
class InvoicePage:
    invoices: list[InvoiceView]
    total: int
    page: int
    page_size: int
