"""forum topics: whether Telegram has the ticket's topic closed (a finished ticket's topic is closed)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('forum_topics') as batch:
        batch.add_column(sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('forum_topics') as batch:
        batch.drop_column('closed')
