"""`/i/{token}.pdf` under load: one render per version however many ask at once, across
processes; a bounded pool that answers 503 beyond its queue; a dead renderer's lease expires."""

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import sql
from tests.fixtures.server import Server, running, two_running
from tests.hosted.samples import Issued, issue
from tests.hosted.test_page import assert_private
from tests.hosted.test_pdf import kept_pdfs


def renders(*servers: Server, invoice_id: int) -> int:
    """How many times the servers rendered the invoice's PDF (one log line per render)."""
    count = 0
    for server in servers:
        for line in server.log().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("message") == "pdf rendered" and entry["invoice_id"] == invoice_id:
                    count += 1
    return count


def download(url: str, path: str) -> httpx.Response:
    return httpx.get(url + path, timeout=120)


class TestOneRenderPerVersion:
    def test_twenty_first_downloads_over_two_processes_render_once(
        self, server: Server, english: Issued, tmp_path: Path
    ) -> None:
        path = english.path + ".pdf"
        with two_running(server.database_url, tmp_path) as (first, second):
            urls = [first.url, second.url] * 10
            with ThreadPoolExecutor(20) as pool:
                answers = list(pool.map(download, urls, [path] * 20))
            assert [a.status_code for a in answers] == [200] * 20
            assert len({a.content for a in answers}) == 1
            assert renders(first, second, invoice_id=english.invoice["id"]) == 1

    def test_a_dead_renderers_lease_expires(
        self, anonymous: httpx.Client, server: Server, english: Issued
    ) -> None:
        assert anonymous.get(english.path + ".pdf", timeout=60).status_code == 200
        ((fingerprint, _),) = kept_pdfs(server.database_url, english.invoice["id"])
        # As a renderer leaves them that died after its claim: a lease, and no PDF kept.
        invoice = {"id": english.invoice["id"]}
        sql(server.database_url, "DELETE FROM invoice_documents WHERE invoice_id = :id", invoice)
        expires = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=2)
        sql(
            server.database_url,
            "INSERT INTO pdf_render_claims (invoice_id, fingerprint, expires_at)"
            " VALUES (:id, :fingerprint, :expires)",
            {**invoice, "fingerprint": fingerprint, "expires": expires},
        )
        started = time.monotonic()
        answer = anonymous.get(english.path + ".pdf", timeout=60)
        assert answer.status_code == 200
        assert time.monotonic() - started >= 1.5  # it waited for the lease, then rendered
        assert [f for f, _ in kept_pdfs(server.database_url, english.invoice["id"])] == [
            fingerprint
        ]


class TestBoundedPool:
    def test_beyond_the_queue_is_503_with_retry_after(self, server: Server, tmp_path: Path) -> None:
        env = {"FAWTARA_PDF_RENDER_WORKERS": "1", "FAWTARA_PDF_RENDER_QUEUE": "0"}
        with running(server.database_url, tmp_path / "busy.log", env=env) as busy:
            invoices = [issue(busy.url, busy.database_url, "en") for _ in range(4)]
            paths = [issued.path + ".pdf" for issued in invoices]
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(download, [busy.url] * 4, paths))
            statuses = sorted(a.status_code for a in answers)
            assert statuses[0] == 200, statuses  # one renders…
            assert 503 in statuses, statuses  # …while the others find no room
            refused = next(a for a in answers if a.status_code == 503)
            assert refused.headers["retry-after"] == "5"
            assert refused.headers["content-type"].startswith("text/html")
            assert "This PDF is being prepared" in refused.text
            assert_private(refused)
            # Asked again, every one is served.
            for path in paths:
                assert download(busy.url, path).status_code == 200


def children(pid: int) -> set[int]:
    """The live processes whose parent is `pid`, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if fields[1] == str(pid) and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            live.add(pid)
    return live


class TestRenderersEndWithTheServer:
    def test_a_killed_servers_renderers_end_even_mid_render(
        self, server: Server, tmp_path: Path
    ) -> None:
        with running(server.database_url, tmp_path / "killed.log") as killed:
            warm = issue(killed.url, killed.database_url, "en")
            assert download(killed.url, warm.path + ".pdf").status_code == 200
            renderers = children(killed.process.pid)
            assert renderers  # the pool's processes (and multiprocessing's tracker)
            long = issue(killed.url, killed.database_url, "ar", items=400)
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(download, killed.url, long.path + ".pdf")
                time.sleep(1)  # the renderer is now busy with the long invoice
                killed.process.send_signal(signal.SIGKILL)
                with pytest.raises(httpx.TransportError):
                    pending.result()
            deadline = time.monotonic() + 10
            while alive(renderers) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert alive(renderers) == set()
