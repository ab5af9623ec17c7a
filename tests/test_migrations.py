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


def test_each_merchant_s_invoice_count_is_kept_by_the_database(database: Database) -> None:
    """0005 counts the invoices already there, then its triggers follow every insert and
    delete, however written: single and multi-row statements, and a merchant's deletion."""
    migrate.upgrade(database.engine, "0004")
    invoice = (
        "INSERT INTO invoices (merchant_id, number, currency, date, status, type, link_token,"
        " tax, discount_type, discount_minor, discount_rate_bp, language, accept_card,"
        " accept_bank_account, accept_cash, accept_paypal, accept_e_signature, total_minor,"
        " paid_minor, version, created_at, updated_at)"
        " VALUES (:merchant, :number, 'QAR', '2026-01-01', 'unpaid', 'Detailed Invoice',"
        " :token, false, '', 0, 0, 'en', true, true, true, true, true, 100, 0, 1,"
        " '2026-01-01', '2026-01-01')"
    )
    merchant = "INSERT INTO merchants (id, name, default_currency, tax_rate_bp, last_invoice_seq,"
    merchant += " is_demo, created_at) VALUES (:id, :name, 'QAR', 0, 0, false, '2026-01-01')"

    def counts() -> dict[int, int]:
        with database.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, invoice_count FROM merchants ORDER BY id"))
            return {merchant_id: count for merchant_id, count in rows}

    with database.engine.begin() as connection:
        for merchant_id in (1, 2, 3):
            connection.execute(text(merchant), {"id": merchant_id, "name": f"m{merchant_id}"})
        rows = [{"merchant": 1, "number": f"A{n}", "token": f"a{n}"} for n in range(3)]
        rows.append({"merchant": 2, "number": "B0", "token": "b0"})
        connection.execute(text(invoice), rows)
    migrate.upgrade(database.engine)
    assert counts() == {1: 3, 2: 1, 3: 0}  # counted by the upgrade

    with database.engine.begin() as connection:
        rows = [{"merchant": 3, "number": f"C{n}", "token": f"c{n}"} for n in range(5)]
        connection.execute(text(invoice), rows)
        connection.execute(text("DELETE FROM invoices WHERE number IN ('A0', 'A1', 'C4')"))
    assert counts() == {1: 1, 2: 1, 3: 4}

    with database.engine.begin() as connection:
        # A statement of no rows changes nothing.
        connection.execute(text("INSERT INTO invoices SELECT * FROM invoices WHERE 1 = 0"))
        connection.execute(text("DELETE FROM merchants WHERE id = 1"))  # its invoices cascade
        connection.execute(text("DELETE FROM invoices WHERE merchant_id = 3"))
    assert counts() == {2: 1, 3: 0}


def test_stored_invoice_kinds_become_dialect_free(database: Database) -> None:
    """0009 turns the Fatora spelling the core used to store into the core's kinds."""
    migrate.upgrade(database.engine, "0004")
    merchant = "INSERT INTO merchants (id, name, default_currency, tax_rate_bp, last_invoice_seq,"
    merchant += " is_demo, created_at) VALUES (1, 'm', 'QAR', 0, 0, false, '2026-01-01')"
    invoice = (
        "INSERT INTO invoices (merchant_id, number, currency, date, status, type, link_token,"
        " tax, discount_type, discount_minor, discount_rate_bp, language, accept_card,"
        " accept_bank_account, accept_cash, accept_paypal, accept_e_signature, total_minor,"
        " paid_minor, version, created_at, updated_at)"
        " VALUES (1, :number, 'QAR', '2026-01-01', 'unpaid', :type,"
        " :number, false, '', 0, 0, 'en', true, true, true, true, true, 100, 0, 1,"
        " '2026-01-01', '2026-01-01')"
    )
    with database.engine.begin() as connection:
        connection.execute(text(merchant))
        connection.execute(
            text(invoice),
            [{"number": "Q", "type": "Quick invoice"}, {"number": "D", "type": "Detailed invoice"}],
        )
    migrate.upgrade(database.engine)
    with database.engine.connect() as connection:
        kinds = dict(connection.execute(text("SELECT number, type FROM invoices")).all())
    assert kinds == {"Q": "quick", "D": "detailed"}
