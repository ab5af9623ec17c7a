"""What operators see: health and readiness, request ids, JSON logs, Prometheus metrics."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import fatora_client
from tests.fixtures.databases import BACKENDS, fresh_database, sql
from tests.fixtures.factories import new_merchant
from tests.fixtures.server import Server, running

INVOICE = {"amount": 12.5, "description": "Metrics"}


@pytest.fixture(params=BACKENDS)
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own: these tests change or break its database."""
    with (
        fresh_database(request.param, tmp_path) as url,
        running(url, tmp_path / "server.log", args=("--workers", "2")) as server,
    ):
        yield server


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        sample, _, value = line.rpartition(" ")
        base, _, rest = sample.partition("{")
        if base == name and ",".join(sorted(rest.rstrip("}").split(","))) == wanted:
            return float(value)
    return 0.0


class TestHealth:
    def test_healthz_and_readyz_answer_when_all_is_well(self, server: Server) -> None:
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{server.url}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "database": "ok"}

    def test_not_ready_when_migrations_are_not_current(self, own_server: Server) -> None:
        sql(own_server.database_url, "UPDATE alembic_version SET version_num = 'older'")
        ready = httpx.get(f"{own_server.url}/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "not ready"
        assert ready.json()["database"].startswith("migrations not current: at older, expected ")
        assert httpx.get(f"{own_server.url}/healthz").status_code == 200  # the process is up

    def test_ops_routes_are_not_in_the_api_document(self, server: Server) -> None:
        paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
        assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


class TestRequestIds:
    def test_a_request_id_is_made_echoed_and_logged(
        self, server: Server, api: httpx.Client
    ) -> None:
        created = api.post("/v1/invoices", json=INVOICE)
        made = created.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        given = api.get(f"/v1/invoices/{created.json()['invoice']['id']}?x=1",
                        headers={"X-Request-ID": "order-42.retry:1"})  # fmt: skip
        assert given.headers["x-request-id"] == "order-42.retry:1"
        forged = api.get("/v1/invoices", headers={"X-Request-ID": "a b\tforged"})
        assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])
        lines = {entry["request_id"]: entry for entry in server.access_log()}
        assert lines[made]["method"] == "POST"
        assert lines[made]["status"] == 201
        assert lines[made]["route"] == "/v1/invoices"
        get = lines["order-42.retry:1"]
        assert get["route"] == "/v1/invoices/{invoice_id}"
        assert get["path"] == f"/v1/invoices/{created.json()['invoice']['id']}"  # no query
        assert get["duration_ms"] > 0

    def test_errors_carry_the_id_too(self, server: Server) -> None:
        refused = httpx.get(f"{server.url}/v1/invoices/1", headers={"api_key": "wrong"})
        assert refused.status_code == 401
        assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
        unmatched = httpx.get(f"{server.url}/nowhere/{'x' * 40}")
        assert unmatched.status_code == 404
        entry = next(e for e in server.access_log()
                     if e["request_id"] == unmatched.headers["x-request-id"])  # fmt: skip
        assert entry["route"] == "unmatched"

    @pytest.mark.parametrize("backend", ["postgres"])
    def test_an_unexpected_failure_is_a_dialect_500_with_its_traceback_logged_under_its_id(
        self, tmp_path: Path, backend: str
    ) -> None:
        with fresh_database(backend, tmp_path) as url, running(url, tmp_path / "s.log") as server:
            merchant = new_merchant(url)
            # The database goes away under the server: any query now fails.
            sql(url, "ALTER TABLE invoices RENAME TO invoices_gone")
            with fatora_client(server, merchant) as api:
                failed = api.get("/v1/invoices")
            sql(url, "ALTER TABLE invoices_gone RENAME TO invoices")
            assert failed.status_code == 500
            assert failed.json() == {
                "status": "ERROR",
                "error": {"error_code": "500", "description": "Internal server error"},
            }
            rid = failed.headers["x-request-id"]
            lines = [json.loads(line) for line in server.log().splitlines() if line[:1] == "{"]
            error = next(e for e in lines if e["logger"] == "fawtara.errors")
            assert error["request_id"] == rid
            assert "UndefinedTable" in error["exc_info"]
            metrics = httpx.get(f"{server.url}/metrics").text
            labels = {"method": "GET", "route": "/v1/invoices"}
            assert metric(metrics, "fawtara_http_exceptions_total", **labels) == 1
            assert metric(metrics, "fawtara_http_requests_total", **labels, status="500") == 1


class TestLogs:
    def test_every_line_the_server_writes_is_json(self, server: Server, api: httpx.Client) -> None:
        api.get("/v1/invoices")
        lines = server.log().splitlines()
        assert len(lines) > 3
        entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
        assert {"time", "level", "logger", "message"} <= set(entries[0])


class TestMetrics:
    def test_requests_latency_and_pool_summed_over_workers(self, own_server: Server) -> None:
        merchant = new_merchant(own_server.database_url)
        with fatora_client(own_server, merchant) as api:
            invoice = api.post("/v1/invoices", json=INVOICE).json()["invoice"]
            for _ in range(20):
                assert api.get(f"/v1/invoices/{invoice['id']}").status_code == 200
            for _ in range(3):
                assert api.get("/v1/invoices/999999").status_code == 404
        # Each scrape lands on either worker; all of them see the same sums.
        for _ in range(4):
            text = httpx.get(f"{own_server.url}/metrics").text
            get = {"method": "GET", "route": "/v1/invoices/{invoice_id}"}
            assert metric(text, "fawtara_http_requests_total", **get, status="200") == 20
            assert metric(text, "fawtara_http_requests_total", **get, status="404") == 3
            assert metric(text, "fawtara_http_request_duration_seconds_count", **get) == 23
            assert (
                metric(text, "fawtara_http_request_duration_seconds_bucket", **get, le="+Inf") == 23
            )
            post = {"method": "POST", "route": "/v1/invoices", "status": "201"}
            assert metric(text, "fawtara_http_requests_total", **post) == 1
            assert metric(text, "fawtara_db_pool_open", database="primary") >= 1
            assert metric(text, "fawtara_db_pool_checked_out", database="primary") >= 0
        if not own_server.database_url.startswith("sqlite"):
            capacity = metric(text, "fawtara_db_pool_capacity", database="primary")
            assert capacity == 2 * (10 + 10)  # two workers, pool size + overflow each
