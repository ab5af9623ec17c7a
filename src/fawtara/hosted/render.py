"""HTML of the invoice page and of its PDF (one template), in the invoice's language.

Numbers, dates and currency names are formatted by Babel for the language; amounts always keep
their currency's decimals. Every number, code and text the merchant wrote is an isolated run
(`<bdi>`) with its direction spelled out, so neither an Arabic page nor its PDF shows a Latin
name or a number reversed.
"""

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

import segno
from babel import Locale
from babel.dates import format_date
from babel.numbers import get_currency_symbol
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from fawtara.hosted.labels import LABELS, STATUS_PAID, WORDS
from fawtara.hosted.service import HostedInvoice
from fawtara.money import exponent, format_decimal, unscale

_env = Environment(
    loader=PackageLoader("fawtara.hosted"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

METHODS = ("card", "bank_account", "cash", "paypal")


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str

    @property
    def fingerprint(self) -> str:
        """Names this exact rendering: a kept PDF is reused only for the same fingerprint."""
        return hashlib.sha256(self.html.encode()).hexdigest()


class Formatter:
    """Numbers and dates of one language, with one currency's decimals.

    The separators are the language's, from Babel's CLDR data; the digits are laid out by
    Python's own format, which is ~10x faster than `babel.numbers.format_decimal` and gives the
    same text for these patterns (a page formats ~200 numbers).
    """

    def __init__(self, language: str, currency: str) -> None:
        self.language = language
        self.places = exponent(currency)
        self._code = currency
        symbols = Locale.parse(language).number_symbols["latn"]
        self._separators = str.maketrans({",": symbols["group"], ".": symbols["decimal"]})
        # English shows the ISO code (KWD); Arabic the local symbol (د.ك.) without its RLM.
        symbol = get_currency_symbol(currency, language).strip("\u200f")
        self.currency = currency if language == "en" else symbol

    def minor(self, minor: int) -> str:
        return self.amount(unscale(minor, self.places))

    def amount(self, value: Decimal) -> str:
        return format_decimal(value, self._code, grouped=True).translate(self._separators)

    def number(self, value: Decimal) -> str:
        """A quantity or a rate: as many decimals as it has, none when whole."""
        return f"{value.normalize():,f}".translate(self._separators)

    def day(self, value: datetime | date | None) -> str:
        return format_date(value, format="long", locale=self.language) if value else ""


@lru_cache(maxsize=64)
def formatter(language: str, currency: str) -> Formatter:
    return Formatter(language, currency)


def direction(text: str) -> str:
    """The direction of the first strong character (HTML's rule for `dir="auto"`).

    WeasyPrint does not implement `dir="auto"`: it lays a `<bdi>` out in its parent's
    direction, so in an Arabic PDF "Demo Trading W.L.L." read ".Demo Trading W.L.L". A text
    with no letter at all (digits, punctuation) reads left to right, as numbers do.
    """
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


@lru_cache(maxsize=256)
def _qr(link: str) -> str:
    return segno.make(link, error="m").svg_data_uri(scale=4, border=0, dark="#111827")


def invoice_html(hosted: HostedInvoice, link: str, *, printable: bool) -> Rendered:
    """The page (`printable=False`) or the document the PDF is made of (with a QR code)."""
    invoice = hosted.invoice
    language = invoice.setting.language if invoice.setting.language in LABELS else "en"
    labels = LABELS[language]
    statuses = {**labels, "paid": STATUS_PAID[language]}
    html = _env.get_template("invoice.html").render(
        lang=language,
        dir="rtl" if language == "ar" else "ltr",
        t=labels,
        status_label=statuses.get(invoice.status, invoice.status),
        hosted=hosted,
        invoice=invoice,
        totals=hosted.totals,
        f=formatter(language, invoice.currency),
        methods=[labels[m] for m in METHODS if getattr(invoice.setting, m)],
        word=lambda text: WORDS[language].get(text.lower(), text),
        direction=direction,
        link=link,
        printable=printable,
        qr=_qr(link) if printable else None,
    )
    return Rendered(html)


def not_found_html() -> str:
    return _env.get_template("notice.html").render(
        key="not_found", en=LABELS["en"], ar=LABELS["ar"]
    )


def busy_html() -> str:
    return _env.get_template("notice.html").render(key="busy", en=LABELS["en"], ar=LABELS["ar"])
