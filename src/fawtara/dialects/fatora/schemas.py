"""Fatora wire shapes: request bodies in, response bodies out, spelled exactly as the wire does.

Responses are built as plain dicts by the `*_wire` functions and encoded with orjson (the hot
path skips pydantic); the models in `docs.py` describe the same shapes for OpenAPI.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema, model_validator
from pydantic.config import JsonDict

from fawtara.clients.contact import EMAIL_MAX_LENGTH, EMAIL_PATTERN
from fawtara.clients.schemas import ClientFields, ClientView
from fawtara.dialects.text import WireModel, WireTime
from fawtara.errors import InvalidInput
from fawtara.invoices.schemas import (
    DETAILED,
    QUICK,
    ClientRef,
    InvoiceDraft,
    InvoicePatch,
    InvoiceView,
    ItemDraft,
    PaymentDraft,
    SettingDraft,
)
from fawtara.money import invoicing_currencies

# An amount is a JSON number or a decimal string; the schema says which strings.
DECIMAL = r"^[+-]?[0-9]+(\.[0-9]+)?$"
Money = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL}]}),
]
Text = Annotated[str, Field(max_length=5000)]
# Not blank once stripped, and no NUL (see fawtara.dialects.text). Whitespace is spelled
# out: JSON Schema's \s (ECMA) lacks U+0085, which the server's pattern engine counts.
NotBlank = Field(pattern=r"^[^\x00]*[^\s\x85\x00][^\x00]*$")
ShortText = Annotated[str, Field(max_length=200)]
# Any three letters are read; the document lists those the platform takes (money.exponent),
# so a code it refuses (422) is invalid data, not valid data refused.
Currency = Annotated[
    str,
    Field(pattern="^[A-Za-z]{3}$"),
    WithJsonSchema({"type": "string", "enum": list(invoicing_currencies())}),
]


# --- requests -------------------------------------------------------------------------------


class _Body(WireModel):
    # Unknown fields are ignored, so a client can send back a body it got from GET.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ClientIn(_Body):
    id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    name: ShortText | None = None
    address: Text | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    email: Annotated[str, Field(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)] | None = None
    notes: Text | None = None

    def fields(self) -> ClientFields:
        return ClientFields(self.name, self.address, self.phone, self.email, self.notes)


class ClientCreateIn(ClientIn):
    name: Annotated[ShortText, NotBlank]


class ItemIn(_Body):
    description: Annotated[str, Field(min_length=1, max_length=2000), NotBlank]
    type: Annotated[str, Field(max_length=40)] = "Service Item"
    qty: Money = Decimal(1)
    amount: Money


class PaymentIn(_Body):
    payment_date: WireTime | None = None
    transaction_id: Annotated[str, Field(min_length=1, max_length=100), NotBlank] | None = None
    amount: Money
    note: Text | None = None
    payment_type: Annotated[str, Field(max_length=40)] = "Cash"
    status: Annotated[str, Field(max_length=20)] = "Paid"

    def draft(self) -> PaymentDraft:
        return PaymentDraft(
            amount=self.amount,
            payment_date=_naive_utc(self.payment_date),
            transaction_id=self.transaction_id,
            note=self.note,
            payment_type=self.payment_type,
            status=self.status,
        )


# JSON true or false only, as the document says: 0 or "no" read as false would be a value the
# sender may not have meant.
Flag = Annotated[bool, Strict()]


class AcceptedPaymentMethodsIn(_Body):
    card: Flag = True
    bank_account: Flag = True
    cash: Flag = True
    paypal: Flag = True
    e_signature: Flag = True


class SettingIn(_Body):
    tax: Flag = False
    discount: Money = Decimal(0)
    discount_type: Literal["", "fixed", "percentage"] = ""
    language: Literal["en", "ar"] = "en"
    accepted_payment_methods: AcceptedPaymentMethodsIn = AcceptedPaymentMethodsIn()

    def draft(self) -> SettingDraft:
        methods = self.accepted_payment_methods
        return SettingDraft(
            tax=self.tax,
            discount=self.discount,
            discount_type=self.discount_type,
            language=self.language,
            card=methods.card,
            bank_account=methods.bank_account,
            cash=methods.cash,
            paypal=methods.paypal,
            e_signature=methods.e_signature,
        )


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class _InvoiceFields(_Body):
    number: Annotated[str, Field(max_length=64)] | None = None
    currency: Currency | None = None
    title: Annotated[str, Field(max_length=300)] | None = None
    terms_conditions: Text | None = None
    note: Text | None = None
    date: WireTime | None = None
    due_date: WireTime | None = None
    client: ClientIn | None = None
    client_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=500)] | None = None
    setting: SettingIn | None = None

    def client_ref(self) -> ClientRef | None:
        if self.client_id is not None:
            return ClientRef(id=self.client_id)
        if self.client is None:
            return None
        return ClientRef(id=self.client.id, fields=self.client.fields())

    def common_fields(self) -> dict[str, Any]:
        """The fields a draft and a patch take the same way."""
        return {
            "number": self.number,
            "currency": self.currency,
            "title": self.title,
            "terms_conditions": self.terms_conditions,
            "note": self.note,
            "date": _aware(self.date),
            "due_date": _naive_utc(self.due_date),
            "client": self.client_ref(),
        }

    def item_drafts(self) -> list[ItemDraft] | None:
        if self.items is None:
            return None
        return [ItemDraft(i.description, i.amount, i.qty, i.type) for i in self.items]


# Quick or detailed, as JSON Schema says it: `items`, or `amount` and `description`.
_QUICK_OR_DETAILED: JsonDict = {
    "anyOf": [
        {
            "required": ["items"],
            "properties": {"items": {"type": "array"}, "amount": {"type": "null"}},
        },
        {
            "required": ["amount", "description"],
            "properties": {
                "amount": {"not": {"type": "null"}},
                "description": {"type": "string"},
                "items": {"type": "null"},
            },
        },
    ]
}


class InvoiceCreateIn(_InvoiceFields):
    """A detailed invoice (`items`), or a quick one (`amount` and `description`)."""

    model_config = ConfigDict(json_schema_extra=_QUICK_OR_DETAILED)

    amount: Money | None = None
    description: Annotated[str, Field(min_length=1, max_length=2000), NotBlank] | None = None
    payments: Annotated[list[PaymentIn], Field(max_length=100)] = []

    @model_validator(mode="after")
    def _quick_or_detailed(self) -> "InvoiceCreateIn":
        if self.items is not None and self.amount is not None:
            raise ValueError("give either items (detailed) or amount and description (quick)")
        if self.items is None:
            if self.amount is None:
                raise ValueError("give items (detailed) or amount and description (quick)")
            if self.description is None:
                raise ValueError("a quick invoice needs a description")
        return self

    def draft(self) -> InvoiceDraft:
        items = self.item_drafts()
        quick = items is None
        if items is None:
            assert self.amount is not None
            items = [ItemDraft(self.description or "", self.amount)]
        return InvoiceDraft(
            items=items,
            type=QUICK if quick else DETAILED,
            payments=[p.draft() for p in self.payments],
            setting=self.setting.draft() if self.setting else SettingDraft(),
            **self.common_fields(),
        )


class InvoiceUpdateIn(_InvoiceFields):
    """Only the fields sent change; `items`, when sent, replace all items."""

    status: Literal["cancelled"] | None = None

    def patch(self) -> InvoicePatch:
        given = set(self.model_fields_set)
        if "client_id" in given:
            given.add("client")
        return InvoicePatch(
            given=frozenset(given),
            items=self.item_drafts(),
            setting=self.setting.draft() if self.setting else None,
            status=self.status,
            **self.common_fields(),
        )


# A date on the wire is dd-mm-yyyy: the form is checked as the request is read (400), the
# calendar after (31-02-2024 is well formed but no date: a refused value, 422). The document
# gives the calendar's pattern (years 0001 to 9999, 29-02 in leap years only), so that every
# string it allows is a date the server takes.
_DAY_MONTH = r"(0[1-9]|1[0-9]|2[0-8])-(0[1-9]|1[0-2])|(29|30)-(0[13-9]|1[0-2])|31-(0[13578]|1[02])"
_YEAR = r"000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3}"
_LEAP_YEAR = r"[0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00"
CALENDAR_DATE = rf"^({_DAY_MONTH})-({_YEAR})$|^29-02-({_LEAP_YEAR})$"
DayMonthYear = Annotated[
    str,
    Field(pattern=r"^[0-9]{2}-[0-9]{2}-[0-9]{4}$"),
    WithJsonSchema({"type": "string", "pattern": CALENDAR_DATE}),
]


def calendar_date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%d-%m-%Y").date()
    except ValueError:
        raise InvalidInput(f"{value} is not a date", field=field) from None


_TYPES = {
    "quick": "Quick invoice",
    "quick invoice": "Quick invoice",
    "detailed": "Detailed invoice",
    "detailed invoice": "Detailed invoice",
}


def _invoice_type(value: object) -> object:
    """Accept the type as the wire shows it, in any case, or the short "quick"/"detailed"."""
    return _TYPES.get(value.strip().lower(), value) if isinstance(value, str) else value


InvoiceType = Annotated[
    Literal["Quick invoice", "Detailed invoice"], BeforeValidator(_invoice_type)
]
# The core's invoice kinds as the Fatora wire spells them, and back.
TYPE_NAMES = {QUICK: "Quick invoice", DETAILED: "Detailed invoice"}
KIND_OF_TYPE = {name: kind for kind, name in TYPE_NAMES.items()}


# --- responses ------------------------------------------------------------------------------


def client_wire(client: ClientView) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "address": client.address,
        "phone": client.phone,
        "email": client.email,
        "notes": client.notes,
    }


def invoice_wire(invoice: InvoiceView, base_url: str) -> dict[str, Any]:
    setting = invoice.setting
    return {
        "id": invoice.id,
        "number": invoice.number,
        "currency": invoice.currency,
        "terms_conditions": invoice.terms_conditions,
        "note": invoice.note,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "date": invoice.date.isoformat(),
        "status": invoice.status,
        "type": TYPE_NAMES.get(invoice.type, invoice.type),
        "client": client_wire(invoice.client) if invoice.client else None,
        "title": invoice.title,
        "link": f"{base_url}/i/{invoice.link_token}",
        "items": [
            {
                "id": item.id,
                "description": item.description,
                "type": item.type,
                "qty": float(item.qty),
                "amount": float(item.amount),
            }
            for item in invoice.items
        ],
        "payments": [
            {
                "id": p.id,
                "payment_date": p.payment_date.isoformat(),
                "transaction_id": p.transaction_id,
                "amount": float(p.amount),
                "note": p.note,
                "payment_type": p.payment_type,
                "status": p.status,
            }
            for p in invoice.payments
        ],
        "setting": {
            "tax": setting.tax,
            "discount": float(setting.discount),
            "discount_type": setting.discount_type,
            "language": setting.language,
            "accepted_payment_methods": {
                "card": setting.card,
                "bank_account": setting.bank_account,
                "cash": setting.cash,
                "paypal": setting.paypal,
                "e_signature": setting.e_signature,
            },
        },
        "total": float(invoice.total),
        "amount_due": float(invoice.total - invoice.paid),
    }
