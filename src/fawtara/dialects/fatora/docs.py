"""The Fatora-style responses as OpenAPI describes them.

Responses are built as plain dicts by the `*_wire` functions of `schemas.py` and encoded with
orjson (the hot path skips pydantic); these models describe the same shapes for OpenAPI, and
the tests validate every response against them so the two cannot drift apart.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

# Marks in the OpenAPI document a field that the Fatora-style API does not have.
_EXTENSION: JsonDict = {"x-fawtara-extension": True}


class _Out(BaseModel):
    # Strict: validating a response against these models fails on a field too many or too
    # few, and on a wrong JSON type (0 for false, 1 for 1.0).
    model_config = ConfigDict(extra="forbid", strict=True)


class ClientOut(_Out):
    id: int
    name: str
    address: str | None
    phone: str | None
    email: str | None
    notes: str | None


class ItemOut(_Out):
    id: int
    description: str
    type: str
    qty: float
    amount: float


class PaymentOut(_Out):
    id: int
    payment_date: str
    transaction_id: str | None
    amount: float
    note: str | None
    payment_type: str
    status: str


class AcceptedPaymentMethodsOut(_Out):
    card: bool
    bank_account: bool
    cash: bool
    paypal: bool
    e_signature: bool


class SettingOut(_Out):
    tax: bool
    discount: float
    discount_type: str
    language: str
    accepted_payment_methods: AcceptedPaymentMethodsOut


class InvoiceOut(_Out):
    id: int
    number: str
    currency: str
    terms_conditions: str | None
    note: str | None
    due_date: str | None
    date: str
    status: str
    type: str
    client: ClientOut | None
    title: str | None
    link: str
    items: list[ItemOut]
    payments: list[PaymentOut]
    setting: SettingOut
    total: float = Field(
        description="Fawtara extension: what the invoice comes to (items, discount, tax).",
        json_schema_extra=_EXTENSION,
    )
    amount_due: float = Field(
        description="Fawtara extension: the total less what has been paid.",
        json_schema_extra=_EXTENSION,
    )


class InvoiceEnvelope(_Out):
    status: Literal["SUCCESS"]
    invoice: InvoiceOut


class InvoiceListEnvelope(_Out):
    status: Literal["SUCCESS"]
    invoices: list[InvoiceOut]
    total: int
    page: int
    page_size: int


class ClientEnvelope(_Out):
    status: Literal["SUCCESS"]
    client: ClientOut


class ClientListEnvelope(_Out):
    status: Literal["SUCCESS"]
    clients: list[ClientOut]
    total: int
    page: int
    page_size: int


class AuthorizeOut(_Out):
    success: Literal[True]
    bearer_token: str


class AuthorizeErrorOut(_Out):
    status: Literal["ERROR"]
    error: str


class ErrorDetailOut(_Out):
    error_code: str
    description: str


class ErrorOut(_Out):
    status: Literal["ERROR"]
    error: ErrorDetailOut


# --- links: where the id a creation answers with can be used next ----------------------------


def _links(id_pointer: str, name: str, operations: dict[str, str]) -> dict[str, Any]:
    return {
        link: {"operationId": operation, "parameters": {name: id_pointer}}
        for link, operation in operations.items()
    }


INVOICE_LINKS = _links(
    "$response.body#/invoice/id",
    "invoice_id",
    {
        "GetInvoice": "get_invoice_v1_invoices__invoice_id__get",
        "UpdateInvoice": "update_invoice_v1_invoices__invoice_id__put",
        "DeleteInvoice": "delete_invoice_v1_invoices__invoice_id__delete",
        "AddPayment": "add_payment_v1_invoices__invoice_id__payments_post",
        "RenewLink": "renew_link_v1_invoices__invoice_id__link_post",
    },
)
CLIENT_LINKS = _links(
    "$response.body#/client/id",
    "client_id",
    {
        "GetClient": "get_client_v1_clients__client_id__get",
        "UpdateClient": "update_client_v1_clients__client_id__put",
        "DeleteClient": "delete_client_v1_clients__client_id__delete",
    },
)
