"""A bulk file of invoices (CSV or XLSX) read into neutral rows and per-row errors.

Every row is checked before anything is created, so one upload yields all its errors at once.
The rules are the core's (the one email and phone rule, exact amounts); a dialect gives only
its spelling of the columns (`Columns`), which the header is matched against and the reasons
name. The XLSX reader (`bulk_xlsx`) measures a workbook before any of it is parsed.
"""

import csv
import io
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from fawtara.clients import contact
from fawtara.errors import FawtaraError
from fawtara.invoices import bulk_xlsx
from fawtara.money import exponent, to_minor

# Plain decimals only: no exponent ("1e3"), no "NaN"/"Infinity", no thousands separators.
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# The default decimal context keeps 28 digits; past that, to_minor's scaling would round
# "1.000...0001" to a whole amount instead of refusing it.
_MAX_AMOUNT_DIGITS = 28
# ISO 8601 also allows a bare date; a schedule needs a time of day.
_HAS_TIME = re.compile(r"[0-9][Tt ][0-9]")

# A record's position in the file (1-based; the header is line 1) and its cells.
_Record = tuple[int, Sequence[object]]


@dataclass(frozen=True, slots=True)
class Columns:
    """A dialect's name for the column of each field of a row, matched case-insensitively."""

    reference_number: str
    name: str
    phone: str
    email: str
    amount: str
    description: str
    schedule_time: str


_FIELDS = tuple(Columns.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class BulkRow:
    """One valid row of the upload."""

    line: int
    reference_number: str
    name: str
    phone: str
    email: str | None
    amount_minor: int
    description: str | None
    schedule_time: datetime | None


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was refused; `reason` names the column first ("amount: must be positive")."""

    line: int
    reason: str


class BulkFileError(Exception):
    """The file as a whole is unusable; no row of it can be trusted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _InvalidCell(Exception):
    """Internal: the first rule a row breaks, as its RowError reason."""


def read_rows(
    content: bytes,
    file_type: str,
    spelling: Columns,
    *,
    currency: str,
    scheduled: bool,
    max_rows: int = 100_000,
) -> tuple[list[BulkRow], list[RowError]]:
    """Valid rows and row errors of an upload; BulkFileError if the file itself is unusable.

    Raises UnknownCurrency for a bad `currency`, once, rather than as an error on every row.
    """
    exponent(currency)
    records = _records(content, file_type, max_rows)
    try:
        return _validate(
            records, spelling, currency=currency, scheduled=scheduled, max_rows=max_rows
        )
    finally:
        records.close()  # stops reading early and closes the workbook now, not at collection


def text_records(
    content: bytes, file_type: str, max_rows: int = 100_000
) -> Generator[tuple[int, list[str]], None, None]:
    """Each record of a file, header first, as its line and its cells as text (a spreadsheet
    number as the digits typed). The CLI's import reads files with this, so a file's lines are
    numbered alike whichever API it goes to."""
    records = _records(content, file_type, max_rows)
    try:
        for line, cells in records:
            yield line, [_text(cell) for cell in cells]
    finally:
        records.close()


def _records(content: bytes, file_type: str, max_rows: int) -> Generator[_Record, None, None]:
    if file_type == "csv":
        return _csv_records(content)
    if file_type == "xlsx":
        # Bounded by what an upload of max_rows rows may hold, before any of it is parsed.
        return _xlsx_records(content, max_rows)
    raise BulkFileError(f"file type must be csv or xlsx, not {file_type!r}")


def _csv_records(content: bytes) -> Generator[_Record, None, None]:
    """Records of a UTF-8 CSV, numbered by the line each starts on (quoted newlines count)."""
    # Decoded lazily, line by line: the file is never held twice as text.
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    # strict: an unclosed quote must not silently swallow the rest of the file into one cell.
    reader = csv.reader(text, strict=True)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except UnicodeDecodeError:
        raise BulkFileError("not a UTF-8 CSV file") from None
    except csv.Error as exc:
        raise BulkFileError(f"not a readable CSV file (line {reader.line_num}: {exc})") from None


def _xlsx_records(content: bytes, max_rows: int) -> Generator[_Record, None, None]:
    try:
        yield from bulk_xlsx.records(content, bulk_xlsx.XlsxLimits.for_rows(max_rows))
    except bulk_xlsx.XlsxRefused as exc:
        raise BulkFileError(exc.reason) from None


def _validate(
    records: Iterator[_Record], spelling: Columns, *, currency: str, scheduled: bool, max_rows: int
) -> tuple[list[BulkRow], list[RowError]]:
    header = next(records, None)
    if header is None:
        raise BulkFileError("the file is empty")
    columns = _columns(header[1], spelling, scheduled=scheduled)
    rows: list[BulkRow] = []
    errors: list[RowError] = []
    count = 0
    for line, cells in records:
        if all(_text(cell) == "" for cell in cells):
            continue
        count += 1
        if count > max_rows:
            raise BulkFileError(f"the file has more than {max_rows} rows")
        result = _row(line, cells, columns, spelling, currency=currency, scheduled=scheduled)
        if isinstance(result, BulkRow):
            rows.append(result)
        else:
            errors.append(result)
    if count == 0:
        raise BulkFileError("the file has no rows")
    return rows, errors


def _columns(header: Sequence[object], spelling: Columns, *, scheduled: bool) -> dict[str, int]:
    """Position of each field's column, matched case-insensitively; others are ignored."""
    field_of = {getattr(spelling, field).lower(): field for field in _FIELDS}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _text(cell).lower()
        if name in field_of:
            if field_of[name] in found:
                raise BulkFileError(f"duplicate column: {name}")
            found[field_of[name]] = index
    required = _FIELDS if scheduled else _FIELDS[:-1]  # schedule_time comes last
    missing = [getattr(spelling, field) for field in required if field not in found]
    if missing:
        raise BulkFileError(f"missing columns: {', '.join(missing)}")
    return found


def _row(
    line: int,
    cells: Sequence[object],
    columns: dict[str, int],
    spelling: Columns,
    *,
    currency: str,
    scheduled: bool,
) -> BulkRow | RowError:
    reading = ""  # the field whose cell was read last: the one a refusal names

    def cell(field: str) -> object:
        nonlocal reading
        reading = field
        index = columns[field]
        return cells[index] if index < len(cells) else None  # CSV rows may be short

    # Keyword arguments are evaluated in order, so the first failing column is the one reported.
    try:
        return BulkRow(
            line=line,
            reference_number=_required(cell("reference_number"), 64),
            name=_required(cell("name"), 200),
            phone=_phone(cell("phone")),
            email=_email(cell("email")),
            amount_minor=_amount(cell("amount"), currency),
            description=_optional(cell("description"), 1000),
            schedule_time=_schedule_time(cell("schedule_time")) if scheduled else None,
        )
    except _InvalidCell as exc:
        return RowError(line=line, reason=f"{getattr(spelling, reading)}: {exc}")


def _text(value: object) -> str:
    """A cell as stripped text; spreadsheet numbers as the digits a user typed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps every number as a double: a phone number may come back as 96550001234.0.
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _required(value: object, limit: int) -> str:
    text = _text(value)
    if not text:
        raise _InvalidCell("is required")
    return _within(text, limit)


def _optional(value: object, limit: int) -> str | None:
    text = _text(value)
    return _within(text, limit) if text else None


def _within(text: str, limit: int) -> str:
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise _InvalidCell("must not contain NUL characters")
    if len(text) > limit:
        raise _InvalidCell(f"is longer than {limit} characters")
    return text


def _phone(value: object) -> str:
    text = _text(value)
    if not text:
        raise _InvalidCell("is required")
    phone = contact.compact_phone(text)
    if not contact.is_phone(phone):
        raise _InvalidCell("must be 6 to 20 digits, optionally after a +")
    return phone


def _email(value: object) -> str | None:
    email = contact.normalise_email(_text(value))
    if not email:
        return None
    if len(email) > contact.EMAIL_MAX_LENGTH:
        raise _InvalidCell(f"is longer than {contact.EMAIL_MAX_LENGTH} characters")
    if not contact.is_email(email):
        raise _InvalidCell("is not a valid email address")
    return email


def _amount(value: object, currency: str) -> int:
    amount = _decimal(value)
    if len(amount.as_tuple().digits) > _MAX_AMOUNT_DIGITS:
        raise _InvalidCell("has too many digits")
    try:
        minor = to_minor(amount, currency)
    except FawtaraError as exc:
        raise _InvalidCell(exc.message) from None
    if minor <= 0:
        raise _InvalidCell("must be positive")
    return minor


def _decimal(value: object) -> Decimal:
    """The amount exactly as written; never through binary floating point arithmetic."""
    if isinstance(value, bool):  # bool is an int, but TRUE is no amount
        raise _InvalidCell("must be a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        # An XLSX number cell holds the double nearest to what the user typed, and repr gives
        # the shortest text that round-trips to that double, which is what was typed: 0.1, not
        # Decimal(0.1)'s exact 0.1000000000000000055511151231257827...
        return Decimal(repr(value))
    text = _text(value)
    if not text:
        raise _InvalidCell("is required")
    if not _AMOUNT.fullmatch(text):
        raise _InvalidCell("must be a plain decimal number such as 280.500")
    return Decimal(text)


def _schedule_time(value: object) -> datetime:
    """An aware UTC datetime; naive times, typed or from a date cell, are taken as UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        moment = _parse_time(value.strip())
    elif value is None or isinstance(value, str):
        raise _InvalidCell("is required for a scheduled upload")
    else:
        raise _InvalidCell("must be a date and time such as 2026-12-01 09:30")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (
        OverflowError
    ):  # 9999-12-31 23:59-05:00 is in year 10000 in UTC, 0001-01-01 00:00+05:00 in year 0
        raise _InvalidCell("must fall within the years 1 to 9999 in UTC") from None


def _parse_time(text: str) -> datetime:
    # Python 3.11's fromisoformat reads ISO 8601, including "YYYY-MM-DD HH:MM[:SS]" with a space.
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or not _HAS_TIME.search(text):
        raise _InvalidCell("must be a date and time such as 2026-12-01 09:30")
    return moment
