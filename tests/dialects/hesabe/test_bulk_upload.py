"""Bulk upload: all rows validated first, then all invoices in one transaction; list, edit."""

import base64
import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from openpyxl import Workbook

from tests.dialects.hesabe.test_bulk_file import GOOD_STRINGS, built_xlsx
from tests.dialects.hesabe.wire import INVALID_REQUEST, NOT_FOUND, Hesabe

HEADER = "reference_number,name,phone,email,amount,description"


def csv_file(*rows: str, header: str = HEADER) -> str:
    return base64.b64encode("\n".join([header, *rows]).encode()).decode()


def upload(hesabe: Hesabe, invoices: str, **changes: Any) -> httpx.Response:
    payload = {"isScheduled": "0", "fileType": "csv", "invoices": invoices, **changes}
    return hesabe.send("POST", "/api/v1/invoice-bulk-upload", payload)


def bulk_list(hesabe: Hesabe, **query: str) -> dict[str, Any]:
    page: dict[str, Any] = hesabe.call("GET", "/api/v1/invoice-bulk-upload/", query=query)[
        "response"
    ]
    return page


class TestUpload:
    def test_a_good_csv_creates_every_invoice(self, hesabe: Hesabe) -> None:
        rows = [
            "R-1,Ahmed,+96566666666,ahmed@example.com,280.000,Rent",
            "R-2,Sara,96555555555,,12.5,",
            "R-3,Ahmed again,+96566666666,AHMED@example.com,1,Same client by email",
        ]
        answer = hesabe.opened(upload(hesabe, csv_file(*rows)))
        assert answer["status"] is True
        assert answer["message"] == "Invoices uploaded successfully"
        assert answer["response"]["count"] == 3
        listed = bulk_list(hesabe)
        assert listed["total"] == 3
        by_ref = {i["reference_number"]: i for i in listed["data"]}
        assert by_ref["R-1"]["amount"] == "280.000"
        assert by_ref["R-2"]["amount"] == "12.500"
        assert by_ref["R-2"]["customer"] == {
            "name": "Sara",
            "email": None,
            "phone_number": "96555555555",
        }
        # One client per email, as a single create would do.
        assert by_ref["R-3"]["customer"]["name"] == "Ahmed"
        invoice = hesabe.call("GET", f"/api/v1/invoice/{by_ref['R-1']['id']}")["response"]
        assert invoice["products"] == [{"name": "Rent", "quantity": "1", "price": "280.000"}]

    def test_invoices_get_gapless_numbers_after_single_creates(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        fatora = {"api_key": hesabe.merchant.api_key}
        body = {"number": "INV00003", "amount": 1, "description": "Hand-numbered"}
        assert anonymous.post("/v1/invoices", json=body, headers=fatora).status_code == 201
        rows = [f"R-{n},Name {n},+96566666666,,1.000,x" for n in range(4)]
        hesabe.opened(upload(hesabe, csv_file(*rows)))
        listed = anonymous.get("/v1/invoices", headers=fatora).json()["invoices"]
        numbers = sorted(i["number"] for i in listed)
        assert numbers == ["INV00001", "INV00002", "INV00003", "INV00004", "INV00005"]

    def test_every_bad_row_is_listed_and_nothing_is_created(self, hesabe: Hesabe) -> None:
        rows = [
            "R-1,Good,+96566666666,,1.000,",
            "R-2,,+96566666666,,1.000,",
            "R-3,Good,+96566666666,,1.0001,",
            "R-4,Good,+96566666666,,1.000,",
            "R-5,Good,12,,1.000,",
        ]
        answer = upload(hesabe, csv_file(*rows))
        assert answer.status_code == 506
        body = answer.json()
        assert body["message"] == "Invalid Request Data"
        errors = body["response"]["errors"]
        assert [e["line"] for e in errors] == [3, 4, 6]
        assert errors[0]["reason"].startswith("name")
        assert "KWD" in errors[1]["reason"]
        assert bulk_list(hesabe)["total"] == 0

    def test_a_file_larger_than_one_write_chunk(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        # 4,500 rows cross two chunk boundaries; emails repeat across them.
        rows = [
            f"L-{n},Name {n % 300},+9656{n:07d},{'' if n % 3 else f'c{n % 300}@example.com'},"
            f"{n % 50 + 1}.125,Line {n}"
            for n in range(4_500)
        ]
        answer = hesabe.opened(upload(hesabe, csv_file(*rows)))
        assert answer["response"]["count"] == 4_500
        first, last = answer["response"]["first_id"], answer["response"]["last_id"]
        assert last - first == 4_499
        fatora = {"api_key": hesabe.merchant.api_key}
        clients = anonymous.get("/v1/clients", params={"page_size": 1}, headers=fatora).json()
        # 3,000 rows without email (one client each) + 100 distinct emails (n % 300, n % 3 == 0)
        assert clients["total"] == 3_000 + 100
        invoices = anonymous.get("/v1/invoices", params={"page_size": 1}, headers=fatora).json()
        assert invoices["total"] == 4_500
        assert invoices["invoices"][0]["number"] == "INV04500"
        last_invoice = hesabe.call("GET", f"/api/v1/invoice/{last}")["response"]
        assert last_invoice["reference_number"] == "L-4499"
        assert last_invoice["amount"] == f"{4499 % 50 + 1}.125"

    def test_an_xlsx_file(self, hesabe: Hesabe) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(HEADER.split(","))
        sheet.append(["X-1", "Layla", 96566666666, "layla@example.com", 280.5, "From Excel"])
        buffer = io.BytesIO()
        book.save(buffer)
        invoices = base64.b64encode(buffer.getvalue()).decode()
        answer = hesabe.opened(upload(hesabe, invoices, fileType="xlsx"))
        assert answer["response"]["count"] == 1
        assert bulk_list(hesabe)["data"][0]["amount"] == "280.500"

    def test_scheduled_uploads_need_schedule_time_and_list_apart(self, hesabe: Hesabe) -> None:
        when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
        header = HEADER + ",schedule_time"
        missing = upload(hesabe, csv_file("S-1,A,+96566666666,,1.000,"), isScheduled="1")
        assert missing.status_code == 506
        good = csv_file(f"S-1,A,+96566666666,,1.000,x,{when}", header=header)
        assert hesabe.opened(upload(hesabe, good, isScheduled="1"))["response"]["count"] == 1
        hesabe.opened(upload(hesabe, csv_file("B-1,B,+96566666666,,2.000,y")))
        scheduled = bulk_list(hesabe, type="1")
        assert [i["reference_number"] for i in scheduled["data"]] == ["S-1"]
        assert scheduled["data"][0]["schedule_time"] == f"{when}:00"
        assert [i["reference_number"] for i in bulk_list(hesabe, type="0")["data"]] == ["B-1"]

    def test_schedule_times_past_the_calendar_in_utc_are_bad_rows(self, hesabe: Hesabe) -> None:
        header = HEADER + ",schedule_time"
        rows = [
            "S-1,A,+96566666666,,1.000,x,9999-12-31 23:59-05:00",
            "S-2,A,+96566666666,,1.000,x,0001-01-01 00:00+05:00",
            "S-3,A,+96566666666,,1.000,x,9999-12-31 23:59+00:00",
        ]
        answer = upload(hesabe, csv_file(*rows, header=header), isScheduled="1")
        assert answer.status_code == 506, answer.text
        errors = answer.json()["response"]["errors"]
        assert [e["line"] for e in errors] == [2, 3]
        assert all(e["reason"].startswith("schedule_time: ") for e in errors), errors
        assert bulk_list(hesabe, type="1")["total"] == 0

    def test_an_xlsx_that_inflates_is_refused_before_it_is_parsed(self, hesabe: Hesabe) -> None:
        # 125 KB whose shared strings inflate to 51 MB: accepted after 33 s and 190 MB before.
        strings = [*GOOD_STRINGS, *[b"<si><t>xxxxxxxxxx</t></si>"] * 2_000_000]
        invoices = base64.b64encode(built_xlsx(strings=strings)).decode()
        started = time.monotonic()
        answer = upload(hesabe, invoices, fileType="xlsx")
        assert time.monotonic() - started < 5
        assert answer.status_code == 506, answer.text
        reason = "the xlsx part xl/sharedStrings.xml inflates more than 100 times"
        assert answer.json()["response"]["errors"] == [{"field": "invoices", "reason": reason}]
        assert bulk_list(hesabe)["total"] == 0

    def test_unusable_files(self, hesabe: Hesabe) -> None:
        for invoices, changes in [
            ("!!not base64!!", {}),
            (csv_file("R-1,A,+96566666666,,1.000,", header="ref,name"), {}),
            (base64.b64encode(b"garbage").decode(), {"fileType": "xlsx"}),
            (csv_file(), {}),
            (csv_file("R-1,A,+96566666666,,1.000,"), {"fileType": "pdf"}),
        ]:
            answer = upload(hesabe, invoices, **changes)
            assert answer.status_code == 506, invoices
            assert answer.json()["response"]["errors"], answer.json()

    def test_the_list_pages(self, hesabe: Hesabe) -> None:
        rows = [f"P-{n:02d},Name,+96566666666,,1.000," for n in range(13)]
        hesabe.opened(upload(hesabe, csv_file(*rows)))
        second = bulk_list(hesabe, page="2")
        assert (second["current_page"], second["per_page"], second["total"]) == (2, 10, 13)
        assert second["last_page"] == 2
        assert [i["reference_number"] for i in second["data"]] == ["P-02", "P-01", "P-00"]
        answer = hesabe.call("GET", "/api/v1/invoice-bulk-upload", query={"page": "1"})
        assert answer["message"] == "Bulk invoice list"


class TestEditAndDelete:
    def _one(self, hesabe: Hesabe) -> int:
        hesabe.opened(upload(hesabe, csv_file("E-1,Old Name,+96566666666,old@example.com,5,x")))
        invoice_id: int = bulk_list(hesabe)["data"][0]["id"]
        return invoice_id

    def test_edit_amount_customer_and_reference(self, hesabe: Hesabe) -> None:
        invoice_id = self._one(hesabe)
        changes = {
            "amount": "7.250",
            "name": "New Name",
            "email": "new@example.com",
            "phone": "+96511111111",
            "reference_number": "E-1b",
        }
        answer = hesabe.call("PUT", f"/api/v1/invoice-bulk-upload/{invoice_id}", changes)
        assert answer["message"] == "Invoice has been updated"
        invoice = answer["response"]
        assert invoice["amount"] == "7.250"
        assert invoice["reference_number"] == "E-1b"
        assert invoice["customer"] == {
            "name": "New Name",
            "email": "new@example.com",
            "phone_number": "+96511111111",
        }
        again = hesabe.call("GET", f"/api/v1/invoice/{invoice_id}")["response"]
        assert again["amount"] == "7.250"

    def test_bad_edits_and_foreign_ids(self, hesabe: Hesabe, other_hesabe: Hesabe) -> None:
        invoice_id = self._one(hesabe)
        bad = hesabe.send("PUT", f"/api/v1/invoice-bulk-upload/{invoice_id}", {"amount": "1.0001"})
        assert bad.status_code == 506
        foreign = other_hesabe.send("PUT", f"/api/v1/invoice-bulk-upload/{invoice_id}", {})
        assert foreign.status_code == 404
        assert foreign.json() == NOT_FOUND
        gone = other_hesabe.send("DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}")
        assert gone.json() == NOT_FOUND
        assert hesabe.call("GET", f"/api/v1/invoice/{invoice_id}")["status"] is True

    def test_delete(self, hesabe: Hesabe) -> None:
        invoice_id = self._one(hesabe)
        answer = hesabe.call("DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}")
        assert answer == {"status": True, "message": "Invoice has been deleted", "response": None}
        again = hesabe.send("DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}")
        assert again.status_code == 404
        assert again.json() == NOT_FOUND
        unknown = hesabe.send("DELETE", "/api/v1/invoice-bulk-upload/99999999")
        assert unknown.json() == NOT_FOUND
        garbage = hesabe.http.request(
            "DELETE", f"/api/v1/invoice-bulk-upload/{invoice_id}", headers=hesabe.headers()
        )
        assert garbage.json() == INVALID_REQUEST
