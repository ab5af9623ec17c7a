"""Benchmark the SDK's overhead: sequential `get` calls through fawtara.client against the same
requests made with raw httpx, in the same run.

    .venv/bin/python bench/sdk_overhead.py [--calls 1000] [--rounds 7]

One `fawtara serve` (one worker, no access log) on a SQLite database in a temporary directory
serves one invoice, the README's detailed example (client, 3 items, a payment). Each round times
`--calls` sequential gets of it four ways, in an order that alternates from round to round:

- Fatora-style: `FatoraClient.invoices.get(id)` (a typed `Invoice`, Decimal amounts) against
  `httpx.Client.get` with the same bearer token and `response.json()`;
- Hesabe-style: `HesabeClient.invoices.get(id)` against `httpx.Client.get` with the same token,
  `accessCode` and sealed `?data=`, then opening the sealed answer with the same envelope.

The report gives medians over the rounds (after one warm-up round) and the SDK/httpx ratio of
each dialect; it goes to the terminal and bench/out/sdk_overhead.md. See bench/README.md.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import harness
import httpx

from fawtara.client import FatoraClient, HesabeClient
from fawtara.credentials import hesabe
from fawtara.credentials.keys import KeyHasher, issue_api_key
from fawtara.credentials.secrets import SecretBox
from fawtara.db import Database
from fawtara.envelope import Envelope
from fawtara.merchants.service import create_merchant
from fawtara.settings import Settings

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
EXAMPLE = BENCH.parent / "docs" / "examples" / "invoice-en.json"
FAWTARA = str(Path(sys.executable).with_name("fawtara"))
MASTER_KEY = "bench-master-key-0123456789abcdef"
PASSWORD = "bench password"
TARGET = 1.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, harness.stop_on_signals():
        report = run(Path(folder), args.calls, args.rounds)
    (OUT / "sdk_overhead.md").write_text(report)
    print(report)


def run(folder: Path, calls: int, rounds: int) -> str:
    url = f"sqlite:///{folder / 'fawtara.db'}"
    env = {**os.environ, "FAWTARA_DATABASE_URL": url, "FAWTARA_MASTER_KEY": MASTER_KEY}
    port = harness.free_port()
    base = f"http://{harness.LOOPBACK}:{port}"
    argv = [FAWTARA, "serve", "--host", harness.LOOPBACK, "--port", str(port), "--no-access-log"]
    with harness.Server("fawtara", argv, env, port, folder / "fawtara.log") as server:
        server.wait_ready("/openapi.json")
        login = _merchant(Settings(database_url=url, master_key=MASTER_KEY))
        with (
            FatoraClient(base, login["api_key"]) as fatora,
            HesabeClient(base, **{k: v for k, v in login.items() if k != "api_key"}) as hesabe,
            httpx.Client(base_url=base) as raw,
        ):
            invoice = fatora.invoices.create(**json.loads(EXAMPLE.read_text(), parse_float=Decimal))
            ways = _ways(fatora, hesabe, raw, login, invoice.id)
            times: dict[str, list[float]] = {name: [] for name in ways}
            for round_no in range(rounds + 1):  # round 0 warms up
                order = list(ways) if round_no % 2 else list(reversed(ways))
                for name in order:
                    start = time.perf_counter()
                    for _ in range(calls):
                        ways[name]()
                    if round_no:
                        times[name].append(time.perf_counter() - start)
                if round_no:
                    timed = ", ".join(f"{name} {times[name][-1]:.3f} s" for name in ways)
                    print(f"round {round_no}: {timed}", flush=True)
    return _report(times, calls, rounds)


def _merchant(settings: Settings) -> dict[str, str]:
    """A KWD merchant with an API key and a Hesabe-style user, as `fawtara merchant create`."""
    database = Database(settings)
    with database.session() as session:
        merchant = create_merchant(session, name="Bench", currency="KWD", tax_rate_bp=500)
        _, api_key = issue_api_key(session, KeyHasher(MASTER_KEY), merchant_id=merchant.id)
        codes = hesabe.assign(session, SecretBox(MASTER_KEY), merchant)
        user = hesabe.add_user(session, merchant, username=None, password=PASSWORD)
    database.dispose()
    return {
        "api_key": api_key,
        "username": user.username,
        "password": PASSWORD,
        "access_code": codes.access_code,
        "merchant_code": codes.merchant_code,
        "secret_key": codes.secret_key,
        "iv": codes.iv,
    }


def _ways(
    fatora: FatoraClient,
    hesabe_client: HesabeClient,
    raw: httpx.Client,
    login: dict[str, str],
    invoice_id: int,
) -> dict[str, Callable[[], object]]:
    bearer = raw.post("/v1/Authorization/Authorize", headers={"api_key": login["api_key"]})
    fatora_headers = {"Authorization": f"Bearer {bearer.json()['bearer_token']}"}
    answer = raw.post("/api/v1/login", json={"username": login["username"], "password": PASSWORD})
    envelope = Envelope(login["secret_key"], login["iv"])
    hesabe_headers = {
        "Authorization": f"Bearer {answer.json()['response']['token']['access_token']}",
        "accessCode": login["access_code"],
        "Accept": "application/json",
    }

    def raw_fatora() -> object:
        response = raw.get(f"/v1/invoices/{invoice_id}", headers=fatora_headers)
        response.raise_for_status()
        return response.json()["invoice"]

    def raw_hesabe() -> object:
        data = envelope.seal({"merchantCode": login["merchant_code"]})
        response = raw.get(
            f"/api/v1/invoice/{invoice_id}", params={"data": data}, headers=hesabe_headers
        )
        response.raise_for_status()
        return envelope.open(response.json()["response"])["response"]

    return {
        "Fatora SDK": lambda: fatora.invoices.get(invoice_id),
        "Fatora httpx": raw_fatora,
        "Hesabe SDK": lambda: hesabe_client.invoices.get(invoice_id),
        "Hesabe httpx": raw_hesabe,
    }


def _report(times: dict[str, list[float]], calls: int, rounds: int) -> str:
    median = {name: statistics.median(values) for name, values in times.items()}
    lines = [
        f"# SDK overhead: {calls:,} sequential gets, medians of {rounds} rounds",
        "",
        "| dialect | SDK | httpx | SDK / httpx | per call, SDK − httpx |",
        "|---|---:|---:|---:|---:|",
    ]
    for dialect in ("Fatora", "Hesabe"):
        sdk, raw = median[f"{dialect} SDK"], median[f"{dialect} httpx"]
        extra = (sdk - raw) / calls * 1e6
        lines.append(
            f"| {dialect} | {sdk:.3f} s | {raw:.3f} s | {sdk / raw:.3f} | {extra:.0f} µs |"
        )
    worst = max(median[f"{d} SDK"] / median[f"{d} httpx"] for d in ("Fatora", "Hesabe"))
    verdict = "met" if worst <= TARGET else "missed"
    lines += ["", f"Target SDK / httpx ≤ {TARGET}: {verdict} (worst {worst:.3f})."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
