"""The bulk upload reader on CSV bytes written by hand and XLSX files built with openpyxl."""

import io
import random
import re
import string
import time
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from fawtara.dialects.hesabe.bulk_file import BulkFileError, BulkRow, RowError, read_rows
from fawtara.errors import UnknownCurrency

HEADER = "reference_number,name,phone,email,amount,description"
GOOD = "INV-1,Fatima Ali,+96550000001,fatima@example.com,280.500,Consulting"


def csv_file(*lines: str, bom: bool = False) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + "".join(f"{line}\r\n" for line in lines).encode()


def xlsx_file(*rows: Sequence[object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_csv(
    *lines: str, currency: str = "KWD", scheduled: bool = False
) -> tuple[list[BulkRow], list[RowError]]:
    return read_rows(csv_file(*lines), "csv", currency=currency, scheduled=scheduled)


def only_error(*lines: str, scheduled: bool = False) -> RowError:
    rows, errors = read_csv(*lines, scheduled=scheduled)
    assert rows == []
    assert len(errors) == 1
    return errors[0]


class TestCsv:
    def test_reads_every_field(self) -> None:
        rows, errors = read_csv(HEADER, GOOD, "INV-2,Omar,96551234567,,12,")
        assert errors == []
        assert rows == [
            BulkRow(
                line=2,
                reference_number="INV-1",
                name="Fatima Ali",
                phone="+96550000001",
                email="fatima@example.com",
                amount_minor=280500,
                description="Consulting",
                schedule_time=None,
            ),
            BulkRow(
                line=3,
                reference_number="INV-2",
                name="Omar",
                phone="96551234567",
                email=None,
                amount_minor=12000,
                description=None,
                schedule_time=None,
            ),
        ]

    @pytest.mark.parametrize(
        ("currency", "amount", "minor"),
        [
            ("KWD", "280.5", 280500),
            ("KWD", "0.001", 1),
            ("QAR", "100.25", 10025),
            ("QAR", "7", 700),
        ],
    )
    def test_amounts_in_minor_units_of_the_currency(
        self, currency: str, amount: str, minor: int
    ) -> None:
        rows, errors = read_csv(HEADER, f"INV-1,Ali,96550000001,,{amount},", currency=currency)
        assert errors == []
        assert rows[0].amount_minor == minor

    def test_qar_refuses_a_third_decimal(self) -> None:
        rows, errors = read_csv(HEADER, "INV-1,Ali,96550000001,,100.255,", currency="QAR")
        assert rows == []
        assert errors == [
            RowError(line=2, reason="amount: 100.255 has more decimal places than QAR allows (2)")
        ]

    def test_byte_order_mark_is_ignored(self) -> None:
        rows, errors = read_rows(
            csv_file(HEADER, GOOD, bom=True), "csv", currency="KWD", scheduled=False
        )
        assert errors == []
        assert rows[0].reference_number == "INV-1"

    def test_columns_in_any_order_and_case_with_extra_columns(self) -> None:
        header = " Amount ,NAME,Notes,phone,Reference_Number,Description,EMAIL"
        rows, errors = read_csv(header, "1.5,Ali,ignored,96550000001,INV-9,Rent,ali@example.com")
        assert errors == []
        assert (rows[0].reference_number, rows[0].name, rows[0].amount_minor) == (
            "INV-9",
            "Ali",
            1500,
        )
        assert (rows[0].description, rows[0].email) == ("Rent", "ali@example.com")

    def test_blank_rows_are_skipped_and_lines_keep_their_numbers(self) -> None:
        rows, errors = read_csv(
            HEADER, "", GOOD, ",,,,,", "  , ,,,,", GOOD.replace("INV-1", "INV-2")
        )
        assert errors == []
        assert [row.line for row in rows] == [3, 6]

    def test_a_quoted_newline_keeps_the_line_of_the_row_start(self) -> None:
        rows, errors = read_csv(
            HEADER, 'INV-1,Ali,96550000001,,1,"two\nlines"', "INV-2,Ali,96550000001,,1,x", "bad"
        )
        assert [(row.line, row.description) for row in rows] == [(2, "two\nlines"), (4, "x")]
        assert [error.line for error in errors] == [5]

    def test_values_are_normalised(self) -> None:
        rows, errors = read_csv(HEADER, "  INV-1 , Ali , +965 5000-0001 , Ali@Example.COM ,  2 ,  ")
        assert errors == []
        row = rows[0]
        assert (row.reference_number, row.name, row.phone) == ("INV-1", "Ali", "+96550000001")
        assert (row.email, row.amount_minor, row.description) == ("ali@example.com", 2000, None)

    def test_a_short_row_is_missing_its_last_cells(self) -> None:
        assert only_error(HEADER, "INV-1,Ali,96550000001") == RowError(2, "amount: is required")


class TestXlsx:
    def test_reads_typed_cells(self) -> None:
        content = xlsx_file(
            ["reference_number", "name", "phone", "email", "amount", "description"],
            ["INV-1", "Fatima", 96550000001, "Fatima@Example.com", 280.5, "Consulting"],
            [1002, "Omar", "+965 5123-4567", None, 12, None],
            ["INV-3", "Sara", 96550000003, None, "1.250", None],
        )
        rows, errors = read_rows(content, "xlsx", currency="KWD", scheduled=False)
        assert errors == []
        assert rows[0] == BulkRow(
            line=2,
            reference_number="INV-1",
            name="Fatima",
            phone="96550000001",
            email="fatima@example.com",
            amount_minor=280500,
            description="Consulting",
            schedule_time=None,
        )
        assert (rows[1].reference_number, rows[1].phone, rows[1].amount_minor) == (
            "1002",
            "+96551234567",
            12000,
        )
        assert rows[2].amount_minor == 1250

    @pytest.mark.parametrize(
        ("currency", "amount", "minor"),
        [("KWD", 280.5, 280500), ("KWD", 0.1, 100), ("QAR", 19.99, 1999), ("QAR", 0.07, 7)],
    )
    def test_float_amounts_are_read_as_typed(
        self, currency: str, amount: float, minor: int
    ) -> None:
        content = xlsx_file(HEADER.split(","), ["INV-1", "Ali", 96550000001, None, amount, None])
        rows, errors = read_rows(content, "xlsx", currency=currency, scheduled=False)
        assert errors == []
        assert rows[0].amount_minor == minor

    def test_float_amount_finer_than_the_currency_is_refused(self) -> None:
        content = xlsx_file(HEADER.split(","), ["INV-1", "Ali", 96550000001, None, 19.995, None])
        rows, errors = read_rows(content, "xlsx", currency="QAR", scheduled=False)
        assert rows == []
        assert errors == [RowError(2, "amount: 19.995 has more decimal places than QAR allows (2)")]

    def test_schedule_time_from_a_datetime_cell(self) -> None:
        content = xlsx_file(
            [*HEADER.split(","), "schedule_time"],
            ["INV-1", "Ali", 96550000001, None, 5, None, datetime(2026, 12, 1, 9, 30)],
            ["INV-2", "Ali", 96550000001, None, 5, None, "2026-12-01 12:00:00+03:00"],
        )
        rows, errors = read_rows(content, "xlsx", currency="KWD", scheduled=True)
        assert errors == []
        assert [row.schedule_time for row in rows] == [
            datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
            datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        ]

    def test_missing_rows_keep_the_spreadsheet_numbering(self) -> None:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADER.split(","))
        for column, value in enumerate(["INV-5", "Ali", 96550000001, None, 1, None], start=1):
            sheet.cell(row=5, column=column, value=value)
        buffer = io.BytesIO()
        workbook.save(buffer)
        rows, errors = read_rows(buffer.getvalue(), "xlsx", currency="KWD", scheduled=False)
        assert errors == []
        assert [row.line for row in rows] == [5]

    def test_rows_past_a_wrong_stored_dimension_are_read(self) -> None:
        content = xlsx_file(
            HEADER.split(","),
            ["INV-1", "Ali", 96550000001, None, 1, None],
            ["INV-2", "Ali", 96550000001, None, 2, None],
        )
        # Some generators write a stale <dimension>; openpyxl would stop reading at it.
        rows, errors = read_rows(
            with_dimension(content, "A1:A1"), "xlsx", currency="KWD", scheduled=False
        )
        assert errors == []
        assert [(row.reference_number, row.amount_minor) for row in rows] == [
            ("INV-1", 1000),
            ("INV-2", 2000),
        ]

    def test_errors_carry_the_spreadsheet_line(self) -> None:
        content = xlsx_file(
            HEADER.split(","),
            ["INV-1", "Ali", 123, None, 1, None],
            ["INV-2", "Ali", 96550000001, None, 1, None],
            ["INV-3", "Ali", 96550000001, None, -4.5, None],
        )
        rows, errors = read_rows(content, "xlsx", currency="KWD", scheduled=False)
        assert [row.line for row in rows] == [3]
        assert errors == [
            RowError(2, "phone: must be 6 to 20 digits, optionally after a +"),
            RowError(4, "amount: must be positive"),
        ]


def with_dimension(content: bytes, ref: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
            target.writestr(item, data)
    return buffer.getvalue()


def row_with(**cells: str) -> str:
    values = {
        "reference_number": "INV-1",
        "name": "Ali",
        "phone": "96550000001",
        "email": "",
        "amount": "1",
        "description": "",
    } | cells
    return ",".join(values[column] for column in HEADER.split(","))


class TestRowErrors:
    def test_errors_are_collected_across_rows(self) -> None:
        rows, errors = read_csv(
            HEADER,
            row_with(name=""),
            row_with(reference_number="INV-3"),
            row_with(amount="abc"),
            row_with(reference_number="INV-5"),
        )
        assert [row.line for row in rows] == [3, 5]
        assert errors == [
            RowError(2, "name: is required"),
            RowError(4, "amount: must be a plain decimal number such as 280.500"),
        ]

    def test_only_the_first_failing_column_is_reported(self) -> None:
        error = only_error(HEADER, row_with(name="", phone="1", amount="x"))
        assert error == RowError(2, "name: is required")

    @pytest.mark.parametrize(
        ("cells", "reason"),
        [
            ({"reference_number": ""}, "reference_number: is required"),
            ({"reference_number": "R" * 65}, "reference_number: is longer than 64 characters"),
            ({"name": "  "}, "name: is required"),
            ({"name": "N" * 201}, "name: is longer than 200 characters"),
            ({"phone": ""}, "phone: is required"),
            ({"phone": "12345"}, "phone: must be 6 to 20 digits, optionally after a +"),
            ({"phone": "1" * 21}, "phone: must be 6 to 20 digits, optionally after a +"),
            ({"phone": "+965abc1234"}, "phone: must be 6 to 20 digits, optionally after a +"),
            ({"phone": "++96550000001"}, "phone: must be 6 to 20 digits, optionally after a +"),
            ({"phone": "9655+0000001"}, "phone: must be 6 to 20 digits, optionally after a +"),
            ({"email": "ali@example"}, "email: is not a valid email address"),
            ({"email": "@example.com"}, "email: is not a valid email address"),
            ({"email": "ali@@example.com"}, "email: is not a valid email address"),
            ({"email": "a@b@example.com"}, "email: is not a valid email address"),
            ({"email": "ali smith@example.com"}, "email: is not a valid email address"),
            ({"email": "ali@example..com"}, "email: is not a valid email address"),
            ({"email": "ali.example.com"}, "email: is not a valid email address"),
            ({"email": "a" * 243 + "@example.com"}, "email: is longer than 254 characters"),
            ({"amount": ""}, "amount: is required"),
            ({"amount": "0"}, "amount: must be positive"),
            ({"amount": "-1"}, "amount: must be positive"),
            ({"amount": "abc"}, "amount: must be a plain decimal number such as 280.500"),
            ({"amount": "1e3"}, "amount: must be a plain decimal number such as 280.500"),
            ({"amount": "NaN"}, "amount: must be a plain decimal number such as 280.500"),
            ({"amount": "Infinity"}, "amount: must be a plain decimal number such as 280.500"),
            ({"amount": '"1,000"'}, "amount: must be a plain decimal number such as 280.500"),
            ({"amount": "١٢"}, "amount: must be a plain decimal number such as 280.500"),
            (
                {"amount": "280.1234"},
                "amount: 280.1234 has more decimal places than KWD allows (3)",
            ),
            ({"amount": "1000000000000"}, "amount: is too large"),
            ({"amount": "1." + "0" * 29 + "1"}, "amount: has too many digits"),
            ({"description": "D" * 1001}, "description: is longer than 1000 characters"),
        ],
    )
    def test_each_rule(self, cells: dict[str, str], reason: str) -> None:
        rows, errors = read_csv(HEADER, row_with(), row_with(**cells), row_with())
        assert [row.line for row in rows] == [2, 4]
        assert errors == [RowError(3, reason)]

    @pytest.mark.parametrize(
        "cells",
        [
            {"reference_number": "R" * 64},
            {"name": "N" * 200},
            {"phone": "123456"},
            {"phone": "+" + "1" * 20},
            {"phone": "+965-5000 0001"},
            {"email": "a" * 242 + "@example.com"},
            {"amount": ".5"},
            {"amount": "+3"},
            {"amount": "999999999999.999"},
            {"description": "D" * 1000},
        ],
    )
    def test_limits_are_inclusive(self, cells: dict[str, str]) -> None:
        rows, errors = read_csv(HEADER, row_with(**cells))
        assert errors == []
        assert len(rows) == 1


class TestScheduled:
    header = f"{HEADER},schedule_time"

    @pytest.mark.parametrize(
        ("text", "moment"),
        [
            ("2026-12-01 09:30", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
            ("2026-12-01 09:30:15", datetime(2026, 12, 1, 9, 30, 15, tzinfo=UTC)),
            ("2026-12-01T09:30:00Z", datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
            ("2026-12-01T09:30:00+03:00", datetime(2026, 12, 1, 6, 30, tzinfo=UTC)),
        ],
    )
    def test_formats(self, text: str, moment: datetime) -> None:
        rows, errors = read_csv(self.header, f"{row_with()},{text}", scheduled=True)
        assert errors == []
        assert rows[0].schedule_time == moment
        assert rows[0].schedule_time.utcoffset() is not None

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("", "schedule_time: is required for a scheduled upload"),
            ("tomorrow", "schedule_time: must be a date and time such as 2026-12-01 09:30"),
            ("2026-12-01", "schedule_time: must be a date and time such as 2026-12-01 09:30"),
            ("2026-13-01 09:30", "schedule_time: must be a date and time such as 2026-12-01 09:30"),
            (
                "9999-12-31 23:59-05:00",
                "schedule_time: must fall within the years 1 to 9999 in UTC",
            ),
            (
                "0001-01-01 00:00+05:00",
                "schedule_time: must fall within the years 1 to 9999 in UTC",
            ),
        ],
    )
    def test_refused(self, text: str, reason: str) -> None:
        error = only_error(self.header, f"{row_with()},{text}", scheduled=True)
        assert error == RowError(2, reason)

    def test_the_column_is_required_when_scheduled(self) -> None:
        with pytest.raises(BulkFileError, match="^missing columns: schedule_time$"):
            read_csv(HEADER, row_with(), scheduled=True)

    def test_the_column_is_ignored_when_not_scheduled(self) -> None:
        rows, errors = read_csv(self.header, f"{row_with()},not a time")
        assert errors == []
        assert rows[0].schedule_time is None


class TestFileErrors:
    def test_reason_is_the_message(self) -> None:
        with pytest.raises(BulkFileError) as caught:
            read_rows(b"", "csv", currency="KWD", scheduled=False)
        assert caught.value.reason == str(caught.value) == "the file is empty"

    def test_unknown_file_type(self) -> None:
        with pytest.raises(BulkFileError, match="file type must be csv or xlsx"):
            read_rows(csv_file(HEADER, GOOD), "xls", currency="KWD", scheduled=False)

    def test_unknown_currency(self) -> None:
        with pytest.raises(UnknownCurrency):
            read_rows(csv_file(HEADER, GOOD), "csv", currency="XXX", scheduled=False)

    def test_missing_columns_are_named(self) -> None:
        with pytest.raises(BulkFileError, match="^missing columns: phone, amount$"):
            read_csv("reference_number,name,email,description", "INV-1,Ali,,")

    def test_duplicate_column(self) -> None:
        with pytest.raises(BulkFileError, match="^duplicate column: amount$"):
            read_csv(f"{HEADER},Amount", f"{GOOD},2")

    @pytest.mark.parametrize("lines", [(HEADER,), (HEADER, "", ",,,,,", " , ")])
    def test_no_rows(self, lines: tuple[str, ...]) -> None:
        with pytest.raises(BulkFileError, match="^the file has no rows$"):
            read_csv(*lines)

    def test_too_many_rows(self) -> None:
        content = csv_file(HEADER, *[row_with(reference_number=f"INV-{n}") for n in range(4)])
        with pytest.raises(BulkFileError, match="^the file has more than 3 rows$"):
            read_rows(content, "csv", currency="KWD", scheduled=False, max_rows=3)

    def test_exactly_max_rows_with_blank_rows_is_fine(self) -> None:
        content = csv_file(HEADER, row_with(), "", row_with(), ",,,,,", row_with())
        rows, errors = read_rows(content, "csv", currency="KWD", scheduled=False, max_rows=3)
        assert (len(rows), errors) == (3, [])

    def test_reading_stops_once_the_limit_is_passed(self) -> None:
        # Invalid UTF-8 well past the decoder's first chunk: reaching it would fail differently.
        content = csv_file(HEADER, *[row_with()] * 2000) + b"\xff\xfe\r\n"
        with pytest.raises(BulkFileError, match="^the file has more than 3 rows$"):
            read_rows(content, "csv", currency="KWD", scheduled=False, max_rows=3)

    def test_xlsx_too_many_rows(self) -> None:
        content = xlsx_file(HEADER.split(","), *[["INV", "Ali", 96550000001, None, 1, None]] * 3)
        with pytest.raises(BulkFileError, match="^the file has more than 2 rows$"):
            read_rows(content, "xlsx", currency="KWD", scheduled=False, max_rows=2)

    def test_xlsx_with_only_a_header(self) -> None:
        with pytest.raises(BulkFileError, match="^the file has no rows$"):
            read_rows(xlsx_file(HEADER.split(",")), "xlsx", currency="KWD", scheduled=False)

    def test_empty_xlsx(self) -> None:
        with pytest.raises(BulkFileError, match="^the file is empty$"):
            read_rows(xlsx_file(), "xlsx", currency="KWD", scheduled=False)

    @pytest.mark.parametrize(
        "content",
        [
            b"",
            b"\x00\x01garbage\xff" * 100,
            csv_file(HEADER, GOOD),
            b"PK\x03\x04" + b"\x00" * 60,  # a zip signature with nothing behind it
        ],
    )
    def test_not_an_xlsx(self, content: bytes) -> None:
        with pytest.raises(BulkFileError, match="^not a readable xlsx file$"):
            read_rows(content, "xlsx", currency="KWD", scheduled=False)

    def test_a_zip_that_is_not_a_workbook(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "not a workbook")
        with pytest.raises(BulkFileError, match="^not a readable xlsx file$"):
            read_rows(buffer.getvalue(), "xlsx", currency="KWD", scheduled=False)

    def test_a_damaged_worksheet(self) -> None:
        content = xlsx_file(HEADER.split(","), ["INV-1", "Ali", 96550000001, None, 1, None])
        source = zipfile.ZipFile(io.BytesIO(content))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data[: len(data) // 2]  # the XML ends mid-element
                target.writestr(item, data)
        with pytest.raises(BulkFileError, match="^not a readable xlsx file$"):
            read_rows(buffer.getvalue(), "xlsx", currency="KWD", scheduled=False)

    @pytest.mark.parametrize(
        "content",
        [
            csv_file(HEADER) + b"INV-1,\xff\xfeAli,96550000001,,1,\r\n",
            "reference_number;name".encode("utf-16"),
        ],
    )
    def test_not_utf8(self, content: bytes) -> None:
        with pytest.raises(BulkFileError, match="^not a UTF-8 CSV file$"):
            read_rows(content, "csv", currency="KWD", scheduled=False)

    def test_unclosed_quote(self) -> None:
        with pytest.raises(BulkFileError, match="^not a readable CSV file"):
            read_csv(HEADER, 'INV-1,"Ali,96550000001,,1,', GOOD)


class TestLargeFile:
    def test_a_hundred_thousand_rows(self) -> None:
        content = csv_file(
            HEADER,
            *(
                f"INV-{n},Client {n},+9655{n:07d},client{n}@example.com,{n}.125,Invoice {n}"
                for n in range(1, 100_001)
            ),
        )
        rows, errors = read_rows(content, "csv", currency="KWD", scheduled=False)
        assert errors == []
        assert len(rows) == 100_000
        assert rows[-1] == BulkRow(
            line=100_001,
            reference_number="INV-100000",
            name="Client 100000",
            phone="+96550100000",
            email="client100000@example.com",
            amount_minor=100_000_125,
            description="Invoice 100000",
            schedule_time=None,
        )


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEADER_CELLS = b"".join(
    b'<c r="%s1" t="s"><v>%d</v></c>' % (column.encode(), i) for i, column in enumerate("ABCDEF")
)
# One good row after the header: the shared strings 6 and 7 are its reference and name.
GOOD_ROWS = (
    b'<row r="1">' + _HEADER_CELLS + b'</row><row r="2"><c r="A2" t="s"><v>6</v></c>'
    b'<c r="B2" t="s"><v>7</v></c><c r="C2"><v>96550000001</v></c><c r="E2"><v>1</v></c></row>'
)
GOOD_STRINGS = [b"<si><t>%s</t></si>" % name.encode() for name in [*HEADER.split(","), "R", "Ali"]]


def built_xlsx(
    rows: bytes = GOOD_ROWS,
    strings: Iterable[bytes] = GOOD_STRINGS,
    *,
    prologue: bytes = b"",
    parts: dict[str, bytes] | None = None,
) -> bytes:
    """A workbook written part by part as Excel writes one (shared strings, not inline), so
    a test can make any part as large, as repetitive or as odd as it needs."""
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
        "</Types>"
    )
    fixed = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": f'<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PACKAGE}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in fixed.items():
            archive.writestr(name, text)
        sheet = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode() + rows
        archive.writestr("xl/worksheets/sheet1.xml", sheet + b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(prologue + f'<sst xmlns="{MAIN}">'.encode())
            for item in strings:
                part.write(item)
            part.write(b"</sst>")
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_xlsx(content: bytes, max_rows: int = 100_000) -> tuple[list[BulkRow], list[RowError]]:
    return read_rows(content, "xlsx", currency="KWD", scheduled=False, max_rows=max_rows)


def refused(content: bytes, reason: str, max_rows: int = 100_000) -> None:
    with pytest.raises(BulkFileError) as caught:
        read_xlsx(content, max_rows)
    assert caught.value.reason == reason


class TestXlsxBounds:
    """A file is measured before it is parsed; what it may hold grows with max_rows."""

    def test_a_file_built_part_by_part_reads(self) -> None:
        rows, errors = read_xlsx(built_xlsx())
        assert errors == []
        assert [(row.reference_number, row.name) for row in rows] == [("R", "Ali")]

    def test_shared_strings_that_inflate_a_thousand_times(self) -> None:
        # 125 KB that inflate to 51 MB of shared strings: openpyxl took 33 s and 190 MB on it.
        bomb = built_xlsx(strings=[*GOOD_STRINGS, *[b"<si><t>xxxxxxxxxx</t></si>"] * 2_000_000])
        assert len(bomb) < 200_000
        started = time.perf_counter()
        refused(bomb, "the xlsx part xl/sharedStrings.xml inflates more than 100 times")
        assert time.perf_counter() - started < 1

    def test_too_many_shared_strings(self) -> None:
        strings = [*GOOD_STRINGS, *(b"<si><t>s%d</t></si>" % n for n in range(200))]
        refused(built_xlsx(strings=strings), "the xlsx file has more than 124 shared strings", 10)

    def test_shared_strings_too_large(self) -> None:
        text = "".join(random.Random(1).choices(string.ascii_letters, k=2_000)).encode()
        strings = [*GOOD_STRINGS, *[b"<si><t>" + text + b"</t></si>"] * 40]
        reason = "the shared strings inflate to more than 68736 bytes"
        refused(built_xlsx(strings=strings), reason, 10)

    def test_too_many_cells(self) -> None:
        wide = b"".join(
            b'<row r="%d">' % r + b'<c r="A%d"><v>1</v></c>' % r * 40 + b"</row>"
            for r in range(3, 13)
        )
        refused(built_xlsx(GOOD_ROWS + wide), "the xlsx file has more than 320 cells", 2)

    def test_a_row_padded_out_to_its_last_column(self) -> None:
        # One cell in column XFD: openpyxl yields the row as 16,384 cells.
        far = GOOD_ROWS + b'<row r="3"><c r="XFD3"><v>1</v></c></row>'
        refused(built_xlsx(far), "the xlsx file has more than 320 cells", 2)

    def test_too_many_rows(self) -> None:
        blank = b"".join(b'<row r="%d"/>' % r for r in range(3, 103))
        refused(built_xlsx(GOOD_ROWS + blank), "the xlsx file has more than 68 rows", 2)

    def test_a_row_past_the_last_row_of_excel(self) -> None:
        far = GOOD_ROWS + b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>'
        refused(built_xlsx(far), "the xlsx file has rows past row 1048576")

    def test_a_dtd(self) -> None:
        # Entities are how a few bytes of XML expand to gigabytes ("billion laughs").
        dtd = b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>'
        reason = "the xlsx file declares a DTD, which no spreadsheet part has"
        refused(built_xlsx(prologue=dtd), reason)

    def test_too_many_parts(self) -> None:
        parts = {f"xl/media/{n}.bin": b"" for n in range(1_000)}
        refused(built_xlsx(parts=parts), "the xlsx file has more than 1000 parts")

    def test_inflating_past_the_total(self) -> None:
        blob = random.Random(2).randbytes(1_100_000)  # does not compress: no ratio to catch
        reason = "the xlsx file inflates to more than 1049600 bytes"
        refused(built_xlsx(parts={"xl/media/image1.png": blob}), reason, 1)

    def test_a_part_read_whole_with_too_many_elements(self) -> None:
        styles = f'<styleSheet xmlns="{MAIN}">'.encode() + b"<a/>" * 100_001 + b"</styleSheet>"
        reason = "the xlsx part xl/styles.xml has more than 100000 elements"
        refused(built_xlsx(parts={"xl/styles.xml": styles}), reason)

    def test_an_upload_of_max_rows_realistic_rows_is_within_the_bounds(self) -> None:
        count = 2_000
        strings = list(GOOD_STRINGS[:6])
        rows = [b'<row r="1">' + _HEADER_CELLS + b"</row>"]
        for r in range(2, count + 2):
            texts = [f"INV-{r:06d}", f"Client number {r}", f"client{r}@example.com"]
            texts.append(f"Monthly consulting retainer, {r % 12 + 1} of 12, with a long note")
            cells = b""
            for column, text in zip("ABDF", texts, strict=True):
                cells += b'<c r="%s%d" t="s"><v>%d</v></c>' % (column.encode(), r, len(strings))
                strings.append(b"<si><t>%s</t></si>" % text.encode())
            cells += b'<c r="C%d"><v>9655%07d</v></c><c r="E%d"><v>12.5</v></c>' % (r, r, r)
            rows.append(b'<row r="%d" spans="1:6">%s</row>' % (r, cells))
        parsed, errors = read_xlsx(built_xlsx(b"".join(rows), strings), max_rows=count)
        assert errors == []
        assert len(parsed) == count
