"""The two example invoices of docs/examples (the README's renderings), issued through the API."""

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.fixtures.factories import MerchantCredentials, new_merchant

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
# language -> (merchant name, its currency); both merchants charge 5% tax.
MERCHANTS = {"en": ("Blue Dune Studio", "QAR"), "ar": ("مؤسسة الخليج للتصميم", "KWD")}
# Bidirectional controls that text extraction and innerText may add around isolated runs.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Issued:
    merchant: MerchantCredentials
    invoice: dict[str, Any]  # as GET /v1/invoices/{id} answers it

    @property
    def token(self) -> str:
        return str(self.invoice["link"]).rsplit("/", 1)[1]

    @property
    def path(self) -> str:
        return f"/i/{self.token}"


def example(language: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / f"invoice-{language}.json").read_text())
    return body


def issue(server_url: str, database_url: str, language: str, items: int = 0) -> Issued:
    """A merchant of the example's language and its example invoice (its items repeated up to
    `items` lines, if given)."""
    name, currency = MERCHANTS[language]
    merchant = new_merchant(database_url, name=name, currency=currency, tax_rate_bp=500)
    body = example(language)
    if items:
        body["items"] = [body["items"][n % len(body["items"])] for n in range(items)]
    response = httpx.post(
        f"{server_url}/v1/invoices", json=body, headers={"api_key": merchant.api_key}
    )
    assert response.status_code == 201, response.text
    return Issued(merchant, response.json()["invoice"])


def plain(text: str) -> str:
    """Text without bidi controls, whitespace runs folded to one space."""
    return " ".join(_BIDI_CONTROLS.sub("", text).split())


def pdf_text(pdf: bytes, tmp_path: Path, *, drawn: bool = False) -> str:
    """The PDF's text in reading order, or (`drawn`) each line's glyphs left to right as drawn.

    Reading order is pdftotext's own guess at the bidi algorithm, which may move a neutral
    ("Thank you!" comes out as "!Thank you" in an Arabic block); as drawn, a Latin or numeric
    run reads as written exactly when it was laid out left to right.
    """
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    mode = ["-raw"] if drawn else []
    command = ["pdftotext", *mode, "-enc", "UTF-8", str(path), "-"]
    out = subprocess.run(command, capture_output=True)
    assert out.returncode == 0, out.stderr
    return plain(out.stdout.decode())


def pdf_pages(pdf: bytes, tmp_path: Path, *, dpi: int = 100) -> list[Path]:
    """Each page as a PNG (poppler's pdftoppm)."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(path), str(prefix)], check=True)
    return sorted(tmp_path.glob("page-*.png"))


def api_of(server_url: str, issued: Issued) -> httpx.Client:
    """The Fatora-style API as the invoice's merchant."""
    return httpx.Client(base_url=server_url, headers={"api_key": issued.merchant.api_key})
