"""Demo data for `fawtara serve --demo`: one merchant with a few invoices, one of them Arabic."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fawtara.clients.schemas import ClientFields
from fawtara.credentials import hesabe
from fawtara.credentials.keys import KeyHasher, issue_api_key
from fawtara.credentials.passwords import verify_password
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
from fawtara.models import ApiKey, DemoCredentials, Merchant, MerchantUser
from fawtara.models.merchant_user import username_key

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
    password: str


# One number for the due date and both languages' terms. Latin digits in the Arabic text too:
# the page and the PDF show every other figure (amounts, dates) in Latin digits.
PAYMENT_DAYS = 30


def _invoices() -> list[InvoiceDraft]:
    now = datetime.now(UTC).replace(microsecond=0)
    due = (now + timedelta(days=PAYMENT_DAYS)).replace(tzinfo=None)
    return [
        InvoiceDraft(
            title="Website redesign",
            terms_conditions=f"Payment due within {PAYMENT_DAYS} days.",
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
            terms_conditions=f"يستحق الدفع خلال {PAYMENT_DAYS} يوماً.",
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
    """Create the demo merchant on first start, with an API key and a password that are kept
    (sealed) with the database and shown again at every start; new ones only when those no
    longer work (a revoked key, a changed password, another master key)."""
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
    kept = session.get(DemoCredentials, merchant.id)
    if kept is None:
        kept = DemoCredentials(merchant_id=merchant.id, api_key_sealed="", password_sealed="")
    key_id, api_key = _working_key(session, hasher, box, kept) or _new_key(
        session, hasher, box, kept
    )
    password = _working_password(session, box, kept) or _new_password(session, box, merchant, kept)
    session.add(kept)
    session.flush()
    principal = Principal(merchant_id=merchant.id, api_key_id=key_id)
    if merchant.last_invoice_seq == 0:
        for draft in _invoices():
            invoices.create(session, principal, draft)
    listed = invoices.list_page(session, principal, InvoiceFilters(), page=1, page_size=10)
    return Demo(merchant.id, api_key, [i.id for i in listed.invoices], DEMO_USERNAME, password)


def _context(merchant_id: int, name: str) -> str:
    return f"demo:{merchant_id}:{name}"


def _opened(box: SecretBox, sealed: str, merchant_id: int, name: str) -> str | None:
    try:
        return box.open(sealed, context=_context(merchant_id, name))
    except ValueError:  # none kept yet, or sealed under another master key
        return None


def _working_key(
    session: Session, hasher: KeyHasher, box: SecretBox, kept: DemoCredentials
) -> tuple[int, str] | None:
    """The kept API key, if it still authenticates."""
    api_key = _opened(box, kept.api_key_sealed, kept.merchant_id, "api_key")
    key = session.get(ApiKey, kept.api_key_id) if kept.api_key_id else None
    if api_key is None or key is None or key.revoked_at is not None:
        return None
    return (key.id, api_key) if key.key_hash == hasher(api_key) else None


def _working_password(session: Session, box: SecretBox, kept: DemoCredentials) -> str | None:
    """The kept password, if the demo user still signs in with it."""
    password = _opened(box, kept.password_sealed, kept.merchant_id, "password")
    user = session.scalars(
        select(MerchantUser).where(
            MerchantUser.merchant_id == kept.merchant_id,
            MerchantUser.username_key == username_key(DEMO_USERNAME),
        )
    ).first()
    if password is None or user is None or not verify_password(user.password_hash, password):
        return None
    return password


def _new_key(
    session: Session, hasher: KeyHasher, box: SecretBox, kept: DemoCredentials
) -> tuple[int, str]:
    key, api_key = issue_api_key(session, hasher, merchant_id=kept.merchant_id, name="demo")
    kept.api_key_id = key.id
    kept.api_key_sealed = box.seal(api_key, context=_context(kept.merchant_id, "api_key"))
    return key.id, api_key


def _new_password(
    session: Session, box: SecretBox, merchant: Merchant, kept: DemoCredentials
) -> str:
    password = hesabe.reset_password(session, merchant, DEMO_USERNAME)
    kept.password_sealed = box.seal(password, context=_context(merchant.id, "password"))
    return password
