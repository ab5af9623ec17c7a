"""Invoice totals: the one definition the API, the page and the PDF all show.

All arithmetic is on integer minor units through Decimal, rounding half-up to the currency's
minor unit at three documented points: each line (qty x unit price), the percentage discount,
and the tax. Everything else is exact addition and subtraction.

    subtotal = sum(round(qty * amount))
    discount = fixed amount, or round(subtotal * rate)
    tax      = round((subtotal - discount) * merchant tax rate)   when the invoice has tax on
    total    = subtotal - discount + tax
    due      = total - paid
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fawtara.invoices.schemas import InvoiceView
from fawtara.money import to_minor

_BP = Decimal(10_000)  # basis points per whole
_MILLI = Decimal(1_000)  # quantity is kept in thousandths


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: int
    discount: int
    tax: int
    total: int
    paid: int
    lines: tuple[int, ...] = ()  # each line's total, in the order of the items

    @property
    def due(self) -> int:
        return self.total - self.paid


def line_total(qty_milli: int, amount_minor: int) -> int:
    return round_half_up(Decimal(qty_milli) * amount_minor / _MILLI)


def compute(
    lines: Iterable[tuple[int, int]],
    *,
    discount_type: str,
    discount_minor: int,
    discount_rate_bp: int,
    tax: bool,
    tax_rate_bp: int,
    paid: int,
) -> Totals:
    """Totals in minor units from (qty_milli, amount_minor) lines."""
    line_totals = tuple(line_total(qty, amount) for qty, amount in lines)
    subtotal = sum(line_totals)
    if discount_type == "fixed":
        discount = discount_minor
    elif discount_type == "percentage":
        discount = round_half_up(subtotal * Decimal(discount_rate_bp) / _BP)
    else:
        discount = 0
    taxable = subtotal - discount
    tax_amount = round_half_up(taxable * Decimal(tax_rate_bp) / _BP) if tax else 0
    return Totals(subtotal, discount, tax_amount, taxable + tax_amount, paid, line_totals)


def status_for(totals: Totals, *, cancelled: bool = False) -> str:
    """Status follows the money, except that a cancelled invoice stays cancelled."""
    if cancelled:
        return "cancelled"
    if totals.paid == 0 and totals.total > 0:
        return "unpaid"
    if totals.paid >= totals.total:
        return "paid"
    return "partially_paid"


def of_view(invoice: InvoiceView) -> Totals:
    """The breakdown of an invoice as read: `compute` over the same lines, discount and tax
    rate its stored total came from (the hosted page and PDF show these figures)."""
    currency = invoice.currency
    setting = invoice.setting
    percentage = setting.discount_type == "percentage"
    return compute(
        ((int(item.qty.scaleb(3)), to_minor(item.amount, currency)) for item in invoice.items),
        discount_type=setting.discount_type,
        discount_minor=0 if percentage else to_minor(setting.discount, currency),
        discount_rate_bp=int(setting.discount.scaleb(2)) if percentage else 0,
        tax=setting.tax,
        tax_rate_bp=int(setting.tax_rate.scaleb(2)),
        paid=to_minor(invoice.paid, currency),
    )
