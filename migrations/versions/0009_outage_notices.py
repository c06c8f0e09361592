"""outages, service subscriptions (a service's audience), and the notice that unpins an earlier one

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:06:50.110499
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('what', sa.String(length=2000), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expected_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('restored_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('declared_by', sa.String(length=200), nullable=True),
    sa.Column('restored_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outages'))
    )
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outages_status'), ['status'], unique=False)

    op.create_table('service_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('releases', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_service_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_subscriptions')),
    sa.UniqueConstraint('user_id', 'service_code', name=op.f('uq_service_subscriptions_user_id'))
    )
    with op.batch_alter_table('service_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_subscriptions_service_code'), ['service_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_subscriptions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unpin_message_id', sa.BigInteger(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.drop_column('unpin_message_id')

    with op.batch_alter_table('service_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_service_subscriptions_service_code'))

    op.drop_table('service_subscriptions')
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outages_status'))

    op.drop_table('outages')
