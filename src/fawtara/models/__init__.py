"""SQLAlchemy tables, one module per table."""

from fawtara.models import tables
from fawtara.models.api_key import ApiKey
from fawtara.models.audit import AuditEvent
from fawtara.models.base import Base
from fawtara.models.client import Client
from fawtara.models.demo_credentials import DemoCredentials
from fawtara.models.invoice import Invoice
from fawtara.models.invoice_document import InvoiceDocument
from fawtara.models.item import InvoiceItem
from fawtara.models.merchant import Merchant
from fawtara.models.merchant_user import MerchantUser
from fawtara.models.payment import Payment
from fawtara.models.refresh_token import RefreshToken
from fawtara.models.throttle_counter import ThrottleCounter

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "Client",
    "DemoCredentials",
    "Invoice",
    "InvoiceDocument",
    "InvoiceItem",
    "Merchant",
    "MerchantUser",
    "Payment",
    "RefreshToken",
    "ThrottleCounter",
    "tables",
]
