"""The invoice link `/i/{token}`: what the page shows, to whom, and for how long."""

import httpx
import pytest

from tests.dialects.fatora.wire import assert_error, create_quick
from tests.dialects.hesabe.test_invoices import invoice_payload
from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.databases import sql
from tests.fixtures.server import Server
from tests.hosted.samples import Issued, api_of, example, plain

PRIVATE = {
    "cache-control": "no-store, max-age=0",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
}


def assert_private(response: httpx.Response) -> None:
    for name, value in PRIVATE.items():
        assert response.headers[name] == value, name
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "This invoice link is not valid" in response.text
    assert_private(response)


class TestPage:
    def test_english_shows_the_invoice_left_to_right(
        self, anonymous: httpx.Client, english: Issued
    ) -> None:
        page = anonymous.get(english.path)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert_private(page)
        assert '<html lang="en" dir="ltr">' in page.text
        text = plain(page.text)
        for shown in (
            "Blue Dune Studio",
            "INV-2026-0042",
            "Al Noor Trading W.L.L.",
            "accounts@alnoor.example",
            "Discovery workshop (2 days)",
            "Partially paid",
            "December 5, 2026",  # due date
            "TXN-88213",
        ):
            assert shown in text, shown
        # Totals, each rounded half-up once at its documented point (see totals.py):
        # subtotal 15,079.88; 10% discount 1,507.988 -> 1,507.99; 5% tax on 13,571.89 is
        # 678.5945 -> 678.59; total 14,250.48; paid 5,000.00; due 9,250.48.
        figures = ["15,079.88", "−1,507.99", "678.59", "14,250.48", "5,000.00", "9,250.48"]
        for figure in figures:
            assert f'dir="ltr">{figure}</bdi>' in page.text, figure
        assert ">1,079.88</bdi>" in page.text  # 12 x 89.99, a line total
        assert "Amount due" in text
        assert "QAR" in text

    def test_arabic_is_right_to_left_with_isolated_numbers(
        self, anonymous: httpx.Client, arabic: Issued
    ) -> None:
        page = anonymous.get(arabic.path)
        assert page.status_code == 200
        assert '<html lang="ar" dir="rtl">' in page.text
        text = plain(page.text)
        for shown in ("مؤسسة الخليج للتصميم", "فاتورة", "شركة النور للتجارة", "المبلغ المستحق"):
            assert shown in text, shown
        assert "مدفوعة جزئيًا" in text  # status: partially paid
        assert "21 نوفمبر 2026" in text  # the issue date, by Babel's Arabic calendar names
        # KWD keeps three decimals; every amount is an isolated left-to-right run.
        for figure in ("676.375", "−25.000", "32.569", "683.944", "300.000", "383.944"):
            assert f'<bdi class="num" dir="ltr">{figure}</bdi>' in page.text, figure
        assert "د.ك." in text  # the dinar's Arabic symbol
        # Latin codes inside Arabic text are isolated too.
        assert '<bdi dir="ltr">INV-2026-0043</bdi>' in page.text
        assert '<bdi dir="ltr">KNET-55120</bdi>' in page.text

    def test_the_api_agrees_on_what_is_due(
        self, anonymous: httpx.Client, arabic: Issued, server: Server
    ) -> None:
        """The API refuses a fils more than the page shows as due, and takes exactly that."""
        path = f"/v1/invoices/{arabic.invoice['id']}/payments"
        with api_of(server.url, arabic) as api:
            assert_error(api.post(path, json={"amount": 383.945}), 422, "exceed the invoice total")
            paid = api.post(path, json={"amount": 383.944})
            assert paid.status_code == 201
            assert paid.json()["invoice"]["status"] == "paid"
        page = anonymous.get(arabic.path).text
        assert '<bdi class="num" dir="ltr">0.000</bdi>' in page  # nothing left due
        assert "مدفوعة" in page

    def test_the_page_shows_nothing_of_other_invoices(
        self, anonymous: httpx.Client, english: Issued, server: Server
    ) -> None:
        with api_of(server.url, english) as api:
            other = create_quick(api, 123.45, description="Another client's secret project")
        page = anonymous.get(english.path).text
        assert "secret project" not in page
        assert other["number"] not in page
        assert "123.45" not in page

    @pytest.mark.parametrize(
        "path",
        [
            "/i/" + "A" * 32,
            "/i/short",
            "/i/" + "x" * 65,
            "/i/%2e%2e%2fv1%2finvoices",
            "/i/",
            "/i/" + "A" * 32 + ".pdf",
        ],
    )
    def test_unknown_links_are_one_404_page(self, anonymous: httpx.Client, path: str) -> None:
        assert_not_found(anonymous.get(path))


class TestRevocation:
    def test_a_new_link_retires_the_old_one(
        self, anonymous: httpx.Client, english: Issued, server: Server
    ) -> None:
        invoice_id = english.invoice["id"]
        with api_of(server.url, english) as api:
            renewed = api.post(f"/v1/invoices/{invoice_id}/link")
            assert renewed.status_code == 200
            invoice = renewed.json()["invoice"]
            assert invoice["link"] != english.invoice["link"]
            assert invoice["link"].startswith("https://invoices.example.test/i/")
            token = invoice["link"].rsplit("/", 1)[1]
            assert len(token) >= 22  # at least 128 random bits, base64url
            assert api.get(f"/v1/invoices/{invoice_id}").json()["invoice"] == invoice
            # Nothing else about the invoice changed.
            before = {k: v for k, v in english.invoice.items() if k != "link"}
            assert {k: v for k, v in invoice.items() if k != "link"} == before
        assert_not_found(anonymous.get(english.path))
        assert_not_found(anonymous.get(english.path + ".pdf"))
        assert anonymous.get(f"/i/{token}").status_code == 200

    def test_another_merchant_cannot_renew_it(
        self, other_api: httpx.Client, anonymous: httpx.Client, english: Issued
    ) -> None:
        response = other_api.post(f"/v1/invoices/{english.invoice['id']}/link")
        assert_error(response, 404, "not found")
        assert anonymous.get(english.path).status_code == 200

    def test_renewing_needs_a_credential(self, anonymous: httpx.Client, english: Issued) -> None:
        assert anonymous.post(f"/v1/invoices/{english.invoice['id']}/link").status_code == 401

    def test_a_deleted_invoices_link_is_gone(
        self, anonymous: httpx.Client, server: Server, english: Issued
    ) -> None:
        with api_of(server.url, english) as api:
            invoice = create_quick(api, 10.0)
            token = invoice["link"].rsplit("/", 1)[1]
            assert anonymous.get(f"/i/{token}").status_code == 200
            assert anonymous.get(f"/i/{token}.pdf").status_code == 200  # a kept PDF too
            assert api.delete(f"/v1/invoices/{invoice['id']}").status_code == 204
        assert_not_found(anonymous.get(f"/i/{token}"))
        assert_not_found(anonymous.get(f"/i/{token}.pdf"))


def test_an_issued_invoice_keeps_its_tax_rate(
    anonymous: httpx.Client, english: Issued, server: Server
) -> None:
    """The merchant's new rate applies to new invoices; a payment on an old one (which
    recomputes its totals) keeps the rate it was issued with."""
    sql(
        server.database_url,
        "UPDATE merchants SET tax_rate_bp = 1000 WHERE id = :id",
        {"id": english.merchant.id},
    )
    with api_of(server.url, english) as api:
        paid = api.post(f"/v1/invoices/{english.invoice['id']}/payments", json={"amount": 100})
        assert paid.status_code == 201
        newer = api.post(
            "/v1/invoices", json={**example("en"), "number": "INV-NEW", "payments": []}
        )
        assert newer.status_code == 201
    old_page = anonymous.get(english.path).text
    assert '<bdi dir="ltr">5%</bdi>' in old_page
    assert 'dir="ltr">14,250.48</bdi>' in old_page
    new_page = anonymous.get(newer.json()["invoice"]["link"].split(".test", 1)[1]).text
    assert '<bdi dir="ltr">10%</bdi>' in new_page
    assert 'dir="ltr">1,357.19</bdi>' in new_page  # 10% of 13,571.89, half-up


def test_a_hesabe_invoice_url_opens_the_same_page(anonymous: httpx.Client, hesabe: Hesabe) -> None:
    created = hesabe.call("POST", "/api/v1/invoice", invoice_payload())["response"]
    page = anonymous.get(f"/i/{created['token']}")
    assert page.status_code == 200
    text = plain(page.text)
    assert "280.000" in text  # the Hesabe amount, with the dinar's three decimals
    assert "KWD" in text
