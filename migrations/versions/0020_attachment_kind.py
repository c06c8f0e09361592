"""ticket_attachments: the kind of each file (photo, voice, audio, document), so it is sent back with its method

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 17:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket_attachments') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_attachments') as batch:
        batch.drop_column('kind')
