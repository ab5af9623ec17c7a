"""`/i/{token}.pdf`: the same invoice as a PDF, checked through its text, its pages and its QR
code; rendered once per version of the invoice."""

from pathlib import Path

import httpx
import zxingcpp
from PIL import Image

from tests.fixtures.databases import sql
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server
from tests.hosted.samples import Issued, api_of, example, pdf_pages, pdf_text
from tests.hosted.test_page import assert_private


def kept_pdfs(database_url: str, invoice_id: int) -> list[tuple[str, int]]:
    """(fingerprint, size) of the PDFs the database keeps for an invoice."""
    rows = sql(
        database_url,
        "SELECT fingerprint, pdf FROM invoice_documents WHERE invoice_id = :id",
        {"id": invoice_id},
    )
    return [(fingerprint, len(pdf)) for fingerprint, pdf in rows]


def get_pdf(client: httpx.Client, issued: Issued) -> bytes:
    response = client.get(issued.path + ".pdf", timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert_private(response)
    number = issued.invoice["number"]
    assert response.headers["content-disposition"] == f'inline; filename="invoice-{number}.pdf"'
    assert response.content.startswith(b"%PDF-")
    return response.content


class TestPdf:
    def test_english_text_and_totals(
        self, anonymous: httpx.Client, english: Issued, tmp_path: Path
    ) -> None:
        content = pdf_text(get_pdf(anonymous, english), tmp_path)
        for shown in ("Blue Dune Studio", "INV-2026-0042", "Al Noor Trading W.L.L."):
            assert shown in content, shown
        for figure in ("15,079.88", "1,507.99", "678.59", "14,250.48", "9,250.48"):
            assert figure in content, figure

    def test_arabic_words_are_shaped_and_in_order(
        self, anonymous: httpx.Client, arabic: Issued, tmp_path: Path
    ) -> None:
        content = pdf_text(get_pdf(anonymous, arabic), tmp_path)
        # Extracted in logical order, whole words: HarfBuzz shaped them, nothing reversed.
        for phrase in (
            "مؤسسة الخليج للتصميم",
            "شركة النور للتجارة",
            "تدريب فريق المحاسبة",
            "المبلغ المستحق",
            "طرق الدفع المقبولة",
        ):
            assert phrase in content, phrase
        assert "Fawtara Pro" in content  # a Latin name inside Arabic text, not reversed
        for figure in ("676.375", "32.569", "683.944", "383.944"):
            assert figure in content, figure

    def test_pages_are_a4_and_the_qr_code_opens_the_link(
        self, anonymous: httpx.Client, arabic: Issued, tmp_path: Path
    ) -> None:
        pages = pdf_pages(get_pdf(anonymous, arabic), tmp_path, dpi=150)
        assert len(pages) == 1
        with Image.open(pages[0]) as page:
            width, height = page.size
            assert abs(width / height - 210 / 297) < 0.002  # A4
            codes = zxingcpp.read_barcodes(page)
        assert [code.text for code in codes] == [arabic.invoice["link"]]

    def test_a_second_download_is_the_kept_pdf(
        self, anonymous: httpx.Client, english: Issued, server: Server
    ) -> None:
        first = get_pdf(anonymous, english)
        kept = kept_pdfs(server.database_url, english.invoice["id"])
        assert [size for _, size in kept] == [len(first)]
        assert get_pdf(anonymous, english) == first

    def test_a_new_version_is_rendered_again(
        self, anonymous: httpx.Client, english: Issued, server: Server, tmp_path: Path
    ) -> None:
        first = get_pdf(anonymous, english)
        ((fingerprint, _),) = kept_pdfs(server.database_url, english.invoice["id"])
        with api_of(server.url, english) as api:
            paid = api.post(
                f"/v1/invoices/{english.invoice['id']}/payments", json={"amount": 9250.48}
            )
            assert paid.json()["invoice"]["status"] == "paid"  # the PDF's due, to the cent
        second = get_pdf(anonymous, english)
        assert second != first
        content = pdf_text(second, tmp_path)
        assert "Paid" in content
        assert "14,250.48" in content
        assert "0.00" in content
        ((renewed, _),) = kept_pdfs(server.database_url, english.invoice["id"])
        assert renewed != fingerprint  # one kept PDF per invoice, the latest

    def test_latin_and_numeric_runs_keep_their_order_in_arabic(
        self, anonymous: httpx.Client, server: Server, tmp_path: Path
    ) -> None:
        # Each of these starts with a Latin letter or a digit and ends with a neutral: laid out
        # right to left, the trailing punctuation moves to the front (".Demo Trading W.L.L").
        runs = {
            "merchant": "Demo Trading W.L.L.",
            "title": "Annual plan, 2027.",
            "client": "Acme Co.",
            "item": "Consulting (phase 2).",
            "numeric": "2026/11 - 42.",
            "note": "Thank you!",
        }
        merchant = new_merchant(server.database_url, name=runs["merchant"], currency="KWD")
        body = example("ar")
        body.update(title=runs["title"], note=runs["note"])
        body["client"]["name"] = runs["client"]
        body["items"][0]["description"] = runs["item"]
        body["items"][1]["description"] = runs["numeric"]
        created = anonymous.post("/v1/invoices", json=body, headers={"api_key": merchant.api_key})
        assert created.status_code == 201, created.text
        pdf = get_pdf(anonymous, Issued(merchant, created.json()["invoice"]))
        drawn = pdf_text(pdf, tmp_path, drawn=True)
        for name, run in runs.items():
            assert run in drawn, (name, run, drawn)
        assert "تدريب فريق المحاسبة" in pdf_text(pdf, tmp_path)  # Arabic stays right to left
