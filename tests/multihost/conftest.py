"""Three machines made of network namespaces: a database host and two Fawtara hosts.

This machine is the database host (PostgreSQL on its LAN address); each Fawtara server runs in
a namespace of its own, with its own address, loopback and ports. They are built once for the
module; each test makes its own merchant, so no test sees another's data.
"""

import os
import pwd
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.fixtures.netns import Lan, lan, unavailable
from tests.fixtures.postgres_cluster import pg_bin, postgres_cluster
from tests.fixtures.server import Server, running

PORT = 8000  # the same on both hosts: each has its own network stack


@pytest.fixture(scope="module")
def network() -> Iterator[Lan]:
    with lan(2) as made:
        yield made


@pytest.fixture(scope="module")
def database_url(network: Lan) -> Iterator[str]:
    """A PostgreSQL cluster of its own on this machine's LAN address, trusting the LAN."""
    bin_dir = pg_bin()
    if bin_dir is None:
        unavailable("PostgreSQL's initdb and pg_ctl are missing (install Debian's postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("no `postgres` user to run PostgreSQL as (root cannot)")
    with postgres_cluster(bin_dir, network.gateway, network.subnet) as url:
        yield url


@pytest.fixture(scope="module")
def hosts(
    network: Lan, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """A Fawtara server on each host, same database and master key, as behind a load balancer.

    Started one after the other: the first applies the migrations to the empty database."""
    folder = tmp_path_factory.mktemp("multihost")
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                running(
                    database_url,
                    folder / f"{name}.log",
                    host=host.address,
                    port=PORT,
                    launcher=host.launcher,
                )
            )
            for name, host in zip("ab", network.hosts, strict=True)
        )
        yield a, b
