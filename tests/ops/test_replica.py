"""Read-replica routing on a real streaming replica: a primary and a hot standby of the test's
own (pg_basebackup), two server processes reading from the standby.

Replay on the standby is paused to make it visibly behind: what a server reads from it then
shows, and what it must read from the primary (its own just-made writes, a record the replica
has not got yet) shows too.
"""

import time
from collections.abc import Iterator
from ipaddress import IPv4Network
from pathlib import Path

import httpx
import pytest

from tests.conftest import fatora_client
from tests.fixtures.databases import sql
from tests.fixtures.factories import new_merchant
from tests.fixtures.postgres_cluster import postgres_cluster, standby
from tests.fixtures.server import Server, running
from tests.fixtures.system import cluster_tools
from tests.ops.test_ops import INVOICE, metric


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[str, str]]:
    bin_dir = cluster_tools()
    with (
        postgres_cluster(bin_dir, "127.0.0.1", IPv4Network("127.0.0.1/32")) as primary,
        standby(bin_dir, primary) as replica,
    ):
        yield primary, replica


def caught_up(primary: str, replica: str) -> None:
    """Wait until the standby has replayed everything the primary has written."""
    # The insert position: with synchronous_commit off, the last commits may not be written yet.
    target = sql(primary, "SELECT pg_current_wal_insert_lsn()::text")[0][0]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done = sql(replica, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]
        if done:
            return
        time.sleep(0.05)
    raise AssertionError("the standby did not catch up in 20 s")


def listed(api: httpx.Client) -> set[int]:
    return {invoice["id"] for invoice in api.get("/v1/invoices").json()["invoices"]}


@pytest.fixture(scope="module")
def servers(
    clusters: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    primary, replica = clusters
    folder = tmp_path_factory.mktemp("replica")
    env = {"FAWTARA_DATABASE_REPLICA_URL": replica}
    with (
        running(primary, folder / "a.log", env=env) as a,
        running(primary, folder / "b.log", env=env) as b,
    ):
        yield a, b


class TestReplicaRouting:
    def test_reads_go_to_the_replica_except_what_must_see_the_primary(
        self, clusters: tuple[str, str], servers: tuple[Server, Server]
    ) -> None:
        primary, replica = clusters
        a, b = servers
        merchant = new_merchant(primary)
        with fatora_client(a, merchant) as on_a, fatora_client(b, merchant) as on_b:
            old = on_a.post("/v1/invoices", json=INVOICE).json()["invoice"]["id"]
            caught_up(primary, replica)
            sql(replica, "SELECT pg_wal_replay_pause()")
            try:
                made = on_a.post("/v1/invoices", json=INVOICE).json()["invoice"]["id"]
                # B has not written for this merchant: its list comes from the paused replica.
                assert listed(on_b) == {old}
                # A wrote it: A's reads stay on the primary and see it.
                assert listed(on_a) == {old, made}
                # Not on the replica yet: B's get asks the primary, never a false 404.
                assert on_b.get(f"/v1/invoices/{made}").json()["invoice"]["id"] == made
                assert on_b.get(f"/v1/invoices/{old}").status_code == 200
            finally:
                sql(replica, "SELECT pg_wal_replay_resume()")
            caught_up(primary, replica)
            assert listed(on_b) == {old, made}
        text = httpx.get(f"{b.url}/metrics").text
        assert metric(text, "fawtara_db_reads_total", target="replica") >= 3
        assert metric(text, "fawtara_db_reads_total", target="primary") == 1  # the fallback
        assert metric(text, "fawtara_db_pool_open", database="replica") >= 1
        assert httpx.get(f"{b.url}/readyz").json() == {
            "status": "ready",
            "database": "ok",
            "replica": "ok",
        }

    def test_an_unreachable_replica_leaves_reads_to_the_primary(
        self, clusters: tuple[str, str], tmp_path: Path
    ) -> None:
        primary, _replica = clusters
        nowhere = "postgresql://postgres@127.0.0.1:9/postgres"  # the discard port: refused
        env = {"FAWTARA_DATABASE_REPLICA_URL": nowhere}
        with running(primary, tmp_path / "server.log", env=env) as server:
            merchant = new_merchant(primary)
            with fatora_client(server, merchant) as api:
                made = api.post("/v1/invoices", json=INVOICE).json()["invoice"]["id"]
                other = new_merchant(primary, name="Second")
            with fatora_client(server, other) as second:
                assert second.get("/v1/invoices").status_code == 200  # from the primary
                assert second.get(f"/v1/invoices/{made}").status_code == 404  # still scoped
            ready = httpx.get(f"{server.url}/readyz")
            assert ready.status_code == 200
            assert ready.json()["replica"].startswith("unreachable")
            assert "read replica unreachable" in server.log()
