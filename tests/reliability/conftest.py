"""Servers of their own for the reliability tests: these kill and restart them, or run two on
one database, so they never share the suite's servers."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.databases import fresh_database
from tests.fixtures.server import Server, two_running


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgres", tmp_path) as url:
        yield url


@pytest.fixture
def two_servers(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two server processes, as on two hosts, over one PostgreSQL database."""
    with two_running(postgres_url, tmp_path) as servers:
        yield servers
