"""Demo data for `fawtara serve --demo`: one merchant with a few invoices, one of them Arabic."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fawtara.clients.schemas import ClientFields
from fawtara.credentials import hesabe
from fawtara.credentials.keys import KeyHasher, issue_api_key
from fawtara.credentials.principal import Principal
from fawtara.credentials.secrets import SecretBox
from fawtara.invoices import service as invoices
from fawtara.invoices.schemas import (
    QUICK,
    ClientRef,
    InvoiceDraft,
    InvoiceFilters,
    ItemDraft,
    PaymentDraft,
    SettingDraft,
)
from fawtara.merchants.service import create_merchant, find_demo_merchant

# Hesabe's published sandbox credentials: the reference pages' encrypted samples were made with
# them, so those samples work unchanged against the demo merchant.
SANDBOX_MERCHANT_CODE = "842217"
SANDBOX_ACCESS_CODE = "c333729b-d060-4b74-a49d-7686a8353481"
SANDBOX_SECRET_KEY = "PkW64zMe5NVdrlPVNnjo2Jy9nOb7v1Xg"
SANDBOX_IV = "5NVdrlPVNnjo2Jy9"
DEMO_USERNAME = "demo"


@dataclass(frozen=True)
class Demo:
    merchant_id: int
    api_key: str
    invoice_ids: list[int]
    username: str
    password: str  # new on every start, like the API key


def _invoices() -> list[InvoiceDraft]:
    now = datetime.now(UTC).replace(microsecond=0)
    due = (now + timedelta(days=30)).replace(tzinfo=None)
    return [
        InvoiceDraft(
            title="Website redesign",
            terms_conditions="Payment due within 30 days.",
            due_date=due,
            client=ClientRef(
                fields=ClientFields(
                    name="Gulf Horizon Trading",
                    address="West Bay, Doha",
                    phone="+974 4400 1234",
                    email="accounts@gulfhorizon.example",
                )
            ),
            items=[
                ItemDraft("Design workshop", Decimal("1500.00"), Decimal(1)),
                ItemDraft("Page templates", Decimal("350.00"), Decimal(6)),
                ItemDraft("Hosting (months)", Decimal("45.50"), Decimal(12), "Product Item"),
            ],
            payments=[
                PaymentDraft(Decimal("1000.00"), transaction_id="DEMO-TXN-1", note="Deposit")
            ],
        ),
        InvoiceDraft(
            title="فاتورة خدمات استشارية",
            terms_conditions="يستحق الدفع خلال ١٤ يوماً.",
            due_date=due,
            client=ClientRef(
                fields=ClientFields(
                    name="مؤسسة النخبة للتجارة",
                    address="الدوحة، قطر",
                    phone="+974 5555 0000",
                    email="finance@nukhba.example",
                )
            ),
            items=[
                ItemDraft("استشارة مالية", Decimal("800.00"), Decimal(2)),
                ItemDraft("تقرير ربع سنوي", Decimal("1200.00")),
            ],
            setting=SettingDraft(language="ar", discount=Decimal(10), discount_type="percentage"),
        ),
        InvoiceDraft(items=[ItemDraft("Quick consultation", Decimal("250.00"))], type=QUICK),
    ]


def ensure_demo(session: Session, hasher: KeyHasher, box: SecretBox) -> Demo:
    """Create the demo merchant on first start; every call issues a fresh demo API key and
    password (both are stored hashed, so earlier ones cannot be shown again)."""
    merchant = find_demo_merchant(session)
    if merchant is None:
        merchant = create_merchant(session, name="Demo Trading W.L.L.", currency="QAR", demo=True)
    if merchant.merchant_code is None:  # also a demo merchant made before Hesabe credentials
        hesabe.assign(
            session,
            box,
            merchant,
            merchant_code=SANDBOX_MERCHANT_CODE,
            access_code=SANDBOX_ACCESS_CODE,
            secret_key=SANDBOX_SECRET_KEY,
            iv=SANDBOX_IV,
        )
    password = hesabe.reset_password(session, merchant, DEMO_USERNAME)
    key, clear = issue_api_key(session, hasher, merchant_id=merchant.id, name="demo")
    principal = Principal(merchant_id=merchant.id, api_key_id=key.id)
    if merchant.last_invoice_seq == 0:
        for draft in _invoices():
            invoices.create(session, principal, draft)
    listed = invoices.list_page(session, principal, InvoiceFilters(), page=1, page_size=10)
    return Demo(merchant.id, clear, [i.id for i in listed.invoices], DEMO_USERNAME, password)
