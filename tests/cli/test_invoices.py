"""`fawtara invoices|clients|payments …` against a real server, through either API."""

import re

import httpx

from tests.cli.user import User
from tests.fixtures.server import Server


class TestFatoraInvoices:
    def test_create_get_list_update_cancel_delete(self, user: User) -> None:
        created = user.json(
            "invoices", "create", "--amount", "100.25", "--description", "Consulting",
            "--client-name", "Acme", "--client-email", "billing@acme.example", "--number", "A-1",
        )  # fmt: skip
        assert (created["number"], created["type"]) == ("A-1", "Quick invoice")
        assert created["items"][0]["amount"] == "100.25"  # exact, as a string
        assert created["client"]["email"] == "billing@acme.example"
        invoice_id = str(created["id"])
        assert user.json("invoices", "get", invoice_id) == created
        listed = user.json("invoices", "list", "--status", "unpaid")
        assert [i["id"] for i in listed] == [created["id"]]
        renamed = user.json("invoices", "update", invoice_id, "--title", "Renamed")
        assert renamed["title"] == "Renamed"
        assert user.json("invoices", "cancel", invoice_id)["status"] == "cancelled"
        assert user.json("invoices", "delete", invoice_id) == {"id": created["id"], "deleted": True}
        assert user.fails(1, "invoices", "get", invoice_id) == "Error: 404: Invoice not found\n"

    def test_items_and_tables(self, user: User) -> None:
        created = user.json(
            "invoices", "create", "--currency", "KWD", "--item", "Design: phase 1:2:150.125",
            "--item", "Hosting:1:10", "--due-date", "2026-12-31", "--language", "ar",
        )  # fmt: skip
        assert [(i["description"], i["qty"], i["amount"]) for i in created["items"]] == [
            ("Design: phase 1", "2", "150.125"),
            ("Hosting", "1", "10"),
        ]
        shown = user.run("invoices", "get", str(created["id"]))
        assert shown.exit_code == 0
        assert "150.125" in shown.stdout
        assert "Design: phase 1" in shown.stdout
        listed = user.run("invoices", "list")
        assert created["number"] in listed.stdout
        assert "page 1: 1 of 1" in listed.stdout

    def test_json_prints_times_as_the_server_wrote_them(self, user: User) -> None:
        created = user.json("invoices", "create", "--amount", "5", "--description", "x")
        wire = httpx.get(
            f"{user.env['FAWTARA_URL']}/v1/invoices/{created['id']}",
            headers={"api_key": user.env["FAWTARA_API_KEY"]},
        ).json()["invoice"]
        assert created["date"] == wire["date"]
        assert "+00:00" in wire["date"]

    def test_every_page(self, user: User) -> None:
        for n in range(3):
            user.json("invoices", "create", "--amount", str(n + 1), "--description", "x")
        assert len(user.json("invoices", "list", "--page-size", "2")) == 2
        assert len(user.json("invoices", "list", "--page-size", "2", "--all")) == 3

    def test_revoke_link(self, user: User, server: Server) -> None:
        created = user.json("invoices", "create", "--amount", "1", "--description", "x")
        renewed = user.json("invoices", "revoke-link", str(created["id"]))
        assert renewed["link"] != created["link"]
        old = created["link"].replace("https://invoices.example.test", server.url)
        assert httpx.get(old).status_code == 404


class TestClientsAndPayments:
    def test_clients(self, user: User) -> None:
        created = user.json("clients", "create", "--name", "Acme", "--email", "a@example.com")
        client_id = str(created["id"])
        assert user.json("clients", "get", client_id) == created
        assert user.json("clients", "update", client_id, "--phone", "+974 5555")["phone"] == (
            "+974 5555"
        )
        assert [c["id"] for c in user.json("clients", "list", "--all")] == [created["id"]]
        stderr = user.fails(1, "clients", "create", "--name", "B", "--email", "A@example.com")
        assert stderr.startswith("Error: 409: ")
        assert user.json("clients", "delete", client_id)["deleted"] is True

    def test_payments(self, user: User) -> None:
        invoice = user.json("invoices", "create", "--amount", "100", "--description", "x")
        paid = user.json(
            "payments", "add", str(invoice["id"]), "--amount", "40.50",
            "--transaction-id", "T-1", "--type", "Card", "--date", "2026-01-15",
        )  # fmt: skip
        assert paid["status"] == "partially_paid"
        (payment,) = paid["payments"]
        assert (payment["amount"], payment["payment_type"]) == ("40.5", "Card")
        assert payment["payment_date"].startswith("2026-01-15")
        assert (paid["total"], paid["amount_due"]) == ("100", "59.5")
        listed = user.run("invoices", "list", "--output", "table")
        assert re.search(r"│ total\s+│ amount_due", listed.stdout.replace("┃", "│")), listed.stdout
        assert re.search(r"│ 100\s+│ 59\.5\s+│", listed.stdout), listed.stdout
        too_much = user.fails(1, "payments", "add", str(invoice["id"]), "--amount", "60")
        assert too_much.startswith("Error: 422: ")
        restored = user.json("payments", "delete", str(invoice["id"]), str(payment["id"]))
        assert restored["status"] == "unpaid"


class TestHesabeInvoices:
    def test_create_get_list_update_cancel_delete(self, hesabe_user: User) -> None:
        created = hesabe_user.json(
            "invoices", "create", "--amount", "280.000", "--description", "Rent",
            "--reference", "R-1", "--client-name", "Fatima", "--client-phone", "55000000",
            "--country-code", "965", "--client-email", "f@example.com", "--channel", "email",
        )  # fmt: skip
        assert (created["amount"], created["currency"], created["status"]) == (
            "280.000",
            "KWD",
            "pending",
        )
        assert (created["invoice_sub_type"], created["reference_number"]) == ("2", "R-1")
        invoice_id = str(created["id"])
        assert hesabe_user.json("invoices", "get", invoice_id)["token"] == created["token"]
        assert [i["id"] for i in hesabe_user.json("invoices", "list", "--all")] == [created["id"]]
        changed = hesabe_user.json("invoices", "update", invoice_id, "--amount", "300")
        assert changed["amount"] == "300.000"
        assert hesabe_user.json("invoices", "cancel", invoice_id)["status"] == "cancelled"
        hesabe_user.json("invoices", "delete", invoice_id)
        stderr = hesabe_user.fails(1, "invoices", "get", invoice_id)
        assert stderr == "Error: 404: Request not found, Please verify the request data\n"

    def test_json_prints_times_as_the_server_wrote_them(self, hesabe_user: User) -> None:
        created = hesabe_user.json(
            "invoices", "create", "--amount", "5", "--description", "x", "--reference", "R-2",
            "--client-name", "F", "--client-phone", "55000000", "--country-code", "965",
        )  # fmt: skip
        shown = hesabe_user.json("invoices", "get", str(created["id"]))
        for stamp in (shown["created_at"], shown["updated_at"]):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stamp), stamp

    def test_what_the_dialect_does_not_take_is_a_usage_error(self, hesabe_user: User) -> None:
        stderr = hesabe_user.fails(2, "invoices", "list", "--status", "paid")
        assert "--status: not taken by the hesabe API" in stderr
        stderr = hesabe_user.fails(2, "invoices", "create", "--amount", "1")
        assert "needs --amount, --reference" in stderr
        assert "Fatora-style API" in hesabe_user.fails(2, "clients", "list")
