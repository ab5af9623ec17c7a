"""Sign-in matches usernames whatever their case: each user's folded username, unique.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 09:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_users = sa.table(
    "merchant_users",
    sa.column("id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("username_key", sa.String()),
)


def _key(username: str) -> str:
    """fawtara.models.merchant_user.username_key as of this revision (migrations keep their
    own copy: the model's may change later)."""
    return unicodedata.normalize("NFKC", username).casefold()


def upgrade() -> None:
    with op.batch_alter_table("merchant_users") as batch:
        batch.add_column(sa.Column("username_key", sa.String(450), nullable=True))
    connection = op.get_bind()
    keys: dict[str, str] = {}
    for user_id, username in connection.execute(sa.select(_users.c.id, _users.c.username)):
        key = _key(username)
        if key in keys:
            raise RuntimeError(
                f"usernames {keys[key]!r} and {username!r} differ only in case: rename one "
                "(fawtara merchant users are matched whatever the case from this version on)"
            )
        keys[key] = username
        connection.execute(sa.update(_users).where(_users.c.id == user_id).values(username_key=key))
    with op.batch_alter_table("merchant_users") as batch:
        batch.alter_column("username_key", existing_type=sa.String(450), nullable=False)
        batch.create_unique_constraint("uq_merchant_users_username_key", ["username_key"])


def downgrade() -> None:
    with op.batch_alter_table("merchant_users") as batch:
        batch.drop_constraint("uq_merchant_users_username_key", type_="unique")
        batch.drop_column("username_key")
