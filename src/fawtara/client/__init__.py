"""Fawtara's Python SDK: clients of the Fatora-style and Hesabe-style APIs, blocking and asyncio.

    from decimal import Decimal
    from fawtara.client import FatoraClient

    with FatoraClient("https://invoices.example.com", api_key="...") as fawtara:
        invoice = fawtara.invoices.create(amount=Decimal("100"), description="Consulting")

It needs httpx, pydantic and cryptography, and nothing of the server.
"""

from fawtara.client._engine import Retry
from fawtara.client._errors import (
    AuthenticationError,
    ConflictError,
    FawtaraError,
    NotFoundError,
    RateLimitError,
    RequestTimeout,
    ServerError,
    TransportError,
    ValidationError,
)
from fawtara.client._fatora import AsyncFatoraClient, FatoraClient
from fawtara.client._fatora_models import (
    Client,
    ClientFields,
    ClientFilters,
    ClientPage,
    Invoice,
    InvoiceChanges,
    InvoiceFilters,
    InvoicePage,
    Item,
    ItemFields,
    NewClient,
    NewInvoice,
    Payment,
    PaymentFields,
    PaymentMethods,
    Setting,
)
from fawtara.client._hesabe import AsyncHesabeClient, HesabeClient
from fawtara.client._hesabe_models import (
    BulkUpload,
    CreatedInvoice,
    Customer,
    Dashboard,
    DashboardFilters,
    DashboardStats,
    HesabeChanges,
    HesabeInvoice,
    HesabeItem,
    HesabePage,
    HesabePayment,
    NewHesabeInvoice,
    Product,
)

__all__ = [
    "AsyncFatoraClient",
    "AsyncHesabeClient",
    "AuthenticationError",
    "BulkUpload",
    "Client",
    "ClientFields",
    "ClientFilters",
    "ClientPage",
    "ConflictError",
    "CreatedInvoice",
    "Customer",
    "Dashboard",
    "DashboardFilters",
    "DashboardStats",
    "FatoraClient",
    "FawtaraError",
    "HesabeChanges",
    "HesabeClient",
    "HesabeInvoice",
    "HesabeItem",
    "HesabePage",
    "HesabePayment",
    "Invoice",
    "InvoiceChanges",
    "InvoiceFilters",
    "InvoicePage",
    "Item",
    "ItemFields",
    "NewClient",
    "NewHesabeInvoice",
    "NewInvoice",
    "NotFoundError",
    "Payment",
    "PaymentFields",
    "PaymentMethods",
    "Product",
    "RateLimitError",
    "RequestTimeout",
    "Retry",
    "ServerError",
    "Setting",
    "TransportError",
    "ValidationError",
]
