"""`fawtara invoices import FILE`: a file of invoices into a server, with a progress bar and a
report of the rows refused, by line.

The file has the bulk upload's columns (reference_number, name, phone, email, amount,
description). Through the Fatora-style API each row is one quick invoice (its
reference_number as the invoice number, name/email/phone as its client), and a refused row does
not stop the others; through the Hesabe-style API the file is one bulk upload, which creates
every row or, if any row is refused, none.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from fawtara.cli import output, server_extra
from fawtara.cli.output import Output
from fawtara.cli.remote import Remote, fail, refused
from fawtara.client import ConflictError, FawtaraError, NotFoundError, ValidationError

Row = tuple[int, dict[str, str]]
# What the server says of a row; anything else (a bad key, no answer) stops the import.
ROW_ERRORS = (ValidationError, ConflictError, NotFoundError)


def create_each(remote: Remote, path: Path) -> None:
    rows = _rows(path)
    created: list[int] = []
    problems: list[dict[str, Any]] = []
    stopped: FawtaraError | None = None  # an error that is not the row's: the rest would fail too
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with remote.fatora_client() as fatora, _progress(*columns) as progress:
        task = progress.add_task(f"Importing {path.name}", total=len(rows))
        for line, row in rows:
            try:
                created.append(fatora.invoices.create(**_quick_invoice(row)).id)
            except ROW_ERRORS as exc:
                problems.append({"line": line, "reason": exc.message})
            except InvalidOperation:
                reason = f"amount: {row.get('amount', '')!r} is not an amount"
                problems.append({"line": line, "reason": reason})
            except FawtaraError as exc:
                stopped = exc
                break
            progress.advance(task)
    _report(remote, created, problems)
    if stopped is not None:
        raise fail(stopped)
    _exit_if_refused(problems, len(rows))


def upload(remote: Remote, path: Path, *, scheduled: bool) -> None:
    with remote.hesabe_client() as hesabe, _progress(SpinnerColumn()) as progress:
        progress.add_task(f"Uploading {path.name}", total=None)
        try:
            result = hesabe.bulk.upload(path, scheduled=scheduled)
        except ValidationError as exc:
            if not exc.errors:
                raise
            problems = [{"line": e.get("line"), "reason": _reason(e)} for e in exc.errors]
            _report(remote, [], problems)  # nothing was created: a bulk upload is all or none
            _exit_if_refused(problems, None)
    ids = (
        list(range(result.first_id, result.last_id + 1))
        if result.first_id and result.last_id
        else []
    )
    _report(remote, ids, [])


def _rows(path: Path) -> list[Row]:
    # The bulk file's reader (openpyxl and all, of the server), loaded only for an import.
    server_extra.require("invoices import")
    from fawtara.invoices.bulk_file import BulkFileError, text_records

    try:
        records = list(text_records(path.read_bytes(), path.suffix.lower().removeprefix(".")))
    except BulkFileError as exc:
        raise refused(f"{path.name}: {exc.reason}") from None
    if not records:
        raise refused(f"{path.name} is empty")
    (_, header), *body = records
    names = [cell.lower() for cell in header]
    missing = [name for name in ("amount", "description") if name not in names]
    if missing:
        raise refused(f"{path.name}: missing columns: {', '.join(missing)}")
    return [(line, dict(zip(names, cells, strict=False))) for line, cells in body if any(cells)]


def _quick_invoice(row: dict[str, str]) -> dict[str, Any]:
    client = {key: row[key] for key in ("name", "email", "phone") if row.get(key)}
    fields: dict[str, Any] = {"amount": Decimal(row.get("amount", "")), "client": client}
    if row.get("description"):
        fields["description"] = row["description"]
    if row.get("reference_number"):
        fields["number"] = row["reference_number"]
    return {name: value for name, value in fields.items() if value or name == "amount"}


def _reason(problem: dict[str, Any]) -> str:
    field = problem.get("field")
    reason = str(problem.get("reason"))
    return f"{field}: {reason}" if field else reason


def _progress(*columns: Any) -> Progress:
    # On stderr, and gone when done: stdout keeps only the report (JSON with -o json).
    shown = output.errors.is_terminal
    return Progress(*columns, console=output.errors, transient=True, disable=not shown)


def _report(remote: Remote, created: list[int], problems: list[dict[str, Any]]) -> None:
    if remote.output is Output.json:
        output.show({"created": len(created), "ids": created, "refused": problems}, Output.json)
        return
    output.console.print(f"Created {len(created)} invoice(s).", highlight=False)
    if problems:
        table = Table("line", "reason", title="Refused rows", title_justify="left")
        for problem in problems:
            table.add_row(str(problem["line"] or "—"), problem["reason"])
        output.console.print(table)


def _exit_if_refused(problems: list[dict[str, Any]], total: int | None) -> None:
    if problems:
        of = f"of {total} " if total is not None else ""
        raise refused(f"{len(problems)} row(s) {of}refused")
