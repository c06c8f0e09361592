"""kb misses: questions that got no confident article, grouped by GET /api/v1/kb/gaps (issue 13)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kb_misses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('service', sa.String(length=32), nullable=True),
    sa.Column('context', sa.String(length=16), nullable=False),
    sa.Column('asked_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_misses_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_misses'))
    )
    with op.batch_alter_table('kb_misses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_misses_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_misses_asked_at'), ['asked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kb_misses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_misses_asked_at'))
        batch_op.drop_index(batch_op.f('ix_kb_misses_user_id'))
    op.drop_table('kb_misses')
