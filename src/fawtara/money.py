"""Money: Decimal amounts in code, integer minor units plus an ISO 4217 code in the database.

The number of minor units comes from the ISO 4217 table (the `iso4217` package), not from CLDR,
which disagrees with ISO for several currencies (IQD has 3 minor units in ISO 4217).
"""

from decimal import Decimal, Inexact, InvalidOperation, localcontext
from functools import cache

import iso4217

from fawtara.errors import InvalidAmount, UnknownCurrency

# Largest amount we accept, in minor units: fits a signed 64-bit column with room for sums.
MAX_MINOR = 10**15


@cache
def exponent(currency: str) -> int:
    """Number of minor units of `currency` (QAR 2, KWD 3, JPY 0); UnknownCurrency otherwise."""
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise UnknownCurrency(f"{currency!r} is not an ISO 4217 currency code", field="currency")
    try:
        value = iso4217.Currency(currency).exponent
    except ValueError:
        raise UnknownCurrency(
            f"{currency} is not an ISO 4217 currency code", field="currency"
        ) from None
    if value is None:  # funds, metals and testing codes have no minor units
        raise UnknownCurrency(f"{currency} is not a currency for invoicing", field="currency")
    return int(value)


@cache
def invoicing_currencies() -> tuple[str, ...]:
    """Every code `exponent` takes: the ISO 4217 currencies that have minor units."""
    return tuple(sorted(c.code for c in iso4217.Currency if c.exponent is not None))


def to_minor(amount: Decimal, currency: str, *, field: str = "amount") -> int:
    """Exact conversion to minor units; amounts finer than the currency allows are refused."""
    if not amount.is_finite():
        raise InvalidAmount("must be a finite number", field=field)
    places = exponent(currency)
    # Checked on the exponent before any arithmetic: int(Decimal("1e999999999")) would take
    # gigabytes, so an absurd amount must be refused without being expanded.
    if amount.adjusted() >= 18:
        raise InvalidAmount("is too large", field=field)
    try:
        # Inexact trapped: past the context's 28 digits scaleb would round, silently.
        with localcontext() as context:
            context.traps[Inexact] = True
            scaled = amount.scaleb(places)
        minor = int(scaled)
    except Inexact:
        raise InvalidAmount(
            f"{amount} has more digits than an amount can have", field=field
        ) from None
    except (InvalidOperation, OverflowError):
        raise InvalidAmount("is too large", field=field) from None
    if scaled != minor:
        raise InvalidAmount(
            f"{amount} has more decimal places than {currency} allows ({places})", field=field
        )
    if abs(minor) >= MAX_MINOR:
        raise InvalidAmount("is too large", field=field)
    return minor


def exact_units(value: Decimal, places: int, limit: int) -> int | None:
    """`value` counted in units of 10**-places, if that is a whole number within ±limit."""
    if not value.is_finite() or value.adjusted() >= 18:  # never expand an absurd exponent
        return None
    scaled = value.scaleb(places)
    units = int(scaled)
    return units if scaled == units and abs(units) <= limit else None


def unscale(value: int, places: int) -> Decimal:
    """The Decimal an integer stands for when it counts units of 10**-places."""
    return Decimal(value).scaleb(-places)


def from_minor(minor: int, currency: str) -> Decimal:
    """Decimal with exactly the currency's number of decimal places."""
    return unscale(minor, exponent(currency))


def format_amount(minor: int, currency: str) -> str:
    """Plain string with the currency's decimals, e.g. "280.000" for KWD."""
    return format_decimal(from_minor(minor, currency), currency)


def format_decimal(amount: Decimal, currency: str, *, grouped: bool = False) -> str:
    """An amount with the currency's decimals, always: "280.000" for KWD, "280.50" for QAR.

    `grouped` puts a "," between thousands ("1,280.000"); a page swaps both separators for
    its language's. The one money formatter of the wire, the page, the PDF and the CLI.
    """
    return f"{amount:{',' if grouped else ''}.{exponent(currency)}f}"
