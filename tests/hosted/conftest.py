import pytest

from tests.fixtures.server import Server
from tests.hosted.samples import Issued, issue


@pytest.fixture
def english(server: Server) -> Issued:
    return issue(server.url, server.database_url, "en")


@pytest.fixture
def arabic(server: Server) -> Issued:
    return issue(server.url, server.database_url, "ar")
