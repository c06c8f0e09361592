"""webhook inbox: the updates Telegram posted, kept until handled (retried from here on failure)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_inbox',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_try_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_webhook_inbox'))
    )
    op.create_index('ix_webhook_inbox_pending', 'webhook_inbox', ['done_at', 'update_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_inbox_pending', table_name='webhook_inbox')
    op.drop_table('webhook_inbox')
