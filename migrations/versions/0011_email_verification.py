"""who may file: confirmed work e-mails and manual approvals, one-time codes, e-mail notices to requesters
without Telegram, and the outbox mark of the e-mail planner

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:33:17.362838
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_codes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=300), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('window_started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_email_codes'))
    )
    op.create_table('email_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['outbox.id'], name=op.f('fk_email_notices_event_id_outbox'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_notices_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_notices')),
    sa.UniqueConstraint('event_id', 'address', name=op.f('uq_email_notices_event_id'))
    )
    with op.batch_alter_table('email_notices', schema=None) as batch_op:
        batch_op.create_index('ix_email_notices_due', ['status', 'next_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_notices_event_id'), ['event_id'], unique=False)

    op.create_table('user_verifications',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('email', sa.String(length=300), nullable=True),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('verified_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_verifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_verifications'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_unmailed', ['mailed_at', 'id'], unique=False)
    # events written before this revision were never meant for e-mail: the planner starts with the new ones
    op.execute("UPDATE outbox SET mailed_at = created_at")



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unmailed')
        batch_op.drop_column('mailed_at')

    op.drop_table('user_verifications')
    with op.batch_alter_table('email_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_notices_event_id'))
        batch_op.drop_index('ix_email_notices_due')

    op.drop_table('email_notices')
    op.drop_table('email_codes')
