import pytest

from tests.cli.user import User, fatora_env, hesabe_env
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server


@pytest.fixture
def user(
    server: Server, merchant: MerchantCredentials, tmp_path_factory: pytest.TempPathFactory
) -> User:
    """At a terminal with FAWTARA_URL and FAWTARA_API_KEY set (the Fatora-style API)."""
    return User(tmp_path_factory.mktemp("home"), fatora_env(server, merchant))


@pytest.fixture
def hesabe_user(
    server: Server, hesabe_merchant: MerchantCredentials, tmp_path_factory: pytest.TempPathFactory
) -> User:
    """At a terminal with FAWTARA_URL and the FAWTARA_HESABE_* credentials set."""
    return User(tmp_path_factory.mktemp("home"), hesabe_env(server, hesabe_merchant))
