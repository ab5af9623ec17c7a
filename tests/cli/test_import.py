"""`fawtara invoices import FILE`: one invoice a row through the Fatora-style API, one bulk
upload through the Hesabe-style API; a report of the rows refused, by line."""

import json
from pathlib import Path

from openpyxl import Workbook

from tests.cli.user import User

HEADER = "reference_number,name,phone,email,amount,description"


def csv_file(folder: Path, *rows: str) -> str:
    path = folder / "invoices.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return str(path)


class TestFatora:
    def test_each_row_is_an_invoice_and_refused_rows_are_reported(
        self, user: User, tmp_path: Path
    ) -> None:
        path = csv_file(
            tmp_path,
            "R-1,Ahmed,+97455555555,ahmed@example.com,280.50,Rent",
            "R-2,Sara,,,ten,Bad amount",
            "R-1,Sara,,,1,Same number",
            ",,,,,",
            ",Walk-in,,,12.125,Too fine for QAR",
            ",,,,9,No reference: numbered by the server",
        )
        result = user.run("invoices", "import", path, "--output", "json")
        assert result.exit_code == 1, result.stderr
        report = json.loads(result.stdout)
        assert report["created"] == 2
        assert [(r["line"], r["reason"]) for r in report["refused"]] == [
            (3, "amount: 'ten' is not an amount"),
            (4, "An invoice with this number already exists"),
            (6, "items[0].amount: 12.125 has more decimal places than QAR allows (2)"),
        ]
        assert result.stderr == "Error: 3 row(s) of 5 refused\n"
        invoices = {i["id"]: i for i in user.json("invoices", "list")}
        assert sorted(invoices) == sorted(report["ids"])
        first = invoices[report["ids"][0]]
        assert (first["number"], first["client"]["email"]) == ("R-1", "ahmed@example.com")
        assert first["items"][0]["amount"] == "280.5"
        assert invoices[report["ids"][1]]["number"].startswith("INV")

    def test_a_spreadsheet(self, user: User, tmp_path: Path) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(HEADER.split(","))
        sheet.append(["X-1", "Ali", 97455550000, None, 7.25, "One"])
        sheet.append(["X-2", "Ali", 97455550000, None, 3, "Two"])
        book.save(tmp_path / "invoices.xlsx")
        result = user.run("invoices", "import", str(tmp_path / "invoices.xlsx"))
        assert result.exit_code == 0, result.stderr
        assert "Created 2 invoice(s)." in result.stdout
        listed = user.json("invoices", "list")
        assert [(i["number"], i["client"]["phone"]) for i in listed] == [
            ("X-2", "97455550000"),
            ("X-1", "97455550000"),
        ]

    def test_a_refused_key_stops_the_import(self, user: User, tmp_path: Path) -> None:
        user.env["FAWTARA_API_KEY"] = "E4B73FEE-F492-4607-A38D-852B0EBC91C9"
        path = csv_file(tmp_path, "R-1,Ahmed,,,1,One", "R-2,Sara,,,2,Two")
        result = user.run("invoices", "import", path)
        assert result.exit_code == 1
        assert "Created 0 invoice(s)." in result.stdout
        assert "Refused rows" not in result.stdout
        assert result.stderr == "Error: 401: Invalid API Key\n"

    def test_an_unusable_file(self, user: User, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("x")
        assert "csv or .xlsx" in user.fails(2, "invoices", "import", str(tmp_path / "notes.txt"))
        (tmp_path / "wrong.csv").write_text("name,total\nAli,1\n")
        stderr = user.fails(1, "invoices", "import", str(tmp_path / "wrong.csv"))
        assert "missing columns: amount, description" in stderr


class TestHesabe:
    def test_one_bulk_upload(self, hesabe_user: User, tmp_path: Path) -> None:
        path = csv_file(tmp_path, "B-1,Ahmed,96566666666,,280.000,Rent", "B-2,Sara,96555555555,,1,")
        report = hesabe_user.json("invoices", "import", path)
        assert (report["created"], report["refused"]) == (2, [])
        listed = hesabe_user.json("invoices", "list")
        assert sorted(i["id"] for i in listed) == report["ids"]

    def test_one_bad_row_and_nothing_is_created(self, hesabe_user: User, tmp_path: Path) -> None:
        path = csv_file(tmp_path, "B-1,Ahmed,96566666666,,280.000,Rent", "B-2,Sara,phone?,,1,")
        result = hesabe_user.run("invoices", "import", path)
        assert result.exit_code == 1
        assert "Created 0 invoice(s)." in result.stdout
        assert "phone: must be 6 to 20 digits" in result.stdout
        assert result.stderr == "Error: 1 row(s) refused\n"
        assert hesabe_user.json("invoices", "list") == []


class TestOneEmailRule:
    """The same address is refused whichever API the file goes to (before, the Fatora-style
    API took "ali@example", which a bulk upload refused), each in its own words."""

    ROWS = ("R-1,Ali,+96550000001,ali@example,1,Rent", "R-2,Sara,+96550000002,,2,Rent")

    def test_through_the_fatora_style_api(self, user: User, tmp_path: Path) -> None:
        result = user.run("invoices", "import", csv_file(tmp_path, *self.ROWS), "-o", "json")
        assert result.exit_code == 1, result.stderr
        report = json.loads(result.stdout)
        assert report["created"] == 1
        assert [(r["line"], r["reason"].split(":")[0]) for r in report["refused"]] == [
            (2, "client.email")
        ]

    def test_through_the_hesabe_style_api(self, hesabe_user: User, tmp_path: Path) -> None:
        result = hesabe_user.run("invoices", "import", csv_file(tmp_path, *self.ROWS), "-o", "json")
        assert result.exit_code == 1, result.stderr
        report = json.loads(result.stdout)
        assert report["refused"] == [{"line": 2, "reason": "email: is not a valid email address"}]
