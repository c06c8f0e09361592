"""tickets: the intake dialog's key, unique, so an «Отправить» handled twice registers one ticket

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('intake_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_tickets_intake_key', ['intake_key'])


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint('uq_tickets_intake_key', type_='unique')
        batch.drop_column('intake_key')
