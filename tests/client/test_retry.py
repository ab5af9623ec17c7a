"""Retries, timeouts and transport failures, against a small real HTTP server that answers
what each test scripts (429 then 200, a slow answer, …) — the Fawtara server would not."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fawtara.client import (
    FatoraClient,
    FawtaraError,
    RateLimitError,
    RequestTimeout,
    Retry,
    ServerError,
    TransportError,
)
from tests.fixtures.server import free_port

INVOICE = {
    "id": 1,
    "number": "INV00001",
    "currency": "QAR",
    "due_date": None,
    "date": "2026-01-01T10:00:00+00:00",
    "status": "unpaid",
    "type": "Quick invoice",
    "client": None,
    "title": None,
    "link": "https://invoices.example.test/i/token",
    "items": [{"id": 1, "description": "x", "type": "Service Item", "qty": 1.0, "amount": 100.005}],
    "payments": [],
    "setting": {
        "tax": False,
        "discount": 0.0,
        "discount_type": "",
        "language": "en",
        "accepted_payment_methods": dict.fromkeys(
            ("card", "bank_account", "cash", "paypal", "e_signature"), True
        ),
    },
}
OK = (200, {}, {"status": "SUCCESS", "invoice": INVOICE})
SLOW_DOWN = {"status": "ERROR", "error": {"error_code": "429", "description": "Slow down"}}
BUSY = (429, {"Retry-After": "0"}, SLOW_DOWN)


@dataclass
class Stub:
    """Answers requests with the scripted (status, headers, body) in turn, the last one again
    when the script runs out, after `delay` seconds."""

    url: str
    answers: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    delay: float = 0.0
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def stub() -> Iterator[Stub]:
    port = free_port()
    state = Stub(f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append(f"{self.command} {self.path}")
            time.sleep(state.delay)
            status, headers, body = state.answers[min(len(state.seen), len(state.answers)) - 1]
            content = json.dumps(body).encode()
            try:
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except ConnectionError:  # the client gave up waiting (the timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def client(stub: Stub, **options: Any) -> FatoraClient:
    return FatoraClient(stub.url, "KEY", bearer=False, **options)


class TestRetry:
    def test_429_then_200(self, stub: Stub) -> None:
        stub.answers = [BUSY, OK]
        with client(stub) as fatora:
            invoice = fatora.invoices.get(1)
        assert str(invoice.items[0].amount) == "100.005"
        assert stub.seen == ["GET /v1/invoices/1"] * 2

    def test_503_without_retry_after_backs_off(self, stub: Stub) -> None:
        stub.answers = [(503, {}, {"status": "ERROR"}), (503, {}, {}), OK]
        started = time.monotonic()
        with client(stub, retry=Retry(attempts=3, backoff=0.2)) as fatora:
            assert fatora.invoices.get(1).id == 1
        # Waits of 0.1-0.2 s, then 0.2-0.4 s.
        assert 0.3 <= time.monotonic() - started < 2
        assert len(stub.seen) == 3

    def test_retry_after_is_honoured(self, stub: Stub) -> None:
        stub.answers = [(429, {"Retry-After": "1"}, {}), OK]
        started = time.monotonic()
        with client(stub) as fatora:
            fatora.invoices.get(1)
        assert time.monotonic() - started >= 1

    def test_retry_after_as_a_date(self, stub: Stub) -> None:
        stub.answers = [(503, {"Retry-After": formatdate(time.time() + 1, usegmt=True)}, {}), OK]
        with client(stub) as fatora:
            fatora.invoices.get(1)
        assert len(stub.seen) == 2

    def test_attempts_are_bounded(self, stub: Stub) -> None:
        stub.answers = [BUSY]
        with client(stub, retry=Retry(attempts=4)) as fatora, pytest.raises(RateLimitError) as e:
            fatora.invoices.get(1)
        assert len(stub.seen) == 4
        assert (e.value.status_code, e.value.message, e.value.retry_after) == (429, "Slow down", 0)

    def test_a_long_retry_after_is_not_waited_for(self, stub: Stub) -> None:
        stub.answers = [(429, {"Retry-After": "3600"}, {"status": "ERROR", "error": "Later"})]
        started = time.monotonic()
        with client(stub) as fatora, pytest.raises(RateLimitError) as caught:
            fatora.invoices.get(1)
        assert time.monotonic() - started < 1
        assert (caught.value.retry_after, caught.value.message) == (3600, "Later")
        assert len(stub.seen) == 1

    def test_server_errors_are_not_retried(self, stub: Stub) -> None:
        stub.answers = [(500, {}, {"status": "ERROR", "error": {"description": "Boom"}})]
        with client(stub) as fatora, pytest.raises(ServerError) as caught:
            fatora.invoices.get(1)
        assert (caught.value.status_code, caught.value.message) == (500, "Boom")
        assert len(stub.seen) == 1


class TestTransport:
    def test_timeout(self, stub: Stub) -> None:
        stub.answers, stub.delay = [OK], 1.0
        with client(stub, timeout=0.2) as fatora, pytest.raises(RequestTimeout):
            fatora.invoices.get(1)
        assert len(stub.seen) == 1  # it may have been done: not sent again

    def test_nothing_listening_is_retried_then_raised(self) -> None:
        url = f"http://127.0.0.1:{free_port()}"
        retry = Retry(attempts=2, backoff=0.01)
        with FatoraClient(url, "KEY", bearer=False, retry=retry) as fatora:
            with pytest.raises(TransportError) as caught:
                fatora.invoices.get(1)
        assert caught.value.status_code is None

    def test_an_answer_of_another_shape(self, stub: Stub) -> None:
        stub.answers = [(200, {}, {"status": "SUCCESS", "invoice": {"id": "x"}})]
        with client(stub) as fatora, pytest.raises(FawtaraError, match="unexpected answer"):
            fatora.invoices.get(1)
