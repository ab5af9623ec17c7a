"""Three machines made of network namespaces: a database host and two Fawtara hosts.

This machine is the database host (PostgreSQL on its LAN address); each Fawtara server runs in
a namespace of its own, with its own address, loopback and ports. They are built once for the
module; each test makes its own merchant, so no test sees another's data.
"""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.fixtures.netns import Lan, lan
from tests.fixtures.postgres_cluster import postgres_cluster
from tests.fixtures.server import Server, running
from tests.fixtures.system import cluster_tools

PORT = 8000  # the same on both hosts: each has its own network stack


@pytest.fixture(scope="module")
def network() -> Iterator[Lan]:
    with lan(2) as made:
        yield made


@pytest.fixture(scope="module")
def database_url(network: Lan) -> Iterator[str]:
    """A PostgreSQL cluster of its own on this machine's LAN address, trusting the LAN."""
    with postgres_cluster(cluster_tools(), network.gateway, network.subnet) as url:
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
