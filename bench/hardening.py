"""The hardening part of the performance suite (`suite.py --parts hardening`, issue 18): PDF
render time by items, one render for many first downloads (and the API's p99 meanwhile), and
the memory of a worst-case XLSX upload.

1. PDF: the Arabic example lengthened to 50 and to 500 items, rendered by the server's own
   PdfRenderer in this process, alternating; medians of `renders`; the ratio 500 / 50.
2. Downloads: `fawtara serve` on SQLite; `downloads` concurrent first downloads of one fresh
   link; the renders the server logged, and the p99 of `GET /v1/invoices/{id}` sent one after
   another meanwhile, next to the same with no download running.
3. XLSX: `read_rows` in a fresh process per file, its peak RSS over the RSS of the same process
   before (the module imported): a tiny file; the 125 KB file whose shared strings inflate to
   51 MB; the largest shared strings the bounds accept for 100,000 rows.

`measure` gives the figures (kept in the suite's JSON); `section` and `verdicts` make the
report's section and targets from them. See bench/README.md.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness

from fawtara.credentials.keys import KeyHasher, issue_api_key
from fawtara.db import Database
from fawtara.hosted.pdf import PdfRenderer
from fawtara.hosted.render import invoice_html
from fawtara.hosted.service import open_invoice
from fawtara.merchants.service import create_merchant
from fawtara.settings import Settings

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EXAMPLES = ROOT / "docs" / "examples"
FAWTARA = str(Path(sys.executable).with_name("fawtara"))
MASTER_KEY = "bench-master-key-0123456789abcdef"
BASE_URL = "https://invoices.example.test"
RENDER_RATIO = 10.0  # target: a 500-item PDF in at most 10 times a 50-item one's time


def measure(renders: int = 3, downloads: int = 20) -> dict[str, Any]:
    """Every figure of the part, as plain data."""
    with tempfile.TemporaryDirectory() as folder:
        figures = _serve_and_measure(Path(folder), renders, downloads)
    figures["xlsx"] = _xlsx_figures()
    return figures


def _serve_and_measure(folder: Path, renders: int, downloads: int) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'fawtara.db'}"
    env = {**os.environ, "FAWTARA_DATABASE_URL": url, "FAWTARA_MASTER_KEY": MASTER_KEY,
           "FAWTARA_BASE_URL": BASE_URL}  # fmt: skip
    port = harness.free_port()
    argv = [FAWTARA, "serve", "--host", harness.LOOPBACK, "--port", str(port)]
    log = folder / "fawtara.log"
    with harness.Server("fawtara", argv, env, port, log) as server:
        server.wait_ready("/openapi.json")
        settings = Settings(database_url=url, master_key=MASTER_KEY, base_url=BASE_URL)
        return {
            "render": _render_times(settings, port, renders),
            "downloads": _downloads(settings, port, log, downloads),
        }


def _render_times(settings: Settings, port: int, renders: int) -> dict[str, list[float]]:
    """Seconds per render of the 50- and the 500-item invoice, alternating."""
    renderer = PdfRenderer()
    database = Database(settings)
    html = {}
    for items in (50, 500):
        invoice = issue_invoice(settings, port, "ar", items)
        with database.session(write=False) as session:
            hosted = open_invoice(session, invoice["token"])
        html[items] = invoice_html(hosted, f"{BASE_URL}/i/{invoice['token']}", printable=True).html
    database.dispose()
    renderer(html[50])  # fonts load on the first render
    times: dict[str, list[float]] = {"50": [], "500": []}
    for _ in range(renders):
        for items in (50, 500):
            start = time.perf_counter()
            renderer(html[items])
            times[str(items)].append(time.perf_counter() - start)
    return times


def _api_p99(port: int, invoice: dict[str, Any], stop: threading.Event) -> list[float]:
    headers = {"api_key": invoice["api_key"]}
    samples = []
    while not stop.is_set():
        start = time.perf_counter()
        harness.request(port, "GET", f"/v1/invoices/{invoice['id']}", headers)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) > 1 else float("nan")


def _downloads(settings: Settings, port: int, log: Path, downloads: int) -> dict[str, Any]:
    other = issue_invoice(settings, port, "en", 3)
    stop = threading.Event()
    with ThreadPoolExecutor(1) as api:
        idle = api.submit(_api_p99, port, other, stop)
        time.sleep(2)
        stop.set()
    quiet = idle.result()
    invoice = issue_invoice(settings, port, "ar", 50)
    path = f"/i/{invoice['token']}.pdf"
    stop = threading.Event()
    with ThreadPoolExecutor(1) as api, ThreadPoolExecutor(downloads) as pool:
        busy = api.submit(_api_p99, port, other, stop)
        start = time.perf_counter()
        statuses = list(pool.map(lambda _: harness.request(port, "GET", path).status,
                                 range(downloads)))  # fmt: skip
        elapsed = time.perf_counter() - start
        stop.set()
    loaded = busy.result()
    rendered = sum(
        1 for line in log.read_text().splitlines()
        if '"pdf rendered"' in line and f'"invoice_id": {invoice["id"]}' in line
    )  # fmt: skip
    return {
        "downloads": downloads, "answered_200": statuses.count(200), "renders": rendered,
        "seconds": elapsed, "p99_idle_ms": _p99(quiet), "p99_meanwhile_ms": _p99(loaded),
    }  # fmt: skip


# Run in a fresh process per file, which reads the file ready-made: the peak RSS it adds is
# read_rows' alone.
_MEASURE = """
import sys, time
from pathlib import Path
from fawtara.dialects.hesabe.bulk_file import read_rows
content = Path(sys.argv[1]).read_bytes()
def rss(field):
    lines = Path("/proc/self/status").read_text().splitlines()
    line = next(l for l in lines if l.startswith(field))
    return int(line.split()[1])
Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the RSS of now
before = rss("VmRSS")
start = time.perf_counter()
try:
    read_rows(content, "xlsx", currency="KWD", scheduled=False)
    outcome = "accepted"
except Exception as exc:
    outcome = "refused: " + str(exc)
after = rss("VmHWM")
print(len(content), before, after, time.perf_counter() - start, outcome, sep="\\t")
"""


def _xlsx_files(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))
    from tests.dialects.hesabe.test_bulk_file import GOOD_STRINGS, built_xlsx

    bomb = [*GOOD_STRINGS, *[b"<si><t>xxxxxxxxxx</t></si>"] * 2_000_000]
    # The most shared strings the bounds of 100,000 rows accept (600,064), each distinct.
    worst = [*GOOD_STRINGS, *(b"<si><t>s%07d</t></si>" % n for n in range(600_056))]
    files = {
        "one row": built_xlsx(),
        "shared strings inflating 400 times": built_xlsx(strings=bomb),
        "600,064 distinct shared strings (the bound)": built_xlsx(strings=worst),
    }
    paths = {}
    for n, (name, content) in enumerate(files.items()):
        paths[name] = folder / f"{n}.xlsx"
        paths[name].write_bytes(content)
    return paths


def _xlsx_figures() -> list[dict[str, Any]]:
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        for name, path in _xlsx_files(Path(folder)).items():
            command = [sys.executable, "-c", _MEASURE, str(path)]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            size, before, after, seconds, outcome = out.strip().split("\t")
            figures.append({
                "file": name, "bytes": int(size), "outcome": outcome, "seconds": float(seconds),
                "peak_added_mb": (int(after) - int(before)) / 1024,
            })  # fmt: skip
    return figures


# --- the report's section ---------------------------------------------------------------------


def _ratio(figures: dict[str, Any]) -> tuple[float, float, float]:
    small, large = (statistics.median(figures["render"][n]) for n in ("50", "500"))
    return small, large, large / small


def verdicts(figures: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(target, where, figure, met) of the part's targets."""
    small, large, ratio = _ratio(figures)
    got = figures["downloads"]
    return [
        (f"PDF of 500 items ≤ {RENDER_RATIO:.0f}× the time of 50", "Arabic example, rendered "
         "alone", f"{ratio:.1f}× ({large:.2f} s against {small:.2f} s)", ratio <= RENDER_RATIO),
        (f"{got['downloads']} concurrent first downloads of a link: 1 render", "1 worker, "
         "SQLite", f"{got['renders']} render(s), {got['answered_200']} answered 200",
         got["renders"] == 1 and got["answered_200"] == got["downloads"]),
    ]  # fmt: skip


def section(figures: dict[str, Any]) -> list[str]:
    small, large, ratio = _ratio(figures)
    renders = len(figures["render"]["50"])
    got = figures["downloads"]
    lines = [
        "## Hardening: PDF renders and XLSX uploads",
        "",
        f"### PDF render time by items (Arabic example, medians of {renders}, alternating)",
        "",
        f"| 50 items | 500 items | 500 / 50 (target ≤ {RENDER_RATIO:.0f}) |",
        "|---:|---:|---:|",
        f"| {small:.2f} s | {large:.2f} s | {ratio:.1f} |",
        "",
        f"### {got['downloads']} concurrent first downloads of one link (1 worker, SQLite)",
        "",
        "| answered 200 | renders | all answered in | API p99 idle | API p99 meanwhile |",
        "|---:|---:|---:|---:|---:|",
        f"| {got['answered_200']} / {got['downloads']} | {got['renders']} "
        f"| {got['seconds']:.2f} s | {got['p99_idle_ms']:.1f} ms "
        f"| {got['p99_meanwhile_ms']:.1f} ms |",
        "",
        "### XLSX upload: memory of `read_rows` (peak RSS over the process's before)",
        "",
        "| file | size | outcome | time | peak RSS added |",
        "|---|---:|---|---:|---:|",
    ]
    for row in figures["xlsx"]:
        lines.append(f"| {row['file']} | {row['bytes'] / 1024:,.0f} KB | {row['outcome']} "
                     f"| {row['seconds']:.2f} s | {row['peak_added_mb']:.0f} MB |")  # fmt: skip
    return [*lines, ""]


def issue_invoice(settings: Settings, port: int, language: str, items: int) -> dict[str, Any]:
    """A merchant and its `items`-line invoice in `language` (the docs example, lengthened)."""
    database = Database(settings)
    with database.session() as session:
        merchant = create_merchant(
            session, name=f"Bench {language}", currency="KWD", tax_rate_bp=500
        )
        _, api_key = issue_api_key(session, KeyHasher(MASTER_KEY), merchant_id=merchant.id)
    database.dispose()
    body = json.loads((EXAMPLES / f"invoice-{language}.json").read_text())
    body["currency"] = "KWD"
    template = body["items"]
    lines = [template[n % len(template)] for n in range(items)]
    body["items"] = [{**line, "description": f"{line['description']} #{n + 1}"}
                     for n, line in enumerate(lines)]  # fmt: skip
    headers = {"api_key": api_key, "content-type": "application/json"}
    reply = harness.request(port, "POST", "/v1/invoices", headers, json.dumps(body).encode())
    if reply.status != 201:
        raise RuntimeError(f"create: {reply.status} {reply.body!r}")
    invoice = json.loads(reply.body)["invoice"]
    return {"api_key": api_key, "id": invoice["id"], "token": invoice["link"].rsplit("/", 1)[1]}
