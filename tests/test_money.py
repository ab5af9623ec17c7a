"""Money and totals: exact minor units per ISO 4217, half-up rounding at documented points."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fawtara.errors import InvalidAmount, UnknownCurrency
from fawtara.invoices.totals import compute, line_total
from fawtara.money import exponent, format_amount, format_decimal, from_minor, to_minor


@pytest.mark.parametrize(
    ("currency", "places"),
    [("QAR", 2), ("KWD", 3), ("BHD", 3), ("OMR", 3), ("JOD", 3), ("IQD", 3), ("JPY", 0)],
)
def test_minor_units_follow_iso_4217(currency: str, places: int) -> None:
    assert exponent(currency) == places


@pytest.mark.parametrize("code", ["XAU", "XXX", "ABC", "kwd", "KW"])
def test_non_currencies_are_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency):
        exponent(code)


def test_display_keeps_the_currencys_decimals() -> None:
    assert format_amount(280_000, "KWD") == "280.000"
    assert format_amount(10_050, "QAR") == "100.50"


@given(
    minor=st.integers(min_value=-(10**14), max_value=10**14),
    currency=st.sampled_from(["QAR", "KWD", "JPY"]),
)
def test_round_trip_is_exact(minor: int, currency: str) -> None:
    assert to_minor(from_minor(minor, currency), currency) == minor


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-1000, max_value=1000)
)
def test_over_precise_amounts_are_refused_never_rounded(amount: Decimal) -> None:
    if amount != amount.quantize(Decimal("0.001")):
        with pytest.raises(InvalidAmount):
            to_minor(amount, "KWD")
    else:
        assert from_minor(to_minor(amount, "KWD"), "KWD") == amount


def test_line_totals_round_half_up() -> None:
    assert line_total(1500, 5) == 8  # 1.5 x 0.05 = 0.075 -> 0.08
    assert line_total(333, 100) == 33  # 0.333 x 1.00 = 0.333 -> 0.33


def test_percentage_discount_and_tax_round_half_up() -> None:
    totals = compute(
        [(1000, 999)],  # 1 x 9.99
        discount_type="percentage",
        discount_minor=0,
        discount_rate_bp=1250,  # 12.5 % of 9.99 = 1.24875 -> 1.25
        tax=True,
        tax_rate_bp=500,  # 5 % of 8.74 = 0.437 -> 0.44
        paid=0,
    )
    assert (totals.subtotal, totals.discount, totals.tax, totals.total) == (999, 125, 44, 918)
    assert totals.due == 918


def test_an_amount_with_more_digits_than_the_context_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidAmount):
        to_minor(Decimal("1.000000000000000000000000000001"), "KWD")


@given(
    lines=st.lists(
        st.tuples(st.integers(1, 10**6), st.integers(0, 10**9)), min_size=1, max_size=20
    ),
    rate_bp=st.integers(0, 10_000),
    tax=st.booleans(),
    tax_rate_bp=st.integers(0, 5_000),
    paid_share=st.floats(0, 1),
)
def test_totals_invariants(
    lines: list[tuple[int, int]], rate_bp: int, tax: bool, tax_rate_bp: int, paid_share: float
) -> None:
    before = compute(
        lines, discount_type="percentage", discount_minor=0, discount_rate_bp=rate_bp,
        tax=tax, tax_rate_bp=tax_rate_bp, paid=0,
    )  # fmt: skip
    paid = int(before.total * paid_share)
    totals = compute(
        lines, discount_type="percentage", discount_minor=0, discount_rate_bp=rate_bp,
        tax=tax, tax_rate_bp=tax_rate_bp, paid=paid,
    )  # fmt: skip
    assert totals.subtotal == sum(line_total(q, a) for q, a in lines)
    assert 0 <= totals.discount <= totals.subtotal
    assert totals.tax >= 0
    assert (totals.tax > 0) <= tax
    assert totals.total == totals.subtotal - totals.discount + totals.tax
    assert totals.due == totals.total - totals.paid
    assert 0 <= totals.due <= totals.total


def test_format_decimal_gives_the_currencys_decimals_grouped_or_not() -> None:
    assert format_decimal(Decimal("1280.5"), "KWD") == "1280.500"
    assert format_decimal(Decimal("1280.5"), "KWD", grouped=True) == "1,280.500"
    assert format_decimal(Decimal(7), "JPY", grouped=True) == "7"
