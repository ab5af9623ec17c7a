"""Alembic environment: the URL comes from Fawtara's settings (FAWTARA_DATABASE_URL)."""

from alembic import context
from sqlalchemy import Connection

from fawtara.db import make_engine
from fawtara.models import Base
from fawtara.settings import Settings


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(Settings())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
