"""The XLSX side of the bulk file: a zip of XML parts, measured before openpyxl reads any of it.

A few kilobytes of zip can inflate to gigabytes, and openpyxl holds every shared string (and
whole parts such as the styles) in memory, so a file is measured first, in bounded reads: its
zip directory (parts, inflated sizes, compression ratio), then each part streamed through expat
(no DTD, so no entity expansion; shared strings, rows, cells and other elements counted). What
may be spent grows with the rows an upload may have. The cells openpyxl then yields are counted
still: it pads a row out to its last cell's column.
"""

import io
import zipfile
import zlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from xml.parsers import expat

from openpyxl import load_workbook

_CHUNK = 64 * 1024
# POI's rule for zip bombs: past a small grace size, a part may not inflate more than 100 times.
_RATIO = 100
_RATIO_GRACE = 1_048_576
# Excel's last row: openpyxl yields an empty row for each row number skipped up to the next.
_LAST_ROW = 1_048_576
# The signature that begins every entry of a zip's central directory: zipfile makes one object
# per entry, so they are counted in the raw bytes before it does.
_DIRECTORY_ENTRY = b"PK\x01\x02"


class XlsxRefused(Exception):
    """The file breaks a bound or cannot be read; `reason` says which, for the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_UNREADABLE = "not a readable xlsx file"


@dataclass(frozen=True, slots=True)
class XlsxLimits:
    """What one XLSX upload may hold. `for_rows` sizes it for an upload of so many rows: about
    six text cells a row as shared strings, and room for 32 cells a row, blank rows between."""

    parts: int
    inflated_bytes: int
    shared_strings: int
    shared_string_bytes: int
    rows: int
    cells: int
    elements: int  # in the worksheets and shared strings, which openpyxl streams
    part_elements: int  # in any other part, which openpyxl reads whole

    @classmethod
    def for_rows(cls, rows: int) -> "XlsxLimits":
        return cls(
            parts=1_000,
            inflated_bytes=1_048_576 + rows * 1_024,
            shared_strings=64 + rows * 6,
            shared_string_bytes=65_536 + rows * 320,
            rows=64 + rows * 2,
            cells=256 + rows * 32,
            elements=4_096 + rows * 80,
            part_elements=100_000,
        )


def records(content: bytes, limits: XlsxLimits) -> Generator[tuple[int, Sequence[object]]]:
    """Rows of the first worksheet, numbered as the spreadsheet numbers them."""
    measure(content, limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything from BadZipFile to KeyError on a non-xlsx
        raise XlsxRefused(_UNREADABLE) from None
    try:
        if not workbook.worksheets:
            raise XlsxRefused("the xlsx file has no worksheet")
        sheet = workbook.worksheets[0]
        # The stored dimension is written by whatever made the file and may be wrong; trusting
        # it would silently drop rows past it. Rows then come back as long as their last cell.
        sheet.reset_dimensions()
        cells = 0
        # openpyxl yields an empty tuple for each row missing from the file, so counting keeps
        # the spreadsheet's own row numbers.
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells += len(row)
            if cells > limits.cells:
                raise XlsxRefused(f"the xlsx file has more than {limits.cells} cells")
            if line > _LAST_ROW:
                raise XlsxRefused(f"the xlsx file has rows past row {_LAST_ROW}")
            yield line, row
    except XlsxRefused:
        raise
    except Exception:  # a damaged sheet fails while streamed, in the parser's own exceptions
        raise XlsxRefused(_UNREADABLE) from None
    finally:
        workbook.close()


def measure(content: bytes, limits: XlsxLimits) -> None:
    """Refuses a file past `limits`, reading each part once in bounded chunks."""
    if content.count(_DIRECTORY_ENTRY) > limits.parts:
        raise XlsxRefused(f"the xlsx file has more than {limits.parts} parts")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise XlsxRefused(_UNREADABLE) from None
    with archive:
        parts = archive.infolist()
        _check_directory(parts, limits)
        tally = _Tally(limits)
        for part in parts:
            try:
                _scan(archive, part, tally)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError):
                raise XlsxRefused(_UNREADABLE) from None  # damaged, encrypted, unknown method


def _check_directory(parts: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    """What the zip directory declares; zipfile stops each part at its declared size."""
    if len(parts) > limits.parts:
        raise XlsxRefused(f"the xlsx file has more than {limits.parts} parts")
    total = 0
    for part in parts:
        total += part.file_size
        if total > limits.inflated_bytes:
            raise XlsxRefused(f"the xlsx file inflates to more than {limits.inflated_bytes} bytes")
        if part.file_size > _RATIO_GRACE and part.file_size > _RATIO * part.compress_size:
            raise XlsxRefused(
                f"the xlsx part {part.filename[:100]} inflates more than {_RATIO} times"
            )


# The parts openpyxl streams, element by element; every other part it reads whole.
_STREAMED = frozenset({"worksheet", "sst"})


class _Tally:
    """The counts over every part read so far, against the limits."""

    def __init__(self, limits: XlsxLimits) -> None:
        self.limits = limits
        self.counts = {"shared strings": 0, "rows": 0, "cells": 0, "elements": 0}
        self.bounds = {
            "shared strings": limits.shared_strings,
            "rows": limits.rows,
            "cells": limits.cells,
            "elements": limits.elements,
        }

    def add(self, what: str) -> None:
        self.counts[what] += 1
        if self.counts[what] > self.bounds[what]:
            raise XlsxRefused(f"the xlsx file has more than {self.bounds[what]} {what}")


_COUNTED = {"si": "shared strings", "row": "rows", "c": "cells"}


def _scan(archive: zipfile.ZipFile, part: zipfile.ZipInfo, tally: _Tally) -> None:
    """Streams one part through expat, counting what openpyxl would build from it.

    A part that is no XML (an image) stops at its first bad byte, where openpyxl, on the same
    expat, would stop too.
    """
    limits = tally.limits
    name = part.filename[:100]
    root: list[str] = []
    elements = 0

    def start(tag: str, _attributes: object) -> None:
        nonlocal elements
        local = tag.rpartition(" ")[2]
        if not root:
            root.append(local)
        if root[0] in _STREAMED:
            tally.add("elements")
            if local in _COUNTED:
                tally.add(_COUNTED[local])
        else:
            elements += 1
            if elements > limits.part_elements:
                raise XlsxRefused(
                    f"the xlsx part {name} has more than {limits.part_elements} elements"
                )

    def refuse_dtd(*_: object) -> None:
        raise XlsxRefused("the xlsx file declares a DTD, which no spreadsheet part has")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    size = 0
    with archive.open(part) as member:  # zipfile stops a part at its declared size
        while chunk := member.read(_CHUNK):
            size += len(chunk)
            if root == ["sst"] and size > limits.shared_string_bytes:
                raise XlsxRefused(
                    f"the shared strings inflate to more than {limits.shared_string_bytes} bytes"
                )
            try:
                parser.Parse(chunk, False)
            except expat.ExpatError:
                return
