"""tickets: the release whose installation resolves the ticket (003 «Решение обращения»: «Если устранение дефекта
реализовано в патче/обновлении, то разрешение обращения выполняется по факту установки соответствующего
обновления Системы»)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 18:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('release_id', sa.Integer(), nullable=True))
        batch.create_index('ix_tickets_release_id', ['release_id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index('ix_tickets_release_id')
        batch.drop_column('release_id')
