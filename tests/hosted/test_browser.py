"""The page as a person sees it: headless Chromium (Debian's `chromium` and `chromium-driver`,
installed by scripts/test) opens an English and an Arabic invoice.

With FAWTARA_RENDERINGS=DIR set, the screenshots and the PDFs' first pages are also written
to DIR: that is how docs/ gets the README's renderings.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.hosted.samples import Issued, pdf_pages, plain

WIDTH, HEIGHT = 1000, 1500


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("chromium and chromedriver are needed: scripts/test installs them")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={WIDTH},{HEIGHT}")
    with webdriver.Chrome(options=options, service=Service(executable_path=driver)) as chrome:
        chrome.set_page_load_timeout(30)
        yield chrome


def keep_rendering(source: Path, name: str) -> None:
    target = os.environ.get("FAWTARA_RENDERINGS")
    if target:
        shutil.copyfile(source, Path(target) / name)


def look(browser: WebDriver, url: str, screenshot: Path) -> str:
    """Open the page, keep a screenshot, return the text a person sees."""
    browser.get(url)
    assert browser.save_screenshot(str(screenshot))
    with Image.open(screenshot) as image:
        assert image.size[0] >= WIDTH - 20
    return plain(browser.find_element(By.TAG_NAME, "body").text)


def x_centre(browser: WebDriver, selector: str) -> float:
    rect = browser.find_element(By.CSS_SELECTOR, selector).rect
    return float(rect["x"] + rect["width"] / 2)


class TestInBrowser:
    def test_english_reads_left_to_right(
        self, browser: WebDriver, english: Issued, anonymous: httpx.Client, tmp_path: Path
    ) -> None:
        seen = look(browser, f"{anonymous.base_url}{english.path}", tmp_path / "page.png")
        assert browser.execute_script("return getComputedStyle(document.body).direction") == "ltr"
        for shown in ("Blue Dune Studio", "Invoice", "INV-2026-0042", "AMOUNT DUE 9,250.48 QAR"):
            assert shown in seen, shown
        assert "TOTAL 14,250.48 QAR" in seen
        # The merchant's name opens the page on the left, the word "Invoice" on the right.
        sheet = x_centre(browser, ".sheet")
        assert x_centre(browser, ".merchant") < sheet < x_centre(browser, ".doc")
        keep_rendering(tmp_path / "page.png", "invoice-en.png")
        pdf = anonymous.get(english.path + ".pdf", timeout=60).content
        keep_rendering(pdf_pages(pdf, tmp_path, dpi=100)[0], "invoice-en-pdf.png")

    def test_arabic_reads_right_to_left(
        self, browser: WebDriver, arabic: Issued, anonymous: httpx.Client, tmp_path: Path
    ) -> None:
        seen = look(browser, f"{anonymous.base_url}{arabic.path}", tmp_path / "page.png")
        assert browser.execute_script("return getComputedStyle(document.body).direction") == "rtl"
        assert browser.execute_script("return document.documentElement.lang") == "ar"
        for shown in ("مؤسسة الخليج للتصميم", "فاتورة", "المبلغ المستحق 383.944 د.ك."):
            assert shown in seen, shown
        assert "الإجمالي 683.944 د.ك." in seen
        # Mirrored: the merchant on the right, the word "Invoice" (فاتورة) on the left; the
        # first column of the items table (description) is the rightmost.
        sheet = x_centre(browser, ".sheet")
        assert x_centre(browser, ".doc") < sheet < x_centre(browser, ".merchant")
        assert x_centre(browser, "table.items th.desc") > sheet
        # An isolated amount keeps its digits in order on screen (not 000.25-).
        discount = browser.find_element(By.XPATH, "//bdi[contains(., '25.000')]")
        assert plain(discount.text) == "−25.000"
        font = browser.execute_script("return getComputedStyle(document.body).fontFamily")
        assert "Noto Sans Arabic" in font
        keep_rendering(tmp_path / "page.png", "invoice-ar.png")
        pdf = anonymous.get(arabic.path + ".pdf", timeout=60).content
        keep_rendering(pdf_pages(pdf, tmp_path, dpi=100)[0], "invoice-ar-pdf.png")
