"""The Alembic migrations build exactly the models' schema, on both databases."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from fawtara import migrate
from fawtara.db import Database
from fawtara.models import Base
from fawtara.settings import Settings
from tests.fixtures.databases import BACKENDS, fresh_database
from tests.fixtures.server import MASTER_KEY


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    with fresh_database(request.param, tmp_path) as url:
        db = Database(Settings(database_url=url, master_key=MASTER_KEY))
        try:
            yield db
        finally:
            db.dispose()


def test_upgrade_matches_the_models_and_is_idempotent(database: Database) -> None:
    migrate.upgrade(database.engine)
    migrate.upgrade(database.engine)
    assert migrate.is_current(database.engine)
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"]
)
def test_the_audit_log_is_append_only(database: Database, statement: str) -> None:
    migrate.upgrade(database.engine)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (merchant_id, actor, action, entity_type, entity_id,"
                " snapshot, created_at) VALUES (1, 'cli', 'test', 'invoice', 1, '{}', '2026-01-01')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(statement))
