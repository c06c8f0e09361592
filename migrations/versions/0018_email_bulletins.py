"""e-mail information notices of a service (003 «Рассылка уведомлений пользователям Системы»): the services'
subject and sender, a notice's sender, and the address lists exported from the systems' databases

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTER TABLE, not a copy of the table: on SQLite that would drop a table other rows reference
    op.add_column('services', sa.Column('notice_subject', sa.String(length=300), nullable=True))
    op.add_column('services', sa.Column('notice_from', sa.String(length=300), nullable=True))
    op.add_column('email_notices', sa.Column('sender', sa.String(length=300), nullable=True))
    op.create_table(
        'service_mail_addresses',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('service_code', sa.String(length=32), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('service_code', 'address'),
    )
    op.create_index('ix_service_mail_addresses_service_code', 'service_mail_addresses', ['service_code'])
    # NTTM's, as 003 gives them, for a catalog seeded before
    op.execute(sa.text("UPDATE services SET notice_subject = 'Информационное письмо NTTM', "
                       "notice_from = 'NTTM-support@RT.RU' WHERE code = 'nttm' AND notice_subject IS NULL"))


def downgrade() -> None:
    op.drop_index('ix_service_mail_addresses_service_code', table_name='service_mail_addresses')
    op.drop_table('service_mail_addresses')
    op.drop_column('email_notices', 'sender')
    op.drop_column('services', 'notice_from')
    op.drop_column('services', 'notice_subject')
