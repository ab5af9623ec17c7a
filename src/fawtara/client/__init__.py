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
    ClientPage,
    Invoice,
    InvoicePage,
    Item,
    Payment,
    PaymentMethods,
    Setting,
)
from fawtara.client._hesabe import AsyncHesabeClient, HesabeClient
from fawtara.client._hesabe_models import (
    BulkUpload,
    CreatedInvoice,
    Customer,
    Dashboard,
    DashboardStats,
    HesabeInvoice,
    HesabePage,
    HesabePayment,
    Product,
)

__all__ = [
    "AsyncFatoraClient",
    "AsyncHesabeClient",
    "BulkUpload",
    "CreatedInvoice",
    "Customer",
    "Dashboard",
    "DashboardStats",
    "HesabeClient",
    "HesabeInvoice",
    "HesabePage",
    "HesabePayment",
    "Product",
    "AuthenticationError",
    "Client",
    "ClientPage",
    "ConflictError",
    "FatoraClient",
    "FawtaraError",
    "Invoice",
    "InvoicePage",
    "Item",
    "NotFoundError",
    "Payment",
    "PaymentMethods",
    "RateLimitError",
    "RequestTimeout",
    "Retry",
    "ServerError",
    "Setting",
    "TransportError",
    "ValidationError",
]
