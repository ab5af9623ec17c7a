"""Hesabe-style wire shapes: decrypted payloads in (camelCase, string codes), invoices out.

Codes on the wire: invoiceType "0" URL sharing / "1" SMS; invoiceSubType "0" SMS,
"1" WhatsApp, "2" Email, "3" URL; invoice_status 0 pending, 1 paid, 2 expired, 3 cancelled.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from fawtara.clients.contact import EMAIL_MAX_LENGTH, EMAIL_PATTERN, PHONE_PATTERN, compact_phone
from fawtara.clients.schemas import ClientFields
from fawtara.dialects.hesabe.errors import InvalidRequestData, problems
from fawtara.dialects.text import WireModel
from fawtara.invoices import rules
from fawtara.invoices.schemas import (
    DETAILED,
    QUICK,
    Amendment,
    ClientRef,
    DeliveryDraft,
    InvoiceDraft,
    InvoiceView,
    ItemDraft,
    SettingDraft,
)
from fawtara.money import format_decimal

# allocatePayType codes, as the public Hesabe client kit lists them (all are card payments).
PAY_TYPES = {
    0: "any: the gateway's own picker",
    1: "KNET",
    2: "Visa/MasterCard (MPGS)",
    5: "CyberSource",
    7: "American Express",
    8: "MPGS American Express",
    9: "MPGS Apple Pay",
    10: "CyberSource Apple Pay",
    11: "KNET Debit Apple Pay",
    12: "KNET Credit Apple Pay",
    13: "KNET Apple Pay International",
    14: "American Express Apple Pay International",
    15: "CyberSource subscription",
    16: "Google Pay",
    18: "Deema",
    19: "MPGS subscription",
    20: "Samsung Pay",
}
DELIVERY_CODES = {"0": "link", "1": "sms"}
CHANNEL_CODES = {"0": "sms", "1": "whatsapp", "2": "email", "3": "link"}
_DELIVERY_OF = {v: k for k, v in DELIVERY_CODES.items()}
_CHANNEL_OF = {v: k for k, v in CHANNEL_CODES.items()}
_CORE_ITEM_FIELD = re.compile(r"items\[(\d+)\]\.(amount|qty|description|line)")
_TOP_FIELDS = {"total": "amount", "expires_at": "expiresAt"}
_ITEM_FIELDS = {"qty": "quantity", "description": "name", "line": "amount"}


def _text(value: object) -> object:
    """Client kits send numbers as strings or as numbers: take both, keep the text."""
    return str(value) if isinstance(value, int | Decimal) and not isinstance(value, bool) else value


def _phone(value: object) -> object:
    """The one phone rule (fawtara.clients.contact), its spaces and dashes taken out first."""
    value = _text(value)
    return compact_phone(value) if isinstance(value, str) else value


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _methods(value: object) -> object:
    """allocatePayType comes as [1, 2], ["1", "2"] or "1,2"."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _pay_type(code: int) -> int:
    if code not in PAY_TYPES:
        raise ValueError(f"not a payment type: one of {', '.join(map(str, PAY_TYPES))}")
    return code


Code = Annotated[str, BeforeValidator(_text)]
Amount = Annotated[str, BeforeValidator(_text), Field(pattern=r"^\d{1,15}(\.\d{1,6})?$")]
Phone = Annotated[str, BeforeValidator(_phone), Field(pattern=PHONE_PATTERN)]
# The constraints on the str alone: on the union, a null would reach len() (a server error).
Email = Annotated[
    Annotated[str, Field(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)] | None,
    BeforeValidator(_blank_to_none),
]


class Payload(WireModel):
    """Every payload: unknown keys (webhook, subscription, …) are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @classmethod
    def of(cls, payload: dict[str, Any]) -> "Any":
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            raise InvalidRequestData(problems(exc.errors())) from None


class ItemIn(Payload):
    """An `itemsList` entry: the unit price as `price` or, as client kits send it, `rate`;
    `amount`, when sent, is the line (quantity x unit price), which the core checks."""

    name: Annotated[str, Field(min_length=1, max_length=500)]
    quantity: Annotated[Decimal, Field(gt=0, le=1_000_000)] = Decimal(1)
    price: Amount | None = None
    rate: Amount | None = None
    amount: Amount | None = None

    @model_validator(mode="after")
    def _one_unit_price(self) -> "ItemIn":
        if (self.price is None) == (self.rate is None):
            raise ValueError("give the unit price as price or as rate (one of them)")
        return self

    @property
    def unit_price(self) -> str:
        return self.price or self.rate or ""

    @property
    def price_field(self) -> str:
        return "price" if self.price is not None else "rate"


Optional = BeforeValidator(_blank_to_none)  # an empty or blank string is a field left out


class InvoiceIn(Payload):
    """Defaults of what may be left out: no reference number; the sub-type of the invoice
    type (SMS for "1", URL for "0"); no expiry; the line of a quick invoice is named by
    `description`, else by `referenceNumber`, else "Invoice"."""

    reference_number: Annotated[
        Annotated[Code, Field(min_length=1, max_length=64)] | None,
        Optional,
        Field(alias="referenceNumber"),
    ] = None
    customer_name: Annotated[str, Field(alias="customerName", min_length=1, max_length=200)]
    mobile_number: Annotated[Phone, Field(alias="mobileNumber")]
    country_code: Annotated[Code, Field(alias="countryCode", pattern=r"^\+?\d{1,4}$")]
    customer_email: Annotated[Email, Field(alias="customerEmail")] = None
    amount: Amount
    description: Annotated[str, Field(max_length=1000)] | None = None
    invoice_type: Annotated[Literal["0", "1"], BeforeValidator(_text), Field(alias="invoiceType")]
    invoice_sub_type: Annotated[
        Literal["0", "1", "2", "3"] | None,
        BeforeValidator(lambda v: _blank_to_none(_text(v))),
        Field(alias="invoiceSubType"),
    ] = None
    allocate_pay_type: Annotated[
        list[Annotated[int, AfterValidator(_pay_type)]],
        BeforeValidator(_methods),
        Field(alias="allocatePayType", max_length=20),
    ] = Field(default_factory=list, alias="allocatePayType")
    language: Literal["en", "ar"] = "en"
    expires_at: Annotated[date | None, Optional, Field(alias="expiresAt")] = None
    items_list: Annotated[list[ItemIn], Field(alias="itemsList", max_length=500)] = Field(
        default_factory=list, alias="itemsList"
    )

    @model_validator(mode="after")
    def _checked(self) -> "InvoiceIn":
        if self.invoice_sub_type == "2" and self.customer_email is None:
            raise ValueError("customerEmail is required when invoiceSubType is 2 (Email)")
        return self

    def wire_field(self, field: str | None) -> str | None:
        """The payload's name for a field the core names (`items[0].amount` is `amount` in
        a quick invoice, `itemsList[0].price` or `.rate`, as sent, in one with items)."""
        if field in _TOP_FIELDS:
            return _TOP_FIELDS[field]
        match = _CORE_ITEM_FIELD.fullmatch(field or "")
        if match is None:
            return field
        position, name = match.groups()
        if not self.items_list:
            return {"amount": "amount", "description": "description"}.get(name, field)
        item = self.items_list[int(position)]
        wire = item.price_field if name == "amount" else _ITEM_FIELDS[name]
        return f"itemsList[{position}].{wire}"

    def draft(self) -> InvoiceDraft:
        items = [
            ItemDraft(
                description=i.name,
                amount=Decimal(i.unit_price),
                qty=i.quantity,
                line=Decimal(i.amount) if i.amount is not None else None,
            )
            for i in self.items_list
        ] or [ItemDraft(description=self.description or self.reference_number or "Invoice",
                        amount=Decimal(self.amount))]  # fmt: skip
        phone = f"+{self.country_code.lstrip('+')}{self.mobile_number.lstrip('+')}"
        return InvoiceDraft(
            items=items,
            type=DETAILED if self.items_list else QUICK,
            title=self.description,
            client=ClientRef(
                fields=ClientFields(name=self.customer_name, phone=phone, email=self.customer_email)
            ),
            setting=SettingDraft(language=self.language),
            delivery=DeliveryDraft(
                reference_number=self.reference_number,
                delivery=DELIVERY_CODES[self.invoice_type],
                channel=CHANNEL_CODES.get(self.invoice_sub_type or ""),
                payment_methods=tuple(self.allocate_pay_type),
                expires_at=self.expires_at,
            ),
            stated_total=Decimal(self.amount) if self.items_list else None,
        )


class StatusIn(Payload):
    status_id: Annotated[Literal["3"], BeforeValidator(_text), Field(alias="statusId")]


class BulkUploadIn(Payload):
    is_scheduled: Annotated[
        Literal["0", "1", "true", "false"], BeforeValidator(lambda v: str(v).lower())
    ] = Field(default="0", alias="isScheduled")
    file_type: Annotated[Literal["csv", "xlsx"], Field(alias="fileType")]
    invoices: Annotated[str, Field(min_length=1)]

    @property
    def scheduled(self) -> bool:
        return self.is_scheduled in ("1", "true")


class BulkEditIn(Payload):
    amount: Amount | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Email = None
    phone: Phone | None = None
    reference_number: Annotated[Code, Field(min_length=1, max_length=64)] | None = None

    def amendment(self) -> Amendment:
        return Amendment(
            amount=Decimal(self.amount) if self.amount is not None else None,
            reference_number=self.reference_number,
            customer=ClientFields(name=self.name, phone=self.phone, email=self.email),
        )


Page = Annotated[int, BeforeValidator(_text), Field(ge=1, le=1_000_000)]


class DashboardIn(Payload):
    from_date: Annotated[date | None, BeforeValidator(_blank_to_none), Field(alias="fromDate")] = (
        None
    )
    to_date: Annotated[date | None, BeforeValidator(_blank_to_none), Field(alias="toDate")] = None
    page: Page = 1
    search: Annotated[
        Annotated[str, Field(max_length=100)] | None, BeforeValidator(_blank_to_none)
    ] = None
    invoice_type: Annotated[
        Literal["0", "1"] | None,
        BeforeValidator(lambda v: _blank_to_none(_text(v))),
        Field(alias="invoiceType"),
    ] = None


class BulkListIn(Payload):
    page: Page = 1
    type: Annotated[Literal["0", "1"], BeforeValidator(_text)] = "0"


def _status_code(invoice: InvoiceView, today: date) -> int:
    if invoice.status == "cancelled":
        return 3
    if invoice.status == "paid":
        return 1
    return 2 if rules.is_expired(invoice.status, invoice.delivery.expires_at, today) else 0


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else None


def invoice_wire(invoice: InvoiceView, base_url: str) -> dict[str, Any]:
    delivery = invoice.delivery
    currency = invoice.currency
    client = invoice.client
    return {
        "id": invoice.id,
        "invoice_number": invoice.number,
        "invoice_type": _DELIVERY_OF.get(delivery.delivery, "0"),
        "invoice_sub_type": _CHANNEL_OF.get(delivery.channel, "3"),
        "token": invoice.link_token,
        "access_key": delivery.access_key,
        "reference_number": delivery.reference_number,
        "amount": _amount(invoice.total, currency),
        "currency": currency,
        "description": invoice.title,
        "invoice_status": _status_code(invoice, rules.today()),
        "language": invoice.setting.language,
        "allocate_pay_type": ",".join(str(m) for m in delivery.payment_methods),
        "expires_at": delivery.expires_at.isoformat() if delivery.expires_at else None,
        "schedule_time": _stamp(delivery.scheduled_at),
        "url": f"{base_url}/i/{invoice.link_token}",
        "created_at": _stamp(invoice.created_at),
        "updated_at": _stamp(invoice.updated_at),
        "customer": {
            "name": client.name if client else None,
            "email": client.email if client else None,
            "phone_number": client.phone if client else None,
        },
        "products": [
            {
                "name": item.description,
                "quantity": str(item.qty.normalize()),
                "price": _amount(item.amount, currency),
            }
            for item in invoice.items
        ],
        "payments": [
            {
                "id": p.id,
                "amount": _amount(p.amount, currency),
                "transaction_id": p.transaction_id,
                "payment_type": p.payment_type,
                "status": p.status,
                "payment_date": p.payment_date.strftime("%Y-%m-%d %H:%M:%S"),
            }
            for p in invoice.payments
        ],
    }


def _amount(value: Decimal, currency: str) -> str:
    """ "280.000": the currency's decimals, always."""
    return format_decimal(value, currency)
