"""`expiresAt` (Hesabe-style) and `due_date` (Fatora-style) are one date: the last day to pay.
Set through either API, both show it, and so do the invoice's page and PDF."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.dialects.hesabe.test_invoices import create
from tests.dialects.hesabe.wire import Hesabe
from tests.hosted.samples import pdf_text, plain

DAY = (datetime.now(UTC) + timedelta(days=40)).date()
SHOWN = f"{DAY:%B} {DAY.day}, {DAY.year}"  # as the page writes a day in English


def fatora(hesabe: Hesabe) -> dict[str, str]:
    return {"api_key": hesabe.merchant.api_key}


class TestOneDate:
    def test_expires_at_is_the_fatora_due_date_and_is_shown(
        self, hesabe: Hesabe, anonymous: httpx.Client, tmp_path: Path
    ) -> None:
        created = create(hesabe, expiresAt=DAY.isoformat())
        invoice = anonymous.get(f"/v1/invoices/{created['id']}", headers=fatora(hesabe))
        assert invoice.json()["invoice"]["due_date"] == f"{DAY.isoformat()}T00:00:00"
        path = f"/i/{created['token']}"
        page = anonymous.get(path)
        assert "Due date" in page.text
        assert SHOWN in plain(page.text)
        pdf = anonymous.get(path + ".pdf", timeout=60)
        assert SHOWN in pdf_text(pdf.content, tmp_path)

    def test_a_fatora_due_date_is_the_hesabe_expiry(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        body = {
            "amount": 12.5,
            "description": "Quick",
            "client": {"name": "Quick Client"},
            "due_date": f"{DAY.isoformat()}T17:30:00",
        }
        made = anonymous.post("/v1/invoices", json=body, headers=fatora(hesabe))
        assert made.status_code == 201, made.text
        invoice_id = made.json()["invoice"]["id"]
        invoice = hesabe.call("GET", f"/api/v1/invoice/{invoice_id}")["response"]
        assert invoice["expires_at"] == DAY.isoformat()
        later = DAY + timedelta(days=3)
        changed = anonymous.put(
            f"/v1/invoices/{invoice_id}",
            json={"due_date": f"{later.isoformat()}T00:00:00"},
            headers=fatora(hesabe),
        )
        assert changed.status_code == 200, changed.text
        invoice = hesabe.call("GET", f"/api/v1/invoice/{invoice_id}")["response"]
        assert invoice["expires_at"] == later.isoformat()

    def test_a_past_due_date_reads_as_expired(
        self, hesabe: Hesabe, anonymous: httpx.Client
    ) -> None:
        created = create(hesabe)
        past = {"due_date": "2020-01-01T00:00:00"}
        changed = anonymous.put(f"/v1/invoices/{created['id']}", json=past, headers=fatora(hesabe))
        assert changed.status_code == 200, changed.text
        invoice = hesabe.call("GET", f"/api/v1/invoice/{created['id']}")["response"]
        assert (invoice["expires_at"], invoice["invoice_status"]) == ("2020-01-01", 2)
