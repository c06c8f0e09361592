"""forum_topics: what the ticket was (status and assignee) when someone closed its topic by hand in Telegram, so the
card sync reopens the topic when the ticket's work changes, and a mere redraw of the card does not

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('forum_topics') as batch:
        batch.add_column(sa.Column('closed_mark', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('forum_topics') as batch:
        batch.drop_column('closed_mark')
