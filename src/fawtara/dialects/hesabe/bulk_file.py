"""The Hesabe bulk upload's spelling of a bulk file: the names of its columns.

The file is read, and its rows checked, by the core (`fawtara.invoices.bulk_file`); the route
turns what it finds into Hesabe's 506.
"""

from fawtara.invoices import bulk_file
from fawtara.invoices.bulk_file import BulkFileError, BulkRow, Columns, RowError

__all__ = ["COLUMNS", "BulkFileError", "BulkRow", "RowError", "read_rows"]

COLUMNS = Columns(
    reference_number="reference_number",
    name="name",
    phone="phone",
    email="email",
    amount="amount",
    description="description",
    schedule_time="schedule_time",
)


def read_rows(
    content: bytes,
    file_type: str,
    *,
    currency: str,
    scheduled: bool,
    max_rows: int = 100_000,
) -> tuple[list[BulkRow], list[RowError]]:
    """Valid rows and row errors of an upload in Hesabe's columns (see `bulk_file.read_rows`)."""
    return bulk_file.read_rows(
        content, file_type, COLUMNS, currency=currency, scheduled=scheduled, max_rows=max_rows
    )
