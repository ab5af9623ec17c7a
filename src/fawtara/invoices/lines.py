"""Invoice lines from drafts (quantities in thousandths, unit prices in minor units), and the
figures a caller states beside them checked against what is stored.

A caller may state a line's amount or the invoice's total as well as the prices (the
Hesabe-style payload does). Those are compared with the figures `totals` computes from the
stored lines, each rounded to the minor unit, never with an unrounded sum: what is accepted is
what the page, the PDF and every later read will show.
"""

from decimal import Decimal

from fawtara.errors import InvalidInvoice
from fawtara.invoices import totals
from fawtara.invoices.schemas import ItemDraft
from fawtara.models import InvoiceItem
from fawtara.money import exact_units, format_amount, to_minor

MAX_ITEMS = 500
MAX_QTY = 1_000_000  # as the Hesabe style allows; in thousandths it fits the 32-bit column


def items(drafts: list[ItemDraft], currency: str) -> list[InvoiceItem]:
    if not drafts:
        raise InvalidInvoice("at least one item is required", field="items")
    if len(drafts) > MAX_ITEMS:
        raise InvalidInvoice(f"at most {MAX_ITEMS} items", field="items")
    return [_item(position, draft, currency) for position, draft in enumerate(drafts)]


def _item(position: int, draft: ItemDraft, currency: str) -> InvoiceItem:
    field = f"items[{position}]"
    if draft.amount < 0:
        raise InvalidInvoice("must not be negative", field=f"{field}.amount")
    qty_milli = exact_units(draft.qty, 3, MAX_QTY * 1000)
    if qty_milli is None or qty_milli <= 0:
        raise InvalidInvoice(
            f"must be positive, at most {MAX_QTY:,}, with at most 3 decimal places",
            field=f"{field}.qty",
        )
    amount_minor = to_minor(draft.amount, currency, field=f"{field}.amount")
    if draft.line is not None:
        check_stated(
            draft.line, totals.line_total(qty_milli, amount_minor), currency, f"{field}.line"
        )
    return InvoiceItem(
        position=position,
        description=draft.description,
        type=draft.type,
        qty_milli=qty_milli,
        amount_minor=amount_minor,
    )


def check_stated(stated: Decimal, stored_minor: int, currency: str, field: str) -> None:
    """Refuse a stated figure that is not the stored one, naming `field` and the figure."""
    if to_minor(stated, currency, field=field) != stored_minor:
        raise InvalidInvoice(
            f"must equal {format_amount(stored_minor, currency)}, the figure as stored "
            "(each line rounded to the currency's minor unit)",
            field=field,
        )
