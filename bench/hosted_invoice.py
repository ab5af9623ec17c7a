"""Benchmark the invoice link: PDF render time of a 50-item invoice, and page throughput.

    .venv/bin/python bench/hosted_invoice.py [--items 50] [--renders 7] [--duration 10]
        [--connections 16] [--rounds 3]

1. PDF: a 50-item invoice in English and one in Arabic. The render alone (WeasyPrint, in this
   process, as the server calls it) and `GET /i/{token}.pdf` through the server, cold (a new
   version of the invoice each time, so the PDF is rendered) and kept (the same version again):
   medians of --renders each.
2. Page: wrk on `GET /i/{token}` (Arabic, 50 items) next to `GET /v1/invoices/{id}` of the same
   invoice and a do-nothing ASGI app serving the page's exact bytes (bench/baseline.py), same
   uvicorn settings and run, alternating; medians of --rounds, as ratios.
Writes bench/out/hosted_invoice.md. See bench/README.md.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
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
OUT = BENCH / "out"
EXAMPLES = BENCH.parent / "docs" / "examples"
FAWTARA = str(Path(sys.executable).with_name("fawtara"))
MASTER_KEY = "bench-master-key-0123456789abcdef"
BASE_URL = "https://invoices.example.test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--renders", type=int, default=7)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, harness.stop_on_signals():
        report = run(Path(folder), args)
    (OUT / "hosted_invoice.md").write_text(report)
    print(report)


def run(folder: Path, args: argparse.Namespace) -> str:
    url = f"sqlite:///{folder / 'fawtara.db'}"
    env = {**os.environ, "FAWTARA_DATABASE_URL": url, "FAWTARA_MASTER_KEY": MASTER_KEY,
           "FAWTARA_BASE_URL": BASE_URL}  # fmt: skip
    port = harness.free_port()
    argv = [FAWTARA, "serve", "--host", harness.LOOPBACK, "--port", str(port)]
    with harness.Server("fawtara", argv, env, port, folder / "fawtara.log") as server:
        server.wait_ready("/openapi.json")
        settings = Settings(database_url=url, master_key=MASTER_KEY, base_url=BASE_URL)
        invoices = {lang: _issue(settings, port, lang, args.items) for lang in ("en", "ar")}
        lines = [f"# Invoice link: {args.items}-item invoices\n"]
        lines += _pdf_report(settings, port, invoices, args.renders)
        lines += _page_report(server, folder, invoices["ar"], args)
    return "\n".join(lines) + "\n"


def _issue(settings: Settings, port: int, language: str, items: int) -> dict[str, Any]:
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


def _timed_get(port: int, path: str, headers: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    reply = harness.request(port, "GET", path, headers)
    elapsed = time.perf_counter() - start
    if reply.status != 200:
        raise RuntimeError(f"GET {path}: {reply.status}")
    return elapsed * 1000


def _renew(port: int, invoice: dict[str, Any]) -> None:
    """A new link: a new version of the invoice whose PDF is not kept yet."""
    path = f"/v1/invoices/{invoice['id']}/link"
    reply = harness.request(port, "POST", path, {"api_key": invoice["api_key"]})
    invoice["token"] = json.loads(reply.body)["invoice"]["link"].rsplit("/", 1)[1]


def _pdf_report(
    settings: Settings, port: int, invoices: dict[str, dict[str, Any]], renders: int
) -> list[str]:
    lines = [
        "## PDF",
        "",
        "| invoice | render alone | GET .pdf cold (rendered) | GET .pdf kept | kept / cold |",
        "|---|---:|---:|---:|---:|",
    ]
    renderer = PdfRenderer()
    database = Database(settings)
    for language, invoice in invoices.items():
        with database.session(write=False) as session:
            hosted = open_invoice(session, invoice["token"])
        html = invoice_html(hosted, f"{BASE_URL}/i/{invoice['token']}", printable=True).html
        renderer(html)  # the first render loads fonts: not what a server pays per request
        alone = []
        for _ in range(renders):
            start = time.perf_counter()
            renderer(html)
            alone.append((time.perf_counter() - start) * 1000)
        cold, kept = [], []
        for _ in range(renders):
            _renew(port, invoice)
            cold.append(_timed_get(port, f"/i/{invoice['token']}.pdf"))
            kept.append(_timed_get(port, f"/i/{invoice['token']}.pdf"))
        a, c, k = (statistics.median(v) for v in (alone, cold, kept))
        lines.append(f"| {language} | {a:.0f} ms | {c:.0f} ms | {k:.1f} ms | {k / c:.3f} |")
        print(lines[-1], flush=True)
    database.dispose()
    return [*lines, ""]


def _page_report(
    server: harness.Server, folder: Path, invoice: dict[str, Any], args: argparse.Namespace
) -> list[str]:
    page = harness.request(server.port, "GET", f"/i/{invoice['token']}")
    body = folder / "page.html"
    body.write_bytes(page.body)
    api = (server.port, f"/v1/invoices/{invoice['id']}", [invoice["api_key"]])
    targets = {"page /i/{token}": (server.port, f"/i/{invoice['token']}", []),
               "GET /v1/invoices/{id}": api}  # fmt: skip
    rps: dict[str, list[float]] = {name: [] for name in (*targets, "baseline (same bytes)")}
    p99: dict[str, list[float]] = {name: [] for name in rps}
    with harness.baseline_server(1, body, folder / "baseline.log") as baseline:
        baseline.wait_ready("/")
        targets["baseline (same bytes)"] = (baseline.port, "/", [])
        for round_no in range(args.rounds + 1):  # round 0 warms up
            for name, (target_port, path, script_args) in targets.items():
                result = harness.run_wrk(
                    target_port,
                    script=BENCH / "one_path.lua",
                    script_args=script_args,
                    duration=args.duration if round_no else 3,
                    connections=args.connections,
                    threads=2,
                    path=path,
                )
                if not result.ok:
                    raise RuntimeError(f"{name}: {result.errors}")
                if round_no:
                    rps[name].append(result.requests_per_second)
                    p99[name].append(result.p99_ms)
                    print(f"{name:24} {result.requests_per_second:8,.0f} req/s", flush=True)
    base = statistics.median(rps["baseline (same bytes)"])
    lines = [
        f"## Page throughput ({len(page.body):,} bytes of HTML, {args.connections} connections,"
        f" 1 worker, SQLite, medians of {args.rounds} x {args.duration:g} s)",
        "",
        "| target | req/s | p99 | share of baseline |",
        "|---|---:|---:|---:|",
    ]
    for name in rps:
        r, tail = statistics.median(rps[name]), statistics.median(p99[name])
        lines.append(f"| {name} | {r:,.0f} | {tail:.1f} ms | {r / base:.2f} |")
    return [*lines, ""]


if __name__ == "__main__":
    main()
